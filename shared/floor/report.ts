import * as z from 'zod';
import { floorStatus } from '../aid/rules.ts';
import { BOM, csvLine } from '../csv.ts';
import type { Db } from '../db.ts';
import { FLOOR_FEN, formatYuan } from '../money.ts';
import { CampaignYearParam } from '../pairing/index.ts';
import { communityRegions, householdYears, NO_REGION, RegionFilters } from '../reports/community-year.ts';
import { type ExportColumn, ReportFormat } from '../reports/export.ts';
import { namesOf } from '../reports/names.ts';

/** Query of the floor compliance report. */
export const FloorReportQuery = z.strictObject({
  year: CampaignYearParam,
  communityId: z.string().trim().min(1).max(64).optional(),
  unitId: z.string().trim().min(1).max(64).optional(),
  ...RegionFilters,
  format: ReportFormat.optional(),
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
  /** The community's township and district (`未分区`, ids null, for a community without them). */
  townshipId: string | null;
  township: string | null;
  districtId: string | null;
  district: string;
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
 * Every household paired in the year, those with no aid included (they are the ones most behind), community by
 * community in id order, optionally narrowed to one community and/or one unit. Communities are read in
 * parallel (`REPORT_CONCURRENCY` at a time) but rows come out in order, and memory holds a few communities.
 */
export async function* floorReportRows(db: Db, q: Omit<FloorReportQuery, 'format'>): AsyncGenerator<FloorRow> {
  const regions = await communityRegions(db);
  const scope = { communityId: q.communityId, townshipId: q.townshipId, districtId: q.districtId };
  for await (const households of householdYears(db, q.year, scope)) {
    for (const h of households) {
      const region = regions.get(h.communityId) ?? NO_REGION;
      if (q.unitId && h.unitId !== q.unitId) continue;
      const s = floorStatus(h.totalFen);
      yield {
        householdId: h.householdId,
        headName: h.headName,
        communityId: h.communityId,
        unitId: h.unitId,
        cadreId: h.cadreId,
        memberCount: h.memberCount,
        totalFen: s.totalFen,
        meetsFloor: s.meetsFloor,
        shortfallFen: s.shortfallFen,
        ...region,
      };
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

/**
 * The CSV export as a stream of chunks: BOM, the header of field names, then one line per household, in
 * batches. Nothing holds the whole document, so memory is the same for a community and for the city.
 */
export async function* floorCsvChunks(db: Db, q: FloorReportQuery): AsyncGenerator<string> {
  yield BOM + csvLine(FLOOR_CSV_COLUMNS);
  let batch = '';
  let n = 0;
  for await (const row of floorReportRows(db, q)) {
    const record = floorCsvRecord(row);
    batch += csvLine(FLOOR_CSV_COLUMNS.map((c) => record[c]));
    if (++n === 500) {
      yield batch;
      batch = '';
      n = 0;
    }
  }
  if (batch) yield batch;
}

/** A row of the XLSX export: the row with the names people read instead of ids. */
export interface FloorXlsxRow extends Omit<FloorRow, 'township'> {
  township: string;
  communityName: string;
  unitName: string;
  cadreName: string;
}

/** Columns of the XLSX export, with Chinese headers. */
export const FLOOR_XLSX_COLUMNS: ExportColumn<FloorXlsxRow>[] = [
  { key: 'householdId', header: '家庭编号', kind: 'text', width: 38 },
  { key: 'headName', header: '户主', kind: 'text' },
  { key: 'communityName', header: '社区', kind: 'text', width: 16 },
  { key: 'township', header: '街道/乡镇', kind: 'text', width: 14 },
  { key: 'district', header: '区/县', kind: 'text', width: 12 },
  { key: 'unitName', header: '帮扶单位', kind: 'text', width: 18 },
  { key: 'cadreName', header: '帮扶责任人', kind: 'text' },
  { key: 'memberCount', header: '家庭人口', kind: 'int' },
  { key: 'totalFen', header: '帮扶合计（元）', kind: 'fen' },
  { key: 'meetsFloor', header: '是否达标', kind: 'bool' },
  { key: 'shortfallFen', header: '距底线差额（元）', kind: 'fen' },
];

/** The report's rows with community, unit and cadre names (one batched read per 100 distinct ids). */
export async function floorXlsxRows(db: Db, rows: readonly FloorRow[]): Promise<FloorXlsxRow[]> {
  const [communities, units, cadres] = await Promise.all([
    namesOf(
      db,
      'community',
      rows.map((r) => r.communityId),
    ),
    namesOf(
      db,
      'unit',
      rows.map((r) => r.unitId),
    ),
    namesOf(
      db,
      'cadre',
      rows.map((r) => r.cadreId),
    ),
  ]);
  return rows.map((r) => ({
    ...r,
    township: r.township ?? '',
    communityName: communities.get(r.communityId) ?? r.communityId,
    unitName: units.get(r.unitId) ?? r.unitId,
    cadreName: cadres.get(r.cadreId) ?? r.cadreId,
  }));
}
