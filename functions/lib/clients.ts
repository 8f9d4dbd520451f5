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

let idHashKeyBytes: Uint8Array | undefined;

/**
 * Key of the keyed hash that detects duplicate resident ID numbers (base64, at least 32 bytes). On AWS it
 * comes from the deployment; locally the stack generates one per data directory. Read on first use, so the
 * functions that never register households do not need the secret at all.
 */
export function idHashKey(): Uint8Array {
  if (!idHashKeyBytes) {
    const key = Buffer.from(getStringFromEnv('ID_HASH_KEY'), 'base64');
    if (key.length < 32) throw new Error('ID_HASH_KEY must be at least 32 bytes, base64-encoded');
    idHashKeyBytes = key;
  }
  return idHashKeyBytes;
}
