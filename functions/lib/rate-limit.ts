import { randomBytes } from 'node:crypto';
import {
  consumeRateLimit,
  DEFAULT_OBJECTION_RATE_LIMIT,
  parseRateLimit,
  type RateLimitRule,
  tableCounters,
} from '#shared/ratelimit.ts';
import { db } from './clients.ts';
import { getOptionalFromEnv } from './env.ts';

/** Reads a `<count>/<duration>` limit from the environment, failing at cold start when it is malformed. */
function ruleFromEnv(name: string, fallback: string): RateLimitRule {
  const text = getOptionalFromEnv(name) ?? fallback;
  const rule = parseRateLimit(text);
  if (!rule) throw new Error(`${name} must be <count>/<ISO-8601 duration>, e.g. ${fallback}; got ${text}`);
  return rule;
}

/** Objections per client and window: OBJECTION_RATE_LIMIT, default 5 per 10 minutes (`5/PT10M`). */
export const OBJECTION_RULE = ruleFromEnv('OBJECTION_RATE_LIMIT', DEFAULT_OBJECTION_RATE_LIMIT);

let hashKey: Promise<Uint8Array> | undefined;

/**
 * Key of the keyed hash that names counters. On AWS a Secrets Manager secret of its own
 * (RATE_LIMIT_KEY_SECRET_ARN), fetched once per container: it is not the resident-ID hash key, so the public
 * functions never hold that one. RATE_LIMIT_KEY (base64, 32+ bytes) sets it directly. Against a local engine
 * (DYNAMODB_ENDPOINT set) with neither, a random key per process: the local server is one process, and a
 * restart merely starts every counter afresh. Anywhere else, neither is an error.
 */
function rateLimitKey(): Promise<Uint8Array> {
  hashKey ??= (async () => {
    const secretArn = getOptionalFromEnv('RATE_LIMIT_KEY_SECRET_ARN');
    if (secretArn) {
      const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
      const out = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: secretArn }));
      if (!out.SecretString || out.SecretString.length < 32) throw new Error('rate-limit secret is missing or short');
      return Buffer.from(out.SecretString, 'utf8');
    }
    const configured = getOptionalFromEnv('RATE_LIMIT_KEY');
    if (configured) {
      const key = Buffer.from(configured, 'base64');
      if (key.length < 32) throw new Error('RATE_LIMIT_KEY must be at least 32 bytes, base64-encoded');
      return key;
    }
    if (getOptionalFromEnv('DYNAMODB_ENDPOINT')) return randomBytes(32);
    throw new Error('RATE_LIMIT_KEY_SECRET_ARN or RATE_LIMIT_KEY is required');
  })();
  return hashKey;
}

const counters = tableCounters(db);

/**
 * Counts one objection from this client, or throws `RateLimitedError` (429) past OBJECTION_RATE_LIMIT. Called
 * before the objection is read or written, by the API route and by the public objection form alike, so both
 * share one counter per client.
 */
export async function limitObjections(sourceIp: string, now: Date): Promise<void> {
  await consumeRateLimit(counters, {
    scope: 'objection',
    rule: OBJECTION_RULE,
    sourceIp,
    key: await rateLimitKey(),
    now,
  });
}
