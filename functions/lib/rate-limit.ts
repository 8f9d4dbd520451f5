import {
  consumeRateLimit,
  DEFAULT_OBJECTION_RATE_LIMIT,
  parseRateLimit,
  type RateLimitRule,
  tableCounters,
} from '#shared/ratelimit.ts';
import { db } from './clients.ts';
import { getOptionalFromEnv } from './env.ts';
import { secretKeyLoader } from './secret-key.ts';

/** Reads a `<count>/<duration>` limit from the environment, failing at cold start when it is malformed. */
function ruleFromEnv(name: string, fallback: string): RateLimitRule {
  const text = getOptionalFromEnv(name) ?? fallback;
  const rule = parseRateLimit(text);
  if (!rule) throw new Error(`${name} must be <count>/<ISO-8601 duration>, e.g. ${fallback}; got ${text}`);
  return rule;
}

/** Objections per client and window: OBJECTION_RATE_LIMIT, default 5 per 10 minutes (`5/PT10M`). */
export const OBJECTION_RULE = ruleFromEnv('OBJECTION_RATE_LIMIT', DEFAULT_OBJECTION_RATE_LIMIT);

/**
 * Key of the keyed hash that names counters: a Secrets Manager secret of its own on AWS
 * (RATE_LIMIT_KEY_SECRET_ARN), not the resident-ID hash key, so the public functions never hold that one;
 * RATE_LIMIT_KEY sets it directly; against a local engine with neither, a random key per process (a restart
 * merely starts every counter afresh).
 */
const rateLimitKey = secretKeyLoader('RATE_LIMIT_KEY', { localFallback: true });

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
