import { describe, expect, it } from 'vitest';
import { handler as carryOver } from '#functions/carry-over-pairings.ts';
import { handler as endPairing } from '#functions/end-pairing.ts';
import { handler as floorReport } from '#functions/floor-report.ts';
import { handler as getHouseholdAid } from '#functions/get-household-aid.ts';
import { db } from '#functions/lib/clients.ts';
import { handler as listPairings } from '#functions/list-pairings.ts';
import { handler as reassign } from '#functions/reassign-pairing.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as recordOutcome } from '#functions/record-outcome.ts';
import { handler as recordReceipt } from '#functions/record-receipt.ts';
import { handler as reverseAid } from '#functions/reverse-aid.ts';
import { handler as unitReport } from '#functions/unit-report.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { updateIf } from '#shared/db.ts';
import { findPairing, listCadrePairings } from '#shared/pairing/index.ts';
import { cadreInScope } from '#shared/pairing/periods.ts';
import { keys } from '#shared/table.ts';
import { admin, auditor, cadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { roundAwaitingDecision, useRecordingWorkflow } from '../support/rounds.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair, pairedWorld } from '../support/world.ts';

const YEAR = 2026;
const FROM = '2026-06-01';
const BEFORE = '2026-05-31';

const list = (query: Record<string, string>, as = admin) => invoke(listPairings, 'GET /pairings', { as, query });
const reassignTo = (body: Record<string, unknown>) =>
  invoke(reassign, 'POST /pairings/reassignment', { as: admin, body });
const end = (body: Record<string, unknown>) => invoke(endPairing, 'POST /pairings/end', { as: admin, body });
const carry = (body: Record<string, unknown>) => invoke(carryOver, 'POST /pairings/carry-over', { as: admin, body });
const record = (cadreId: string, householdId: string, overrides: Record<string, unknown> = {}) =>
  invoke(recordAid, 'POST /aid-records', {
    as: cadreUser(cadreId),
    body: makeAid(householdId, overrides),
    headers: { 'idempotency-key': newKey() },
  });
const reverse = (as: ReturnType<typeof cadreUser>, id: string) =>
  invoke(reverseAid, 'POST /aid-records/{id}/reversal', { as, params: { id }, body: { reason: '登记有误' } });
const receipt = (cadreId: string, id: string) =>
  invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
    as: cadreUser(cadreId),
    params: { id },
    body: { method: 'signature' },
  });
const outcome = (cadreId: string, householdId: string, date: string) =>
  invoke(recordOutcome, 'POST /households/{id}/outcomes', {
    as: cadreUser(cadreId),
    params: { id: householdId },
    body: { objective: 'employment', date, description: '就业' },
  });
const inKind = (date: string) => ({
  date,
  kind: 'in_kind',
  amountFen: 30_000,
  items: [{ name: '棉被', quantity: 2, unitValueFen: 15_000 }],
});

/** Every page of a listing, following the cursor; the page sizes too. */
async function allPages(query: Record<string, string>) {
  const items: any[] = [];
  const sizes: number[] = [];
  let cursor: string | undefined;
  do {
    const r = await list({ ...query, ...(cursor ? { cursor } : {}) });
    expect(r.status, r.text).toBe(200);
    items.push(...r.json.items);
    sizes.push(r.json.items.length);
    cursor = r.json.nextCursor ?? undefined;
  } while (cursor);
  return { items, sizes };
}

/** A household paired with `old` (unit U1) for the year, and `next` in another unit (U2). */
async function handoverWorld() {
  const w = await pairedWorld(YEAR);
  const otherUnit = await newUnit('接手单位');
  const next = await newCadre(otherUnit, '接手干部');
  return { ...w, old: w.cadreId, next, otherUnit };
}

