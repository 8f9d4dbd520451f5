import * as z from 'zod';
import { type AidRecord, floorStatus } from '../aid/rules.ts';
import { type Db, queryPages } from '../db.ts';
import { FLOOR_FEN, formatYuan } from '../money.ts';
import { CampaignYear, type Pairing } from '../pairing/index.ts';
import { type Community, listEntities } from '../registry/index.ts';
import { keys } from '../table.ts';

/** Query of the floor compliance report. */
export const FloorReportQuery = z.strictObject({
  year: CampaignYear,
  communityId: z.string().trim().min(1).max(64).optional(),
  unitId: z.string().trim().min(1).max(64).optional(),
  format: z.enum(['json', 'csv'], { error: '格式应为 json 或 csv' }).optional(),
});
export type FloorReportQuery = z.infer<typeof FloorReportQuery>;

/** One household paired in the year, with its total against the floor. */
export interface FloorRow {
  householdId: string;
  headName: string;
  communityId: string;
  unitId: string;
  cadreId: string;
  memberCount: number;
  totalFen: number;
  meetsFloor: boolean;
  shortfallFen: number;
}

/** Columns of the CSV export, in order; `totalYuan` is added for people reading it in Excel. */
export const FLOOR_CSV_COLUMNS = [
  'householdId',
  'headName',
  'communityId',
  'unitId',
  'cadreId',
  'memberCount',
  'totalFen',
  'totalYuan',
  'meetsFloor',
  'shortfallFen',
] as const;

/**
 * Folds one community-year partition into rows. The index sorts a household's items together (its aid
 * entries, then its pairing), so one pass with one running sum suffices and memory stays per-household.
 */
async function* communityRows(db: Db, communityId: string, year: number): AsyncGenerator<FloorRow> {
  let household: string | undefined;
  let sum = 0;
  for await (const page of queryPages(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
  })) {
    for (const item of page) {
      const householdId = item.householdId as string;
      if (householdId !== household) {
        household = householdId;
        sum = 0;
      }
      if (item.entity === 'aid') sum += (item as unknown as AidRecord).amountFen;
      else if (item.entity === 'pairing') {
        const p = item as unknown as Pairing;
        yield {
          householdId: p.householdId,
          headName: p.headName,
          communityId: p.communityId,
          unitId: p.unitId,
          cadreId: p.cadreId,
          memberCount: p.memberCount,
          ...pick(floorStatus(sum)),
        };
      }
    }
  }
}

function pick(s: ReturnType<typeof floorStatus>) {
  return { totalFen: s.totalFen, meetsFloor: s.meetsFloor, shortfallFen: s.shortfallFen };
}

/**
 * Every household paired in the year, those with no aid included (they are the ones most behind), one
 * community at a time, optionally narrowed to one community and/or one unit.
 */
export async function* floorReportRows(db: Db, q: FloorReportQuery): AsyncGenerator<FloorRow> {
  const communities = q.communityId
    ? [q.communityId]
    : (await listEntities<Community>(db, 'community')).map((c) => c.id).sort();
  for (const communityId of communities) {
    for await (const row of communityRows(db, communityId, q.year)) {
      if (!q.unitId || row.unitId === q.unitId) yield row;
    }
  }
}

/** The report as one JSON document, with the counts an auditor reads first. */
export async function floorReport(db: Db, q: FloorReportQuery) {
  const rows: FloorRow[] = [];
  for await (const row of floorReportRows(db, q)) rows.push(row);
  const meeting = rows.filter((r) => r.meetsFloor).length;
  return {
    year: q.year,
    floorFen: FLOOR_FEN,
    households: rows.length,
    householdsMeetingFloor: meeting,
    householdsBelowFloor: rows.length - meeting,
    rows,
  };
}

/** A row as a CSV record. */
export function floorCsvRecord(r: FloorRow): Record<(typeof FLOOR_CSV_COLUMNS)[number], unknown> {
  return { ...r, totalYuan: formatYuan(r.totalFen) };
}
