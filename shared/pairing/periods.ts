import type { CalendarDate } from '../dates.ts';

/**
 * Who answers for a household on which day of the year: the pure rules of reassignment and ending. No I/O here,
 * so the scope of every ledger write (record, reverse, receipt, outcome) is decided by the same few lines.
 *
 * A pairing holds one period per cadre that has answered for the household that year, oldest first; the last is
 * the current one. The periods cover the year without gaps or overlaps, from 1 January on: the last one is open
 * to 31 December for corrections (reversals, receipts), while `endedOn` stops new entries after that day.
 */

/** One cadre's stretch of a household-year: `from` to `until` inclusive; the current period has no `until`. */
export interface PairingPeriod {
  cadreId: string;
  unitId: string;
  from: CalendarDate;
  until?: CalendarDate;
}

/** The part of a pairing these rules read. A pairing written before reassignment existed has no `periods`. */
export interface PeriodsHolder {
  cadreId: string;
  unitId: string;
  year: number;
  periods?: PairingPeriod[];
  endedOn?: CalendarDate;
}

/** 1 January of a year, as a calendar date. */
export const firstDayOf = (year: number): CalendarDate => `${year}-01-01`;

/** The calendar day before a date (dates are plain days: UTC arithmetic is exact for them). */
export function dayBefore(date: CalendarDate): CalendarDate {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

/** The pairing's periods, oldest first; a pairing without a history is one period from 1 January. */
export function periodsOf(p: PeriodsHolder): PairingPeriod[] {
  if (p.periods?.length) return p.periods;
  return [{ cadreId: p.cadreId, unitId: p.unitId, from: firstDayOf(p.year) }];
}

/** The period in force on a date of the pairing's year (the last one runs to year end), or undefined before 1 January. */
export function periodOn(p: PeriodsHolder, date: CalendarDate): PairingPeriod | undefined {
  const periods = periodsOf(p);
  for (let i = periods.length - 1; i >= 0; i--) if (periods[i]!.from <= date) return periods[i];
  return undefined;
}

/**
 * The cadre in scope for an entry dated `date`: the one whose period holds the date. Exactly one cadre per date,
 * whatever order a reassignment and an entry arrived in, so no entry is left with two cadres or none.
 */
export function cadreInScope(p: PeriodsHolder, date: CalendarDate): string | undefined {
  return periodOn(p, date)?.cadreId;
}

/** Whether a new entry dated `date` may be recorded: within a period and not after the pairing's end. */
export function acceptsEntryOn(p: PeriodsHolder, date: CalendarDate): boolean {
  return !(p.endedOn && date > p.endedOn) && periodOn(p, date) !== undefined;
}

/** Every cadre that has answered for the household this year (they all see it among "my households"). */
export function cadresOf(p: PeriodsHolder): string[] {
  return [...new Set(periodsOf(p).map((x) => x.cadreId))];
}

/** The current period (the cadre who answers at the end of the year, hence the unit that answers for the floor). */
export function currentPeriod(p: PeriodsHolder): PairingPeriod {
  const periods = periodsOf(p);
  return periods[periods.length - 1]!;
}

/** What a reassignment would do. */
export type ReassignmentPlan =
  | { kind: 'unchanged' }
  | { kind: 'reassign'; periods: PairingPeriod[]; formerCadreId?: string }
  | { kind: 'refused'; reason: 'ended' | 'outside_year' | 'before_current' };

/**
 * Plans handing a household to another cadre from `from` on. The same cadre is no change (so a repeated request
 * is one reassignment); `from` must lie in the pairing's year and not before the current period's start. A
 * `from` equal to that start replaces the current cadre outright (its period would be empty).
 */
export function planReassignment(
  p: PeriodsHolder,
  to: { cadreId: string; unitId: string; from: CalendarDate },
): ReassignmentPlan {
  const current = currentPeriod(p);
  if (current.cadreId === to.cadreId) return { kind: 'unchanged' };
  if (p.endedOn) return { kind: 'refused', reason: 'ended' };
  if (Number(to.from.slice(0, 4)) !== p.year) return { kind: 'refused', reason: 'outside_year' };
  if (to.from < current.from) return { kind: 'refused', reason: 'before_current' };
  const earlier = periodsOf(p).slice(0, -1);
  const next: PairingPeriod = { cadreId: to.cadreId, unitId: to.unitId, from: to.from };
  if (to.from === current.from) return { kind: 'reassign', periods: [...earlier, next] };
  return {
    kind: 'reassign',
    periods: [...earlier, { ...current, until: dayBefore(to.from) }, next],
    formerCadreId: current.cadreId,
  };
}

/** Whether an end date is acceptable: in the pairing's year, not before the current period's start. */
export function checkEndDate(p: PeriodsHolder, on: CalendarDate): 'ok' | 'outside_year' | 'before_current' {
  if (Number(on.slice(0, 4)) !== p.year) return 'outside_year';
  if (on < currentPeriod(p).from) return 'before_current';
  return 'ok';
}
