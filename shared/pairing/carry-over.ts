import { createHash } from 'node:crypto';
import * as z from 'zod';
import { shanghaiDate } from '../dates.ts';
import { type Db, getItem, getMany, inParallel, putIfAbsent, queryPages } from '../db.ts';
import { invalid } from '../errors.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { CampaignYear, type Pairing, refuseFrozenCommunityYear } from './index.ts';

/**
 * Carrying last year's pairings into a new year in one action. The dry run and the commit are one pass over the
 * same plan: every pairing of `fromYear` (read a unit-year listing page at a time, never all at once) is
 * classified as created, unchanged (the same cadre is already paired in `toYear`) or skipped with a reason; the
 * commit then writes the created ones with a conditional put each. So the commit creates what the preview
 * showed (unless the registry changed in between, which the `digest` of the created set shows), and a second
 * commit finds every pairing unchanged.
 */

export const CarryOver = z.strictObject({
  fromYear: CampaignYear,
  toYear: CampaignYear,
  dryRun: z.boolean({ error: 'dryRun 应为 true（预览）或 false（执行）' }),
  /** One unit only: a city can also be carried over unit by unit. */
  unitId: z.string().trim().min(1).max(64).optional(),
});
export type CarryOver = z.infer<typeof CarryOver>;

/** Why a pairing was not carried over. */
export type SkipReason =
  | 'ended'
  | 'household_unknown'
  | 'household_deactivated'
  | 'cadre_unknown'
  | 'cadre_deactivated'
  | 'paired_elsewhere'
  | 'community_held';

export interface CarryOverResult {
  fromYear: number;
  toYear: number;
  dryRun: boolean;
  /** How many pairings of `fromYear` were considered. */
  pairings: number;
  /** Created (or, in a dry run, to be created). */
  created: number;
  /** Already paired with the same cadre in `toYear`. */
  unchanged: number;
  skipped: { householdId: string; reason: SkipReason; cadreId: string }[];
  /**
   * SHA-256 over the created pairings (household, cadre, unit, community), independent of order: a preview and
   * the commit that followed it have the same digest exactly when the commit created what was previewed.
   */
  digest: string;
}

/** In flight at once: units read side by side, and conditional puts per page. */
const UNITS_IN_FLIGHT = 4;
const PUTS_IN_FLIGHT = 16;

type Registry = { id: string; active?: boolean };
type HouseholdRow = Registry & { headName: string; memberCount: number; communityId: string };
type CadreRow = Registry & { unitId: string };

/** The request, checked: `toYear` is the year after `fromYear`, and this year or the next. */
export function checkedCarryOver(rawInput: z.input<typeof CarryOver>, now: Date): CarryOver {
  const input = parseInput(CarryOver, rawInput);
  const thisYear = Number(shanghaiDate(now).slice(0, 4));
  if (input.toYear !== input.fromYear + 1) {
    throw invalid('pairing.carry_over_years', '只能结转到下一年', [
      { path: 'toYear', message: `应为 ${input.fromYear + 1}` },
    ]);
  }
  if (input.toYear < thisYear || input.toYear > thisYear + 1) {
    throw invalid('pairing.carry_over_years', '只能结转到今年或明年', [
      { path: 'toYear', message: `应为 ${thisYear} 或 ${thisYear + 1}` },
    ]);
  }
  return input;
}

/** The units a carry-over goes through, in a stable order (the order a background job checkpoints them in). */
export async function carryOverUnits(db: Db, input: CarryOver): Promise<string[]> {
  return input.unitId ? [input.unitId] : (await queryAllKeys(db, keys.entityListing('unit', '').gsi3pk)).sort();
}

/**
 * Carries `fromYear`'s pairings into `toYear` (the next year, and this year or the next). `runId` names the
 * background job a commit runs in: its pairings carry it (`carriedBy`), so a unit run again after a lost
 * checkpoint counts what the lost run created as created, not unchanged.
 */
