import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { createTableInput } from '#infra/local/dynamo.ts';
import { LinkageAidStack } from '#infra/stack.ts';
import { TABLE_DESIGN } from '#shared/table.ts';

describe('the deployed table', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  // A customer-managed key on TableV2 needs a concrete region.
  const template = Template.fromStack(
    new LinkageAidStack(app, 'Test', { env: { account: '123456789012', region: 'cn-northwest-1' } }),
  );
  const [table] = Object.values(template.findResources('AWS::DynamoDB::GlobalTable')) as {
    Properties: Record<string, any>;
  }[];

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
