import { type Db, getMany } from '../db.ts';
import { keys } from '../table.ts';

/**
 * Names of registry entities (communities, units, cadres) by id, for exports that people read: one
 * BatchGetItem per 100 distinct ids, names only. An id with no entity has no entry.
 */
export async function namesOf(
  db: Db,
  kind: 'community' | 'unit' | 'cadre',
  ids: Iterable<string>,
): Promise<Map<string, string>> {
  const distinct = [...new Set(ids)];
  const items = await getMany(
    db,
    distinct.map((id) => keys.entity(kind, id)),
    ['id', 'name'],
  );
  return new Map(items.map((i) => [i.id as string, i.name as string]));
}
