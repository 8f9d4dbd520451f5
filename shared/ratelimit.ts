import { createHmac } from 'node:crypto';
import { durationSeconds } from './dates.ts';
import { type Db, updateIf } from './db.ts';
import { RateLimitedError } from './errors.ts';
import { keys, TABLE_DESIGN } from './table.ts';

/**
 * Per-client rate limits for the public writes (objections), with one mechanism locally and on AWS: API Gateway
 * HTTP APIs throttle per stage and route, never per client, and have no WAF. A fixed-window counter in the
 * table, one conditional UpdateItem per attempt, keyed by a keyed hash (HMAC) of the client's network and the
 * window, so the table never holds an address and two windows of one client cannot be linked. Counters carry
 * `expiresAt` for DynamoDB TTL (dynalite ignores TTL: locally they stay, unread, after their window).
 *
 * A fixed window lets a client make up to twice the limit across a window boundary; for a public form that
 * is acceptable, and it keeps every attempt to a single write with no read.
 */

/** At most `limit` attempts per client in each window of `windowSeconds`. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** The objection limit unless `OBJECTION_RATE_LIMIT` says otherwise: 5 per client per 10 minutes. */
export const DEFAULT_OBJECTION_RATE_LIMIT = '5/PT10M';

/** Reads `<count>/<ISO-8601 duration>` (`5/PT10M`, `20/P1D`); undefined when malformed or not positive. */
export function parseRateLimit(text: string): RateLimitRule | undefined {
  const m = /^(\d{1,6})\/(P\w+)$/.exec(text.trim());
  if (!m) return undefined;
  const limit = Number(m[1]);
  const windowSeconds = durationSeconds(m[2]!);
  if (limit < 1 || windowSeconds === undefined || windowSeconds < 1) return undefined;
  return { limit, windowSeconds };
}

/** One window, in epoch seconds: `[startsAt, endsAt)`. Windows are aligned to the epoch, so every container agrees. */
export interface RateWindow {
  startsAt: number;
  endsAt: number;
}

/** The window `now` falls in. */
export function windowAt(now: Date, windowSeconds: number): RateWindow {
  const startsAt = Math.floor(now.getTime() / 1000 / windowSeconds) * windowSeconds;
  return { startsAt, endsAt: startsAt + windowSeconds };
}

/** Whole seconds until the window ends, at least 1: the `Retry-After` of a refusal. */
export function retryAfterSeconds(now: Date, window: RateWindow): number {
  return Math.max(1, Math.ceil(window.endsAt - now.getTime() / 1000));
}

/**
 * The network a limit applies to: an IPv4 address itself, an IPv6 address's /64 (one subscriber's usual
 * allocation, so rotating addresses inside it does not escape the limit). IPv4-mapped IPv6 is read as IPv4.
 */
export function clientNetwork(sourceIp: string): string {
  const ip = sourceIp.trim().toLowerCase().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped) return mapped[1]!;
  if (!ip.includes(':')) return ip;
  const [head = '', tail, ...rest] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  if (rest.length || (tail === undefined && h.length !== 8) || h.length + t.length > 8) return ip;
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const prefix = groups.slice(0, 4).map((g) => Number.parseInt(g, 16));
  if (prefix.some((n) => Number.isNaN(n) || n > 0xffff)) return ip;
  return `${prefix.map((n) => n.toString(16)).join(':')}::/64`;
}

/** The counter's name for one client in one window: HMAC-SHA256 of scope, window and network, 128 bits. */
export function clientWindowHash(key: Uint8Array, scope: string, window: RateWindow, sourceIp: string): string {
  return createHmac('sha256', key)
    .update(`${scope}\n${window.startsAt}\n${clientNetwork(sourceIp)}`)
    .digest('base64url')
    .slice(0, 22);
}

/** Where attempts are counted. The table in production; an in-memory fake in rule tests. */
export interface RateLimitCounters {
  /** Counts one attempt unless `limit` attempts are counted already; false when the attempt is over the limit. */
  increment(input: { scope: string; client: string; window: RateWindow; limit: number }): Promise<boolean>;
}

/** Counters in the table: one conditional `ADD hits :1` per attempt; a refused attempt writes nothing. */
export function tableCounters(db: Db): RateLimitCounters {
  return {
    increment: ({ scope, client, window, limit }) =>
      updateIf(
        db,
        keys.rateLimit(scope, client),
        {
          set: {
            entity: 'rate-limit',
            scope,
            windowStartsAt: window.startsAt,
            [TABLE_DESIGN.timeToLiveAttribute]: window.endsAt,
          },
          add: { hits: 1 },
        },
        { expression: 'attribute_not_exists(#hits) OR #hits < :limit', values: { ':limit': limit } },
      ),
  };
}

/** Options of one attempt. */
export interface RateLimitAttempt {
  /** What is limited (`objection`): separate counters per scope. */
  scope: string;
  rule: RateLimitRule;
  /** The client's source address, as API Gateway reports it; only its keyed hash is stored. */
  sourceIp: string;
  key: Uint8Array;
  now: Date;
}

/** Counts an attempt, or refuses it with `RateLimitedError` (429, `rate.limited`) when the client is over the limit. */
export async function consumeRateLimit(counters: RateLimitCounters, attempt: RateLimitAttempt): Promise<void> {
  const window = windowAt(attempt.now, attempt.rule.windowSeconds);
  const client = clientWindowHash(attempt.key, attempt.scope, window, attempt.sourceIp);
  if (!(await counters.increment({ scope: attempt.scope, client, window, limit: attempt.rule.limit }))) {
    throw new RateLimitedError(retryAfterSeconds(attempt.now, window));
  }
}