describe('listing pairings', () => {
  it('lists a cadre, a community and a unit page by page, every household once, entries left out', async () => {
    const [X, Y] = [await newCommunity('列表甲'), await newCommunity('列表乙')];
    const [A, B] = [await newUnit('列表一局'), await newUnit('列表二局')];
    const [c1, c2, c3] = [await newCadre(A, '一'), await newCadre(A, '二'), await newCadre(B, '三')];
    const byCadre: Record<string, string[]> = { [c1]: [], [c2]: [], [c3]: [] };
    const byCommunity: Record<string, string[]> = { [X]: [], [Y]: [] };
    for (const [cadre, community, n] of [
      [c1, X, 3],
      [c2, Y, 2],
      [c3, X, 1],
    ] as const) {
      for (let i = 0; i < n; i++) {
        const h = await newHousehold(community, `户${i}`);
        await pair(cadre, h, YEAR);
        byCadre[cadre]!.push(h);
        byCommunity[community]!.push(h);
        // Entries interleave with pairings in the community-year partition: the list must skip them.
        expect((await record(cadre, h)).status).toBe(201);
      }
    }
    const ids = (items: any[]) => items.map((i) => i.householdId).sort();
    const year = String(YEAR);

    const cadre = await allPages({ year, cadreId: c1, limit: '2' });
    expect(cadre.sizes).toStrictEqual([2, 1]);
    expect(ids(cadre.items)).toStrictEqual([...byCadre[c1]!].sort());

    const community = await allPages({ year, communityId: X, limit: '2' });
    expect(community.sizes).toStrictEqual([2, 2]);
    expect(ids(community.items)).toStrictEqual([...byCommunity[X]!].sort());

    const unit = await allPages({ year, unitId: A, limit: '2' });
    expect(unit.sizes).toStrictEqual([2, 2, 1]);
    expect(ids(unit.items)).toStrictEqual([...byCadre[c1]!, ...byCadre[c2]!].sort());

    const one = (await list({ year, cadreId: c3 }, auditor)).json;
    expect(one).toStrictEqual({
      items: [
        {
          householdId: byCadre[c3]![0],
          headName: '户0',
          memberCount: 3,
          communityId: X,
          cadreId: c3,
          unitId: B,
          year: YEAR,
          pairedAt: expect.any(String),
          frozen: false,
          frozenBy: null,
          locked: false,
          lockedBy: null,
          ended: false,
          endedOn: null,
          periods: [{ cadreId: c3, unitId: B, from: '2026-01-01' }],
        },
      ],
      nextCursor: null,
    });
  });

  it('refuses a forged cursor, a cursor of another list, no filter or two, and a bad year (400)', async () => {
    const w = await pairedWorld(YEAR, 3);
    const first = await list({ year: String(YEAR), cadreId: w.cadreId, limit: '1' });
    const cursor = first.json.nextCursor as string;
    expect(cursor).toEqual(expect.any(String));
    const forged = Buffer.from(JSON.stringify({ pk: 'X', sk: 'Y', gsi2pk: 'CADRE#x#YEAR#2026', gsi2sk: 'Z' })).toString(
      'base64url',
    );
    const queries: Record<string, string>[] = [
      { year: String(YEAR), cadreId: w.cadreId, cursor: 'not-a-cursor' },
      { year: String(YEAR), cadreId: w.cadreId, cursor: forged },
      { year: String(YEAR), communityId: w.communityId, cursor },
      { year: String(YEAR) },
      { year: String(YEAR), cadreId: w.cadreId, unitId: w.unitId },
      { year: '26', cadreId: w.cadreId },
      { year: String(YEAR), cadreId: w.cadreId, limit: '0' },
    ];
    for (const query of queries) {
      const r = await list(query);
      expect(r.status, JSON.stringify(query)).toBe(400);
      expect(r.json.error.code).toBe('request.invalid');
      expect(r.json.error.issues.length).toBeGreaterThan(0);
    }
  });
});

