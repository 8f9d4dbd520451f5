import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { type Db, getItem } from '../db.ts';
import { invalid, notFound } from '../errors.ts';
import { PageLimit } from '../paging.ts';
import { keys, TABLE_DESIGN } from '../table.ts';
import { parseInput } from '../validate.ts';

/**
 * Objections as the admin's workspace and the public look them up: by reference code, and listed a page at a
 * time. Apart from `index.ts` so that the pages, which file and show objections, do not carry these schemas.
 */

/** An objection as the public may see it by its reference: open until resolved, then upheld or dismissed. */
export type PublicObjectionStatus = 'open' | 'upheld' | 'dismissed';

const publicStatus = (status: string): PublicObjectionStatus =>
  status === 'upheld' ? 'upheld' : status === 'dismissed' ? 'dismissed' : 'open';

export const ObjectionReference = z
  .string({ error: '请填写异议回执编号' })
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{3}-?[A-Z0-9]{3}-?[A-Z0-9]{3}$/, '回执编号应为 9 位字母数字，如 K7M-QX9-PA4')
  .transform((r) => r.replace(/-/g, '').replace(/^(...)(...)(...)$/, '$1-$2-$3'));

/** The status of an objection by its reference code (public): never its text or who filed it. */
export async function objectionStatus(db: Db, rawReference: unknown) {
  const reference = parseInput(ObjectionReference, rawReference, '回执编号');
  const guard = await getItem<{ objectionId: string }>(db, keys.objectionReference(reference));
  const item = guard ? await getItem(db, keys.objection(guard.objectionId)) : undefined;
  // A filing the close refused (`late`) was answered 409 and has no receipt to look up.
  if (!item || item.status === 'late') throw notFound('objection.not_found', '没有这个回执编号的异议');
  return { reference, status: publicStatus(item.status as string), filedAt: item.filedAt as string };
}

export const ObjectionListQuery = z.strictObject({
  status: z.enum(['open', 'resolved'], { error: 'status 应为 open 或 resolved' }).optional(),
  cursor: z.string().max(512).optional(),
  limit: PageLimit.optional(),
});
export type ObjectionListQuery = z.infer<typeof ObjectionListQuery>;

/** A listing cursor back to the key it was made from; anything else (a forged or stale cursor) is a 400. */
function cursorKey(cursor: string): Record<string, unknown> {
  const refuse = () => invalid('request.invalid', '翻页标记无效', [{ path: 'cursor', message: '翻页标记无效' }]);
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  const fields = ['gsi3pk', 'gsi3sk', 'pk', 'sk'];
  const ok =
    typeof key === 'object' &&
    key !== null &&
    Object.keys(key).sort().join() === fields.join() &&
    fields.every((f) => typeof (key as Record<string, unknown>)[f] === 'string') &&
    (key as Record<string, string>).gsi3pk === keys.objectionListing('', '').gsi3pk;
  if (!ok) throw refuse();
  return key as Record<string, unknown>;
}

/**
 * The admin's list of objections, in the order they were filed, `open` (pending) or `resolved` (upheld or
 * dismissed) or all; a page at a time with an opaque cursor. Each with its text, notice, entry, reference and
 * resolution. Filings refused by the close (`late`) are not objections and are not listed.
 */
export async function listObjections(db: Db, rawQuery: unknown) {
  const query = parseInput(ObjectionListQuery, rawQuery, '查询参数');
  const limit = query.limit ?? 50;
  const wanted = (status: string) =>
    status !== 'late' &&
    status !== 'filing' &&
    (query.status === undefined || (query.status === 'open') === (status === 'pending'));
  let start: Record<string, unknown> | undefined;
  if (query.cursor) {
    start = cursorKey(query.cursor);
  }
  const items: Record<string, unknown>[] = [];
  let next: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        IndexName: 'byKind',
        KeyConditionExpression: '#p = :p',
        ExpressionAttributeNames: { '#p': TABLE_DESIGN.indexes.byKind.partitionKey },
        ExpressionAttributeValues: { ':p': keys.objectionListing('', '').gsi3pk },
        ExclusiveStartKey: start,
        Limit: limit - items.length,
      }),
    );
    items.push(...((out.Items ?? []) as Record<string, unknown>[]).filter((i) => wanted(i.status as string)));
    next = out.LastEvaluatedKey as Record<string, unknown> | undefined;
    start = next;
  } while (next && items.length < limit);
  return {
    items: items.map((o) => ({
      id: o.id as string,
      reference: (o.reference as string | undefined) ?? null,
      noticeId: o.noticeId as string,
      entryId: o.entryId as string,
      text: o.text as string,
      filedAt: o.filedAt as string,
      status: publicStatus(o.status as string),
      ...(o.resolvedAt
        ? {
            resolution: {
              upheld: o.status === 'upheld',
              note: o.note as string,
              resolvedBy: o.resolvedBy as string,
              resolvedAt: o.resolvedAt as string,
            },
          }
        : {}),
    })),
    nextCursor: next ? Buffer.from(JSON.stringify(next), 'utf8').toString('base64url') : null,
  };
}

/** What an objection is about, as the admin reads it: the notice (community, year, round) and the entry. */
export interface ObjectionSubject {
  notice?: { communityName: string; year: number; round: number; verificationId: string; status: string };
  entry?: { name: string; memberCount: number; totalFen: number; underReview: boolean };
}

/**
 * The notice and entry of each listed objection, read once per distinct notice and entry (a page of 50 is a
 * few dozen GetItems at most), keyed by objection id. A notice or entry that is gone leaves its half empty.
 */
export async function objectionSubjects(
  db: Db,
  objections: readonly { id: string; noticeId: string; entryId: string }[],
): Promise<Map<string, ObjectionSubject>> {
  const notices = new Map<string, Promise<Record<string, unknown> | undefined>>();
  const entries = new Map<string, Promise<Record<string, unknown> | undefined>>();
  const out = new Map<string, ObjectionSubject>();
  await Promise.all(
    objections.map(async (o) => {
      if (!notices.has(o.noticeId)) notices.set(o.noticeId, getItem(db, keys.notice(o.noticeId)));
      const entryKey = `${o.noticeId}\n${o.entryId}`;
      if (!entries.has(entryKey)) entries.set(entryKey, getItem(db, keys.noticeEntry(o.noticeId, o.entryId)));
      const [n, e] = await Promise.all([notices.get(o.noticeId), entries.get(entryKey)]);
      out.set(o.id, {
        ...(n
          ? {
              notice: {
                communityName: n.communityName as string,
                year: n.year as number,
                round: n.round as number,
                verificationId: n.verificationId as string,
                status: n.status as string,
              },
            }
          : {}),
        ...(e
          ? {
              entry: {
                name: e.name as string,
                memberCount: e.memberCount as number,
                totalFen: e.totalFen as number,
                underReview: e.underReview === true,
              },
            }
          : {}),
      });
    }),
  );
  return out;
}
