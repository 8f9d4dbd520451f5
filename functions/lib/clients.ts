import { createDb } from '#shared/db.ts';
import { getOptionalFromEnv, getStringFromEnv } from './env.ts';

/**
 * Clients are created once per Lambda container (module scope), never per request. `DYNAMODB_ENDPOINT`
 * points them at dynalite in the local stack; on AWS it is unset.
 */
export const db = createDb({
  table: getStringFromEnv('TABLE_NAME'),
  endpoint: getOptionalFromEnv('DYNAMODB_ENDPOINT'),
  region: getOptionalFromEnv('AWS_REGION'),
});

let idHashKeyBytes: Promise<Uint8Array> | undefined;

/**
 * Key of the keyed hash that detects duplicate resident ID numbers. On AWS it is a Secrets Manager secret
 * (ID_HASH_KEY_SECRET_ARN), fetched once per container; locally the stack generates one per data directory and
 * passes it as ID_HASH_KEY (base64, at least 32 bytes). Read on first use, so functions that never register
 * households never touch the secret.
 */
export function idHashKey(): Promise<Uint8Array> {
  idHashKeyBytes ??= (async () => {
    const secretArn = getOptionalFromEnv('ID_HASH_KEY_SECRET_ARN');
    if (secretArn) {
      const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
      if (!out.SecretString || out.SecretString.length < 32) throw new Error('ID hash secret is missing or too short');
      return Buffer.from(out.SecretString, 'utf8');
    }
    const key = Buffer.from(getStringFromEnv('ID_HASH_KEY'), 'base64');
    if (key.length < 32) throw new Error('ID_HASH_KEY must be at least 32 bytes, base64-encoded');
    return key;
  })();
  return idHashKeyBytes;
}
