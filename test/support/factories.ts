import { randomUUID } from 'node:crypto';
import type { DevTokenRequest } from '#infra/local/tokens.ts';
import { checkCharacter } from '#shared/household/resident-id.ts';

let seq = 0;

/** A valid resident ID number, different on every call within a test run. */
export function makeIdNumber(birth = '19800101'): string {
  seq += 1;
  const region = ['320902', '110101', '440305', '510104'][seq % 4]!;
  const first17 = `${region}${birth}${String(seq % 1000).padStart(3, '0')}`;
  // The sequence wraps at 1000, so vary the birth day as well to keep numbers unique.
  const day = String(1 + (Math.floor(seq / 1000) % 28)).padStart(2, '0');
  const varied = first17.slice(0, 12) + day + first17.slice(14);
  return varied + checkCharacter(varied);
}

export const admin: DevTokenRequest = { sub: 'test-admin', groups: ['admin'] };
export const auditor: DevTokenRequest = { sub: 'test-auditor', groups: ['auditor'] };

/** A cadre caller for a cadre id. */
export function cadreUser(cadreId: string): DevTokenRequest {
  return { sub: `user-${cadreId}`, groups: ['cadre'], cadreId };
}

/** A community cadre caller for a community id. */
export function communityCadreUser(communityId: string): DevTokenRequest {
  return { sub: `cc-${communityId}`, groups: ['communityCadre'], communityId };
}

/** An aid submission with overrides. */
export function makeAid(householdId: string, overrides: Record<string, unknown> = {}) {
  return {
    householdId,
    date: '2026-03-15',
    kind: 'cash',
    objective: 'livelihood',
    amountFen: 10_000,
    description: '生活补助',
    ...overrides,
  };
}

/** A fresh idempotency key, as the form mints one per load. */
export const newKey = () => `key-${randomUUID()}`;
