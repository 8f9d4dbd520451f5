import { runInNewContext } from 'node:vm';
import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MONEY_SCRIPT } from '#functions/household-pages/aid-script.ts';
import { itemValueFen } from '#shared/aid/rules.ts';
import { formatYuanGrouped, parseAmount } from '#shared/money.ts';

/**
 * The aid form's script values items and reads amounts in the browser by the server's rules, in integers: the
 * same text gives the same fen on both sides, or is refused by both.
 */
interface Script {
  parseAmountFen(text: string): number | null;
  parseHundredths(text: string): number | null;
  itemFen(hundredths: number, unitFen: number): number | null;
  groupedYuan(fen: number): string;
}
const script = (): Script => {
  const context: Record<string, unknown> = {};
  runInNewContext(
    `${MONEY_SCRIPT}; out.parseAmountFen = parseAmountFen; out.parseHundredths = parseHundredths; out.itemFen = itemFen; out.groupedYuan = groupedYuan;`,
    { out: context },
  );
  return context as unknown as Script;
};

describe('the aid form’s money script', () => {
  const s = script();

  it('values 2.5 斤 at ¥13.80 as ¥34.50 and 2.5 × ¥3.33 as ¥8.33 (half up), as the server does', () => {
    expect(s.itemFen(s.parseHundredths('2.5')!, s.parseAmountFen('13.80')!)).toBe(3_450);
    expect(s.itemFen(250, 333)).toBe(833);
    expect(itemValueFen({ quantity: 2.5, unitValueFen: 333 })).toBe(833);
  });

  it('reads amounts as the server reads them', () => {
    const typed = fc.oneof(
      fc.constantFrom('1,200', '1200元', '¥1,200.50', '１２００', '1 200', '1,20', '12.345', '', '0.05', '1,234,567.8'),
      fc.stringMatching(/^[¥￥]?\d{1,10}(?:[.,]\d{1,3})*元?$/),
    );
    fc.assert(
      fc.property(typed, (t) => {
        expect(s.parseAmountFen(t)).toBe(parseAmount(t) ?? null);
      }),
    );
  });

  it('values every item row as itemValueFen does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 1, max: 100_000_000 }), (h, fen) => {
        expect(s.itemFen(h, fen)).toBe(itemValueFen({ quantity: h / 100, unitValueFen: fen }) ?? null);
      }),
    );
  });

  it('says amounts in yuan with thousands separators, as the server does', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000_000 }), (fen) => {
        expect(s.groupedYuan(fen)).toBe(formatYuanGrouped(fen));
      }),
    );
    expect(s.groupedYuan(120_000)).toBe('1,200.00');
  });
});
