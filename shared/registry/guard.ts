import { createHash } from 'node:crypto';
import { type Db, getItem, putIf, putIfAbsent, updateIf } from '../db.ts';

/**
 * Name guards: uniqueness without transactions. A guard item per (scope, normalized name) names the entity that
 * holds the name; it is written by a conditional put before the entity is written or renamed, so of two
 * concurrent claims exactly one wins. What the guard says is checked against the entity it names, so every
 * crash leaves a state the next attempt repairs:
 * - a crash between the guard and a new entity's put: the guard carries the entity (`snapshot`) and the next
 *   claim of the name writes it (as the household resident-ID guard does);
 * - a crash during a rename, after the new name's guard was taken: the entity still has its old name, so the
 *   new guard is *abandoned*; once older than `GUARD_FENCE_MS` (longer than any API request may run, so the
 *   rename that took it is surely over) another entity may take it over;
 * - a crash after a rename but before the old guard's release: the old guard names an entity that no longer
 *   has that name, abandoned in the same way.
 * Released guards (`released: true`, set after a rename or an ID-number correction) may be taken at once.
 * Nothing is deleted: no function may delete items.
 */

/** How old an abandoned guard must be before it may be taken over: beyond API Gateway's 30 s limit. */
export const GUARD_FENCE_MS = 60_000;

/** A guard item's fields. */
export interface NameGuard {
  ownerId: string;
  takenAt: string;
  released?: boolean;
  /** The entity as it was to be created: written by whoever finds the guard without its entity. */
  snapshot?: Record<string, unknown>;
}

/** How a name is compared: Unicode-normalized (full-width letters and digits fold), spaces collapsed. */
export function normalizeName(name: string): string {
  return name.normalize('NFKC').trim().replace(/\s+/g, ' ');
}

/** The hash a guard is keyed by: the scope's parts and the normalized name, never the name in a key. */
export function guardHash(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
}

/** What a guard's owner says about the name: it holds it, the owner is missing, or it has another name now. */
export type Holding = 'holds' | 'missing' | 'elsewhere';

/** The outcome of a claim: taken, or held by another entity (`missing`: its creation was interrupted). */
export type Claim = { taken: true } | { taken: false; holder: NameGuard; missing: boolean };

/**
 * Claims a guard for `ownerId`. `holding` tells whether a current holder still holds the name. A claim the
 * owner already holds succeeds again (a retried request).
 */
export async function claimGuard(
  db: Db,
  key: { pk: string; sk: string },
  ownerId: string,
  now: Date,
  holding: (ownerId: string) => Promise<Holding>,
  snapshot?: Record<string, unknown>,
): Promise<Claim> {
  const item = { ...key, entity: 'nameGuard', ownerId, takenAt: now.toISOString(), ...(snapshot ? { snapshot } : {}) };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await putIfAbsent(db, item)) return { taken: true };
    const g = await getItem<NameGuard>(db, key);
    if (!g) continue;
    if (g.ownerId === ownerId) {
      if (g.released) await updateIf(db, key, { remove: ['released', 'releasedAt'] }, ownerIs(ownerId));
      return { taken: true };
    }
    const takeOver = () =>
      putIf(db, item, {
        expression: '#ownerId = :o AND #takenAt = :t',
        names: { '#ownerId': 'ownerId', '#takenAt': 'takenAt' },
        values: { ':o': g.ownerId, ':t': g.takenAt },
      });
    if (g.released) {
      if (await takeOver()) return { taken: true };
      continue;
    }
    const state = await holding(g.ownerId);
    if (state === 'elsewhere' && now.getTime() - Date.parse(g.takenAt) > GUARD_FENCE_MS) {
      if (await takeOver()) return { taken: true };
      continue;
    }
    return { taken: false, holder: g, missing: state === 'missing' };
  }
  const g = (await getItem<NameGuard>(db, key))!;
  return { taken: false, holder: g, missing: false };
}

const ownerIs = (ownerId: string) => ({ expression: '#ownerId = :o', values: { ':o': ownerId } });

/** Releases a guard its owner no longer needs (after a rename); a guard someone else holds is left alone. */
export async function releaseGuard(db: Db, key: { pk: string; sk: string }, ownerId: string, now: Date) {
  await updateIf(db, key, { set: { released: true, releasedAt: now.toISOString() } }, ownerIs(ownerId));
}
