import * as z from 'zod';
import { OBJECTIVES, type Objective } from '../aid/rules.ts';
import { type Db, queryPages } from '../db.ts';
import { type Community, listEntities, UNASSIGNED_REGION } from '../registry/entities.ts';
import { keys } from '../table.ts';

/**
 * The one read every report is made from: a community-year partition of the `byCommunityYear` index holds each
 * paired household's pairing, its ledger entries and its outcomes, sorted by household. Folding it gives one
 * `HouseholdYear` per paired household. A city-wide report reads every community's partition, several at a
 * time, and hands the results on in community order, so memory holds a few communities, never the city.
 */

/** A paired household's year: who answers for it, and its money and outcomes. */
export interface HouseholdYear {
  householdId: string;
  headName: string;
  memberCount: number;
  communityId: string;
  unitId: string;
  cadreId: string;
  /** The verification round that locked the figures (set at confirmation, cleared on reopen). */
  lockedBy?: string;
  /** Net of reversals: cash plus in-kind at recorded value. */
  totalFen: number;
  cashFen: number;
  inKindFen: number;
  byObjectiveFen: Record<Objective, number>;
  /** Net of reversals by the month of the entry's date (January first): a reversal keeps its entry's date. */
  byMonthFen: number[];
  /** Outcomes recorded in the year, by objective. */
  outcomes: Record<Objective, number>;
}

/** Queries in flight at once for a city-wide report: enough to hide round trips, few enough for one Lambda. */
export const REPORT_CONCURRENCY = 16;

/**
 * The attributes the fold reads; the Query projects to them, so descriptions, item lists and request hashes
 * never cross the wire or get unmarshalled.
 */
export const REPORT_ATTRIBUTES = [
  'entity',
  'householdId',
  'headName',
  'memberCount',
  'communityId',
  'unitId',
  'cadreId',
  'lockedBy',
  'kind',
  'objective',
  'amountFen',
  'date',
];

const zeros = () => Object.fromEntries(OBJECTIVES.map((o) => [o, 0])) as Record<Objective, number>;

/**
 * Reads one community-year into its paired households, in household order. Entries of a household without a
 * pairing cannot exist (recording aid requires one), and are ignored if they did.
 */
export async function readHouseholdYears(db: Db, communityId: string, year: number): Promise<HouseholdYear[]> {
  const byHousehold = new Map<string, { money: HouseholdYear; paired: boolean }>();
  for await (const page of queryPages(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: 'HOUSEHOLD#',
    attributes: REPORT_ATTRIBUTES,
  })) {
    for (const item of page) {
      const entity = item.entity;
      if (entity !== 'aid' && entity !== 'pairing' && entity !== 'outcome') continue;
      const householdId = item.householdId as string;
      let h = byHousehold.get(householdId);
      if (!h) {
        h = {
          paired: false,
          money: {
            householdId,
            headName: '',
            memberCount: 0,
            communityId,
            unitId: '',
            cadreId: '',
            totalFen: 0,
            cashFen: 0,
            inKindFen: 0,
            byObjectiveFen: zeros(),
            byMonthFen: new Array<number>(12).fill(0),
            outcomes: zeros(),
          },
        };
        byHousehold.set(householdId, h);
      }
      const m = h.money;
      if (entity === 'aid') {
        const amount = item.amountFen as number;
        m.totalFen += amount;
        if (item.kind === 'cash') m.cashFen += amount;
        else m.inKindFen += amount;
        m.byObjectiveFen[item.objective as Objective] += amount;
        const month = Number(String(item.date ?? '').slice(5, 7));
        if (month >= 1 && month <= 12) m.byMonthFen[month - 1]! += amount;
      } else if (entity === 'outcome') {
        m.outcomes[item.objective as Objective] += 1;
      } else {
        h.paired = true;
        m.headName = item.headName as string;
        m.memberCount = item.memberCount as number;
        m.unitId = item.unitId as string;
        m.cadreId = item.cadreId as string;
        if (item.lockedBy) m.lockedBy = item.lockedBy as string;
      }
    }
  }
  const out: HouseholdYear[] = [];
  for (const h of byHousehold.values()) if (h.paired) out.push(h.money);
  return out;
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight and yields the results in the order of `items`.
 * A window, not a pool: the next call starts only when the oldest result has been taken, so a slow consumer
 * (a CSV being written out) holds back the reads and memory stays at `limit` results.
 */
export async function* mapInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): AsyncGenerator<R> {
  const window: Promise<R>[] = [];
  let next = 0;
  const startNext = () => {
    const p = fn(items[next++]!);
    // Awaited in order below; until then a rejection must not count as unhandled.
    p.catch(() => undefined);
    window.push(p);
  };
  while (next < items.length && window.length < limit) startNext();
  while (window.length) {
    const result = await window.shift()!;
    if (next < items.length) startNext();
    yield result;
  }
}

/** Which communities a report covers: one, or those of a township or district, or all (absent filters). */
export interface ReportScope {
  communityId?: string | undefined;
  townshipId?: string | undefined;
  districtId?: string | undefined;
}

/**
 * The communities a report covers, in id order: the one asked for, those of the township or district asked
 * for, or every registered community. One Query of the community listing (hundreds of items) unless one
 * community is named; only these communities' partitions are then read.
 */
export async function reportCommunities(db: Db, scope: ReportScope | string = {}): Promise<string[]> {
  const s = typeof scope === 'string' ? { communityId: scope } : scope;
  if (s.communityId && !s.townshipId && !s.districtId) return [s.communityId];
  return (await listEntities<Community>(db, 'community'))
    .filter(
      (c) =>
        (!s.communityId || c.id === s.communityId) &&
        (!s.townshipId || c.townshipId === s.townshipId) &&
        (!s.districtId || c.districtId === s.districtId),
    )
    .map((c) => c.id)
    .sort();
}

/** Every paired household of the year, community by community (read `concurrency` at a time), in order. */
export async function* householdYears(
  db: Db,
  year: number,
  opts: ReportScope & { concurrency?: number } = {},
): AsyncGenerator<HouseholdYear[]> {
  const communities = await reportCommunities(db, opts);
  yield* mapInOrder(communities, opts.concurrency ?? REPORT_CONCURRENCY, (c) => readHouseholdYears(db, c, year));
}

/** A community's place, as reports show it: names, and `未分区` for a community without a district. */
export interface CommunityRegion {
  townshipId: string | null;
  township: string | null;
  districtId: string | null;
  district: string;
}

/** The region of every registered community, by id (one Query of the community listing). */
export async function communityRegions(db: Db): Promise<Map<string, CommunityRegion>> {
  const communities = await listEntities<Community>(db, 'community');
  return new Map(
    communities.map((c) => [
      c.id,
      {
        townshipId: c.townshipId ?? null,
        township: c.township ?? null,
        districtId: c.districtId ?? null,
        district: c.district ?? UNASSIGNED_REGION,
      },
    ]),
  );
}

/** The region of a community the listing does not know. */
export const NO_REGION: CommunityRegion = {
  townshipId: null,
  township: null,
  districtId: null,
  district: UNASSIGNED_REGION,
};

/** A report query's region filters, as the report routes take them. */
export const RegionFilters = {
  townshipId: z.string().trim().min(1).max(64).optional(),
  districtId: z.string().trim().min(1).max(64).optional(),
};
