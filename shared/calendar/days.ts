import * as z from 'zod';
import { type CalendarDate, toShanghaiDate } from '../dates.ts';
import { type Db, getItem, queryAll, updateIf } from '../db.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { type DayOverride, officialWorkingDay } from './working-days.ts';

/**
 * The admin's side of the override table (`PUT /calendar/days/{date}`, `GET /calendar/days?year=`): its schemas
 * and commands, apart from the window's computation (`index.ts`), which every function that starts a round or
 * posts a notice carries.
 */

export interface StoredDay extends DayOverride {
  updatedAt: string;
  updatedBy: string;
}

export const DayPath = z.strictObject({
  date: z
    .string({ error: '请填写日期' })
    .trim()
    .refine((d) => /^\d{4}-\d{2}-\d{2}$/.test(d) && toShanghaiDate(d) === d, '日期格式应为 YYYY-MM-DD，且是真实的日期'),
});

export const DayBody = z.strictObject({
  working: z.boolean({ error: '请说明这一天是否上班（working: true 或 false）' }),
  note: z
    .string({ error: '请填写说明' })
    .trim()
    .min(1, '请填写说明（如：调休上班、本地节日）')
    .max(200, '说明不超过 200 字'),
});

export const YearQuery = z.strictObject({
  year: z.coerce
    .number({ error: '请填写年份' })
    .int('年份应为整数')
    .min(2000, '年份应在 2000 到 2100 之间')
    .max(2100, '年份应在 2000 到 2100 之间'),
});

/** Adds or corrects one day; returns it before and after (for the audit entry). */
export async function setCalendarDay(
  db: Db,
  rawDate: unknown,
  rawBody: unknown,
  actor: string,
  now: Date,
): Promise<{ before: StoredDay | undefined; after: StoredDay }> {
  const { date } = parseInput(DayPath, { date: rawDate });
  const body = parseInput(DayBody, rawBody);
  const key = keys.calendarDay(date);
  const existing = await getItem(db, key);
  const before = existing ? (stripKeys(existing) as unknown as StoredDay) : undefined;
  const after: StoredDay = {
    date,
    working: body.working,
    note: body.note,
    updatedAt: now.toISOString(),
    updatedBy: actor,
  };
  // Unconditional: the override is a setting, and the last correction of a date is the one that holds.
  await updateIf(db, key, { set: { entity: 'calendar-day', ...after } });
  return { before, after };
}

/** One year's overrides, by date, each with what the official calendar says of it (when the year is covered). */
export async function listCalendarDays(db: Db, rawQuery: unknown) {
  const { year } = parseInput(YearQuery, rawQuery);
  const items = await queryAll(db, { partition: keys.calendarDay(`${year}-01-01`).pk, prefix: 'DAY#' });
  return {
    year,
    items: items
      .map((i) => stripKeys(i) as unknown as StoredDay)
      .map(({ date, working, note, updatedAt, updatedBy }) => ({
        date,
        working,
        note,
        updatedAt,
        updatedBy,
        officialWorking: official(date),
      }))
      .sort((a, b) => a.date.localeCompare(b.date)),
  };
}

function official(date: CalendarDate): boolean | null {
  try {
    return officialWorkingDay(date);
  } catch {
    return null;
  }
}
