import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Db } from '../db.ts';
import { invalid } from '../errors.ts';
import { PageLimit } from '../paging.ts';
import { namesOf } from '../reports/names.ts';
import { keys, type RegistryKind, stripKeys, TABLE_DESIGN } from '../table.ts';
import { parseInput } from '../validate.ts';
import {
  type Cadre,
  type Community,
  cadreView,
  communityView,
  listEntities,
  normalizeName,
  type Unit,
  unitView,
} from './index.ts';

/**
 * The registry's lists (`GET /communities`, `/units`, `/cadres`, `/households`): search, filters and stable
 * pagination over the `byKind` listing. A list is a sequence of *segments* of one listing partition, each a
 * sort-key prefix (a unit's cadres, a community's households) read by a key condition, in sort-key order; the
 * cursor is the sort key of the last item returned, so the next page starts right after it whatever was
 * written meanwhile: no gaps, no repeats. Search and `active` are applied to what the key condition reads.
 */

const Id = z.string().trim().min(1).max(64);
const Search = z.string().trim().max(50, '搜索内容不超过 50 个字');
/** `true`: active only; `false`: deactivated only; absent or `all`: both, each marked with `active`. */
const ActiveFilter = z.enum(['true', 'false', 'all'], { error: 'active 应为 true、false 或 all' });
const Cursor = z.string().max(1024);
const paging = {
  search: Search.optional(),
  active: ActiveFilter.optional(),
  cursor: Cursor.optional(),
  limit: PageLimit.optional(),
};

export const CommunityListQuery = z.strictObject({ ...paging, districtId: Id.optional(), townshipId: Id.optional() });
export const UnitListQuery = z.strictObject(paging);
export const CadreListQuery = z.strictObject({ ...paging, unitId: Id.optional() });
export const HouseholdListQuery = z.strictObject({
  ...paging,
  communityId: Id.optional(),
  townshipId: Id.optional(),
  districtId: Id.optional(),
});
export type HouseholdListQuery = z.infer<typeof HouseholdListQuery>;

/** A page of a list. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

const refuse = () => invalid('request.invalid', '翻页标记无效', [{ path: 'cursor', message: '翻页标记无效' }]);

/** A cursor back to the sort key it was made from, for this list; anything else (forged, garbled) is a 400. */
function afterOf(cursor: string, kind: RegistryKind, prefixes: (string | undefined)[]): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const c = parsed as Record<string, unknown>;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    Object.keys(c).sort().join() === 'a,k' &&
    c.k === kind &&
    typeof c.a === 'string' &&
    c.a.length > 0 &&
    c.a.length <= 300 &&
    prefixes.some((p) => p === undefined || (c.a as string).startsWith(p));
  if (!ok) throw refuse();
  return c.a as string;
}

const cursorOf = (kind: RegistryKind, after: string) =>
  Buffer.from(JSON.stringify({ k: kind, a: after }), 'utf8').toString('base64url');

/** Above every character of the ids in sort keys: the upper bound of a prefix's range. */
const TOP = '\uffff';

/**
 * Reads one page: the segments in order (each a sort-key prefix, or undefined for the whole partition), from
 * after the cursor, keeping items that `match`, until `limit` are found and one more shows there is a next page.
 */
export async function listingPage(
  db: Db,
  kind: RegistryKind,
  opts: {
    prefixes: (string | undefined)[];
    match: (item: Record<string, unknown>) => boolean;
    cursor?: string | undefined;
    limit?: number | undefined;
    attributes?: readonly string[];
  },
): Promise<Page<Record<string, unknown>>> {
  const limit = opts.limit ?? 50;
  const after = opts.cursor ? afterOf(opts.cursor, kind, opts.prefixes) : undefined;
  const { partitionKey: pkName, sortKey: skName } = TABLE_DESIGN.indexes.byKind;
  const found: Record<string, unknown>[] = [];
  for (const prefix of opts.prefixes) {
    const end = `${prefix ?? ''}${TOP}`;
    if (after && after >= end) continue;
    const input: QueryCommandInput = {
      TableName: db.table,
      IndexName: 'byKind',
      ExpressionAttributeNames: { '#p': pkName, '#s': skName },
      ExpressionAttributeValues: { ':p': keys.entityListing(kind, '').gsi3pk },
      Limit: 200,
    };
    if (after && (prefix === undefined || after.startsWith(prefix))) {
      // Inclusive of the cursor's own key, which is skipped below: BETWEEN has no exclusive form.
      input.KeyConditionExpression = '#p = :p AND #s BETWEEN :a AND :e';
      Object.assign(input.ExpressionAttributeValues!, { ':a': after, ':e': end });
    } else if (prefix !== undefined) {
      input.KeyConditionExpression = '#p = :p AND begins_with(#s, :b)';
      input.ExpressionAttributeValues![':b'] = prefix;
    } else {
      input.KeyConditionExpression = '#p = :p';
      // DynamoDB refuses a name the expressions do not use.
      delete input.ExpressionAttributeNames!['#s'];
    }
    if (opts.attributes) {
      input.ProjectionExpression = [...opts.attributes, skName].map((_a, i) => `#a${i}`).join(', ');
      [...opts.attributes, skName].forEach((a, i) => {
        input.ExpressionAttributeNames![`#a${i}`] = a;
      });
    }
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
      for (const item of (out.Items ?? []) as Record<string, unknown>[]) {
        if (item[skName] === after || !opts.match(item)) continue;
        found.push(item);
        if (found.length > limit) {
          const page = found.slice(0, limit);
          return { items: page, nextCursor: cursorOf(kind, page[limit - 1]![skName] as string) };
        }
      }
      start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
    } while (start);
  }
  return { items: found, nextCursor: null };
}

