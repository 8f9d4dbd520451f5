import * as z from 'zod';
import { OBJECTIVE_LABELS, OBJECTIVES, type Objective } from '../aid/rules.ts';
import type { Db } from '../db.ts';
import { FLOOR_FEN, sumFen } from '../money.ts';
import { CampaignYearParam } from '../pairing/index.ts';
import { communityRegions, householdYears, NO_REGION, RegionFilters, type ReportScope } from './community-year.ts';
import { type ExportColumn, ReportFormat } from './export.ts';

/**
 * The campaign summary: the year's headline figures, each defined so that nothing is counted twice.
 *
 * - Money comes from the pairing manual (the aid ledger) only, net of reversals. The fund ledger records the
 *   same cash from finance's side (it is reconciled against the manual, not added to it).
 * - In-kind aid counts at its recorded value (quantity × unit value); `totalFen = cashFen + inKindFen`, and the
 *   objectives' `fen` add up to `totalFen`: each entry has exactly one kind and one objective.
 * - Outcomes are counted, never added to money.
 * - A household counts once in every household figure, however many entries or outcomes it has.
 */

export const SummaryQuery = z.strictObject({
  year: CampaignYearParam,
  ...RegionFilters,
  format: ReportFormat.optional(),
});
export type SummaryQuery = z.infer<typeof SummaryQuery>;

/** One objective's money and outcomes. */
export interface ObjectiveFigures {
  fen: number;
  outcomes: number;
}

/** The household counts and money of a summary: the city's, and each district's share of it. */
export interface HouseholdFigures {
  /** Households paired with a cadre in the year. */
  householdsPaired: number;
  /** Paired households that received aid (a positive net total) or have at least one outcome. */
  householdsHelped: number;
  householdsMeetingFloor: number;
  householdsBelowFloor: number;
  cashFen: number;
  inKindFen: number;
  totalFen: number;
}

export interface CampaignSummary extends HouseholdFigures {
  year: number;
  floorFen: number;
  byObjective: Record<Objective, ObjectiveFigures>;
  /** Outcomes recorded in the year, all objectives. */
  outcomes: number;
  /** Money by the month of the entries' dates, January first (net of reversals; adds up to `totalFen`). */
  byMonthFen: number[];
  /** Distinct households with at least one `employment` outcome in the year. */
  householdsEmployed: number;
  /**
   * The household figures and money per district (区/县), districts by name, `未分区` (id null) last: each
   * paired household counts in its community's district, so the districts add up to the city.
   */
  byDistrict: DistrictFigures[];
}

/** One district's share of the summary. */
export interface DistrictFigures extends HouseholdFigures {
  districtId: string | null;
  district: string;
}

/**
 * Sums the year over every community-year partition (or those of a township or district), read in parallel.
 */
export async function campaignSummary(db: Db, year: number, opts: ReportScope & { concurrency?: number } = {}) {
  const regions = await communityRegions(db);
  const districts = new Map<string | null, DistrictFigures>();
  const districtOf = (communityId: string) => {
    const r = regions.get(communityId) ?? NO_REGION;
    let d = districts.get(r.districtId);
    if (!d) {
      d = {
        districtId: r.districtId,
        district: r.district,
        householdsPaired: 0,
        householdsHelped: 0,
        householdsMeetingFloor: 0,
        householdsBelowFloor: 0,
        cashFen: 0,
        inKindFen: 0,
        totalFen: 0,
      };
      districts.set(r.districtId, d);
    }
    return d;
  };
  const s: CampaignSummary = {
    year,
    ...(opts.districtId ? { districtId: opts.districtId } : {}),
    ...(opts.townshipId ? { townshipId: opts.townshipId } : {}),
    floorFen: FLOOR_FEN,
    householdsPaired: 0,
    householdsHelped: 0,
    householdsMeetingFloor: 0,
    householdsBelowFloor: 0,
    cashFen: 0,
    inKindFen: 0,
    totalFen: 0,
    byObjective: Object.fromEntries(OBJECTIVES.map((o) => [o, { fen: 0, outcomes: 0 }])) as Record<
      Objective,
      ObjectiveFigures
    >,
    outcomes: 0,
    byMonthFen: new Array<number>(12).fill(0),
    householdsEmployed: 0,
    byDistrict: [],
  };
  for await (const households of householdYears(db, year, opts)) {
    for (const h of households) {
      s.householdsPaired++;
      let outcomes = 0;
      for (const o of OBJECTIVES) {
        s.byObjective[o].fen += h.byObjectiveFen[o];
        s.byObjective[o].outcomes += h.outcomes[o];
        outcomes += h.outcomes[o];
      }
      s.outcomes += outcomes;
      if (h.outcomes.employment > 0) s.householdsEmployed++;
      if (h.totalFen > 0 || outcomes > 0) s.householdsHelped++;
      if (h.totalFen >= FLOOR_FEN) s.householdsMeetingFloor++;
      else s.householdsBelowFloor++;
      s.cashFen += h.cashFen;
      s.inKindFen += h.inKindFen;
      for (let m = 0; m < 12; m++) s.byMonthFen[m]! += h.byMonthFen[m]!;
      const d = districtOf(h.communityId);
      d.householdsPaired++;
      if (h.totalFen > 0 || outcomes > 0) d.householdsHelped++;
      if (h.totalFen >= FLOOR_FEN) d.householdsMeetingFloor++;
      else d.householdsBelowFloor++;
      d.cashFen += h.cashFen;
      d.inKindFen += h.inKindFen;
    }
  }
  s.totalFen = sumFen([s.cashFen, s.inKindFen]);
  s.byDistrict = [...districts.values()]
    .map((d) => ({ ...d, totalFen: sumFen([d.cashFen, d.inKindFen]) }))
    .sort(
      (a, b) =>
        Number(a.districtId === null) - Number(b.districtId === null) ||
        a.district.localeCompare(b.district, 'zh-Hans-CN'),
    );
  return s;
}

/** A line of the exported summary: a figure in yuan, a count, or both (an objective). */
export interface SummaryLine {
  label: string;
  fen?: number;
  count?: number;
}

export const SUMMARY_COLUMNS: ExportColumn<SummaryLine>[] = [
  { key: 'label', header: '指标', kind: 'text', width: 24 },
  { key: 'fen', header: '金额（元）', kind: 'fen', width: 16 },
  { key: 'count', header: '户数或件数', kind: 'int' },
];

/** The summary as lines for CSV and XLSX, in the order a report reads. */
export function summaryLines(s: CampaignSummary): SummaryLine[] {
  return [
    { label: '结对家庭（户）', count: s.householdsPaired },
    { label: '受助家庭（户）', count: s.householdsHelped },
    { label: '达到底线家庭（户）', count: s.householdsMeetingFloor },
    { label: '未达底线家庭（户）', count: s.householdsBelowFloor },
    { label: '现金帮扶', fen: s.cashFen },
    { label: '实物帮扶（折价）', fen: s.inKindFen },
    { label: '帮扶合计', fen: s.totalFen },
    ...OBJECTIVES.map((o) => ({
      label: `${OBJECTIVE_LABELS[o]}（金额；成效件数）`,
      fen: s.byObjective[o].fen,
      count: s.byObjective[o].outcomes,
    })),
    { label: '帮扶成效（件）', count: s.outcomes },
    { label: '实现就业家庭（户）', count: s.householdsEmployed },
    ...s.byDistrict.map((d) => ({
      label: `${d.district}：帮扶合计；结对家庭（户）`,
      fen: d.totalFen,
      count: d.householdsPaired,
    })),
  ];
}
