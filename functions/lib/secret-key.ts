import { randomBytes } from 'node:crypto';
import { getOptionalFromEnv } from './env.ts';

/**
 * A hashing key of at least 32 bytes, loaded once per container: on AWS from the Secrets Manager secret named by
 * `<name>_SECRET_ARN`, else from `<name>` (base64) in the environment, else (when `localFallback` allows it and
 * the table is a local engine) a random key per process. Read on first use, so a function that never hashes
 * never touches the secret, and the Secrets Manager client is loaded only where one is used.
 */
export function secretKeyLoader(name: string, options: { localFallback?: boolean } = {}): () => Promise<Uint8Array> {
  let loaded: Promise<Uint8Array> | undefined;
  return () => {
    loaded ??= (async () => {
      const secretArn = getOptionalFromEnv(`${name}_SECRET_ARN`);
      if (secretArn) {
        const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
        const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
        if (!out.SecretString || out.SecretString.length < 32) throw new Error(`${name} secret is missing or short`);
        return Buffer.from(out.SecretString, 'utf8');
      }
      const configured = getOptionalFromEnv(name);
      if (configured) {
        const key = Buffer.from(configured, 'base64');
        if (key.length < 32) throw new Error(`${name} must be at least 32 bytes, base64-encoded`);
        return key;
      }
      if (options.localFallback && getOptionalFromEnv('DYNAMODB_ENDPOINT')) return randomBytes(32);
      throw new Error(`${name}_SECRET_ARN or ${name} is required`);
    })();
    return loaded;
  };
}