/** Whether an item passes `?active=`. */
export const activeMatches = (filter: string | undefined) => (item: Record<string, unknown>) =>
  filter === 'false' ? item.active === false : filter === 'true' ? item.active !== false : true;

/** Whether a name contains the search (compared normalized; an empty search matches all). */
export const nameMatches = (name: unknown, search: string | undefined) =>
  !search || (typeof name === 'string' && normalizeName(name).includes(normalizeName(search)));

/** Communities, by id; filtered by district and township, searched by name. Each with its region names. */
export async function listCommunities(db: Db, rawQuery: unknown) {
  const q = parseInput(CommunityListQuery, rawQuery, '查询参数');
  const active = activeMatches(q.active);
  const page = await listingPage(db, 'community', {
    prefixes: [undefined],
    cursor: q.cursor,
    limit: q.limit,
    match: (i) =>
      active(i) &&
      nameMatches(i.name, q.search) &&
      (!q.districtId || i.districtId === q.districtId) &&
      (!q.townshipId || i.townshipId === q.townshipId),
  });
  return {
    items: page.items.map((i) => communityView(stripKeys(i) as unknown as Community)),
    nextCursor: page.nextCursor,
  };
}

/** Units, by id; searched by name. */
export async function listUnits(db: Db, rawQuery: unknown) {
  const q = parseInput(UnitListQuery, rawQuery, '查询参数');
  const active = activeMatches(q.active);
  const page = await listingPage(db, 'unit', {
    prefixes: [undefined],
    cursor: q.cursor,
    limit: q.limit,
    match: (i) => active(i) && nameMatches(i.name, q.search),
  });
  return { items: page.items.map((i) => unitView(stripKeys(i) as unknown as Unit)), nextCursor: page.nextCursor };
}

/**
 * Cadres, by unit then id; `unitId` is a key condition (the unit's segment of the listing), searched by name or
 * code. Each with its unit's name.
 */
export async function listCadres(db: Db, rawQuery: unknown) {
  const q = parseInput(CadreListQuery, rawQuery, '查询参数');
  const active = activeMatches(q.active);
  const page = await listingPage(db, 'cadre', {
    prefixes: [q.unitId ? `${q.unitId}#` : undefined],
    cursor: q.cursor,
    limit: q.limit,
    match: (i) => active(i) && (nameMatches(i.name, q.search) || (!!q.search && i.code === q.search.trim())),
  });
  const cadres = page.items.map((i) => cadreView(stripKeys(i) as unknown as Cadre));
  const units = await namesOf(
    db,
    'unit',
    cadres.map((c) => c.unitId),
  );
  return { items: cadres.map((c) => ({ ...c, unitName: units.get(c.unitId) ?? null })), nextCursor: page.nextCursor };
}

/**
 * The segments of the household listing a query reads: one community's (a key condition), each community of a
 * township or district in id order, or the whole listing. Regions are resolved through the community list
 * (hundreds of items, one Query).
 */
export async function householdSegments(db: Db, q: HouseholdListQuery): Promise<(string | undefined)[]> {
  if (!q.communityId && !q.townshipId && !q.districtId) return [undefined];
  const communities = await listEntities<Community>(db, 'community');
  const ids = communities
    .filter(
      (c) =>
        (!q.communityId || c.id === q.communityId) &&
        (!q.districtId || c.districtId === q.districtId) &&
        (!q.townshipId || c.townshipId === q.townshipId),
    )
    .map((c) => c.id);
  // A community the listing does not know (a household listed under it all the same) is still its own segment.
  if (q.communityId && !q.districtId && !q.townshipId && !ids.length) ids.push(q.communityId);
  return ids.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((id) => `${id}#`);
}
