import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OBJECTIVES } from '#shared/aid/rules.ts';
import { FLOOR_FEN, MAX_ENTRY_FEN, sumFen } from '#shared/money.ts';
import {
  checkHousehold,
  digestOf,
  type FundEntry,
  type HouseholdSnapshot,
  type ManualEntry,
} from '#shared/verification/checks.ts';

const makeCash = (overrides: Partial<ManualEntry> = {}): ManualEntry => ({
  id: 'c1',
  date: '2026-03-01',
  kind: 'cash',
  objective: 'livelihood',
  amountFen: 30_000,
  receipt: false,
  ...overrides,
});

const makeInKind = (overrides: Partial<ManualEntry> = {}): ManualEntry => ({
  id: 'k1',
  date: '2026-04-01',
  kind: 'in_kind',
  objective: 'livelihood',
  amountFen: 80_000,
  itemsTotalFen: 80_000,
  receipt: true,
  ...overrides,
});

const makeFund = (overrides: Partial<FundEntry> = {}): FundEntry => ({
  reference: 'F-001',
  date: '2026-03-01',
  objective: 'livelihood',
  amountFen: 30_000,
  ...overrides,
});

/** A household-year that passes every check: ¥300 + ¥200 cash, both disbursed, and ¥800 of goods signed for. */
const makeHousehold = (overrides: Partial<HouseholdSnapshot> = {}): HouseholdSnapshot => ({
  householdId: 'h1',
  headName: '张三',
  memberCount: 3,
  cadreId: 'cadre-1',
  unitId: 'unit-1',
  manual: [
    makeCash({ id: 'c1', objective: 'livelihood', amountFen: 30_000 }),
    makeCash({ id: 'c2', date: '2026-05-10', objective: 'education', amountFen: 20_000 }),
    makeInKind({ id: 'k1', amountFen: 80_000, itemsTotalFen: 80_000 }),
  ],
  funds: [
    makeFund({ reference: 'F-001', objective: 'livelihood', amountFen: 30_000 }),
    makeFund({ reference: 'F-002', date: '2026-05-10', objective: 'education', amountFen: 20_000 }),
  ],
  ...overrides,
});

const allPass = { fundsMatchManual: true, fundsMatchObjectives: true, inKindMatchesObjectives: true };

