import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { AidDate, type Objective, Objective as ObjectiveSchema, yearOf } from '../aid/rules.ts';
import type { Caller } from '../caller.ts';
import type { CalendarDate } from '../dates.ts';
import { type Db, putIfAbsent } from '../db.ts';
import { requirePairedCadre } from '../pairing/index.ts';
import { keys } from '../table.ts';
import { parseInput } from '../validate.ts';

/**
 * Outcomes (帮扶成效): problems solved for a household, such as a child back in school, a job found or a house
 * repaired. They are services without money value, so they are counted, never added to the money totals or
 * the floor. The paired cadre records them; they are append-only, like the ledger.
 */

/** An outcome as the paired cadre submits it. */
export const NewOutcome = z.strictObject({
  objective: ObjectiveSchema,
  date: AidDate,
  description: z.string({ error: '请填写帮扶成效' }).trim().min(1, '请填写帮扶成效').max(500, '帮扶成效不超过 500 字'),
});
export type NewOutcome = z.infer<typeof NewOutcome>;

/** An outcome as stored and returned. */
export interface Outcome {
  id: string;
  householdId: string;
  communityId: string;
  unitId: string;
  cadreId: string;
  year: number;
  date: CalendarDate;
  objective: Objective;
  description: string;
  recordedBy: string;
  recordedAt: string;
}

/**
 * Records an outcome for a household the calling cadre is paired with in the outcome's year (the Shanghai
 * year of its date, which may not be after today). Outcomes are not part of a community-year's confirmed
 * figures (the digest covers money only), so a confirmed, locked year still accepts them.
 */
export async function recordOutcome(
  db: Db,
  caller: Caller,
  householdId: string,
  rawInput: z.input<typeof NewOutcome>,
  now: Date,
  /**
   * The outcome form's key (one per form load): a double tap or a resent form then finds the outcome it stored
   * instead of recording it twice. Without one (the API), each call records a new outcome.
   */
  formKey?: string,
): Promise<Outcome> {
  const input = parseInput(NewOutcome, rawInput);
  const pairing = await requirePairedCadre(db, caller, householdId, input.date, now, {
    code: 'outcome',
    label: '帮扶成效',
  });
  const year = yearOf(input);
  const outcome: Outcome = {
    id: formKey
      ? `o${createHash('sha256').update(`outcome\n${pairing.cadreId}\n${formKey}`).digest('base64url').slice(0, 26)}`
      : `o${randomUUID()}`,
    householdId: pairing.householdId,
    communityId: pairing.communityId,
    unitId: pairing.unitId,
    cadreId: pairing.cadreId,
    year,
    date: input.date,
    objective: input.objective,
    description: input.description,
    recordedBy: caller.sub,
    recordedAt: now.toISOString(),
  };
  // A resent form's second put finds the first: the outcome is recorded once (append-only, never overwritten).
  await putIfAbsent(db, {
    ...keys.outcome(outcome.householdId, year, outcome.id),
    ...keys.outcomeIndexes(outcome),
    entity: 'outcome',
    ...outcome,
  });
  return outcome;
}
