import { type Db, getItem } from '../db.ts';
import { keys, stripKeys } from '../table.ts';
import { maskResidentId } from './resident-id.ts';

/**
 * A household as stored, and its one read: what the ledger and the pairings need, without registration,
 * edits and their schemas (in `index.ts`, which re-exports these).
 */

/**
 * A registered household as stored. The ID number is personal data: it is kept only sealed (`idNumberEnc`,
 * envelope-encrypted with the household id as context, `shared/crypto`), masked (`idNumberMasked`, the form
 * everyone but admins sees, not secret) and as a keyed hash in its guard item, never in plaintext.
 */
export interface Household {
  id: string;
  headName: string;
  communityId: string;
  memberCount: number;
  createdAt: string;
  idNumberMasked: string;
  /** The keyed hash of the ID number (its guard's key, nothing more): tells a live guard from a released one. */
  idHash?: string;
  /** `false` when deactivated; absent means active. */
  active?: boolean;
  updatedAt?: string;
  /** Absent only on items written before encryption, which hold `idNumber` instead. */
  idNumberEnc?: string;
  /** Plaintext of items written before encryption (older local data directories): read, never written. */
  idNumber?: string;
}

/** Reads a household, or undefined. Items written before encryption get their masked form here. */
export async function findHousehold(db: Db, id: string): Promise<Household | undefined> {
  const item = await getItem(db, keys.entity('household', id));
  if (!item) return undefined;
  const h = stripKeys(item) as unknown as Household;
  return h.idNumberMasked ? h : { ...h, idNumberMasked: maskResidentId(h.idNumber ?? '') };
}
