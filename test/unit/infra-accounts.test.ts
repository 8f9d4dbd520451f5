import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { LinkageAidStack } from '#infra/stack.ts';
import { deploymentOf } from '../support/deployment.ts';

/**
 * Who may reach Cognito (issue #12, item 7): only the admin's account routes and pages, each with only the calls it
 * makes, on this stack's user pool; and none may change a user's attributes after creation, so the scope the
 * admin set at invitation is the one every token carries.
 */
const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new LinkageAidStack(app, 'Test', { env: { account: '123456789012', region: 'cn-northwest-1' } });
const { resources, logicalId } = deploymentOf(stack);
const poolId = logicalId(stack.auth.userPool);

/** Each function (by handler file) and the Cognito statements of its role's policies. */
function cognitoGrants(): Map<string, { actions: string[]; resources: unknown[] }[]> {
  const roleOf = new Map<string, string>();
  for (const [handler, fn] of stack.api.functions) roleOf.set(logicalId(fn.role!), handler);
  const out = new Map<string, { actions: string[]; resources: unknown[] }[]>();
  for (const r of Object.values(resources).filter((x) => x.Type === 'AWS::IAM::Policy')) {
    for (const role of r.Properties.Roles as { Ref: string }[]) {
      for (const s of r.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[]) {
        const actions = [s.Action].flat().filter((a) => a.startsWith('cognito-idp:'));
        if (!actions.length) continue;
        const handler = roleOf.get(role.Ref) ?? role.Ref;
        out.set(handler, [...(out.get(handler) ?? []), { actions, resources: [s.Resource].flat() }]);
      }
    }
  }
  return out;
}

describe('the accounts’ reach into Cognito', () => {
  const grants = cognitoGrants();

  it('is granted to the account routes and the admin pages only, each its own calls', () => {
    const actions = Object.fromEntries([...grants].map(([h, g]) => [h, g.flatMap((s) => s.actions).sort()]));
    expect(actions).toStrictEqual({
      'create-user': ['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser'],
      'disable-user': ['cognito-idp:AdminDisableUser'],
      'enable-user': ['cognito-idp:AdminEnableUser'],
      'resend-invitation': ['cognito-idp:AdminCreateUser'],
      'admin-pages': [
        'cognito-idp:AdminAddUserToGroup',
        'cognito-idp:AdminCreateUser',
        'cognito-idp:AdminDisableUser',
        'cognito-idp:AdminEnableUser',
        'cognito-idp:AdminGetUser',
      ],
    });
  });

  it('on this user pool only, and never to update a user’s attributes', () => {
    for (const [handler, statements] of grants) {
      for (const s of statements) {
        expect(s.resources, handler).toStrictEqual([{ 'Fn::GetAtt': [poolId, 'Arn'] }]);
        expect(s.actions, handler).not.toContain('cognito-idp:AdminUpdateUserAttributes');
      }
    }
  });

  it('tells each of those functions which pool (USER_POOL_ID)', () => {
    for (const handler of ['create-user', 'disable-user', 'enable-user', 'resend-invitation', 'admin-pages']) {
      const fn = stack.api.functions.get(handler)!;
      const env = (resources[logicalId(fn)]!.Properties.Environment.Variables ?? {}) as Record<string, unknown>;
      expect(env.USER_POOL_ID, handler).toStrictEqual({ Ref: poolId });
    }
  });
});
