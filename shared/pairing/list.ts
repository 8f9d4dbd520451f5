import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type Db, getItem, putIfAbsent, scanPages, updateIf } from '../db.ts';
import { invalid } from '../errors.ts';
import { PageLimit } from '../paging.ts';
import { type IndexName, keys, stripKeys, TABLE_DESIGN } from '../table.ts';
import { parseInput } from '../validate.ts';
import { type CadrePairing, CampaignYear, CampaignYearParam, type Pairing, resolveCadreItems } from './index.ts';
import { periodsOf } from './periods.ts';

/**
 * The admin's pairing lists: by cadre (byCadreYear: the cadre's pairings and the households it handed over), by
 * community (byCommunityYear, pairing items only) and by unit (the unit-year listing the pairing carries in
 * byKind: the households the unit answers for, one Query however many cadres it has). A page at a time, with an
 * opaque cursor that is the key of the last item listed.
 */

const Id = z.string().trim().min(1).max(64);

export const PairingListQuery = z
  .strictObject({
    // A number (parsed already) or the query string's text: the command parses what the edge has parsed.
    year: z.union([CampaignYear, CampaignYearParam], { error: '请给出四位数字的年份' }),
    cadreId: Id.optional(),
    communityId: Id.optional(),
    unitId: Id.optional(),
    cursor: z.string().max(1024).optional(),
    limit: PageLimit.optional(),
  })
  .superRefine((q, ctx) => {
    const given = (['cadreId', 'communityId', 'unitId'] as const).filter((k) => q[k] !== undefined);
    if (given.length !== 1) {
      for (const path of given.length ? given : (['cadreId', 'communityId', 'unitId'] as const)) {
        ctx.addIssue({ code: 'custom', path: [path], message: '请按帮扶责任人、社区或单位中的一项查询' });
      }
    }
  });
export type PairingListQuery = z.infer<typeof PairingListQuery>;

/** A pairing as the lists show it: its state as plain flags, and who answered when. */
export function pairingView(p: CadrePairing) {
  return {
    householdId: p.householdId,
    headName: p.headName,
    memberCount: p.memberCount,
    communityId: p.communityId,
    cadreId: p.cadreId,
    unitId: p.unitId,
    year: p.year,
    pairedAt: p.pairedAt,
    frozen: !!p.frozenBy,
    frozenBy: p.frozenBy ?? null,
    locked: !!p.lockedBy,
    lockedBy: p.lockedBy ?? null,
    ended: !!p.endedOn,
    endedOn: p.endedOn ?? null,
    periods: periodsOf(p),
    ...(p.handedOver ? { handedOver: p.handedOver } : {}),
  };
}

interface Source {
  index: IndexName;
  partition: string;
  /** Only items of this entity (the community-year partition also holds the ledger). */
  entities?: string[];
}

const refuseCursor = () => invalid('request.invalid', '翻页标记无效', [{ path: 'cursor', message: '翻页标记无效' }]);

/** A listing cursor back to the key it names; anything not made by `encode` for this partition is a 400. */
function decodeCursor(cursor: string, source: Source): Record<string, string> {
  const names = TABLE_DESIGN.indexes[source.index];
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuseCursor();
  }
  const fields = [names.partitionKey, names.sortKey, 'pk', 'sk'].sort();
  const ok =
    typeof key === 'object' &&
    key !== null &&
    !Array.isArray(key) &&
    Object.keys(key).sort().join() === fields.join() &&
    fields.every((f) => typeof (key as Record<string, unknown>)[f] === 'string') &&
    (key as Record<string, string>)[names.partitionKey] === source.partition;
  if (!ok) throw refuseCursor();
  return key as Record<string, string>;
}

