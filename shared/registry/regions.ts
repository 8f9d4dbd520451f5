import { createHash } from 'node:crypto';
import { type Db, putIfAbsent, queryAll } from '../db.ts';
import { keys } from '../table.ts';
import { normalizeName } from './guard.ts';

/**
 * Regions: districts (区/县) and their townships (街道/乡镇). A region is created the first time a community names
 * it. Its id is derived from its name (a district's from its name, a township's from its district's id and its
 * name), so two first uses at once write the same item and converge, with no guard and no read first.
 */

export { UNASSIGNED_REGION } from './entities.ts';

const idOf = (prefix: string, ...parts: string[]) =>
  `${prefix}-${createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 16)}`;

/** A district's id: from its normalized name. */
export const districtIdOf = (name: string) => idOf('d', 'district', normalizeName(name));
/** A township's id: from its district's id and its normalized name (two districts may have a 城关镇 each). */
export const townshipIdOf = (districtId: string, name: string) =>
  idOf('t', 'township', districtId, normalizeName(name));

/** A community's place: ids and names, each absent when not given. */
export interface RegionRef {
  districtId?: string;
  district?: string;
  townshipId?: string;
  township?: string;
}

/**
 * The regions of a community's input, written if new. A township needs its district (the caller's schema says
 * so); a district alone is allowed (a community directly under a district).
 */
export async function ensureRegions(
  db: Db,
  input: { district?: string | undefined; township?: string | undefined },
  now: Date,
): Promise<RegionRef> {
  if (!input.district) return {};
  const district = input.district.trim();
  const districtId = districtIdOf(district);
  const at = now.toISOString();
  // Unconditional order: a township item is never written before its district's.
  await putIfAbsent(db, {
    ...keys.district(districtId),
    ...keys.regionListing(districtId),
    entity: 'district',
    id: districtId,
    name: district,
    createdAt: at,
  });
  if (!input.township) return { districtId, district };
  const township = input.township.trim();
  const townshipId = townshipIdOf(districtId, township);
  await putIfAbsent(db, {
    ...keys.township(districtId, townshipId),
    ...keys.regionListing(districtId, townshipId),
    entity: 'township',
    id: townshipId,
    districtId,
    name: township,
    createdAt: at,
  });
  return { districtId, district, townshipId, township };
}

export interface RegionTree {
  districts: { id: string; name: string; townships: { id: string; name: string }[] }[];
}

/** Every district with its townships (one Query of the region listing), districts and townships by name. */
export async function listRegions(db: Db): Promise<RegionTree> {
  const items = await queryAll(db, { index: 'byKind', partition: keys.regionListing('').gsi3pk });
  const districts = new Map<string, RegionTree['districts'][number]>();
  for (const i of items)
    if (i.entity === 'district')
      districts.set(i.id as string, { id: i.id as string, name: i.name as string, townships: [] });
  for (const i of items) {
    if (i.entity === 'township')
      districts.get(i.districtId as string)?.townships.push({ id: i.id as string, name: i.name as string });
  }
  const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'zh-Hans-CN');
  const list = [...districts.values()].sort(byName);
  for (const d of list) d.townships.sort(byName);
  return { districts: list };
}
