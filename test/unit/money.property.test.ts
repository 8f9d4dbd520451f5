import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatYuan, MAX_ENTRY_FEN, PositiveFen, parseYuan, sumFen } from '#shared/money.ts';

describe('money in integer fen', () => {
  it('round-trips every non-negative amount through its yuan text', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (fen) => parseYuan(formatYuan(fen)) === fen));
  });

  it('formats yuan with exactly two decimals and the sign of the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: -MAX_ENTRY_FEN, max: MAX_ENTRY_FEN }), (fen) => {
        const text = formatYuan(fen);
        expect(text).toMatch(/^-?\d+\.\d{2}$/);
        expect(text.startsWith('-')).toBe(fen < 0);
      }),
    );
  });

  it('parses yuan typed with one or two decimals without floating-point error', () => {
    expect(parseYuan('0.1')).toBe(10);
    expect(parseYuan('0.29')).toBe(29);
    expect(parseYuan('1000')).toBe(100_000);
    expect(parseYuan('19.99')).toBe(1_999);
  });

  it.each(['', '1.234', '-1', '1e3', '1,000', 'abc', '.5'])('refuses %j as yuan', (text) => {
    expect(parseYuan(text)).toBeUndefined();
  });

  it('accepts only positive integers up to the single-entry maximum as an aid amount', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: MAX_ENTRY_FEN }), (fen) => PositiveFen.safeParse(fen).success));
    for (const bad of [0, -1, 1.5, MAX_ENTRY_FEN + 1, Number.NaN, 2 ** 53, '100']) {
      expect(PositiveFen.safeParse(bad).success).toBe(false);
    }
  });

  it('sums exactly and is independent of order', () => {
    const amounts = fc.array(fc.integer({ min: -MAX_ENTRY_FEN, max: MAX_ENTRY_FEN }), { maxLength: 200 });
    fc.assert(fc.property(amounts, (xs) => sumFen(xs) === sumFen([...xs].reverse())));
  });
});
