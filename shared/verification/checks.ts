import { createHash } from 'node:crypto';
import { type AidKind, floorStatus, OBJECTIVE_LABELS, OBJECTIVES, type Objective } from '../aid/rules.ts';
import { formatYuan, sumFen } from '../money.ts';

/**
 * The three conformities (三相符) and the floor, as pure functions over one household-year's snapshot.
 * 1. funds ↔ manual: each cash entry of the manual has a fund-ledger disbursement of the same amount, and back.
 * 2. funds ↔ five objectives: per-objective cash totals agree between the manual and the fund ledger.
 * 3. in-kind ↔ five objectives: every in-kind entry has an objective, a valuation and the household's receipt.
 */

/** One manual (帮扶手册) entry as snapshotted. */
export interface ManualEntry {
  id: string;
  date: string;
  kind: AidKind;
  objective: Objective;
  amountFen: number;
  reverses?: string | undefined;
  /** Σ quantity × unit value for in-kind entries; undefined for cash. */
  itemsTotalFen?: number | undefined;
  receipt: boolean;
}

/** One fund-ledger (五帮资金台账) disbursement as snapshotted. */
export interface FundEntry {
  reference: string;
  date: string;
  objective: Objective;
  amountFen: number;
}

/** Everything the checks and the digest need about one household-year. */
export interface HouseholdSnapshot {
  householdId: string;
  headName: string;
  memberCount: number;
  cadreId: string;
  unitId: string;
  manual: ManualEntry[];
  funds: FundEntry[];
}

/** A problem a person can act on: stable code, plain Chinese words. */
export interface Discrepancy {
  code: string;
  message: string;
}

export interface HouseholdCheck {
  householdId: string;
  totalFen: number;
  meetsFloor: boolean;
  checks: { fundsMatchManual: boolean; fundsMatchObjectives: boolean; inKindMatchesObjectives: boolean };
  discrepancies: Discrepancy[];
}

const yuan = (fen: number) => `¥${formatYuan(fen)}`;
const label = (o: Objective) => OBJECTIVE_LABELS[o];

/** Entries still in force: an entry and its reversal cancel and drop out of the reconciliation together. */
export function entriesInForce(manual: readonly ManualEntry[]): ManualEntry[] {
  const reversed = new Set(manual.filter((e) => e.reverses).map((e) => e.reverses));
  return manual.filter((e) => !e.reverses && !reversed.has(e.id));
}

/**
 * Pairs manual cash entries with fund disbursements of the same amount, preferring the same objective, then
 * the nearest date. What is left on either side is unmatched.
 */
export function matchCash(cash: readonly ManualEntry[], funds: readonly FundEntry[]) {
  const open = [...funds];
  const unmatchedManual: ManualEntry[] = [];
  const distance = (a: string, b: string) => Math.abs(Date.parse(a) - Date.parse(b));
  for (const entry of [...cash].sort((a, b) => (a.date + a.id < b.date + b.id ? -1 : 1))) {
    const candidates = open.filter((f) => f.amountFen === entry.amountFen);
    candidates.sort(
      (a, b) =>
        Number(b.objective === entry.objective) - Number(a.objective === entry.objective) ||
        distance(a.date, entry.date) - distance(b.date, entry.date),
    );
    const match = candidates[0];
    if (match) open.splice(open.indexOf(match), 1);
    else unmatchedManual.push(entry);
  }
  return { unmatchedManual, unmatchedFunds: open };
}

