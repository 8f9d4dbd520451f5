import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateLimitedError } from '#shared/errors.ts';
import {
  clientNetwork,
  clientWindowHash,
  consumeRateLimit,
  parseRateLimit,
  type RateLimitCounters,
  retryAfterSeconds,
  windowAt,
} from '#shared/ratelimit.ts';

const KEY = new Uint8Array(32).fill(7);

/** Counters in memory, with the table's semantics: count unless the limit is reached. */
function memoryCounters(): RateLimitCounters & { hits: Map<string, number> } {
  const hits = new Map<string, number>();
  return {
    hits,
    increment: async ({ scope, client, limit }) => {
      const k = `${scope}#${client}`;
      const n = hits.get(k) ?? 0;
      if (n >= limit) return false;
      hits.set(k, n + 1);
      return true;
    },
  };
}

describe('rate-limit rules', () => {
  it('reads <count>/<duration> and refuses anything else', () => {
    expect(parseRateLimit('5/PT10M')).toStrictEqual({ limit: 5, windowSeconds: 600 });
    expect(parseRateLimit(' 20/P1D ')).toStrictEqual({ limit: 20, windowSeconds: 86_400 });
    for (const bad of ['', '5', '0/PT10M', '5/PT0S', '5/P1M', '-1/PT1M', '5/10m', 'x/PT1M']) {
      expect(parseRateLimit(bad)).toBeUndefined();
    }
  });

  it('puts every instant in the epoch-aligned window that contains it, with a positive Retry-After', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_102_444_800_000 }), fc.integer({ min: 1, max: 86_400 }), (ms, w) => {
        const now = new Date(ms);
        const win = windowAt(now, w);
        expect(win.startsAt % w).toBe(0);
        expect(win.endsAt - win.startsAt).toBe(w);
        expect(win.startsAt * 1000).toBeLessThanOrEqual(ms);
        expect(ms).toBeLessThan(win.endsAt * 1000);
        const retry = retryAfterSeconds(now, win);
        expect(retry).toBeGreaterThanOrEqual(1);
        expect(retry).toBeLessThanOrEqual(w);
      }),
    );
  });

  it('limits an IPv4 address, an IPv6 /64, and reads IPv4-mapped IPv6 as IPv4', () => {
    expect(clientNetwork('203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientNetwork('2001:db8:aa:1::5')).toBe('2001:db8:aa:1::/64');
    expect(clientNetwork('2001:0DB8:00aa:0001:1234:5678:9abc:def0')).toBe('2001:db8:aa:1::/64');
    expect(clientNetwork('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientNetwork('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(clientNetwork('::1')).toBe('0:0:0:0::/64');
  });

  it('names a counter by key, scope, window and network, never by the address itself', () => {
    const w1 = windowAt(new Date(Date.UTC(2030, 0, 1)), 600);
    const w2 = windowAt(new Date(Date.UTC(2030, 0, 1, 0, 10)), 600);
    const h = clientWindowHash(KEY, 'objection', w1, '203.0.113.7');
    expect(h).toMatch(/^[\w-]{22}$/);
    expect(h).not.toContain('203');
    expect(clientWindowHash(KEY, 'objection', w1, '203.0.113.7')).toBe(h);
    expect(clientWindowHash(KEY, 'objection', w2, '203.0.113.7')).not.toBe(h);
    expect(clientWindowHash(KEY, 'objection', w1, '203.0.113.8')).not.toBe(h);
    expect(clientWindowHash(KEY, 'other', w1, '203.0.113.7')).not.toBe(h);
    expect(clientWindowHash(new Uint8Array(32), 'objection', w1, '203.0.113.7')).not.toBe(h);
  });

  it('allows the limit in a window, then refuses with the seconds left until the next', async () => {
    const counters = memoryCounters();
    const attempt = (now: Date) =>
      consumeRateLimit(counters, {
        scope: 'objection',
        rule: { limit: 2, windowSeconds: 600 },
        sourceIp: '203.0.113.7',
        key: KEY,
        now,
      });
    const start = Date.UTC(2030, 0, 1);
    await attempt(new Date(start + 1_000));
    await attempt(new Date(start + 2_000));
    const refused = await attempt(new Date(start + 100_500)).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RateLimitedError);
    expect(refused).toMatchObject({ kind: 'rate_limited', code: 'rate.limited', retryAfterSeconds: 500 });
    await expect(attempt(new Date(start + 600_000))).resolves.toBeUndefined();
  });
});
