import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LinkageAidStack } from '#infra/stack.ts';
import { deploymentOf } from '../support/deployment.ts';

const ENV = { account: '123456789012', region: 'cn-northwest-1' };
const noBundling = { 'aws:cdk:bundling-stacks': [] };

// Spelled out rather than imported from infra/auth.ts: the test must not follow a rename there.
const SCOPE = ['custom:cadreId', 'custom:communityId', 'custom:unitId'];

const { ofType } = deploymentOf(new LinkageAidStack(new App({ context: noBundling }), 'Test', { env: ENV }));
const clients = ofType('AWS::Cognito::UserPoolClient').map(
  ([, r]) => r.Properties as { ReadAttributes?: string[]; WriteAttributes?: string[] },
);

/** What users may write with their own access token; Cognito reads a missing or empty list as "everything". */
function userWritable(): string[] {
  const write = clients[0]!.WriteAttributes ?? [];
  if (write.length === 0) throw new Error('no WriteAttributes: users may write every attribute, custom ones included');
  return write;
}

describe('the sign-in app client', () => {
  it("is the pool's only app client, so its lists are the whole story", () => {
    expect(clients).toHaveLength(1);
  });

  it('users cannot write the scope attributes authorization reads', () => {
    const write = userWritable();
    for (const attribute of SCOPE) expect(write).not.toContain(attribute);
  });

  it('users cannot move their sign-in or recovery address', () => {
    expect(userWritable()).not.toContain('email');
    expect(userWritable()).not.toContain('email_verified');
  });

  it('the ID token still carries the scope attributes', () => {
    expect(clients[0]!.ReadAttributes).toStrictEqual(expect.arrayContaining(SCOPE));
  });

  it('admins can still change a user scope (the attributes stay mutable)', () => {
    const [pool] = ofType('AWS::Cognito::UserPool').map(([, r]) => r);
    const schema = pool!.Properties.Schema as { Name: string; Mutable?: boolean }[];
    for (const attribute of SCOPE) {
      expect(schema.find((a) => `custom:${a.Name}` === attribute)?.Mutable).toBe(true);
    }
  });
});