/** Runs the three conformities and the floor on one household-year. */
export function checkHousehold(s: HouseholdSnapshot): HouseholdCheck {
  const discrepancies: Discrepancy[] = [];
  const inForce = entriesInForce(s.manual);
  const cash = inForce.filter((e) => e.kind === 'cash');
  const inKind = inForce.filter((e) => e.kind === 'in_kind');

  const { unmatchedManual, unmatchedFunds } = matchCash(cash, s.funds);
  for (const e of unmatchedManual) {
    discrepancies.push({
      code: 'funds.missing_for_entry',
      message: `帮扶手册记有 ${e.date} ${label(e.objective)}现金 ${yuan(e.amountFen)}，资金台账中没有相同金额的拨付记录`,
    });
  }
  for (const f of unmatchedFunds) {
    discrepancies.push({
      code: 'funds.not_in_manual',
      message: `资金台账 ${f.reference}（${f.date} ${label(f.objective)} ${yuan(f.amountFen)}）在帮扶手册中没有对应登记`,
    });
  }
  const fundsMatchManual = unmatchedManual.length === 0 && unmatchedFunds.length === 0;

  let fundsMatchObjectives = true;
  for (const o of OBJECTIVES) {
    const manualFen = sumFen(cash.filter((e) => e.objective === o).map((e) => e.amountFen));
    const fundFen = sumFen(s.funds.filter((f) => f.objective === o).map((f) => f.amountFen));
    if (manualFen !== fundFen) {
      fundsMatchObjectives = false;
      discrepancies.push({
        code: 'objectives.cash_mismatch',
        message: `${label(o)}现金：帮扶手册合计 ${yuan(manualFen)}，资金台账合计 ${yuan(fundFen)}，不一致`,
      });
    }
  }

  let inKindMatchesObjectives = true;
  for (const e of inKind) {
    if (e.itemsTotalFen !== e.amountFen) {
      inKindMatchesObjectives = false;
      discrepancies.push({
        code: 'in_kind.valuation',
        message: `${e.date} ${label(e.objective)}实物 ${yuan(e.amountFen)} 的物品明细与金额不符`,
      });
    }
    if (!e.receipt) {
      inKindMatchesObjectives = false;
      discrepancies.push({
        code: 'in_kind.no_receipt',
        message: `${e.date} ${label(e.objective)}实物 ${yuan(e.amountFen)} 尚无困难家庭签收`,
      });
    }
  }

  const floor = floorStatus(sumFen(s.manual.map((e) => e.amountFen)));
  if (!floor.meetsFloor) {
    discrepancies.push({
      code: 'floor.below',
      message: `全年帮扶合计 ${yuan(floor.totalFen)}，低于 ¥1,000.00 的标准，还差 ${yuan(floor.shortfallFen)}`,
    });
  }
  return {
    householdId: s.householdId,
    totalFen: floor.totalFen,
    meetsFloor: floor.meetsFloor,
    checks: { fundsMatchManual, fundsMatchObjectives, inKindMatchesObjectives },
    discrepancies,
  };
}

/**
 * SHA-256 of exactly what a community cadre confirms: every household's published figures (name, size,
 * total) and every manual and fund entry behind them, in a canonical order. The signature is bound to it, and
 * the integrity check recomputes it from the table.
 */
export function digestOf(communityId: string, year: number, households: readonly HouseholdSnapshot[]): string {
  // Code-unit order, not localeCompare: the digest must not depend on the runtime's collation data.
  const byCodeUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const canonical = [...households]
    .sort((a, b) => byCodeUnits(a.householdId, b.householdId))
    .map((h) => [
      h.householdId,
      h.headName,
      h.memberCount,
      sumFen(h.manual.map((e) => e.amountFen)),
      [...h.manual]
        .sort((a, b) => byCodeUnits(a.id, b.id))
        .map((e) => [
          e.id,
          e.date,
          e.kind,
          e.objective,
          e.amountFen,
          e.itemsTotalFen ?? null,
          e.reverses ?? null,
          e.receipt,
        ]),
      [...h.funds]
        .sort((a, b) => byCodeUnits(a.reference, b.reference))
        .map((f) => [f.reference, f.date, f.objective, f.amountFen]),
    ]);
  return createHash('sha256')
    .update(JSON.stringify([communityId, year, canonical]))
    .digest('hex');
}
