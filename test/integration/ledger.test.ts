import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as getHouseholdAid } from '#functions/get-household-aid.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as reverseAid } from '#functions/reverse-aid.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newUnit, pair, pairedWorld } from '../support/world.ts';

const post = (cadreId: string, body: unknown, key: string = newKey()) =>
  invoke(recordAid, 'POST /aid-records', { as: cadreUser(cadreId), body, headers: { 'idempotency-key': key } });

const summary = (householdId: string, year: number, as = admin) =>
  invoke(getHouseholdAid, 'GET /households/{id}/aid', {
    as,
    params: { id: householdId },
    query: { year: String(year) },
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('recording aid', () => {
  it('records a cash entry for a paired household and answers 201 with its id and aid year', async () => {
    const w = await pairedWorld(2026);
    const r = await post(w.cadreId, makeAid(w.householdId, { amountFen: 12_345 }));
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      householdId: w.householdId,
      year: 2026,
      amountFen: 12_345,
      kind: 'cash',
      cadreId: w.cadreId,
    });
    expect(r.json).not.toHaveProperty('requestHash');
    expect(r.json).not.toHaveProperty('pk');
  });

  it('records an in-kind entry with its items', async () => {
    const w = await pairedWorld(2026);
    const items = [
      { name: '棉被', quantity: 2, unitValueFen: 15_000 },
      { name: '大米', quantity: 10, unitValueFen: 600 },
    ];
    const r = await post(w.cadreId, makeAid(w.householdId, { kind: 'in_kind', amountFen: 36_000, items }));
    expect(r.status).toBe(201);
    expect(r.json.items).toStrictEqual(items);
  });

  it('returns the same record for the same key and body, and counts it once', async () => {
    const w = await pairedWorld(2026);
    const key = newKey();
    const first = await post(w.cadreId, makeAid(w.householdId), key);
    const second = await post(w.cadreId, makeAid(w.householdId), key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.json).toStrictEqual(first.json);
    expect((await summary(w.householdId, 2026)).json.totalFen).toBe(10_000);
  });

  it('counts concurrent duplicates of one submission once', async () => {
    const w = await pairedWorld(2026);
    const key = newKey();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(w.cadreId, makeAid(w.householdId), key)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.every((r) => r.status === 201 || r.status === 200)).toBe(true);
    expect(new Set(results.map((r) => r.json.id)).size).toBe(1);
    const s = await summary(w.householdId, 2026);
    expect(s.json.totalFen).toBe(10_000);
    expect(s.json.records).toHaveLength(1);
  });

  it('counts every one of concurrent distinct submissions', async () => {
    const w = await pairedWorld(2026);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => post(w.cadreId, makeAid(w.householdId, { amountFen: 1_000 + i }))),
    );
    expect(results.every((r) => r.status === 201)).toBe(true);
    expect((await summary(w.householdId, 2026)).json.totalFen).toBe(20 * 1_000 + (19 * 20) / 2);
  });

  it('answers 409 for the same key with a different body, and records nothing new', async () => {
    const w = await pairedWorld(2026);
    const key = newKey();
    await post(w.cadreId, makeAid(w.householdId), key);
    const r = await post(w.cadreId, makeAid(w.householdId, { amountFen: 99_999 }), key);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('aid.idempotency_mismatch');
    expect((await summary(w.householdId, 2026)).json.totalFen).toBe(10_000);
  });

  it('answers 409 for the same key reused for another household', async () => {
    const w = await pairedWorld(2026, 2);
    const key = newKey();
    await post(w.cadreId, makeAid(w.householdIds[0]!), key);
    const r = await post(w.cadreId, makeAid(w.householdIds[1]!), key);
    expect(r.status).toBe(409);
    expect((await summary(w.householdIds[1]!, 2026)).json.totalFen).toBe(0);
  });

  it('refuses a submission without an Idempotency-Key header', async () => {
    const w = await pairedWorld(2026);
    const r = await invoke(recordAid, 'POST /aid-records', { as: cadreUser(w.cadreId), body: makeAid(w.householdId) });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('aid.idempotency_key');
  });

  it('refuses a cadre not paired with the household that year (403), and records nothing', async () => {
    const w = await pairedWorld(2026);
    const stranger = await newCadre(await newUnit());
    const r = await post(stranger, makeAid(w.householdId));
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('aid.not_paired');
    const otherYear = await post(w.cadreId, makeAid(w.householdId, { date: '2025-06-01' }));
    expect(otherYear.status).toBe(403);
    expect((await summary(w.householdId, 2026)).json.records).toHaveLength(0);
  });

  it('refuses admins and auditors recording aid: only cadres log it', async () => {
    const w = await pairedWorld(2026);
    for (const as of [admin, auditor]) {
      const r = await invoke(recordAid, 'POST /aid-records', {
        as,
        body: makeAid(w.householdId),
        headers: { 'idempotency-key': newKey() },
      });
      expect(r.status).toBe(403);
    }
  });

  it('refuses a date after today in Shanghai', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-06-30T15:59:00Z')); // 23:59 on 30 June in Shanghai
    const w = await pairedWorld(2026);
    expect((await post(w.cadreId, makeAid(w.householdId, { date: '2026-06-30' }))).status).toBe(201);
    const r = await post(w.cadreId, makeAid(w.householdId, { date: '2026-07-01' }));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'aid.date_future', issues: [{ path: 'date' }] });
  });

  it.each([
    ['zero', 0],
    ['negative', -100],
    ['fractional', 100.5],
    ['absurdly large', 100_000_001],
    ['beyond 2^53', 2 ** 53 + 2],
    ['text', '10000'],
  ])('refuses a %s amount with 400 naming amountFen', async (_label, amountFen) => {
    const w = await pairedWorld(2026);
    const r = await post(w.cadreId, makeAid(w.householdId, { amountFen }));
    expect(r.status).toBe(400);
    expect(r.json.error.issues.map((i: { path: string }) => i.path)).toContain('amountFen');
    expect((await summary(w.householdId, 2026)).json.records).toHaveLength(0);
  });

  it('refuses in-kind items that do not add up to the amount', async () => {
    const w = await pairedWorld(2026);
    const r = await post(
      w.cadreId,
      makeAid(w.householdId, {
        kind: 'in_kind',
        amountFen: 10_000,
        items: [{ name: '米', quantity: 3, unitValueFen: 3_000 }],
      }),
    );
    expect(r.status).toBe(400);
    expect(r.json.error.issues[0].path).toBe('amountFen');
  });

  it('answers malformed JSON with 400 and a wrong content type with 415', async () => {
    const w = await pairedWorld(2026);
    const headers = { 'idempotency-key': newKey(), 'content-type': 'application/json' };
    const malformed = await invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(w.cadreId),
      rawBody: '{"householdId":',
      headers,
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json.error.code).toBe('request.malformed_json');
    const wrongType = await invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(w.cadreId),
      rawBody: JSON.stringify(makeAid(w.householdId)),
      headers: { ...headers, 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);
  });
});

