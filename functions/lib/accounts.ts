import {
  AdminAddUserToGroupCommand,
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminEnableUserCommand,
  AdminGetUserCommand,
  type AttributeType,
  CognitoIdentityProviderClient,
} from '@aws-sdk/client-cognito-identity-provider';
import type { AccountDirectory, Scope } from '#shared/accounts/index.ts';
import { conflict } from '#shared/errors.ts';
import { getStringFromEnv } from './env.ts';
import { localPort, registerLocalPort } from './local-ports.ts';

/**
 * The directory that signs users in. On AWS: the Cognito user pool (USER_POOL_ID). In the local stack: the
 * local directory below, registered by `infra/local/` (and the tests) before any handler runs.
 */
export function getAccountDirectory(): AccountDirectory {
  return localPort('accounts') ?? cognitoDirectory();
}

/** Whether accounts live only in the local user list (the local stack): nothing is mailed. */
export const usesLocalAccounts = () => localPort('accounts') !== undefined;

/** Registers the local directory (local stack and tests only); undefined restores Cognito. */
export function registerLocalAccounts(directory: AccountDirectory | undefined): void {
  registerLocalPort('accounts', directory);
}

/**
 * Locally there is no directory: the user list in the table is what local sign-in reads, so creating, disabling
 * and enabling need nothing more here, and an invitation is not mailed anywhere (the page says so).
 */
export const LOCAL_ACCOUNTS: AccountDirectory = {
  create: async (user) => ({ sub: `local-${user.username}` }),
  disable: async () => {},
  enable: async () => {},
  resend: async () => {},
};

/** The scope as Cognito attributes: only these three, and only the admin's path (this module) sets them. */
export function scopeAttributes(scope: Scope): AttributeType[] {
  const out: AttributeType[] = [];
  if (scope.cadreId) out.push({ Name: 'custom:cadreId', Value: scope.cadreId });
  if (scope.communityId) out.push({ Name: 'custom:communityId', Value: scope.communityId });
  if (scope.unitId) out.push({ Name: 'custom:unitId', Value: scope.unitId });
  return out;
}

const errorName = (e: unknown) => (e as { name?: string }).name;

let cognito: AccountDirectory | undefined;
function cognitoDirectory(): AccountDirectory {
  if (cognito) return cognito;
  const client = new CognitoIdentityProviderClient({});
  // Read at first use, so the handlers that never reach Cognito need no USER_POOL_ID.
  const pool = () => getStringFromEnv('USER_POOL_ID');
  cognito = {
    async create(user) {
      const attributes = [
        { Name: 'email', Value: user.email },
        { Name: 'email_verified', Value: 'true' },
        ...scopeAttributes(user),
      ];
      let sub: string | undefined;
      try {
        const out = await client.send(
          new AdminCreateUserCommand({
            UserPoolId: pool(),
            Username: user.username,
            UserAttributes: attributes,
            DesiredDeliveryMediums: ['EMAIL'],
          }),
        );
        sub = out.User?.Attributes?.find((a) => a.Name === 'sub')?.Value;
      } catch (e) {
        if (errorName(e) !== 'UsernameExistsException') throw e;
        // Created by an earlier attempt that failed before the list was written: the same user, so adopted.
        // Anyone else (another email, another scope, made by hand) keeps the name taken.
        const existing = await client.send(new AdminGetUserCommand({ UserPoolId: pool(), Username: user.username }));
        const has = new Map((existing.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
        const same = attributes.every((a) => a.Name === 'email_verified' || has.get(a.Name) === a.Value);
        const noOtherScope = ['custom:cadreId', 'custom:communityId', 'custom:unitId'].every(
          (n) => !has.has(n) || attributes.some((a) => a.Name === n),
        );
        if (!same || !noOtherScope) throw conflict('user.exists', '该用户名已被使用');
        sub = has.get('sub');
      }
      // Idempotent: adding a user to a group it is in already succeeds.
      await client.send(
        new AdminAddUserToGroupCommand({ UserPoolId: pool(), Username: user.username, GroupName: user.role }),
      );
      return { sub };
    },
    async disable(username) {
      await client.send(new AdminDisableUserCommand({ UserPoolId: pool(), Username: username }));
    },
    async enable(username) {
      await client.send(new AdminEnableUserCommand({ UserPoolId: pool(), Username: username }));
    },
    async resend(user) {
      try {
        await client.send(
          new AdminCreateUserCommand({
            UserPoolId: pool(),
            Username: user.username,
            MessageAction: 'RESEND',
            DesiredDeliveryMediums: ['EMAIL'],
          }),
        );
      } catch (e) {
        // Cognito resends only to a user who has not yet set a password; one who has is not "invited" any more.
        if (errorName(e) === 'UnsupportedUserStateException') {
          throw conflict('user.not_invited', '该用户已登录过，无需重发邀请');
        }
        throw e;
      }
    },
  };
  return cognito;
}
