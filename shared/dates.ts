/**
 * Dates in this domain are calendar dates in China Standard Time (Asia/Shanghai, UTC+8, no daylight saving
 * since 1991). A fixed offset is exact for every date the campaign can hold, so no time-zone database is needed.
 */
const SHANGHAI_OFFSET_MS = 8 * 60 * 60 * 1000;

/** A `YYYY-MM-DD` string. */
export type CalendarDate = string;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO-8601 date-time with an explicit offset (`Z` or `+08:00`); a local time without offset is ambiguous. */
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** True when `y-m-d` names a real day of the Gregorian calendar. */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (!Number.isInteger(year) || year < 1 || year > 9999 || month < 1 || month > 12 || day < 1) return false;
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/** The Shanghai calendar date of an instant. */
export function shanghaiDate(instant: Date): CalendarDate {
  return new Date(instant.getTime() + SHANGHAI_OFFSET_MS).toISOString().slice(0, 10);
}

/** The aid year: the calendar year of the date in Shanghai. */
export function aidYear(date: CalendarDate): number {
  return Number(date.slice(0, 4));
}

/**
 * Reads a date as people and clients send it: a plain `YYYY-MM-DD` is already a Shanghai calendar date; a
 * date-time with an offset is an instant, converted to its Shanghai date (2026-12-31T16:00Z is 2027-01-01).
 * Returns undefined for anything else, including impossible dates such as 2026-02-30.
 */
export function toShanghaiDate(text: string): CalendarDate | undefined {
  const m = DATE_RE.exec(text);
  if (m) return isRealDate(Number(m[1]), Number(m[2]), Number(m[3])) ? text : undefined;
  if (!INSTANT_RE.test(text)) return undefined;
  const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
  if (!isRealDate(y, mo, d)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : shanghaiDate(new Date(ms));
}

/**
 * Seconds in an ISO-8601 duration of weeks, days, hours, minutes and seconds (`P7D`, `PT2S`, `P1DT12H`).
 * Years and months are refused: their length depends on the calendar, and a window must be exact.
 */
export function durationSeconds(text: string): number | undefined {
  const m = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) return undefined;
  const [w, d, h, min, s] = m.slice(1).map((v) => Number(v ?? 0)) as [number, number, number, number, number];
  return (((w * 7 + d) * 24 + h) * 60 + min) * 60 + s;
}

/** An instant as a person in China reads it: Beijing time, `2026-11-30 11:47` (for pages and exports). */
export function beijingTime(instant: Date | string): string {
  const ms = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(ms)) return String(instant);
  return new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16).replace('T', ' ');
}
