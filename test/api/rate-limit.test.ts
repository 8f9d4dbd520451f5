import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../support/local-server.ts';
import { communityWorld, sleep } from '../support/scenario.ts';

/**
 * The per-client objection limit through the local server, which hands API Gateway's `sourceIp` to the handlers
 * from the socket's remote address: every request of this test comes from 127.0.0.1, one client.
 */
describe('the objection rate limit on the local server', () => {
  let server: RunningServer;
  let noticeId: string;
  let entryId: string;
  beforeAll(async () => {
    server = await startServer({ DEMO_DATA: 'off', OBJECTION_WINDOW: 'PT1H' });
    const w = await communityWorld(server, 1);
    await w.clean(w.householdIds[0]!);
    const v = await w.start();
    await w.until(v.id, 'awaiting_confirmation');
    expect((await w.confirm(v.id)).status).toBe(200);
    noticeId = (await w.until(v.id, 'objection_window')).noticeId;
    entryId = (await server.fetch(`/notices/${noticeId}`)).json.entries[0].entryId;
  });
  afterAll(() => server.stop());

  it('answers a burst from one client with five 201s and then 429s with Retry-After, for the form too', async () => {
    // Prepare: windows are aligned to the clock; a burst straddling a boundary would count in two.
    const toBoundary = 600_000 - (Date.now() % 600_000);
    if (toBoundary < 5_000) await sleep(toBoundary + 100);
    // Act: ten objections at once, racing on one counter.
    const burst = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const res = await fetch(`${server.url}/notices/${noticeId}/objections`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ entryId, text: `异议 ${i}` }),
        });
        return { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json() };
      }),
    );
    // The form as a browser posts it: with the cookie and the token the notice page gave it.
    const page = await fetch(`${server.url}/public/notices/${noticeId}`);
    const cookie = page.headers.getSetCookie()[0]!.split(';')[0]!;
    const _csrf = /name="_csrf" value="([\w-]+)"/.exec(await page.text())![1]!;
    const form = await fetch(`${server.url}/public/notices/${noticeId}/objections`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
      body: new URLSearchParams({ entryId, text: '表单异议', _csrf }),
      redirect: 'manual',
    });
    // Assess
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses).toStrictEqual([201, 201, 201, 201, 201, 429, 429, 429, 429, 429]);
    for (const r of burst.filter((x) => x.status === 429)) {
      expect(r.json).toStrictEqual({ error: { code: 'rate.limited', message: '提交过于频繁，请稍后再试' } });
      expect(Number(r.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(r.retryAfter)).toBeLessThanOrEqual(600);
    }
    expect(form.status).toBe(429);
    expect(await form.text()).toContain('提交过于频繁，请稍后再试');
    // Reading is never limited.
    expect((await server.fetch(`/notices/${noticeId}`)).status).toBe(200);
  });
});