describe('reassigning a household mid-year', () => {
  it('keeps one year total across both cadres, one floor row, under the new unit', async () => {
    const w = await handoverWorld();
    expect((await record(w.old, w.householdId, { date: '2026-03-01', amountFen: 40_000 })).status).toBe(201);
    const r = await reassignTo({ householdId: w.householdId, year: YEAR, cadreId: w.next, from: FROM });
    expect(r.status, r.text).toBe(200);
    expect(r.json).toMatchObject({
      householdId: w.householdId,
      cadreId: w.next,
      unitId: w.otherUnit,
      periods: [
        { cadreId: w.old, unitId: w.unitId, from: '2026-01-01', until: BEFORE },
        { cadreId: w.next, unitId: w.otherUnit, from: FROM },
      ],
    });
    expect((await record(w.old, w.householdId, { date: BEFORE, amountFen: 30_000 })).status).toBe(201);
    expect((await record(w.next, w.householdId, { date: FROM, amountFen: 50_000 })).status).toBe(201);

    const aid = await invoke(getHouseholdAid, 'GET /households/{id}/aid', {
      as: admin,
      params: { id: w.householdId },
      query: { year: String(YEAR) },
    });
    expect(aid.json.totalFen).toBe(120_000);
    expect(aid.json.records.map((e: any) => e.cadreId)).toStrictEqual([w.old, w.old, w.next]);

    const floor = await invoke(floorReport, 'GET /reports/floor', {
      as: auditor,
      query: { year: String(YEAR), communityId: w.communityId },
    });
    expect(floor.json.rows).toStrictEqual([
      expect.objectContaining({ householdId: w.householdId, totalFen: 120_000, cadreId: w.next, unitId: w.otherUnit }),
    ]);
    const units = await invoke(unitReport, 'GET /reports/units', { as: auditor, query: { year: String(YEAR) } });
    const unitRow = (id: string) => units.json.rows.find((u: any) => u.unitId === id);
    expect(unitRow(w.otherUnit)).toMatchObject({ householdsPaired: 1 });
    expect(unitRow(w.unitId)?.householdsPaired ?? 0).toBe(0);
  });

  it('lets each cadre record, reverse, take receipts and outcomes only for the days it answers', async () => {
    const w = await handoverWorld();
    const early = await record(w.old, w.householdId, inKind('2026-03-01'));
    const late = await record(w.old, w.householdId, inKind('2026-07-01'));
    expect([early.status, late.status]).toStrictEqual([201, 201]);
    expect((await reassignTo({ householdId: w.householdId, year: YEAR, cadreId: w.next, from: FROM })).status).toBe(
      200,
    );

    // Recording.
    expect((await record(w.old, w.householdId, { date: BEFORE })).status).toBe(201);
    const oldAfter = await record(w.old, w.householdId, { date: FROM });
    expect([oldAfter.status, oldAfter.json.error.code]).toStrictEqual([403, 'aid.not_paired']);
    const nextBefore = await record(w.next, w.householdId, { date: BEFORE });
    expect([nextBefore.status, nextBefore.json.error.code]).toStrictEqual([403, 'aid.not_paired']);
    const nextEntry = await record(w.next, w.householdId, inKind(FROM));
    expect(nextEntry.status).toBe(201);

    // Receipts: the cadre answering on the entry's date, whoever recorded it.
    expect((await receipt(w.next, early.json.id)).status).toBe(403);
    expect((await receipt(w.old, early.json.id)).status).toBe(201);
    expect((await receipt(w.old, late.json.id)).status).toBe(403);
    expect((await receipt(w.next, late.json.id)).status).toBe(201);
    expect((await receipt(w.old, nextEntry.json.id)).status).toBe(403);

    // Reversals: the same rule; the entry keeps its recorder.
    expect((await reverse(cadreUser(w.next), early.json.id)).status).toBe(403);
    expect((await reverse(cadreUser(w.old), early.json.id)).status).toBe(201);
    expect((await reverse(cadreUser(w.old), nextEntry.json.id)).status).toBe(403);
    expect((await reverse(cadreUser(w.next), nextEntry.json.id)).status).toBe(201);
    expect((await reverse(cadreUser(w.old), late.json.id)).status).toBe(403);
    const lateReversal = await reverse(cadreUser(w.next), late.json.id);
    expect(lateReversal.status).toBe(201);
    expect(lateReversal.json.cadreId).toBe(w.old);

    // Outcomes.
    expect((await outcome(w.old, w.householdId, BEFORE)).status).toBe(201);
    expect((await outcome(w.old, w.householdId, FROM)).status).toBe(403);
    expect((await outcome(w.next, w.householdId, BEFORE)).status).toBe(403);
    expect((await outcome(w.next, w.householdId, FROM)).status).toBe(201);
  });

  it("keeps the household in the former cadre's households, marked as handed over", async () => {
    const w = await handoverWorld();
    await reassignTo({ householdId: w.householdId, year: YEAR, cadreId: w.next, from: FROM });
    const mine = await listCadrePairings(db, w.old, YEAR);
    expect(mine.map((p) => [p.householdId, p.cadreId, p.handedOver])).toStrictEqual([
      [w.householdId, w.next, { from: FROM, to: w.next }],
    ]);
    expect((await listCadrePairings(db, w.next, YEAR)).map((p) => [p.householdId, p.handedOver])).toStrictEqual([
      [w.householdId, undefined],
    ]);
    const listed = await list({ year: String(YEAR), cadreId: w.old });
    expect(listed.json.items).toStrictEqual([
      expect.objectContaining({ householdId: w.householdId, handedOver: { from: FROM, to: w.next } }),
    ]);
    // The household-year page is open to both.
    for (const cadre of [w.old, w.next]) {
      const r = await invoke(getHouseholdAid, 'GET /households/{id}/aid', {
        as: cadreUser(cadre),
        params: { id: w.householdId },
        query: { year: String(YEAR) },
      });
      expect(r.status).toBe(200);
    }
    const units = await list({ year: String(YEAR), unitId: w.otherUnit });
    expect(units.json.items.map((i: any) => i.householdId)).toStrictEqual([w.householdId]);
    expect((await list({ year: String(YEAR), unitId: w.unitId })).json.items).toStrictEqual([]);
  });

  it('is one reassignment when sent twice, and no change for the current cadre', async () => {
    const w = await handoverWorld();
    const body = { householdId: w.householdId, year: YEAR, cadreId: w.next, from: FROM };
    const [a, b] = await Promise.all([reassignTo(body), reassignTo(body)]);
    expect([a.status, b.status]).toStrictEqual([200, 200]);
    const again = await reassignTo(body);
    expect(again.status).toBe(200);
    const stored = await findPairing(db, w.householdId, YEAR);
    expect(stored?.periods).toHaveLength(2);
    expect(stored?.version).toBe(1);
    const same = await reassignTo({ ...body, from: '2026-09-01' });
    expect(same.status).toBe(200);
    expect((await findPairing(db, w.householdId, YEAR))?.periods).toStrictEqual(stored?.periods);
  });

  it('refuses bad input with 400 (or 404 for no pairing) and changes nothing', async () => {
    const w = await handoverWorld();
    const third = await newCadre(w.unitId, '第三');
    await reassignTo({ householdId: w.householdId, year: YEAR, cadreId: w.next, from: FROM });
    const inactive = await newCadre(w.unitId, '停用');
    // The registry's deactivation belongs to another part of issue 12; the flag is what it sets.
    await updateIf(db, keys.entity('cadre', inactive), { set: { active: false } });
    const before = await findPairing(db, w.householdId, YEAR);
    const base = { householdId: w.householdId, year: YEAR, cadreId: third };
    for (const [body, status, code] of [
      [{ ...base, from: '2027-01-01' }, 400, 'pairing.date_out_of_range'],
      [{ ...base, from: '2026-05-01' }, 400, 'pairing.date_out_of_range'],
      [{ ...base, from: '2026-02-30' }, 400, 'request.invalid'],
      [{ ...base, cadreId: 'nobody', from: '2026-07-01' }, 400, 'pairing.cadre_unknown'],
      [{ ...base, cadreId: inactive, from: '2026-07-01' }, 400, 'pairing.cadre_inactive'],
      [{ ...base, from: '2026-07-01', extra: 1 }, 400, 'request.invalid'],
      [{ ...base, householdId: 'nobody', from: '2026-07-01' }, 404, 'pairing.not_found'],
    ] as const) {
      const r = await reassignTo(body);
      expect([r.status, r.json.error.code], JSON.stringify(body)).toStrictEqual([status, code]);
    }
    for (const [body, status, code] of [
      [{ householdId: w.householdId, year: YEAR, on: '2025-12-31' }, 400, 'pairing.date_out_of_range'],
      [{ householdId: w.householdId, year: YEAR, on: '2026-05-01' }, 400, 'pairing.date_out_of_range'],
      [{ householdId: w.householdId, year: YEAR }, 400, 'request.invalid'],
    ] as const) {
      const r = await end(body);
      expect([r.status, r.json.error.code], JSON.stringify(body)).toStrictEqual([status, code]);
    }
    expect(await findPairing(db, w.householdId, YEAR)).toStrictEqual(before);
  });

  it('is refused while a round holds the community-year (409), and changes nothing', async () => {
    useRecordingWorkflow();
    const w = await handoverWorld();
    await record(w.old, w.householdId, { date: '2026-03-01' });
    await roundAwaitingDecision(w.communityId, YEAR);
    const before = await findPairing(db, w.householdId, YEAR);
    const r = await reassignTo({ householdId: w.householdId, year: YEAR, cadreId: w.next, from: FROM });
    expect([r.status, r.json.error.code]).toStrictEqual([409, 'ledger.under_verification']);
    const e = await end({ householdId: w.householdId, year: YEAR, on: FROM });
    expect([e.status, e.json.error.code]).toStrictEqual([409, 'ledger.under_verification']);
    expect(await findPairing(db, w.householdId, YEAR)).toStrictEqual(before);
  });

  it('leaves every entry with exactly one cadre in scope when a reassignment races entries at the boundary', async () => {
    const trials = 36;
    for (let t = 0; t < trials; t++) {
      const w = await handoverWorld();
      const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
      const offset = t % 12;
      const attempts = [
        { cadre: w.old, date: FROM },
        { cadre: w.old, date: BEFORE },
        { cadre: w.next, date: FROM },
        { cadre: w.next, date: BEFORE },
      ];
      const [moved, ...answers] = await Promise.all([
        reassignTo({ householdId: w.householdId, year: YEAR, cadreId: w.next, from: FROM }),
        // Entries fired across a spread of offsets around the reassignment's write (it takes a few ms here).
        ...attempts.map((a, i) => delay(offset * 2 + i).then(() => record(a.cadre, w.householdId, { date: a.date }))),
      ]);
      expect(moved!.status).toBe(200);
      const pairing = (await findPairing(db, w.householdId, YEAR))!;
      const aid = await invoke(getHouseholdAid, 'GET /households/{id}/aid', {
        as: admin,
        params: { id: w.householdId },
        query: { year: String(YEAR) },
      });
      const stored = aid.json.records as any[];
      // Every acknowledged entry is there, and nothing else.
      expect(stored.map((e) => e.id).sort()).toStrictEqual(
        answers
          .filter((a) => a.status === 201)
          .map((a) => a.json.id)
          .sort(),
      );
      for (const a of answers) expect([201, 403]).toContain(a.status);
      // The boundary itself: the new cadre before `from` is always refused.
      expect(answers[3]!.status).toBe(403);
      for (const e of stored) {
        const inScope = cadreInScope(pairing, e.date);
        const outOfScope = inScope === w.old ? w.next : w.old;
        expect(inScope === w.old || inScope === w.next).toBe(true);
        expect((await reverse(cadreUser(outOfScope), e.id)).status).toBe(403);
        expect((await reverse(cadreUser(inScope!), e.id)).status).toBe(201);
      }
    }
  });
});