describe('the ¥1,000 floor and the aid year', () => {
  it('is not met at 99,999 fen and is met at 100,000 fen', async () => {
    const w = await pairedWorld(2026);
    await post(w.cadreId, makeAid(w.householdId, { amountFen: 99_999 }));
    expect((await summary(w.householdId, 2026)).json).toMatchObject({
      totalFen: 99_999,
      floorFen: 100_000,
      meetsFloor: false,
      shortfallFen: 1,
    });
    await post(w.cadreId, makeAid(w.householdId, { amountFen: 1 }));
    expect((await summary(w.householdId, 2026)).json).toMatchObject({
      totalFen: 100_000,
      meetsFloor: true,
      shortfallFen: 0,
    });
  });

  it('counts aid given at 2026-12-31T16:00Z toward 2027, the Shanghai year', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2027-01-02T02:00:00Z'));
    const w = await pairedWorld(2027);
    await pair(w.cadreId, w.householdId, 2026);
    const r = await post(w.cadreId, makeAid(w.householdId, { date: '2026-12-31T16:00:00Z', amountFen: 5_000 }));
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ year: 2027, date: '2027-01-01' });
    const late2026 = await post(w.cadreId, makeAid(w.householdId, { date: '2026-12-31T15:59:59Z', amountFen: 7_000 }));
    expect(late2026.json).toMatchObject({ year: 2026, date: '2026-12-31' });
    expect((await summary(w.householdId, 2027)).json.totalFen).toBe(5_000);
    expect((await summary(w.householdId, 2026)).json.totalFen).toBe(7_000);
  });
});

