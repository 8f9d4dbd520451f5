import official from 'chinese-days/dist/chinese-days.json' with { type: 'json' };
import pkg from 'chinese-days/package.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { FIRST_YEAR, HOLIDAYS, MAKE_UP_DAYS, SOURCE_VERSION } from '#shared/calendar/official-days.ts';
import { calendarLastYear, endOfBeijingDay, isWorkingDay, nthWorkingDayAfter } from '#shared/calendar/working-days.ts';
import { AppError } from '#shared/errors.ts';

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('working days by the State Council calendar', () => {
  it('holds the installed chinese-days data (run scripts/gen-calendar.ts after updating the package)', () => {
    const recent = (days: Record<string, string>) =>
      Object.keys(days)
        .filter((d) => Number(d.slice(0, 4)) >= FIRST_YEAR)
        .sort()
        .join(' ');
    expect(SOURCE_VERSION).toBe(pkg.version);
    expect(HOLIDAYS).toBe(recent(official.holidays));
    expect(MAKE_UP_DAYS).toBe(recent(official.workdays));
  });

  it('counts the Saturday make-up days before and after the 2026 Spring Festival and skips the holiday week', () => {
    // Friday 13 February 2026; 14 Feb (Sat) and 28 Feb (Sat) are make-up working days, 15–23 Feb a holiday.
    // 14, 24, 25, 26, 27, 28 Feb and Monday 2 March: a plain weekday count would stop at 24 Feb.
    expect(nthWorkingDayAfter('2026-02-13', 7)).toBe('2026-03-02');
    expect(nthWorkingDayAfter('2026-02-13', 1)).toBe('2026-02-14');
    expect(nthWorkingDayAfter('2026-02-13', 2)).toBe('2026-02-24');
    expect(isWorkingDay('2026-02-16')).toBe(false);
    expect(isWorkingDay('2026-02-28')).toBe(true);
  });

  it('skips the National Day week and counts its Saturday make-up day', () => {
    // 1–7 October 2026 a holiday; Saturday 10 October a make-up working day.
    expect(nthWorkingDayAfter('2026-09-30', 7)).toBe('2026-10-15');
    expect(nthWorkingDayAfter('2026-10-01', 3)).toBe('2026-10-10');
    // Published on a holiday: the first working day after it is the first day of the window.
    expect(nthWorkingDayAfter('2026-10-04', 1)).toBe('2026-10-08');
  });

  it('counts the Sunday make-up day before the Mid-Autumn holiday and skips the holiday', () => {
    // Sunday 20 September 2026 is worked; 25–27 September is the Mid-Autumn holiday.
    expect(nthWorkingDayAfter('2026-09-18', 7)).toBe('2026-09-29');
  });

  it('never counts the day of publication', () => {
    expect(nthWorkingDayAfter('2026-11-30', 1)).toBe('2026-12-01');
  });

  it('ends the last day at 24:00 Beijing time, 16:00 UTC of that date', () => {
    expect(endOfBeijingDay('2026-03-02')).toBe('2026-03-02T16:00:00Z');
  });

  it('refuses a window that reaches past the last year the calendar covers, rather than guessing weekdays', () => {
    expect(calendarLastYear()).toBeGreaterThanOrEqual(2026);
    const last = calendarLastYear();
    // Five working days from 21 December always stay in the year; forty always cross into the next.
    expect(nthWorkingDayAfter(`${last}-12-21`, 5).startsWith(`${last}-12-`)).toBe(true);
    const e = refusal(() => nthWorkingDayAfter(`${last}-12-21`, 40));
    expect(e.code).toBe('calendar.not_covered');
    expect(e.kind).toBe('conflict');
    expect(e.message).toContain(`${last}`);
    expect(refusal(() => isWorkingDay(`${last + 1}-03-02`)).code).toBe('calendar.not_covered');
  });

  it('refuses a day past the calendar even when an admin has an override for it', () => {
    const next = `${calendarLastYear() + 1}-01-04`;
    expect(refusal(() => isWorkingDay(next, new Map([[next, true]]))).code).toBe('calendar.not_covered');
  });

  it('applies overrides: a local holiday moves the window on, an extra working day brings it in', () => {
    const local = new Map([['2026-03-02', false]]);
    expect(nthWorkingDayAfter('2026-02-13', 7, local)).toBe('2026-03-03');
    const extra = new Map([['2026-02-16', true]]);
    expect(nthWorkingDayAfter('2026-02-13', 2, extra)).toBe('2026-02-16');
  });

  it('refuses a count of working days outside 1–60', () => {
    expect(() => nthWorkingDayAfter('2026-02-13', 0)).toThrow(RangeError);
    expect(() => nthWorkingDayAfter('2026-02-13', 61)).toThrow(RangeError);
    expect(() => nthWorkingDayAfter('2026-02-13', 1.5)).toThrow(RangeError);
  });
});
