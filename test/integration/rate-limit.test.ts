import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as fileObjection } from '#functions/file-objection.ts';
import { csrfToken } from '#functions/lib/session.ts';
import { handler as pages } from '#functions/public-pages.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { createDb, putIfAbsent } from '#shared/db.ts';
import { keys } from '#shared/table.ts';
import { invoke } from '../support/invoke.ts';

/**
 * The per-client limit on objections (OBJECTION_RATE_LIMIT, default 5 per 10 minutes), through the real
 * handlers on dynalite: the API route and the public form share one counter per client.
 */
const db = createDb({ table: process.env.TABLE_NAME!, endpoint: process.env.DYNAMODB_ENDPOINT });
const noticeId = `notice-${randomUUID()}`;
const entryId = 'entry-0001';
const ROUTE = 'POST /notices/{id}/objections';
/** 2030-01-01T00:00:00Z is a window boundary for any window dividing a day; tests run inside one window. */
const WINDOW_START = Date.UTC(2030, 0, 1);

/** Files an objection from `sourceIp`. */
const object = (sourceIp: string, body: unknown = { entryId, text: '这一户的情况与公示不符' }) =>
  invoke(fileObjection, ROUTE, { params: { id: noticeId }, body, sourceIp });

/** Objections stored so far. */
async function objectionCount() {
  const out = await db.doc.send(new ScanCommand({ TableName: db.table }));
  return (out.Items ?? []).filter((i) => i.entity === 'objection').length;
}

/** Every rate-limit counter in the table, read raw. */
async function counters() {
  const out = await db.doc.send(new ScanCommand({ TableName: db.table }));
  return (out.Items ?? []).filter((i) => String(i.pk).startsWith('RATE#'));
}

beforeAll(async () => {
  // An open notice with one entry, as PublishNotice leaves it (the workflow itself is tested elsewhere).
  await putIfAbsent(db, {
    ...keys.notice(noticeId),
    ...keys.entityListing('notice', noticeId),
    entity: 'notice',
    id: noticeId,
    verificationId: 'verify-2030-c-1',
    communityId: 'c',
    communityName: '限流社区',
    year: 2030,
    round: 1,
    opensAt: '2029-12-31T00:00:00.000Z',
    closesAt: '2031-01-01T00:00:00Z',
    closesAtMs: Date.UTC(2031, 0, 1),
    status: 'open',
    digest: 'd'.repeat(64),
  });
  await putIfAbsent(db, {
    ...keys.noticeEntry(noticeId, entryId),
    entity: 'notice-entry',
    entryId,
    householdId: 'h-1',
    name: '张*',
    memberCount: 3,
    totalFen: 100_000,
  });
});

afterEach(() => {
  vi.useRealTimers();
});

/** Fakes only the clock, so dynalite and the SDK keep their real timers. */
function at(offsetSeconds: number) {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(WINDOW_START + offsetSeconds * 1000);
}

describe('the objection rate limit', () => {
  it('refuses the sixth objection from one client in the window with 429, and leaves other clients alone', async () => {
    // Prepare
    at(60);
    const ip = '203.0.113.7';
    // Act
    const allowed = [];
    for (let i = 0; i < 5; i++) allowed.push((await object(ip)).status);
    const sixth = await object(ip);
    const other = await object('198.51.100.23');
    // Assess
    expect(allowed).toStrictEqual([201, 201, 201, 201, 201]);
    expect(sixth.status).toBe(429);
    expect(sixth.json).toStrictEqual({ error: { code: 'rate.limited', message: '提交过于频繁，请稍后再试' } });
    // The window is 10 minutes and began 60 s ago: 540 s to go.
    expect(sixth.headers['retry-after']).toBe('540');
    expect(other.status).toBe(201);
  });

  it('counts every client of one IPv6 /64 together', async () => {
    at(120);
    const statuses = [];
    for (let i = 1; i <= 6; i++) statuses.push((await object(`2001:db8:aa:1::${i.toString(16)}`)).status);
    expect(statuses).toStrictEqual([201, 201, 201, 201, 201, 429]);
    expect((await object('2001:db8:aa:2::1')).status).toBe(201);
  });

  it('lets the client in again when the next window starts', async () => {
    at(600 * 3 + 1);
    const ip = '192.0.2.55';
    for (let i = 0; i < 5; i++) expect((await object(ip)).status).toBe(201);
    expect((await object(ip)).status).toBe(429);
    vi.setSystemTime(WINDOW_START + 600 * 4 * 1000);
    expect((await object(ip)).status).toBe(201);
  });

  it('does not count what the schema refuses, and does count refusals of the domain', async () => {
    at(600 * 6 + 5);
    const ip = '192.0.2.99';
    // Prepare: an empty text is refused before the handler runs.
    for (let i = 0; i < 10; i++) expect((await object(ip, { entryId, text: '' })).status).toBe(400);
    // Act: an entry the notice does not have is refused by the domain, after the count.
    const unknown = await object(ip, { entryId: 'entry-none', text: '没有这一户' });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await object(ip)).status);
    // Assess
    expect(unknown.status).toBe(400);
    expect(statuses).toStrictEqual([201, 201, 201, 201, 429]);
  });

  it('shares one counter between the API route and the public objection form', async () => {
    at(600 * 8 + 5);
    const ip = '192.0.2.200';
    for (let i = 0; i < 4; i++) expect((await object(ip)).status).toBe(201);
    const post = async (text = '表单提交的异议') => {
      const event = buildApiEvent({
        method: 'POST',
        routePath: '/public/{proxy+}',
        rawPath: `/public/notices/${noticeId}/objections`,
        // A browser that opened the notice: its signed-out form cookie, and the form's token made from it.
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `la_csrf=${'r'.repeat(43)}` },
        params: { proxy: `notices/${noticeId}/objections` },
        body: new URLSearchParams({ entryId, text, _csrf: csrfToken('r'.repeat(43)) }).toString(),
        sourceIp: ip,
      });
      return (await pages(event, {} as Context)).statusCode;
    };
    // The form is held to the API's schema, and what it refuses is not counted, as on the API.
    const before = await objectionCount();
    expect(await post('长'.repeat(1001))).toBe(400);
    expect(await post('   ')).toBe(400);
    expect(await objectionCount()).toBe(before);
    expect(await post()).toBe(303);
    expect(await post()).toBe(429);
    expect((await object(ip)).status).toBe(429);
  });

  it('stores counters under a keyed hash with an expiry, never the client address', async () => {
    at(600 * 10 + 5);
    await object('198.51.100.77');
    const items = await counters();
    const text = JSON.stringify(items);
    for (const ip of ['203.0.113.7', '198.51.100.23', '192.0.2.55', '198.51.100.77', '2001:db8']) {
      expect(text).not.toContain(ip);
    }
    const latest = items.find((i) => i.windowStartsAt === WINDOW_START / 1000 + 600 * 10)!;
    expect(latest).toStrictEqual({
      pk: expect.stringMatching(/^RATE#objection#[\w-]{22}$/),
      sk: 'RATE',
      entity: 'rate-limit',
      scope: 'objection',
      windowStartsAt: WINDOW_START / 1000 + 600 * 10,
      expiresAt: WINDOW_START / 1000 + 600 * 11,
      hits: 1,
    });
  });
});
