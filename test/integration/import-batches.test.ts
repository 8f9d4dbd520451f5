import { describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { importDeps } from '#functions/lib/import-deps.ts';
import { putIfAbsent } from '#shared/db.ts';
import { AppError } from '#shared/errors.ts';
import { ensureHousehold, ensureHouseholds, type HouseholdRow, registerHousehold } from '#shared/household/index.ts';
import { createPairing, createPairings, type NewPairing } from '#shared/pairing/index.ts';
import {
  createCadre,
  createCommunity,
  createUnit,
  ensureCadre,
  ensureCadres,
  listEntities,
  type NewCadre,
  patchCommunity,
  patchUnit,
} from '#shared/registry/index.ts';
import { keys } from '#shared/table.ts';
import { makeIdNumber } from '../support/factories.ts';

/**
 * The batch variants an import's chunk writes with (`ensureHouseholds`, `ensureCadres`, `createPairings`) against
 * the single-row commands the API uses: the same rows in two copies of one small world, one copy through the
 * batch, the other row by row, must give the same outcome (or the same error) for every row; and a chunk run
 * again (a resumed job) changes nothing and says every row is unchanged.
 */

let seq = 0;
const uniq = (p: string) => `${p}${Date.now().toString(36)}${seq++}`;

/** What a row came to: the outcome, or the error's code. */
type Said = string;
const said = (o: { outcome: string } | { created: boolean } | { error: AppError }): Said =>
  'error' in o ? o.error.code : 'outcome' in o ? o.outcome : o.created ? 'created' : 'unchanged';

async function oneByOne<T>(rows: readonly T[], fn: (row: T) => Promise<{ outcome: string } | { created: boolean }>) {
  const out: Said[] = [];
  for (const row of rows) {
    try {
      out.push(said(await fn(row)));
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out.push(e.code);
    }
  }
  return out;
}

/** A small world: two active communities, a deactivated one, a unit, a deactivated unit. */
async function world(now: Date) {
  const a = await createCommunity(db, { name: uniq('批量社区A') }, now);
  const b = await createCommunity(db, { name: uniq('批量社区B') }, now);
  const closed = await createCommunity(db, { name: uniq('批量停用社区') }, now);
  await patchCommunity(db, closed.id, { active: false }, now);
  const unit = await createUnit(db, { name: uniq('批量单位') }, now);
  const closedUnit = await createUnit(db, { name: uniq('批量停用单位') }, now);
  await patchUnit(db, closedUnit.id, { active: false }, now);
  return { a: a.id, b: b.id, closed: closed.id, unit: unit.id, closedUnit: closedUnit.id };
}

describe('an import chunk written in batches', () => {
  it('gives households the outcomes ensureHousehold gives row by row, and a second run leaves them unchanged', async () => {
    const deps = await importDeps();
    const copies = await Promise.all([world(deps.now), world(deps.now)]);
    const rowsOf = async (w: Awaited<ReturnType<typeof world>>): Promise<HouseholdRow[]> => {
      const kept = makeIdNumber();
      const resized = makeIdNumber();
      const moved = makeIdNumber();
      for (const idNumber of [kept, resized, moved])
        await registerHousehold(deps, { headName: '老户', idNumber, communityId: w.a, memberCount: 2 });
      const twice = makeIdNumber();
      return [
        { headName: '新户', idNumber: makeIdNumber(), communityId: w.a, memberCount: 3 },
        { headName: '老户', idNumber: kept, communityId: w.a, memberCount: 2 },
        { headName: '老户', idNumber: resized, communityId: w.a, memberCount: 4 },
        { headName: '老户', idNumber: moved, communityId: w.b, memberCount: 2 },
        { headName: '停用社区', idNumber: makeIdNumber(), communityId: w.closed, memberCount: 1 },
        { headName: '无此社区', idNumber: makeIdNumber(), communityId: 'no-such-community', memberCount: 1 },
        { headName: '坏号', idNumber: '320902198001010000', communityId: w.a, memberCount: 1 },
        { headName: '', idNumber: makeIdNumber(), communityId: w.a, memberCount: 1 },
        { headName: '两次', idNumber: twice, communityId: w.a, memberCount: 1 },
        { headName: '两次改名', idNumber: twice, communityId: w.a, memberCount: 1 },
      ];
    };
    const [batchRows, singleRows] = [await rowsOf(copies[0]), await rowsOf(copies[1])];

    const batched = (await ensureHouseholds(deps, batchRows)).map(said);
    const single = await oneByOne(singleRows, (r) => ensureHousehold(deps, r));
    expect(batched).toStrictEqual(single);
    expect(batched).toStrictEqual([
      'created',
      'unchanged',
      'updated',
      'updated',
      'community.inactive',
      'community.not_found',
      'household.id_checksum',
      'request.invalid',
      'created',
      'updated',
    ]);

    const before = (await listEntities(db, 'household')).length;
    const again = (await ensureHouseholds(deps, batchRows)).map(said);
    // The number twice in the chunk: its first row renames the household back, its second renames it again.
    expect(again).toStrictEqual([
      ...['unchanged', 'unchanged', 'unchanged', 'unchanged'],
      ...batched.slice(4, 8),
      ...['updated', 'updated'],
    ]);
    expect(again).toStrictEqual(await oneByOne(singleRows, (r) => ensureHousehold(deps, r)));
    expect((await listEntities(db, 'household')).length).toBe(before);
  });

  it('gives cadres the outcomes ensureCadre gives row by row, and a second run leaves them unchanged', async () => {
    const deps = await importDeps();
    const copies = await Promise.all([world(deps.now), world(deps.now)]);
    const rowsOf = async (w: Awaited<ReturnType<typeof world>>): Promise<NewCadre[]> => {
      await createCadre(db, { name: '老干部', unitId: w.unit, code: 'K1', phone: '13800000001' }, deps.now);
      await createCadre(db, { name: '换号干部', unitId: w.unit, code: 'K2' }, deps.now);
      return [
        { name: '新干部', unitId: w.unit, code: 'N1', phone: '13800000009' },
        { name: '老干部', unitId: w.unit, code: 'K1' },
        { name: '换号干部', unitId: w.unit, code: 'K2', phone: '13800000002' },
        { name: '无编号', unitId: w.unit },
        { name: '停用单位', unitId: w.closedUnit, code: 'S1' },
        { name: '无此单位', unitId: 'no-such-unit', code: 'S2' },
        { name: '重复编号', unitId: w.unit, code: 'D1' },
        { name: '重复编号改名', unitId: w.unit, code: 'D1' },
      ];
    };
    const [batchRows, singleRows] = [await rowsOf(copies[0]), await rowsOf(copies[1])];

    const batched = (await ensureCadres(db, batchRows, deps.now)).map(said);
    const single = await oneByOne(singleRows, (r) => ensureCadre(db, r, deps.now));
    expect(batched).toStrictEqual(single);
    expect(batched).toStrictEqual([
      'created',
      'unchanged',
      'updated',
      'created',
      'unit.inactive',
      'cadre.unit_unknown',
      'created',
      'updated',
    ]);

    const before = (await listEntities(db, 'cadre')).length;
    const again = (await ensureCadres(db, batchRows, deps.now)).map(said);
    expect(again).toStrictEqual(await oneByOne(singleRows, (r) => ensureCadre(db, r, deps.now)));
    expect(again).toStrictEqual([
      'unchanged',
      'unchanged',
      'unchanged',
      'unchanged',
      'unit.inactive',
      'cadre.unit_unknown',
      'updated',
      'updated',
    ]);
    expect((await listEntities(db, 'cadre')).length).toBe(before);
  });

  it('gives pairings the outcomes createPairing gives row by row, held community-years included, and a second run leaves them unchanged', async () => {
    const deps = await importDeps();
    const year = Number(deps.now.toISOString().slice(0, 4));
    const rowsOf = async (): Promise<NewPairing[]> => {
      const w = await world(deps.now);
      const cadre = await createCadre(db, { name: '结对干部', unitId: w.unit }, deps.now);
      const other = await createCadre(db, { name: '另一干部', unitId: w.unit }, deps.now);
      const household = async (communityId: string) =>
        (await registerHousehold(deps, { headName: '结对户', idNumber: makeIdNumber(), communityId, memberCount: 2 }))
          .id;
      const [fresh, paired, pairedElsewhere, held, heldPaired, twice] = await Promise.all([
        household(w.a),
        household(w.a),
        household(w.a),
        household(w.b),
        household(w.b),
        household(w.a),
      ]);
      await createPairing(db, { cadreId: cadre.id, householdId: paired, year }, deps.now);
      await createPairing(db, { cadreId: other.id, householdId: pairedElsewhere, year }, deps.now);
      await createPairing(db, { cadreId: cadre.id, householdId: heldPaired, year }, deps.now);
      // Community B's year is under a verification round (its pointer and the round, as a start writes them).
      const verificationId = `verify-${year}-${w.b}-1`;
      await putIfAbsent(db, {
        ...keys.verification(verificationId),
        entity: 'verification',
        id: verificationId,
        status: 'checking',
      });
      await putIfAbsent(db, { ...keys.currentRound(w.b, year), verificationId, round: 1 });
      return [
        { cadreId: cadre.id, householdId: fresh, year },
        { cadreId: cadre.id, householdId: paired, year },
        { cadreId: cadre.id, householdId: pairedElsewhere, year },
        { cadreId: cadre.id, householdId: held, year },
        { cadreId: cadre.id, householdId: heldPaired, year },
        { cadreId: 'no-such-cadre', householdId: fresh, year: year + 1 },
        { cadreId: cadre.id, householdId: 'no-such-household', year },
        { cadreId: cadre.id, householdId: fresh, year: year + 2 },
        { cadreId: cadre.id, householdId: twice, year },
        { cadreId: other.id, householdId: twice, year },
      ];
    };
    const [batchRows, singleRows] = [await rowsOf(), await rowsOf()];

    const batched = (await createPairings(db, batchRows, deps.now)).map(said);
    const single = await oneByOne(singleRows, (r) => createPairing(db, r, deps.now));
    expect(batched).toStrictEqual(single);
    expect(batched).toStrictEqual([
      'created',
      'unchanged',
      'pairing.exists',
      'ledger.under_verification',
      'unchanged',
      'cadre.not_found',
      'pairing.household_unknown',
      'pairing.year_future',
      'created',
      'pairing.exists',
    ]);

    const again = (await createPairings(db, batchRows, deps.now)).map(said);
    expect(again).toStrictEqual(await oneByOne(singleRows, (r) => createPairing(db, r, deps.now)));
    expect(again).toStrictEqual(batched.map((s) => (s === 'created' ? 'unchanged' : s)));
  });
});
