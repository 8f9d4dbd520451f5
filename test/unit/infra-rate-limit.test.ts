import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { TABLE_ACCESS } from '#infra/access.ts';
import { LinkageAidStack } from '#infra/stack.ts';
import { TABLE_DESIGN } from '#shared/table.ts';
import { deploymentOf, type Resource } from '../support/deployment.ts';

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new LinkageAidStack(app, 'Test', { env: { account: '123456789012', region: 'cn-northwest-1' } });
const { ofType, logicalId } = deploymentOf(stack);
const logicalIdOf = (handler: string) => logicalId(stack.api.functions.get(handler)!);

describe('the per-client rate limit on AWS', () => {
  it('lets DynamoDB expire rate-limit counters by TTL on expiresAt', () => {
    const [[, table]] = ofType('AWS::DynamoDB::GlobalTable') as [[string, Resource]];
    expect(table.Properties.TimeToLiveSpecification).toStrictEqual({
      AttributeName: TABLE_DESIGN.timeToLiveAttribute,
      Enabled: true,
    });
    expect(TABLE_DESIGN.timeToLiveAttribute).toBe('expiresAt');
  });

  it('gives the counter key, a secret of its own, to the two ways of filing an objection and nothing else', () => {
    const secrets = ofType('AWS::SecretsManager::Secret').filter(([, s]) =>
      String(s.Properties.Description).includes('rate-limit'),
    );
    expect(secrets).toHaveLength(1);
    const [secretId] = secrets[0]!;
    const withArn = ofType('AWS::Lambda::Function')
      .filter(([, fn]) => fn.Properties.Environment?.Variables?.RATE_LIMIT_KEY_SECRET_ARN?.Ref === secretId)
      .map(([id]) => id)
      .sort();
    expect(withArn).toStrictEqual([logicalIdOf('file-objection'), logicalIdOf('public-pages')].sort());
    const readers = ofType('AWS::IAM::Policy')
      .filter(([, p]) =>
        (p.Properties.PolicyDocument.Statement as any[]).some(
          (s) => [s.Action].flat().includes('secretsmanager:GetSecretValue') && s.Resource?.Ref === secretId,
        ),
      )
      .flatMap(([, p]) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref));
    expect(readers).toHaveLength(2);
  });

  it('lets the objection route update its counter: UpdateItem, still no DeleteItem', () => {
    expect(TABLE_ACCESS['file-objection']).toBe('update');
    const role = logicalId(stack.api.functions.get('file-objection')!.role!);
    const actions = ofType('AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
      .flatMap(([, p]) => (p.Properties.PolicyDocument.Statement as any[]).flatMap((s) => [s.Action].flat()));
    expect(actions).toContain('dynamodb:UpdateItem');
    expect(actions).not.toContain('dynamodb:DeleteItem');
  });
});
