import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aidYear, shanghaiDate, toShanghaiDate } from '#shared/dates.ts';

describe('aid dates in Asia/Shanghai', () => {
  it('counts 2026-12-31T16:00Z toward 2027: it is already 1 January in Shanghai', () => {
    expect(toShanghaiDate('2026-12-31T16:00:00Z')).toBe('2027-01-01');
    expect(aidYear(toShanghaiDate('2026-12-31T16:00:00Z')!)).toBe(2027);
  });

  it('keeps 2026-12-31T15:59:59Z in 2026', () => {
    expect(toShanghaiDate('2026-12-31T15:59:59Z')).toBe('2026-12-31');
  });

  it('reads an instant with its own offset', () => {
    expect(toShanghaiDate('2027-01-01T00:30:00+08:00')).toBe('2027-01-01');
    expect(toShanghaiDate('2026-12-31T12:00:00-05:00')).toBe('2027-01-01');
  });

  it('takes a plain date as a Shanghai calendar date, unchanged', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (d) => {
        const text = d.toISOString().slice(0, 10);
        return toShanghaiDate(text) === text;
      }),
    );
  });

  it('gives every instant the calendar date eight hours ahead of UTC', () => {
    fc.assert(
      fc.property(fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }), (d) => {
        const expected = new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 10);
        expect(toShanghaiDate(d.toISOString())).toBe(expected);
        expect(shanghaiDate(d)).toBe(expected);
      }),
    );
  });

  it.each([
    '2026-02-30',
    '2026-13-01',
    '2026-00-10',
    '2026-2-3',
    '2026-12-31T10:00:00',
    '20261231',
    'tomorrow',
    '2026-02-29',
  ])('refuses %j', (text) => {
    expect(toShanghaiDate(text)).toBeUndefined();
  });

  it('accepts 29 February in a leap year', () => {
    expect(toShanghaiDate('2028-02-29')).toBe('2028-02-29');
  });
});
