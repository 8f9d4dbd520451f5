import { type Db, getItem, queryAll } from '../db.ts';
import { notFound } from '../errors.ts';
import { keys, type RegistryKind, stripKeys } from '../table.ts';

/**
 * Registry entities as stored, and their reads: what the ledger, the rounds, the notices, the reports and the
 * pages need, without the registry's schemas and guards (those are in `index.ts`, which re-exports these).
 */

/** What a community without a region is listed under, in lists and reports (no id). */
export const UNASSIGNED_REGION = '未分区';

/** A community as stored: its region ids and names are absent when it has none (listed under 未分区). */
export interface Community {
  id: string;
  name: string;
  townshipId?: string;
  township?: string;
  districtId?: string;
  district?: string;
  active?: boolean;
  /** 监督电话 printed on the community's public notices; the city's (SUPERVISION_PHONE) when absent. */
  supervisionPhone?: string;
  createdAt: string;
  updatedAt?: string;
}

export interface Unit {
  id: string;
  name: string;
  active?: boolean;
  createdAt: string;
  updatedAt?: string;
}

export interface Cadre {
  id: string;
  name: string;
  unitId: string;
  /** 工号/编号 the unit assigns; unique within the unit. */
  code?: string;
  phone?: string;
  active?: boolean;
  createdAt: string;
  updatedAt?: string;
}

/** Reads one registry entity, or undefined. */
export async function findEntity<T>(db: Db, kind: RegistryKind, id: string): Promise<T | undefined> {
  const item = await getItem(db, keys.entity(kind, id));
  return item ? (stripKeys(item) as T) : undefined;
}

/** Lists every entity of a kind (communities and units are few; cadres and households are paged, `lists.ts`). */
export async function listEntities<T>(db: Db, kind: RegistryKind): Promise<T[]> {
  const items = await queryAll(db, { index: 'byKind', partition: keys.entityListing(kind, '').gsi3pk });
  return items.map((i) => stripKeys(i) as T);
}

/** Reads an entity that must exist, or throws a 404 with the kind in the code. */
export async function requireEntity<T>(db: Db, kind: RegistryKind, id: string, label: string): Promise<T> {
  const found = await findEntity<T>(db, kind, id);
  if (!found) throw notFound(`${kind}.not_found`, `${label}不存在`);
  return found;
}
