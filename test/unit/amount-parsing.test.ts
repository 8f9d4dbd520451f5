import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatYuan, parseAmount } from '#shared/money.ts';

/** Issue #13, item 4: amounts as people type them, read exactly into fen or refused, never guessed. */
describe('reading a typed amount', () => {
  it.each([
    ['1200', 120_000],
    ['1,200', 120_000],
    ['1，200', 120_000],
    ['1 200', 120_000],
    ['1200元', 120_000],
    ['1,200.50元', 120_050],
    ['¥1,200.5', 120_050],
    ['￥ 12.05', 1_205],
    ['１２００', 120_000],
    ['１，２００．５０', 120_050],
    ['0.05', 5],
    ['1,234,567.89', 123_456_789],
    [' 300 ', 30_000],
  ])('reads %s as %i fen', (typed, fen) => {
    expect(parseAmount(typed)).toBe(fen);
  });

  it.each(['1,20', '12,00', '1,2000', '1.234', '1.2.3', '-5', 'abc', '', '元', '1e3', '0x10', '1,200,00', '12 3'])(
    'refuses %j rather than guess',
    (typed) => {
      expect(parseAmount(typed)).toBeUndefined();
    },
  );

  it('reads back every amount it formats, with or without separators and the yuan sign', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (fen) => {
        const plain = formatYuan(fen);
        const [whole, cents] = plain.split('.') as [string, string];
        const grouped = `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
        expect(parseAmount(plain)).toBe(fen);
        expect(parseAmount(`¥${grouped}`)).toBe(fen);
        expect(parseAmount(`${grouped}元`)).toBe(fen);
      }),
    );
  });
});
