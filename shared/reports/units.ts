import * as z from 'zod';
import { type Db, getMany } from '../db.ts';
import { FLOOR_FEN } from '../money.ts';
import { CampaignYearParam } from '../pairing/index.ts';
import { listEntities, type Unit } from '../registry/entities.ts';
import { keys } from '../table.ts';
import { householdYears, RegionFilters, type ReportScope } from './community-year.ts';
import { type ExportColumn, ReportFormat } from './export.ts';

/**
 * The unit assessment (帮扶单位考核): for each work unit, how its households stand against the floor in a year,
 * and whether it completed its task. Units that did not are the ones the campaign lists for criticism.
 */

export const UnitReportQuery = z.strictObject({
  year: CampaignYearParam,
  ...RegionFilters,
  format: ReportFormat.optional(),
});
export type UnitReportQuery = z.infer<typeof UnitReportQuery>;

/** One unit's year. */
export interface UnitRow {
  unitId: string;
  unitName: string;
  /** Households whose pairing that year is with one of the unit's cadres. */
  householdsPaired: number;
  householdsMeetingFloor: number;
  householdsBelowFloor: number;
  /** Of the paired households, how many have final, published figures (their community-year's round is final). */
  verifiedFinal: number;
  /**
   * Every household the unit paired that year is at or above the floor. A unit that paired no household has
   * not completed a task it never took up: `false`.
   */
  completed: boolean;
  /** What the households below the floor still lack, together. */
  shortfallFen: number;
}

/** The XLSX/CSV columns, with Chinese headers. */
export const UNIT_COLUMNS: ExportColumn<UnitRow>[] = [
  { key: 'unitName', header: '帮扶单位', kind: 'text', width: 20 },
  { key: 'householdsPaired', header: '结对户数', kind: 'int' },
  { key: 'householdsMeetingFloor', header: '达标户数', kind: 'int' },
  { key: 'householdsBelowFloor', header: '未达标户数', kind: 'int' },
  { key: 'verifiedFinal', header: '已定稿公示户数', kind: 'int' },
  { key: 'completed', header: '是否完成任务', kind: 'bool' },
  { key: 'shortfallFen', header: '差额合计（元）', kind: 'fen' },
  { key: 'unitId', header: '单位编号', kind: 'text', width: 38 },
];

/**
 * Builds the assessment from the one community-year read every report makes, plus one batched read of the
 * verification rounds that locked households. `verifiedFinal` counts a household when its pairing carries
 * `lockedBy` (set at confirmation, removed on reopen or an upheld objection) and that round's status is
 * `final`. The `UNIT#…/ASSESSMENT#…` items the finalize step writes are not used: they are a snapshot at
 * finalization and are not withdrawn when a round is reopened, so they can overstate.
 */
export async function unitAssessment(db: Db, year: number, opts: ReportScope & { concurrency?: number } = {}) {
  const units = await listEntities<Unit>(db, 'unit');
  const byUnit = new Map<string, UnitRow>();
  const row = (unitId: string, unitName = '') => {
    let r = byUnit.get(unitId);
    if (!r) {
      r = {
        unitId,
        unitName,
        householdsPaired: 0,
        householdsMeetingFloor: 0,
        householdsBelowFloor: 0,
        verifiedFinal: 0,
        completed: false,
        shortfallFen: 0,
      };
      byUnit.set(unitId, r);
    }
    return r;
  };
  for (const u of units) row(u.id, u.name);
  // Households locked by each round, per unit: resolved against the rounds' statuses once the read is done.
  const locked = new Map<string, Map<string, number>>();
  for await (const households of householdYears(db, year, opts)) {
    for (const h of households) {
      const r = row(h.unitId);
      r.householdsPaired++;
      if (h.totalFen >= FLOOR_FEN) r.householdsMeetingFloor++;
      else {
        r.householdsBelowFloor++;
        r.shortfallFen += FLOOR_FEN - h.totalFen;
      }
      if (h.lockedBy) {
        const perUnit = locked.get(h.lockedBy) ?? new Map<string, number>();
        perUnit.set(h.unitId, (perUnit.get(h.unitId) ?? 0) + 1);
        locked.set(h.lockedBy, perUnit);
      }
    }
  }
  const rounds = await getMany(
    db,
    [...locked.keys()].map((id) => keys.verification(id)),
    ['id', 'status'],
  );
  for (const v of rounds) {
    if (v.status !== 'final') continue;
    for (const [unitId, n] of locked.get(v.id as string) ?? []) row(unitId).verifiedFinal += n;
  }
  const rows = [...byUnit.values()].map((r) => ({
    ...r,
    completed: r.householdsPaired > 0 && r.householdsBelowFloor === 0,
  }));
  // Units that did not complete their task first, as the campaign lists them; then by name.
  rows.sort(
    (a, b) =>
      Number(a.completed) - Number(b.completed) ||
      a.unitName.localeCompare(b.unitName, 'zh-Hans-CN') ||
      a.unitId.localeCompare(b.unitId),
  );
  const completed = rows.filter((r) => r.completed).length;
  return {
    year,
    ...(opts.districtId ? { districtId: opts.districtId } : {}),
    ...(opts.townshipId ? { townshipId: opts.townshipId } : {}),
    floorFen: FLOOR_FEN,
    units: rows.length,
    unitsCompleted: completed,
    unitsNotCompleted: rows.length - completed,
    rows,
  };
}
