import { describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { listHouseholdYearRecords, recordAid } from '#shared/aid/ledger.ts';
import { callerFromClaims } from '#shared/caller.ts';
import { AppError } from '#shared/errors.ts';
import { fileObjection } from '#shared/notice/index.ts';
import { createPairing } from '#shared/pairing/index.ts';
import { cadreUser, newKey } from '../support/factories.ts';
import { claimsOf } from '../support/invoke.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Domain commands validate their own input with their schema, so every caller (the API, the pages, imports,
 * workflow steps) meets the same checks and the same Chinese messages, and nothing is written.
 */
async function refusal(p: Promise<unknown>) {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

describe('a domain command called directly', () => {
  it('refuses bad input itself, naming each field in Chinese, and records nothing', async () => {
    const w = await pairedWorld(2026);
    const caller = callerFromClaims(claimsOf(cadreUser(w.cadreId)));
    const bad = { householdId: w.householdId, date: '2026-02-30', kind: 'cash', objective: 'fun', amountFen: -5 };

    const e = await refusal(recordAid(db, caller, newKey(), bad as never, new Date()));

    expect(e.code).toBe('request.invalid');
    expect(e.issues?.map((i) => i.path).sort()).toStrictEqual(['amountFen', 'date', 'description', 'objective']);
    for (const issue of e.issues ?? []) expect(issue.message).toMatch(/\p{Script=Han}/u);
    expect(await listHouseholdYearRecords(db, w.householdId, w.communityId, 2026)).toStrictEqual([]);
    // The idempotency key is part of the command's input: the aid form's field meets the API header's check.
    const good = { ...bad, date: '2026-02-03', objective: 'livelihood', amountFen: 100, description: '生活补助' };
    const key = await refusal(recordAid(db, caller, 'x'.repeat(500), good as never, new Date()));
    expect([key.code, key.issues?.[0]?.path]).toStrictEqual(['aid.idempotency_key', 'Idempotency-Key']);
    const pairing = await refusal(
      createPairing(db, { cadreId: w.cadreId, householdId: w.householdId, year: 1999 }, new Date()),
    );
    expect(pairing.issues?.[0]?.path).toBe('year');
    const objection = await refusal(fileObjection(db, 'notice-x', { entryId: 'e', text: '' }, new Date()));
    expect([objection.code, objection.issues?.[0]?.path]).toStrictEqual(['request.invalid', 'text']);
  });
});