describe('ending a pairing', () => {
  it('refuses entries dated after the end, keeps the household in the floor report, and is idempotent', async () => {
    const w = await pairedWorld(YEAR);
    const r = await end({ householdId: w.householdId, year: YEAR, on: '2026-06-30' });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ householdId: w.householdId, endedOn: '2026-06-30' });
    expect((await record(w.cadreId, w.householdId, { date: '2026-06-30' })).status).toBe(201);
    const after = await record(w.cadreId, w.householdId, { date: '2026-07-01' });
    expect([after.status, after.json.error.code]).toStrictEqual([403, 'aid.not_paired']);
    expect((await outcome(w.cadreId, w.householdId, '2026-07-01')).status).toBe(403);

    expect((await end({ householdId: w.householdId, year: YEAR, on: '2026-06-30' })).status).toBe(200);
    const other = await end({ householdId: w.householdId, year: YEAR, on: '2026-08-01' });
    expect([other.status, other.json.error.code]).toStrictEqual([409, 'pairing.ended']);
    const next = await newCadre(w.unitId);
    const moved = await reassignTo({ householdId: w.householdId, year: YEAR, cadreId: next, from: '2026-08-01' });
    expect([moved.status, moved.json.error.code]).toStrictEqual([409, 'pairing.ended']);

    const floor = await invoke(floorReport, 'GET /reports/floor', {
      as: auditor,
      query: { year: String(YEAR), communityId: w.communityId },
    });
    expect(floor.json.rows).toStrictEqual([
      expect.objectContaining({ householdId: w.householdId, totalFen: 10_000, meetsFloor: false }),
    ]);
    const listed = await list({ year: String(YEAR), communityId: w.communityId });
    expect(listed.json.items).toStrictEqual([expect.objectContaining({ ended: true, endedOn: '2026-06-30' })]);
  });
});

