import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { createTableInput } from '#infra/local/dynamo.ts';
import { LinkageAidStack } from '#infra/stack.ts';
import { TABLE_DESIGN } from '#shared/table.ts';
import { deploymentOf } from '../support/deployment.ts';

describe('the deployed table', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  // A customer-managed key on TableV2 needs a concrete region.
  const { ofType } = deploymentOf(
    new LinkageAidStack(app, 'Test', { env: { account: '123456789012', region: 'cn-northwest-1' } }),
  );
  const [table] = ofType('AWS::DynamoDB::GlobalTable').map(([, r]) => r);

  it('has the keys and indexes of the shared table design, as the local stack does', () => {
    const p = table!.Properties;
    expect(p.KeySchema).toStrictEqual([
      { AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' },
    ]);
    const local = createTableInput('x').GlobalSecondaryIndexes!.map((g) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
    }));
    const deployed = p.GlobalSecondaryIndexes.map((g: any) => ({ IndexName: g.IndexName, KeySchema: g.KeySchema }));
    expect(deployed).toStrictEqual(local);
  });

  it('keeps point-in-time recovery and deletion protection on', () => {
    const replica = table!.Properties.Replicas[0];
    expect(replica.PointInTimeRecoverySpecification).toStrictEqual({ PointInTimeRecoveryEnabled: true });
    expect(replica.DeletionProtectionEnabled).toBe(true);
  });
});
