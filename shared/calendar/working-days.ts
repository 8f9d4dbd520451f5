import { type CalendarDate, isRealDate } from '../dates.ts';
import { conflict } from '../errors.ts';
import { FIRST_YEAR, HOLIDAYS as HOLIDAY_LIST, MAKE_UP_DAYS as MAKE_UP_LIST } from './official-days.ts';

/**
 * Working days (工作日) by the State Council's holiday calendar, including its make-up working days (调休), for
 * objection windows counted in working days ("公示7个工作日"). The official days come from the `chinese-days`
 * package's data, reduced to dates from 2020 on by `scripts/gen-calendar.ts` (the package's own code and JSON
 * would add ~37 KB and a lunar calendar to every function that starts a round); admins correct or
 * add days in the override table (`shared/calendar/index.ts`). Pure: no table access here.
 *
 * `chinese-days` answers plain weekday rules for a year it has no data for. A window counted that way could be
 * wrong by a week around the Spring Festival, so a date past the last year the data covers is refused instead.
 */

// Built on first use, not at load: a bundle that imports this module but never counts working days does not
// pay for the sets at start.
let official: { holidays: Set<string>; makeUp: Set<string>; lastYear: number } | undefined;
function officialDays() {
  if (!official) {
    const holidays = new Set(HOLIDAY_LIST.split(' '));
    const lastYear = Math.max(...[...holidays].map((d) => Number(d.slice(0, 4))));
    official = { holidays, makeUp: new Set(MAKE_UP_LIST.split(' ')), lastYear };
  }
  return official;
}

/** The last year the State Council's calendar is known for (the notice for a year comes out in November before). */
export function calendarLastYear(): number {
  return officialDays().lastYear;
}

/** The first year of the reduced data; earlier dates are refused like later ones. */
export const CALENDAR_FIRST_YEAR = FIRST_YEAR;

/** The largest N for `OBJECTION_WORKING_DAYS`: a working-day window is counted within a year and the next. */
export const MAX_WORKING_DAYS = 60;

/** A day an admin added or corrected: `working` replaces what the official calendar says of that date. */
export interface DayOverride {
  date: CalendarDate;
  working: boolean;
  note: string;
}

/** The date after `date` (UTC arithmetic on a calendar date: no time zone involved). */
export function nextDate(date: CalendarDate): CalendarDate {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

export function notCovered(date: CalendarDate) {
  return conflict(
    'calendar.not_covered',
    `按工作日计算的公示期会延续到 ${date}，但节假日日历只到 ${calendarLastYear()} 年：请在国务院公布 ${Number(date.slice(0, 4))} 年放假安排、系统更新日历后再开始，或改用按天计算的公示期（OBJECTION_WINDOW）`,
  );
}

/** What the official calendar says of a date: a holiday, a make-up working day, else Monday–Friday work. */
export function officialWorkingDay(date: CalendarDate): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  if (!isRealDate(y, m, d)) throw new RangeError(`not a date: ${date}`);
  if (y > calendarLastYear() || y < CALENDAR_FIRST_YEAR) throw notCovered(date);
  if (officialDays().holidays.has(date)) return false;
  if (officialDays().makeUp.has(date)) return true;
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return weekday !== 0 && weekday !== 6;
}

/**
 * Whether a date is a working day: an admin's override first, else the official calendar. A date past the
 * calendar's last year is refused even when it has an override: one corrected day does not make a year known.
 */
export function isWorkingDay(date: CalendarDate, overrides: ReadonlyMap<CalendarDate, boolean> = new Map()): boolean {
  if (Number(date.slice(0, 4)) > calendarLastYear()) throw notCovered(date);
  return overrides.get(date) ?? officialWorkingDay(date);
}

/** The Nth working day after `published` (the day of publication itself never counts). */
export function nthWorkingDayAfter(
  published: CalendarDate,
  n: number,
  overrides: ReadonlyMap<CalendarDate, boolean> = new Map(),
): CalendarDate {
  if (!Number.isInteger(n) || n < 1 || n > MAX_WORKING_DAYS) throw new RangeError(`working days out of range: ${n}`);
  let date = published;
  let counted = 0;
  while (counted < n) {
    date = nextDate(date);
    if (isWorkingDay(date, overrides)) counted += 1;
  }
  return date;
}

/** The end (24:00 Beijing time) of a calendar date, as an RFC 3339 UTC instant: 16:00Z of that date. */
export function endOfBeijingDay(date: CalendarDate): string {
  return `${date}T16:00:00Z`;
}

/** The years a window published on `published` can touch, for loading overrides. */
export function windowYears(published: CalendarDate): number[] {
  const year = Number(published.slice(0, 4));
  return [year, year + 1];
}