describe('reversing an entry', () => {
  it('appends a negative entry naming the original, which nets the total, and lists both', async () => {
    const w = await pairedWorld(2026);
    const original = (await post(w.cadreId, makeAid(w.householdId, { amountFen: 30_000 }))).json;
    const r = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: cadreUser(w.cadreId),
      params: { id: original.id },
      body: { reason: '金额录入错误' },
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ reverses: original.id, amountFen: -30_000, reason: '金额录入错误' });
    const s = (await summary(w.householdId, 2026)).json;
    expect(s.totalFen).toBe(0);
    expect(s.records).toHaveLength(2);
    expect(s.records.find((x: { id: string }) => x.id === original.id).reversedBy).toBe(r.json.id);
  });

  it('answers 409 to a second reversal of the same entry', async () => {
    const w = await pairedWorld(2026);
    const original = (await post(w.cadreId, makeAid(w.householdId))).json;
    const reverse = () =>
      invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
        as: admin,
        params: { id: original.id },
        body: { reason: '重复登记' },
      });
    expect((await reverse()).status).toBe(201);
    const again = await reverse();
    expect(again.status).toBe(409);
    expect(again.json.error.code).toBe('aid.already_reversed');
    expect((await summary(w.householdId, 2026)).json.totalFen).toBe(0);
  });

  it('lets only the recording cadre or an admin reverse, and needs a reason', async () => {
    const w = await pairedWorld(2026);
    const original = (await post(w.cadreId, makeAid(w.householdId))).json;
    const other = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: cadreUser('someone-else'),
      params: { id: original.id },
      body: { reason: 'x' },
    });
    expect(other.status).toBe(403);
    const noReason = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: cadreUser(w.cadreId),
      params: { id: original.id },
      body: { reason: '' },
    });
    expect(noReason.status).toBe(400);
    const missing = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: admin,
      params: { id: 'nope' },
      body: { reason: 'x' },
    });
    expect(missing.status).toBe(404);
  });

  it('refuses to reverse a reversal', async () => {
    const w = await pairedWorld(2026);
    const original = (await post(w.cadreId, makeAid(w.householdId))).json;
    const rev = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: admin,
      params: { id: original.id },
      body: { reason: 'x' },
    });
    const r = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: admin,
      params: { id: rev.json.id },
      body: { reason: 'y' },
    });
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('aid.reversal_of_reversal');
  });
});

describe('who may read a household-year', () => {
  it('admits the paired cadre, the community cadre of its community and auditors; refuses others', async () => {
    const w = await pairedWorld(2026);
    expect((await summary(w.householdId, 2026, cadreUser(w.cadreId))).status).toBe(200);
    expect((await summary(w.householdId, 2026, communityCadreUser(w.communityId))).status).toBe(200);
    expect((await summary(w.householdId, 2026, auditor)).status).toBe(200);
    expect((await summary(w.householdId, 2026, cadreUser('other'))).status).toBe(403);
    expect((await summary(w.householdId, 2026, communityCadreUser('other'))).status).toBe(403);
  });

  it('answers 404 for an unknown household', async () => {
    expect((await summary('nope', 2026)).status).toBe(404);
  });
});
