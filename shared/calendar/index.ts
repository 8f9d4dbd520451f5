import { type CalendarDate, shanghaiDate } from '../dates.ts';
import { type Db, queryAll } from '../db.ts';
import { keys } from '../table.ts';
import { endOfBeijingDay, isWorkingDay, nthWorkingDayAfter, windowYears } from './working-days.ts';

export * from './working-days.ts';

/**
 * The override table of the working-day calendar: days an admin added or corrected (a local holiday, a make-up
 * day the package does not know yet), one item per date under `CALENDAR#<year>`, read whenever a working-day
 * window is computed. The last write of a date wins; every write is in the audit trail with before and after.
 */

/** The overrides of the given years, as date → working. */
export async function loadOverrides(db: Db, years: number[]): Promise<Map<CalendarDate, boolean>> {
  const map = new Map<CalendarDate, boolean>();
  for (const year of years) {
    const items = await queryAll(db, { partition: keys.calendarDay(`${year}-01-01`).pk, prefix: 'DAY#' });
    for (const i of items) map.set(i.date as string, i.working === true);
  }
  return map;
}

/**
 * When a window of `workingDays` working days opened at `opensAt` closes: 24:00 Beijing time of the Nth working
 * day after the publication's Beijing date. Throws `calendar.not_covered` past the calendar's last year.
 */
export async function workingDayWindowCloses(db: Db, opensAt: Date, workingDays: number) {
  const published = shanghaiDate(opensAt);
  const overrides = await loadOverrides(db, windowYears(published));
  const lastDay = nthWorkingDayAfter(published, workingDays, overrides);
  return { lastDay, closesAt: endOfBeijingDay(lastDay) };
}

export { isWorkingDay };
