import { type Db, inParallel, updateIf } from '../db.ts';
import { keys } from '../table.ts';
import { pairingsOfCommunityYear } from './community-year.ts';
import type { Verification } from './model.ts';
/**
 * A round's hold on its community-year's figures: the freeze (`frozenBy`, from before the snapshot) and the lock
 * (`lockedBy`, from confirmation), both on the pairing every ledger write reads. Only the round's own marks are
 * ever removed.
 */

/** Marks every household-year of the community-year not yet frozen by this round. Returns how many it marked. */
export async function freezePairings(db: Db, v: Verification): Promise<number> {
  const pairings = (await pairingsOfCommunityYear(db, v.communityId, v.year)).filter((p) => p.frozenBy !== v.id);
  await inParallel(pairings, 8, async (p) => {
    await updateIf(
      db,
      keys.pairing(p.householdId, v.year),
      { set: { frozenBy: v.id } },
      {
        expression: 'attribute_exists(pk)',
      },
    );
  });
  return pairings.length;
}

/**
 * Releases a round's hold on its community-year: the freeze and, when it had been confirmed, the lock. Only
 * marks this round set are removed, so a later round's are never touched.
 */
export async function releaseFigures(db: Db, v: Pick<Verification, 'id' | 'communityId' | 'year'>): Promise<void> {
  const pairings = await pairingsOfCommunityYear(db, v.communityId, v.year);
  await inParallel(pairings, 8, async (p) => {
    if (p.frozenBy === v.id) {
      await updateIf(
        db,
        keys.pairing(p.householdId, v.year),
        { remove: ['frozenBy'] },
        {
          expression: '#frozenBy = :v',
          values: { ':v': v.id },
        },
      );
    }
    if (p.lockedBy === v.id) {
      await updateIf(
        db,
        keys.pairing(p.householdId, v.year),
        { remove: ['lockedBy'] },
        {
          expression: '#lockedBy = :v',
          values: { ':v': v.id },
        },
      );
    }
  });
}

/** Locks every household-year of a confirmed round (`lockedBy`); `releaseFigures` unlocks them. */
export async function lockFigures(db: Db, v: Verification) {
  await inParallel(v.householdIds ?? [], 8, async (hid) => {
    await updateIf(
      db,
      keys.pairing(hid, v.year),
      { set: { lockedBy: v.id }, remove: ['returnedBy', 'returnComment'] },
      { expression: 'attribute_exists(pk)' },
    );
  });
}
