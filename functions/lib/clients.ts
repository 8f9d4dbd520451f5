import { createDb } from '#shared/db.ts';
import { getOptionalFromEnv, getStringFromEnv } from './env.ts';
import { secretKeyLoader } from './secret-key.ts';

/**
 * Clients are created once per Lambda container (module scope), never per request. `DYNAMODB_ENDPOINT`
 * points them at dynalite in the local stack; on AWS it is unset.
 */
export const db = createDb({
  table: getStringFromEnv('TABLE_NAME'),
  endpoint: getOptionalFromEnv('DYNAMODB_ENDPOINT'),
  region: getOptionalFromEnv('AWS_REGION'),
});

/**
 * Key of the keyed hash that detects duplicate resident ID numbers: the Secrets Manager secret
 * ID_HASH_KEY_SECRET_ARN on AWS; locally the stack generates one per data directory and passes it as ID_HASH_KEY.
 */
export const idHashKey = secretKeyLoader('ID_HASH_KEY');
