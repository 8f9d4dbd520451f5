import { Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { LedgerTable } from './table.ts';

/** The deployed product. Issue #4 adds auth, API, functions, workflow, storage, schedules and monitoring. */
export class LinkageAidStack extends Stack {
  readonly ledger: LedgerTable;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: 'Linkage Aid table encryption' });
    this.ledger = new LedgerTable(this, 'Ledger', { key });
  }
}
