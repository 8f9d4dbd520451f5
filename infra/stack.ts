import { Stack, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { LedgerTable } from './table.ts';
import { VerificationWorkflow } from './workflow.ts';

/** The deployed product. Issue #4 adds auth, API, functions, storage, schedules and monitoring. */
export class LinkageAidStack extends Stack {
  readonly ledger: LedgerTable;
  readonly verification: VerificationWorkflow;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);
    const key = new Key(this, 'DataKey', { enableKeyRotation: true, description: 'Linkage Aid table encryption' });
    this.ledger = new LedgerTable(this, 'Ledger', { key });
    this.verification = new VerificationWorkflow(this, 'Verification', { table: this.ledger.table });
  }
}
