import * as fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AidItem, itemsTotalFen, itemValueFen } from '#shared/aid/rules.ts';
import { MAX_ENTRY_FEN } from '#shared/money.ts';

/**
 * Issue #13, item 4: an item's value is quantity × unit value rounded to the fen by one rule — half a fen and
 * more rounds up — on whole hundredths of a unit and fen, in integers.
 */
describe('the value of an item row', () => {
  it.each([
    [2.5, 333, 833], // 2.5 斤 × ¥3.33 = ¥8.325 → ¥8.33
    [2.5, 332, 830], // ¥8.30 exactly
    [0.01, 1, 0], // ¥0.0001 → ¥0.00
    [0.5, 1, 1], // ¥0.005 → ¥0.01 (half up)
    [0.49, 1, 0],
    [1.15, 1000, 1150],
    [0.29, 100, 29], // 0.29 × 100 is 28.999… in floating point; the rule works on hundredths
    [3, 5000, 15000],
    [999999.99, 100, 99999999],
  ])('%d × %i fen = %i fen', (quantity, unitValueFen, fen) => {
    expect(itemValueFen({ quantity, unitValueFen })).toBe(fen);
  });

  it('has no value for a quantity finer than hundredths or a product past one entry’s maximum', () => {
    expect(itemValueFen({ quantity: 1.005, unitValueFen: 100 })).toBeUndefined();
    expect(itemValueFen({ quantity: 1_000_000, unitValueFen: MAX_ENTRY_FEN })).toBeUndefined();
  });

  it('equals the exact product rounded half up, for every two-decimal quantity and unit value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 99_999_999 }), fc.integer({ min: 1, max: 100_000 }), (hundredths, unit) => {
        const exact = BigInt(hundredths) * BigInt(unit); // in hundredths of a fen
        const expected = Number(exact / 100n + (exact % 100n >= 50n ? 1n : 0n));
        const value = itemValueFen({ quantity: hundredths / 100, unitValueFen: unit });
        expect(value).toBe(expected <= MAX_ENTRY_FEN ? expected : undefined);
      }),
    );
  });

  it('refuses three decimals in the schema, and sums rows by the rule', () => {
    expect(AidItem.safeParse({ name: '猪肉', quantity: 2.555, unitValueFen: 1500 }).success).toBe(false);
    expect(AidItem.safeParse({ name: '猪肉', quantity: 2.5, unitValueFen: 1500 }).success).toBe(true);
    expect(
      itemsTotalFen([
        { name: '猪肉', quantity: 2.5, unitValueFen: 333 },
        { name: '大米', quantity: 10, unitValueFen: 250 },
      ]),
    ).toBe(833 + 2500);
  });
});
