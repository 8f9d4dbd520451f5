import { shanghaiDate } from '../dates.ts';
import { type Db, putAll } from '../db.ts';
import { floorReportRows } from './report.ts';

/** Reminders start in October: from then on, a household below ¥1,000 is at risk of ending the year short. */
export const FLOOR_RISK_FROM_MONTH = 10;

/** One reminder to a cadre about one household still below the floor. */
export interface FloorRiskReminder {
  cadreId: string;
  householdId: string;
  headName: string;
  year: number;
  totalFen: number;
  shortfallFen: number;
  date: string;
}

/** Where a cadre's reminders live: a partition of their own, one item per household and day. */
export function reminderKey(cadreId: string, date: string, householdId: string) {
  return { pk: `REMINDER#${cadreId}`, sk: `FLOOR#${date}#${householdId}` };
}

/**
 * The weekly floor-risk job: from October, every household paired this year and still below the floor gives
 * its cadre a reminder naming the shortfall. Running twice on a day rewrites the same items.
 */
export async function remindFloorRisk(db: Db, now: Date): Promise<{ year: number; reminded: number }> {
  const date = shanghaiDate(now);
  const year = Number(date.slice(0, 4));
  if (Number(date.slice(5, 7)) < FLOOR_RISK_FROM_MONTH) return { year, reminded: 0 };
  const reminders: Record<string, unknown>[] = [];
  for await (const row of floorReportRows(db, { year })) {
    if (row.meetsFloor) continue;
    const reminder: FloorRiskReminder = {
      cadreId: row.cadreId,
      householdId: row.householdId,
      headName: row.headName,
      year,
      totalFen: row.totalFen,
      shortfallFen: row.shortfallFen,
      date,
    };
    reminders.push({ ...reminderKey(row.cadreId, date, row.householdId), entity: 'floor-reminder', ...reminder });
  }
  await putAll(db, reminders);
  return { year, reminded: reminders.length };
}