describe('carrying pairings into the next year', () => {
  const thisYear = Number(shanghaiDate(new Date()).slice(0, 4));
  const fromYear = thisYear - 1;

  it('previews exactly what the commit creates, reports conflicts, and a second commit changes nothing', async () => {
    const community = await newCommunity('结转社区');
    const unit = await newUnit('结转单位');
    const [c1, c2, gone] = [await newCadre(unit, '甲'), await newCadre(unit, '乙'), await newCadre(unit, '停')];
    const h = [] as string[];
    for (let i = 0; i < 8; i++) h.push(await newHousehold(community, `结转${i}`));
    for (const id of [h[0]!, h[1]!, h[4]!, h[5]!, h[6]!, h[7]!]) await pair(c1, id, fromYear);
    await pair(gone, h[2]!, fromYear);
    await pair(c2, h[3]!, fromYear);
    // Deactivations belong to another part of issue 12; the flag is what they set.
    await updateIf(db, keys.entity('cadre', gone), { set: { active: false } });
    await updateIf(db, keys.entity('household', h[3]!), { set: { active: false } });
    await pair(c2, h[4]!, thisYear); // paired elsewhere already
    await pair(c1, h[5]!, thisYear); // the same pairing already
    await end({ householdId: h[6]!, year: fromYear, on: `${fromYear}-10-31` });

    const body = { fromYear, toYear: thisYear, unitId: unit };
    const preview = await carry({ ...body, dryRun: true });
    expect(preview.status, preview.text).toBe(200);
    const expected = {
      fromYear,
      toYear: thisYear,
      pairings: 8,
      created: 3,
      unchanged: 1,
      skipped: [
        { householdId: h[2]!, reason: 'cadre_deactivated', cadreId: gone },
        { householdId: h[3]!, reason: 'household_deactivated', cadreId: c2 },
        { householdId: h[4]!, reason: 'paired_elsewhere', cadreId: c1 },
        { householdId: h[6]!, reason: 'ended', cadreId: c1 },
      ].sort((a, b) => (a.householdId < b.householdId ? -1 : 1)),
      digest: expect.stringMatching(/^[0-9a-f]{64}$/),
    };
    expect(preview.json).toStrictEqual({ ...expected, dryRun: true });
    const listed = async () =>
      (await allPages({ year: String(thisYear), unitId: unit })).items.map((i) => i.householdId).sort();
    expect(await listed()).toStrictEqual([h[4]!, h[5]!].sort());

    const commit = await carry({ ...body, dryRun: false });
    expect(commit.status).toBe(200);
    expect(commit.json).toStrictEqual({ ...preview.json, dryRun: false });
    expect(await listed()).toStrictEqual([h[0]!, h[1]!, h[4]!, h[5]!, h[7]!].sort());
    expect(await findPairing(db, h[0]!, thisYear)).toMatchObject({ cadreId: c1, unitId: unit, carriedFrom: fromYear });

    const again = await carry({ ...body, dryRun: false });
    expect(again.json).toStrictEqual({
      ...expected,
      dryRun: false,
      created: 0,
      unchanged: 4,
      digest: '0'.repeat(64),
    });
  });

  it('refuses years that are not the next one, or not this year or next, and a missing dryRun (400), creating nothing', async () => {
    const w = await pairedWorld(fromYear);
    for (const [body, code] of [
      [{ fromYear, toYear: thisYear + 1, dryRun: false }, 'pairing.carry_over_years'],
      [{ fromYear: fromYear - 1, toYear: fromYear, dryRun: false }, 'pairing.carry_over_years'],
      [{ fromYear, toYear: thisYear }, 'request.invalid'],
      [{ fromYear, toYear: thisYear, dryRun: 'yes' }, 'request.invalid'],
    ] as const) {
      const r = await carry(body);
      expect([r.status, r.json.error.code], JSON.stringify(body)).toStrictEqual([400, code]);
    }
    expect(await findPairing(db, w.householdId, thisYear)).toBeUndefined();
  });
});