describe('the three conformities and the floor', () => {
  it('passes a household whose cash is all disbursed and whose goods are all signed for, with no discrepancies', () => {
    // Prepare
    const household = makeHousehold();

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result).toStrictEqual({
      householdId: 'h1',
      totalFen: 130_000,
      meetsFloor: true,
      checks: allPass,
      discrepancies: [],
    });
  });

  it('flags a manual cash entry that has no fund disbursement, naming its amount in yuan', () => {
    // Prepare
    const household = makeHousehold({
      manual: [...makeHousehold().manual, makeCash({ id: 'c3', date: '2026-06-01', amountFen: 30_000 })],
    });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result.checks).toStrictEqual({ ...allPass, fundsMatchManual: false, fundsMatchObjectives: false });
    expect(result.discrepancies).toStrictEqual([
      { code: 'funds.missing_for_entry', message: expect.stringContaining('¥300.00') },
      { code: 'objectives.cash_mismatch', message: expect.stringContaining('¥600.00') },
    ]);
    expect(result.discrepancies[0]?.message).toContain('2026-06-01');
  });

  it('flags a fund disbursement that the manual does not record, naming its reference and amount', () => {
    // Prepare
    const household = makeHousehold({
      funds: [...makeHousehold().funds, makeFund({ reference: 'F-009', objective: 'medical', amountFen: 12_345 })],
    });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result.checks).toStrictEqual({ ...allPass, fundsMatchManual: false, fundsMatchObjectives: false });
    expect(result.discrepancies).toStrictEqual([
      { code: 'funds.not_in_manual', message: expect.stringContaining('¥123.45') },
      { code: 'objectives.cash_mismatch', message: expect.stringContaining('¥123.45') },
    ]);
    expect(result.discrepancies[0]?.message).toContain('F-009');
  });

  it('matches the same amount booked under different objectives entry by entry, but not objective by objective', () => {
    // Prepare
    const household = makeHousehold({
      manual: [
        makeCash({ objective: 'livelihood', amountFen: 30_000 }),
        makeInKind({ amountFen: 100_000, itemsTotalFen: 100_000 }),
      ],
      funds: [makeFund({ objective: 'education', amountFen: 30_000 })],
    });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result.checks).toStrictEqual({ ...allPass, fundsMatchObjectives: false });
    expect(result.discrepancies).toStrictEqual([
      { code: 'objectives.cash_mismatch', message: expect.stringMatching(/^帮生活.*¥300\.00.*¥0\.00/) },
      { code: 'objectives.cash_mismatch', message: expect.stringMatching(/^帮助学.*¥0\.00.*¥300\.00/) },
    ]);
  });

  it('flags goods the household has not signed for', () => {
    // Prepare
    const household = makeHousehold({
      manual: [...makeHousehold().manual.filter((e) => e.kind === 'cash'), makeInKind({ receipt: false })],
    });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result.checks).toStrictEqual({ ...allPass, inKindMatchesObjectives: false });
    expect(result.discrepancies).toStrictEqual([
      { code: 'in_kind.no_receipt', message: expect.stringContaining('¥800.00') },
    ]);
  });

  it('flags goods whose itemised value differs from the recorded amount', () => {
    // Prepare
    const household = makeHousehold({
      manual: [...makeHousehold().manual.filter((e) => e.kind === 'cash'), makeInKind({ itemsTotalFen: 79_999 })],
    });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result.checks).toStrictEqual({ ...allPass, inKindMatchesObjectives: false });
    expect(result.discrepancies).toStrictEqual([
      { code: 'in_kind.valuation', message: expect.stringContaining('¥800.00') },
    ]);
  });

  it('puts a household at 99,999 fen below the floor, short by ¥0.01', () => {
    // Prepare
    const household = makeHousehold({ manual: [makeInKind({ amountFen: 99_999, itemsTotalFen: 99_999 })], funds: [] });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result).toStrictEqual({
      householdId: 'h1',
      totalFen: 99_999,
      meetsFloor: false,
      checks: allPass,
      discrepancies: [{ code: 'floor.below', message: expect.stringMatching(/¥999\.99.*¥1,000\.00.*¥0\.01/) }],
    });
  });

  it('puts a household at exactly 100,000 fen on the floor, with no discrepancy', () => {
    // Prepare
    const household = makeHousehold({
      manual: [makeInKind({ amountFen: 100_000, itemsTotalFen: 100_000 })],
      funds: [],
    });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result).toStrictEqual({
      householdId: 'h1',
      totalFen: 100_000,
      meetsFloor: true,
      checks: allPass,
      discrepancies: [],
    });
  });

  it('drops an entry and its reversal out of the reconciliation and out of the total', () => {
    // Prepare: ¥500 cash was never disbursed, and was reversed.
    const household = makeHousehold({
      manual: [
        ...makeHousehold().manual,
        makeCash({ id: 'c9', date: '2026-07-01', objective: 'housing', amountFen: 50_000 }),
        makeCash({ id: 'c9-r', date: '2026-07-02', objective: 'housing', amountFen: -50_000, reverses: 'c9' }),
      ],
    });

    // Act
    const result = checkHousehold(household);

    // Assess
    expect(result).toStrictEqual({
      householdId: 'h1',
      totalFen: 130_000,
      meetsFloor: true,
      checks: allPass,
      discrepancies: [],
    });
  });
});