function encodeCursor(item: Record<string, unknown>, index: IndexName): string {
  const names = TABLE_DESIGN.indexes[index];
  const key = Object.fromEntries([names.partitionKey, names.sortKey, 'pk', 'sk'].map((f) => [f, item[f]]));
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/**
 * Up to `limit` items of one partition from `cursor` on. Reads pages of at least 100 (the community-year
 * partition is mostly ledger entries, filtered out server-side) and stops inside a page when the list is full:
 * the cursor is then the last listed item's own key, so the next page starts right after it.
 */
async function readPage(db: Db, source: Source, limit: number, cursor: string | undefined) {
  const names = TABLE_DESIGN.indexes[source.index];
  const input: QueryCommandInput = {
    TableName: db.table,
    IndexName: source.index,
    KeyConditionExpression: '#p = :p',
    ExpressionAttributeNames: { '#p': names.partitionKey },
    ExpressionAttributeValues: { ':p': source.partition },
    Limit: Math.max(100, limit),
  };
  if (source.entities) {
    input.FilterExpression = source.entities.map((_e, i) => `#entity = :e${i}`).join(' OR ');
    input.ExpressionAttributeNames!['#entity'] = 'entity';
    source.entities.forEach((e, i) => {
      input.ExpressionAttributeValues![`:e${i}`] = e;
    });
  }
  let start: Record<string, unknown> | undefined = cursor ? decodeCursor(cursor, source) : undefined;
  const items: Record<string, unknown>[] = [];
  for (;;) {
    const out = await db.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    const page = (out.Items ?? []) as Record<string, unknown>[];
    const room = limit - items.length;
    if (page.length > room) {
      items.push(...page.slice(0, room));
      return { items, nextCursor: encodeCursor(items[items.length - 1]!, source.index) };
    }
    items.push(...page);
    start = out.LastEvaluatedKey as Record<string, unknown> | undefined;
    if (!start) return { items, nextCursor: null };
    if (items.length === limit) return { items, nextCursor: encodeCursor(start, source.index) };
  }
}

/** GET /pairings: one year's pairings of a cadre, a community or a unit, a page at a time. */
export async function listPairings(db: Db, rawQuery: unknown) {
  const q = parseInput(PairingListQuery, rawQuery, '查询参数');
  const limit = q.limit ?? 50;
  const source: Source = q.cadreId
    ? { index: 'byCadreYear', partition: keys.cadreYear(q.cadreId, q.year).gsi2pk }
    : q.communityId
      ? { index: 'byCommunityYear', partition: keys.communityYear(q.communityId, q.year).gsi1pk, entities: ['pairing'] }
      : { index: 'byKind', partition: keys.unitYear(q.unitId!, q.year).gsi3pk };
  const { items, nextCursor } = await readPage(db, source, limit, q.cursor);
  const pairings: CadrePairing[] = q.cadreId
    ? await resolveCadreItems(db, q.cadreId, items)
    : items.map((i) => stripKeys(i) as unknown as Pairing);
  return { items: pairings.map(pairingView), nextCursor };
}

/**
 * Gives pairings written before the unit-year listing existed their place in it (older local data directories).
 * Idempotent; a marker records that it ran, so later starts skip the Scan. Returns how many it indexed.
 */
export async function indexLegacyPairings(db: Db): Promise<number> {
  const marker = keys.migration('pairing-unit-year');
  if (await getItem(db, marker)) return 0;
  let count = 0;
  const filter = {
    expression: '#entity = :pairing AND attribute_not_exists(#gsi3pk)',
    names: { '#entity': 'entity', '#gsi3pk': 'gsi3pk' },
    values: { ':pairing': 'pairing' },
  };
  for await (const page of scanPages(db, filter)) {
    for (const item of page) {
      const p = item as unknown as Pairing;
      const { gsi3pk, gsi3sk } = keys.pairingIndexes(p);
      const key = { pk: item.pk as string, sk: item.sk as string };
      if (await updateIf(db, key, { set: { gsi3pk, gsi3sk } }, { expression: 'attribute_not_exists(#gsi3pk)' })) {
        count++;
      }
    }
  }
  await putIfAbsent(db, { ...marker, entity: 'migration', indexed: count, at: new Date().toISOString() });
  return count;
}
