import * as z from 'zod';
import type { Db } from '../db.ts';
import { CampaignYearParam } from '../pairing/index.ts';
import { RegionFilters } from '../reports/community-year.ts';
import { namesOf } from '../reports/names.ts';
import { type FloorRow, floorReportRows } from './report.ts';

/**
 * The floor report as the auditor's page reads it: filtered, searched, sorted and cut into pages, with the
 * per-unit figures of everything that matched (for the chart). Rows are read as the report reads them (one
 * community-year partition at a time), and only the slim fields of the rows that match are kept, so a city's
 * 76k households are sorted in memory but only one page of them is named and rendered.
 */

/** Sort keys of the floor page. */
export const FLOOR_SORTS = ['name', 'community', 'unit', 'total', 'shortfall'] as const;
export type FloorSort = (typeof FLOOR_SORTS)[number];

/** Rows per page. */
export const FLOOR_PAGE_SIZE = 50;

const Id = z.string().trim().min(1).max(64).optional();

/** The page's query: the report's filters, a search of the head's name, the sort and the page. */
export const FloorPageQuery = z.strictObject({
  year: CampaignYearParam,
  ...RegionFilters,
  communityId: Id,
  unitId: Id,
  below: z.enum(['1'], { error: '只看未达标应为 1' }).optional(),
  q: z.string().trim().max(40, '搜索词不超过 40 个字').optional(),
  sort: z.enum(FLOOR_SORTS, { error: '排序应为姓名、社区、单位、合计或差额' }).default('shortfall'),
  dir: z.enum(['asc', 'desc'], { error: '顺序应为 asc 或 desc' }).optional(),
  page: z.coerce
    .number({ error: '页码应为正整数' })
    .int('页码应为正整数')
    .min(1, '页码应为正整数')
    .max(100_000, '页码过大')
    .default(1),
});
export type FloorPageQuery = z.infer<typeof FloorPageQuery>;

/** A row of the page: the report's row with the names people read. */
export interface FloorPageRow extends FloorRow {
  communityName: string;
  unitName: string;
  cadreName: string;
}

/** One unit's households among those that matched. */
export interface UnitFigures {
  unitId: string;
  unitName: string;
  households: number;
  meetingFloor: number;
}

/** The natural direction of each sort: names A→Z, the largest total and the largest shortfall first. */
export const DEFAULT_DIR: Record<FloorSort, 'asc' | 'desc'> = {
  name: 'asc',
  community: 'asc',
  unit: 'asc',
  total: 'desc',
  shortfall: 'desc',
};

const collator = new Intl.Collator('zh-Hans-CN');

/**
 * One page of the floor report. The order is total: the chosen key, then the head's name, then the household
 * id, so a page holds the same rows however often it is asked for and pages neither repeat nor skip a row.
 */
export async function floorPage(
  db: Db,
  q: FloorPageQuery,
  names: { communities: Map<string, string>; units: Map<string, string> },
) {
  const matched: FloorRow[] = [];
  const byUnit = new Map<string, UnitFigures>();
  let meeting = 0;
  const needle = q.q?.toLowerCase();
  for await (const r of floorReportRows(db, q)) {
    if (q.below && r.meetsFloor) continue;
    if (needle && !r.headName.toLowerCase().includes(needle)) continue;
    matched.push(r);
    if (r.meetsFloor) meeting++;
    let u = byUnit.get(r.unitId);
    if (!u) {
      u = { unitId: r.unitId, unitName: names.units.get(r.unitId) ?? r.unitId, households: 0, meetingFloor: 0 };
      byUnit.set(r.unitId, u);
    }
    u.households++;
    if (r.meetsFloor) u.meetingFloor++;
  }
  const dir = q.dir ?? DEFAULT_DIR[q.sort];
  const sign = dir === 'asc' ? 1 : -1;
  const key = sortKey(q.sort, names);
  matched.sort(
    (a, b) => sign * key(a, b) || collator.compare(a.headName, b.headName) || (a.householdId < b.householdId ? -1 : 1),
  );
  const pages = Math.max(1, Math.ceil(matched.length / FLOOR_PAGE_SIZE));
  const page = Math.min(q.page, pages);
  const slice = matched.slice((page - 1) * FLOOR_PAGE_SIZE, page * FLOOR_PAGE_SIZE);
  const cadres = await namesOf(
    db,
    'cadre',
    slice.map((r) => r.cadreId),
  );
  return {
    year: q.year,
    households: matched.length,
    householdsMeetingFloor: meeting,
    householdsBelowFloor: matched.length - meeting,
    page,
    pages,
    dir,
    units: [...byUnit.values()],
    rows: slice.map(
      (r): FloorPageRow => ({
        ...r,
        communityName: names.communities.get(r.communityId) ?? r.communityId,
        unitName: names.units.get(r.unitId) ?? r.unitId,
        cadreName: cadres.get(r.cadreId) ?? r.cadreId,
      }),
    ),
  };
}

function sortKey(
  sort: FloorSort,
  names: { communities: Map<string, string>; units: Map<string, string> },
): (a: FloorRow, b: FloorRow) => number {
  switch (sort) {
    case 'name':
      return (a, b) => collator.compare(a.headName, b.headName);
    case 'community':
      return (a, b) =>
        collator.compare(names.communities.get(a.communityId) ?? '', names.communities.get(b.communityId) ?? '');
    case 'unit':
      return (a, b) => collator.compare(names.units.get(a.unitId) ?? '', names.units.get(b.unitId) ?? '');
    case 'total':
      return (a, b) => a.totalFen - b.totalFen;
    case 'shortfall':
      return (a, b) => a.shortfallFen - b.shortfallFen;
  }
}
