import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE_DESIGN } from '#shared/table.ts';

/**
 * The one table, created from the shared design (`shared/table.ts`), so its keys and indexes are the ones the
 * repositories use. Point-in-time recovery and deletion protection: the ledger is the system of record. TTL on
 * `expiresAt` lets DynamoDB delete expired rate-limit counters for free.
 */
export class LedgerTable extends Construct {
  readonly table: TableV2;

  constructor(scope: Construct, id: string, props: { key?: IKey } = {}) {
    super(scope, id);
    const s = (name: string) => ({ name, type: AttributeType.STRING });
    this.table = new TableV2(this, 'Table', {
      partitionKey: s(TABLE_DESIGN.partitionKey),
      sortKey: s(TABLE_DESIGN.sortKey),
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Only short-lived items carry it (rate-limit counters, `shared/ratelimit.ts`); the ledger never does.
      timeToLiveAttribute: TABLE_DESIGN.timeToLiveAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
      encryption: props.key ? TableEncryptionV2.customerManagedKey(props.key) : TableEncryptionV2.awsManagedKey(),
      globalSecondaryIndexes: Object.entries(TABLE_DESIGN.indexes).map(([indexName, ix]) => ({
        indexName,
        partitionKey: s(ix.partitionKey),
        sortKey: s(ix.sortKey),
      })),
    });
  }
}