export async function carryOverPairings(
  db: Db,
  rawInput: z.input<typeof CarryOver>,
  now: Date,
  opts: { runId?: string } = {},
): Promise<CarryOverResult> {
  const input = checkedCarryOver(rawInput, now);
  const unitIds = await carryOverUnits(db, input);

  const result: CarryOverResult = {
    fromYear: input.fromYear,
    toYear: input.toYear,
    dryRun: input.dryRun,
    pairings: 0,
    created: 0,
    unchanged: 0,
    skipped: [],
    digest: '',
  };
  const digest = Buffer.alloc(32);
  const cadres = new Map<string, CadreRow | null>();
  const held = new Map<string, Promise<boolean>>();
  const communityHeld = (communityId: string) => {
    let h = held.get(communityId);
    if (!h) {
      h = refuseFrozenCommunityYear(db, communityId, input.toYear).then(
        () => false,
        () => true,
      );
      held.set(communityId, h);
    }
    return h;
  };

  const carryPage = async (page: Pairing[]) => {
    result.pairings += page.length;
    const [households, existing] = await Promise.all([
      byId<HouseholdRow>(
        db,
        page.map((p) => keys.entity('household', p.householdId)),
      ),
      byId<Pairing>(
        db,
        page.map((p) => keys.pairing(p.householdId, input.toYear)),
        'householdId',
      ),
      loadCadres(
        db,
        cadres,
        page.map((p) => p.cadreId),
      ),
    ]);
    const add = (p: Pairing) => {
      result.created++;
      const h = createHash('sha256').update(`${p.householdId}|${p.cadreId}|${p.unitId}|${p.communityId}`).digest();
      for (let i = 0; i < 32; i++) digest[i]! ^= h[i]!;
    };
    const toCreate: Pairing[] = [];
    for (const p of page) {
      const skip = (reason: SkipReason) =>
        result.skipped.push({ householdId: p.householdId, reason, cadreId: p.cadreId });
      const household = households.get(p.householdId);
      const cadre = cadres.get(p.cadreId);
      const there = existing.get(p.householdId);
      if (there) {
        if (there.cadreId === p.cadreId && opts.runId && there.carriedBy === opts.runId) add(there);
        else if (there.cadreId === p.cadreId) result.unchanged++;
        else skip('paired_elsewhere');
      } else if (p.endedOn) skip('ended');
      else if (!household) skip('household_unknown');
      else if (household.active === false) skip('household_deactivated');
      else if (!cadre) skip('cadre_unknown');
      else if (cadre.active === false) skip('cadre_deactivated');
      else if (await communityHeld(household.communityId)) skip('community_held');
      else {
        toCreate.push({
          householdId: p.householdId,
          cadreId: cadre.id,
          unitId: cadre.unitId,
          communityId: household.communityId,
          year: input.toYear,
          headName: household.headName,
          memberCount: household.memberCount,
          pairedAt: now.toISOString(),
          carriedFrom: input.fromYear,
          ...(opts.runId ? { carriedBy: opts.runId } : {}),
        });
      }
    }
    if (input.dryRun) {
      toCreate.forEach(add);
      return;
    }
    await inParallel(toCreate, PUTS_IN_FLIGHT, async (p) => {
      const item = { ...keys.pairing(p.householdId, p.year), ...keys.pairingIndexes(p), entity: 'pairing', ...p };
      if (await putIfAbsent(db, item)) return add(p);
      // Paired meanwhile (another carry-over, an admin's pairing): the same cadre is no change.
      const now2 = await getItem<Pairing>(db, keys.pairing(p.householdId, p.year));
      if (now2?.cadreId === p.cadreId && opts.runId && now2.carriedBy === opts.runId) add(now2);
      else if (now2?.cadreId === p.cadreId) result.unchanged++;
      else result.skipped.push({ householdId: p.householdId, reason: 'paired_elsewhere', cadreId: p.cadreId });
    });
  };

  await inParallel(unitIds, UNITS_IN_FLIGHT, async (unitId) => {
    for await (const items of queryPages(db, {
      index: 'byKind',
      partition: keys.unitYear(unitId, input.fromYear).gsi3pk,
    })) {
      await carryPage(items.map((i) => stripKeys(i) as unknown as Pairing));
    }
  });
  result.skipped.sort((a, b) => (a.householdId < b.householdId ? -1 : a.householdId > b.householdId ? 1 : 0));
  result.digest = digest.toString('hex');
  return result;
}

/** The ids in a byKind listing (projected: the listing's sort key is the id). */
async function queryAllKeys(db: Db, partition: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of queryPages(db, { index: 'byKind', partition, attributes: ['id'] })) {
    for (const i of page) ids.push(i.id as string);
  }
  return ids;
}

/** Items by key, as a map by their `id` (or another field). */
async function byId<T>(db: Db, keyList: { pk: string; sk: string }[], field = 'id'): Promise<Map<string, T>> {
  const items = await getMany(db, keyList);
  return new Map(items.map((i) => [i[field] as string, stripKeys(i) as unknown as T]));
}

/** Fills the cadre cache with the cadres it lacks (a unit's cadres recur page after page). */
async function loadCadres(db: Db, cache: Map<string, CadreRow | null>, ids: string[]): Promise<void> {
  const missing = [...new Set(ids)].filter((id) => !cache.has(id));
  if (!missing.length) return;
  const found = await byId<CadreRow>(
    db,
    missing.map((id) => keys.entity('cadre', id)),
  );
  for (const id of missing) cache.set(id, found.get(id) ?? null);
}