const objective = fc.constantFrom(...OBJECTIVES);
const date = fc
  .date({ min: new Date('2026-01-01T00:00:00Z'), max: new Date('2026-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const positiveFen = fc.integer({ min: 1, max: MAX_ENTRY_FEN });
const id = fc.stringMatching(/^[a-z0-9]{1,12}$/);

/** Cash entries with unique ids. */
const cashEntries = fc
  .uniqueArray(fc.record({ id, date, objective, amountFen: positiveFen }), { selector: (e) => e.id, maxLength: 20 })
  .map((es) => es.map((e): ManualEntry => ({ ...e, kind: 'cash', receipt: false })));

/** Any manual: cash and in-kind entries with unique ids, some of them reversed by a negative entry. */
const anyManual = fc
  .uniqueArray(
    fc.record({
      id,
      date,
      kind: fc.constantFrom('cash' as const, 'in_kind' as const),
      objective,
      amountFen: positiveFen,
      receipt: fc.boolean(),
      reversed: fc.boolean(),
    }),
    { selector: (e) => e.id, maxLength: 20 },
  )
  .map((es) =>
    es.flatMap(({ reversed, ...e }): ManualEntry[] => {
      const entry: ManualEntry = { ...e, itemsTotalFen: e.kind === 'in_kind' ? e.amountFen : undefined };
      return reversed ? [entry, { ...entry, id: `${e.id}-r`, amountFen: -e.amountFen, reverses: e.id }] : [entry];
    }),
  );

const fundEntries = fc.uniqueArray(fc.record({ reference: id, date, objective, amountFen: positiveFen }), {
  selector: (f) => f.reference,
  maxLength: 10,
});

const households = fc.uniqueArray(
  fc.record({
    householdId: id,
    headName: fc.constantFrom('张三', '李四', '欧阳明明'),
    memberCount: fc.integer({ min: 1, max: 9 }),
    cadreId: id,
    unitId: id,
    manual: anyManual,
    funds: fundEntries,
  }),
  { selector: (h) => h.householdId, minLength: 1, maxLength: 5 },
);

/** A Fisher–Yates shuffle driven by fast-check, so a failing order shrinks and replays. */
function shuffle<T>(xs: readonly T[], g: fc.GeneratorValue): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = g(fc.integer, { min: 0, max: i });
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe('properties of the checks and the digest', () => {
  it('passes all three checks when the fund ledger is an exact copy of the manual’s cash', () => {
    fc.assert(
      fc.property(cashEntries, (cash) => {
        // Prepare
        const funds = cash.map((e) => ({
          reference: `F-${e.id}`,
          date: e.date,
          objective: e.objective,
          amountFen: e.amountFen,
        }));
        const totalFen = sumFen(cash.map((e) => e.amountFen));

        // Act
        const result = checkHousehold(makeHousehold({ manual: cash, funds: funds.reverse() }));

        // Assess
        expect(result.checks).toStrictEqual(allPass);
        expect(result.discrepancies.map((d) => d.code)).toStrictEqual(totalFen >= FLOOR_FEN ? [] : ['floor.below']);
      }),
    );
  });

  it('totals every manual amount, reversals included', () => {
    fc.assert(
      fc.property(anyManual, fundEntries, (manual, funds) => {
        const result = checkHousehold(makeHousehold({ manual, funds }));
        expect(result.totalFen).toBe(manual.reduce((sum, e) => sum + e.amountFen, 0));
        expect(result.meetsFloor).toBe(result.totalFen >= FLOOR_FEN);
      }),
    );
  });

  it('digests the same whatever the order of households, manual entries and fund entries', () => {
    fc.assert(
      fc.property(households, fc.gen(), (hs, g) => {
        // Prepare
        const shuffled = shuffle(hs, g).map((h) => ({
          ...h,
          manual: shuffle(h.manual, g),
          funds: shuffle(h.funds, g),
        }));

        // Act / Assess
        expect(digestOf('m1', 2026, shuffled)).toBe(digestOf('m1', 2026, hs));
      }),
    );
  });

  it('changes the digest when any single amount changes', () => {
    fc.assert(
      fc.property(households, fc.gen(), fc.integer({ min: -1_000, max: 1_000 }), (hs, g, delta) => {
        // Prepare: pick one entry among all manual and fund entries and move its amount by a non-zero delta.
        fc.pre(delta !== 0);
        const slots = hs.flatMap((h, hi) => [
          ...h.manual.map((_, i) => ({ hi, side: 'manual' as const, i })),
          ...h.funds.map((_, i) => ({ hi, side: 'funds' as const, i })),
        ]);
        fc.pre(slots.length > 0);
        const slot = slots[g(fc.integer, { min: 0, max: slots.length - 1 })]!;
        const changed = structuredClone(hs);
        const entry = changed[slot.hi]![slot.side][slot.i]!;
        entry.amountFen += delta;

        // Act / Assess
        expect(digestOf('m1', 2026, changed)).not.toBe(digestOf('m1', 2026, hs));
      }),
    );
  });
});
