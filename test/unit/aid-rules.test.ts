import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  floorStatus,
  itemsTotalFen,
  NewAidRecord,
  recordIdFor,
  requestHashOf,
  reversalIdFor,
  totalsOf,
} from '#shared/aid/rules.ts';
import { FLOOR_FEN } from '#shared/money.ts';

const cash = {
  householdId: 'h1',
  date: '2026-03-01',
  kind: 'cash',
  objective: 'livelihood',
  amountFen: 5_000,
  description: '慰问',
};

describe('aid record rules', () => {
  it('accepts a cash entry and normalizes an instant to its Shanghai date', () => {
    const parsed = NewAidRecord.parse({ ...cash, date: '2026-12-31T16:00:00Z' });
    expect(parsed.date).toBe('2027-01-01');
  });

  it('refuses items on a cash entry', () => {
    const r = NewAidRecord.safeParse({ ...cash, items: [{ name: '米', quantity: 1, unitValueFen: 5_000 }] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toStrictEqual(['items']);
  });

  it('refuses an in-kind entry without items', () => {
    expect(NewAidRecord.safeParse({ ...cash, kind: 'in_kind' }).success).toBe(false);
  });

  it('refuses an in-kind entry whose items do not add up to the amount, naming the amount field', () => {
    const r = NewAidRecord.safeParse({
      ...cash,
      kind: 'in_kind',
      amountFen: 5_001,
      items: [{ name: '米', quantity: 10, unitValueFen: 500 }],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path)).toStrictEqual([['amountFen']]);
    // In yuan: no message shows fen to a person.
    expect(r.error?.issues[0]?.message).toContain('¥50.00');
  });

  it('accepts any in-kind entry whose amount is the sum of quantity × unit value', () => {
    const item = fc.record({
      name: fc.constantFrom('米', '油', '棉被'),
      quantity: fc.integer({ min: 1, max: 100 }),
      unitValueFen: fc.integer({ min: 1, max: 100_000 }),
    });
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 10 }), (items) => {
        const amountFen = itemsTotalFen(items);
        return NewAidRecord.safeParse({ ...cash, kind: 'in_kind', amountFen, items }).success;
      }),
    );
  });

  it.each([
    ['an unknown objective', { objective: 'food' }],
    ['an unknown kind', { kind: 'cheque' }],
    ['an empty description', { description: '  ' }],
    ['an impossible date', { date: '2026-02-30' }],
    ['an extra field', { extra: 1 }],
    ['a fractional amount', { amountFen: 10.5 }],
    ['an amount as text', { amountFen: '10000' }],
  ])('refuses %s', (_label, change) => {
    expect(NewAidRecord.safeParse({ ...cash, ...change }).success).toBe(false);
  });

  it('puts the floor at exactly ¥1,000: 99,999 fen is short by one fen, 100,000 meets it', () => {
    expect(floorStatus(99_999)).toStrictEqual({
      totalFen: 99_999,
      floorFen: FLOOR_FEN,
      meetsFloor: false,
      shortfallFen: 1,
    });
    expect(floorStatus(100_000)).toStrictEqual({
      totalFen: 100_000,
      floorFen: FLOOR_FEN,
      meetsFloor: true,
      shortfallFen: 0,
    });
  });

  it('nets a reversal out of the totals of its kind and objective', () => {
    const t = totalsOf([
      { kind: 'cash', objective: 'medical', amountFen: 30_000 },
      { kind: 'in_kind', objective: 'livelihood', amountFen: 20_000 },
      { kind: 'cash', objective: 'medical', amountFen: -30_000 },
    ]);
    expect(t).toStrictEqual({
      totalFen: 20_000,
      cashFen: 0,
      inKindFen: 20_000,
      byObjective: { livelihood: 20_000, education: 0, medical: 0, employment: 0, housing: 0 },
    });
  });

  it('derives the same record id from the same cadre and key, and different ids otherwise', () => {
    expect(recordIdFor('c1', 'k1')).toBe(recordIdFor('c1', 'k1'));
    expect(recordIdFor('c1', 'k1')).not.toBe(recordIdFor('c2', 'k1'));
    expect(recordIdFor('c1', 'k1')).not.toBe(recordIdFor('c1', 'k2'));
    expect(reversalIdFor('x')).toBe(reversalIdFor('x'));
  });

  it('hashes the normalized submission, so a plain date and its instant are the same request', () => {
    const a = NewAidRecord.parse({ ...cash, date: '2027-01-01' });
    const b = NewAidRecord.parse({ ...cash, date: '2026-12-31T16:00:00Z' });
    expect(requestHashOf(a)).toBe(requestHashOf(b));
    expect(requestHashOf(a)).not.toBe(requestHashOf({ ...a, amountFen: a.amountFen + 1 }));
  });
});
