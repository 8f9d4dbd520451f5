import { type Db, getItem, putIfAbsent, scanPages, updateIf } from '../db.ts';
import { keys } from '../table.ts';
import { guardHash, normalizeName } from './guard.ts';

/**
 * Brings a table written before #12 to the registry's current shape, once (a marker item records that it ran;
 * the local stack calls it at start, next to `sealLegacyHouseholds`; on AWS it is run once by hand):
 * - cadres and households are listed under their unit and community (`<parent>#<id>`), so the lists' filters
 *   are key conditions;
 * - each household gets `idHash`, copied from the resident-ID guard that names it (the guard's key is that
 *   hash: nothing is decrypted), so a corrected number's old guard can be told from a live one;
 * - communities, units and cadres with a code get their name guards (of two legacy duplicates, the first keeps
 *   the name; the second can be renamed).
 * Every write is conditional and idempotent. Returns how many items it changed.
 */
export async function migrateRegistry(db: Db, now = new Date()): Promise<number> {
  const marker = keys.migration('registry-regions-lists');
  if (await getItem(db, marker)) return 0;
  let count = 0;
  const filter = {
    expression: '#e IN (:c, :u, :k, :h) OR begins_with(#pk, :r)',
    names: { '#e': 'entity', '#pk': 'pk' },
  };
  const values = { ':c': 'community', ':u': 'unit', ':k': 'cadre', ':h': 'household', ':r': 'RESIDENT#' };
  for await (const page of scanPages(db, { ...filter, values })) {
    for (const item of page) {
      const key = { pk: item.pk as string, sk: item.sk as string };
      const id = item.id as string;
      if (key.pk.startsWith('RESIDENT#') && typeof item.householdId === 'string' && !item.released) {
        const set = { idHash: key.pk.slice('RESIDENT#'.length) };
        const household = keys.entity('household', item.householdId);
        if (
          await updateIf(
            db,
            household,
            { set },
            { expression: 'attribute_exists(pk) AND attribute_not_exists(idHash)' },
          )
        ) {
          count++;
        }
        continue;
      }
      const parent = item.entity === 'cadre' ? item.unitId : item.entity === 'household' ? item.communityId : undefined;
      if (typeof parent === 'string') {
        const gsi3sk = `${parent}#${id}`;
        if (item.gsi3sk !== gsi3sk && (await updateIf(db, key, { set: { gsi3sk } }))) count++;
      }
      const guard =
        item.entity === 'community'
          ? keys.nameGuard(
              'community',
              guardHash((item.townshipId ?? item.districtId ?? '-') as string, normalizeName(item.name as string)),
            )
          : item.entity === 'unit'
            ? keys.nameGuard('unit', guardHash(normalizeName(item.name as string)))
            : item.entity === 'cadre' && item.code
              ? keys.nameGuard('cadre-code', guardHash(item.unitId as string, normalizeName(item.code as string)))
              : undefined;
      if (
        guard &&
        (await putIfAbsent(db, { ...guard, entity: 'nameGuard', ownerId: id, takenAt: now.toISOString() }))
      ) {
        count++;
      }
    }
  }
  await putIfAbsent(db, { ...marker, entity: 'migration', changed: count, at: now.toISOString() });
  return count;
}
