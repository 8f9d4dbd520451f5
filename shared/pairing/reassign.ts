import * as z from 'zod';
import { toShanghaiDate } from '../dates.ts';
import { type Db, putIfAbsent, updateIf } from '../db.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { type Cadre, findEntity } from '../registry/index.ts';
import { keys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { CampaignYear, findPairing, type Pairing, refuseFrozen } from './index.ts';
import { checkEndDate, periodsOf, planReassignment } from './periods.ts';

/**
 * Reassigning a household-year to another cadre from a date, and ending a pairing. Both change the one pairing
 * item with a conditional update on its `version`, so two of them never overwrite each other, and on its freeze
 * and lock marks, so a round's figures never change hands while they are verified or final.
 */

const Id = z.string().trim().min(1, '不能为空').max(64);
/** A calendar date field (`YYYY-MM-DD`, or an instant with an offset, read as its Shanghai date). */
const DateField = (label: string) =>
  z
    .string({ error: `请给出${label}` })
    .trim()
    .refine((t) => toShanghaiDate(t) !== undefined, `${label}应为有效日期（YYYY-MM-DD）`)
    .transform((t) => toShanghaiDate(t)!);

export const Reassignment = z.strictObject({
  householdId: Id,
  year: CampaignYear,
  cadreId: Id,
  from: DateField('交接日期'),
});
export type Reassignment = z.infer<typeof Reassignment>;

export const PairingEnd = z.strictObject({
  householdId: Id,
  year: CampaignYear,
  on: DateField('结束日期'),
});
export type PairingEnd = z.infer<typeof PairingEnd>;

/** How many times a command re-reads and re-plans when another change to the pairing won the race. */
const ATTEMPTS = 5;

async function requirePairing(db: Db, householdId: string, year: number): Promise<Pairing> {
  const pairing = await findPairing(db, householdId, year);
  if (!pairing) throw notFound('pairing.not_found', `该家庭 ${year} 年没有结对`);
  return pairing;
}

/** The update condition: the pairing is as read (its version), and no round holds or has locked it. */
function unchangedAndUnheld(p: Pairing) {
  const version = p.version ?? 0;
  return {
    expression: `${version ? '#version = :v' : 'attribute_not_exists(#version)'} AND attribute_not_exists(#frozenBy) AND attribute_not_exists(#lockedBy) AND attribute_not_exists(#endedOn)`,
    values: version ? { ':v': version } : {},
  };
}

const outOfRange = (path: string, message: string) =>
  invalid('pairing.date_out_of_range', message, [{ path, message }]);

/**
 * Hands a household-year to another cadre from `from` on: entries dated before it stay in the former cadre's
 * scope, the rest in the new one's (`periods.ts`). The pairing keeps its one item (one year total, one floor);
 * its `cadreId`/`unitId` and cadre-year and unit-year index keys move to the new cadre, and the former cadre
 * gets a handover mark in its own cadre-year partition. The same cadre again is no change (200, unchanged).
 */
export async function reassignPairing(db: Db, rawInput: z.input<typeof Reassignment>, now: Date): Promise<Pairing> {
  const input = parseInput(Reassignment, rawInput);
  const cadre = await findEntity<Cadre & { active?: boolean }>(db, 'cadre', input.cadreId);
  if (!cadre) {
    throw invalid('pairing.cadre_unknown', '帮扶责任人不存在', [{ path: 'cadreId', message: '帮扶责任人不存在' }]);
  }
  for (let attempt = 0; ; attempt++) {
    const pairing = await requirePairing(db, input.householdId, input.year);
    const plan = planReassignment(pairing, { cadreId: cadre.id, unitId: cadre.unitId, from: input.from });
    if (plan.kind === 'unchanged') {
      await markFormerCadres(db, pairing);
      return pairing;
    }
    if (cadre.active === false) {
      throw invalid('pairing.cadre_inactive', '该帮扶责任人已停用', [
        { path: 'cadreId', message: '该帮扶责任人已停用' },
      ]);
    }
    refuseFrozen(pairing);
    if (plan.kind === 'refused') {
      if (plan.reason === 'ended') throw conflict('pairing.ended', `该结对已于 ${pairing.endedOn} 结束，不能再交接`);
      if (plan.reason === 'outside_year') throw outOfRange('from', `交接日期应在 ${input.year} 年内`);
      throw outOfRange('from', `交接日期不能早于当前帮扶责任人的开始日期（${periodsOf(pairing).at(-1)!.from}）`);
    }
    const next: Pairing = {
      ...pairing,
      cadreId: cadre.id,
      unitId: cadre.unitId,
      periods: plan.periods,
      version: (pairing.version ?? 0) + 1,
    };
    const indexes = keys.pairingIndexes(next);
    const done = await updateIf(
      db,
      keys.pairing(pairing.householdId, pairing.year),
      {
        set: {
          cadreId: next.cadreId,
          unitId: next.unitId,
          periods: next.periods,
          version: next.version,
          reassignedAt: now.toISOString(),
          gsi2pk: indexes.gsi2pk,
          gsi3pk: indexes.gsi3pk,
          gsi3sk: indexes.gsi3sk,
        },
      },
      unchangedAndUnheld(pairing),
    );
    if (done) {
      // After the pairing: a crash in between leaves only the former cadre's listing behind, and the same
      // request again (unchanged) writes the mark.
      await markFormerCadres(db, next);
      return next;
    }
    if (attempt + 1 >= ATTEMPTS) throw conflict('pairing.exists', '该结对正被同时修改，请稍后重试');
  }
}

/** Writes the handover mark of every former cadre that lacks one (idempotent: a mark never changes). */
async function markFormerCadres(db: Db, p: Pairing): Promise<void> {
  const former = new Set(periodsOf(p).map((x) => x.cadreId));
  former.delete(p.cadreId);
  for (const cadreId of former) {
    await putIfAbsent(db, {
      ...keys.pairingHandover(p.householdId, p.year, cadreId),
      entity: 'pairing-handover',
      householdId: p.householdId,
      year: p.year,
      cadreId,
    });
  }
}

/**
 * Ends a pairing on `on`: no new entry dated after it (corrections of earlier entries still go to the cadre in
 * scope). The pairing stays where it is, so the household stays in every report with its floor, under the unit
 * of its last cadre. The same date again is no change; another date once ended is a 409.
 */
export async function endPairing(db: Db, rawInput: z.input<typeof PairingEnd>, now: Date): Promise<Pairing> {
  const input = parseInput(PairingEnd, rawInput);
  for (let attempt = 0; ; attempt++) {
    const pairing = await requirePairing(db, input.householdId, input.year);
    if (pairing.endedOn === input.on) return pairing;
    if (pairing.endedOn) throw conflict('pairing.ended', `该结对已于 ${pairing.endedOn} 结束`);
    refuseFrozen(pairing);
    const check = checkEndDate(pairing, input.on);
    if (check === 'outside_year') throw outOfRange('on', `结束日期应在 ${input.year} 年内`);
    if (check === 'before_current') {
      throw outOfRange('on', `结束日期不能早于当前帮扶责任人的开始日期（${periodsOf(pairing).at(-1)!.from}）`);
    }
    const next: Pairing = {
      ...pairing,
      endedOn: input.on,
      endedAt: now.toISOString(),
      version: (pairing.version ?? 0) + 1,
    };
    const done = await updateIf(
      db,
      keys.pairing(pairing.householdId, pairing.year),
      { set: { endedOn: next.endedOn, endedAt: next.endedAt, version: next.version } },
      unchangedAndUnheld(pairing),
    );
    if (done) return next;
    if (attempt + 1 >= ATTEMPTS) throw conflict('pairing.exists', '该结对正被同时修改，请稍后重试');
  }
}
