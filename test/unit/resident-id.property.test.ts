import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkCharacter,
  maskResidentId,
  normalizeResidentId,
  residentIdProblem,
} from '#shared/household/resident-id.ts';

const TODAY = '2026-11-21';
const province = fc.constantFrom('11', '32', '44', '51', '65', '81');
const region = fc.tuple(province, fc.integer({ min: 1, max: 9999 })).map(([p, r]) => p + String(r).padStart(4, '0'));
const birth = fc
  .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2026-11-21T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10).replaceAll('-', ''));
const sequence = fc.integer({ min: 0, max: 999 }).map((n) => String(n).padStart(3, '0'));
const validId = fc.tuple(region, birth, sequence).map(([r, b, s]) => {
  const first17 = r + b + s;
  return first17 + checkCharacter(first17);
});

describe('resident ID numbers (GB 11643-1999)', () => {
  it('accepts every number with a real region, a past birth date and the right check character', () => {
    fc.assert(fc.property(validId, (id) => residentIdProblem(id, TODAY) === undefined));
  });

  it('refuses any single changed digit among the first seventeen as a checksum error', () => {
    fc.assert(
      fc.property(validId, fc.integer({ min: 6, max: 16 }), fc.integer({ min: 1, max: 9 }), (id, pos, delta) => {
        // Positions 14-16 (sequence) and 6-13 (birth date) may also break the date; any refusal is right,
        // and the sequence digits, which touch nothing else, must be a checksum error.
        const digit = (Number(id[pos]) + delta) % 10;
        const changed = id.slice(0, pos) + digit + id.slice(pos + 1);
        const problem = residentIdProblem(changed, TODAY);
        expect(problem).toBeDefined();
        if (pos >= 14) expect(problem).toBe('checksum');
      }),
    );
  });

  it('refuses swapped adjacent sequence digits unless they are equal', () => {
    fc.assert(
      fc.property(validId, (id) => {
        if (id[14] === id[15]) return;
        const swapped = id.slice(0, 14) + id[15] + id[14] + id.slice(16);
        expect(residentIdProblem(swapped, TODAY)).toBe('checksum');
      }),
    );
  });

  it('knows the published example 11010519491231002X', () => {
    expect(residentIdProblem('11010519491231002X', TODAY)).toBeUndefined();
    expect(residentIdProblem('110105194912310021', TODAY)).toBe('checksum');
  });

  it.each([
    ['too short', '11010519491231002', 'format'],
    ['letters inside', '1101051949A231002X', 'format'],
    ['unknown province 99', '990105194912310020', 'region'],
    ['impossible date 1990-02-30', '110105199002300020', 'birthDate'],
    ['born after today', '110105202712010020', 'birthDate'],
    ['born before 1900', '110105189912310020', 'birthDate'],
  ])('refuses %s', (_label, id, problem) => {
    const fixed = problem === 'format' ? id : id.slice(0, 17) + checkCharacter(id.slice(0, 17));
    expect(residentIdProblem(fixed, TODAY)).toBe(problem);
  });

  it('reads a lower-case x check character as X', () => {
    expect(residentIdProblem(normalizeResidentId(' 11010519491231002x '), TODAY)).toBeUndefined();
  });

  it('masks all but the region and the last four characters', () => {
    expect(maskResidentId('32090219800101123X')).toBe('320902********123X');
  });
});
