import { createHash, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type Db, getItem, putAll, putIfAbsent, queryAll, updateIf } from '../db.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { type Community, findEntity } from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';
import type { HouseholdCheck, HouseholdSnapshot } from '../verification/checks.ts';
import { getVerification } from '../verification/index.ts';
import { maskName } from './mask.ts';

export { maskName };

/**
 * Public notices (公示) and objections (异议). A notice shows only what the national rules allow: the head of
 * household's name masked, the household's size and its aid total. Never an ID number, address or phone, and
 * never the internal household id: entries are addressed by an opaque entry id.
 */

export type NoticeStatus = 'open' | 'final' | 'withdrawn' | 'superseded';

export interface Notice {
  id: string;
  verificationId: string;
  communityId: string;
  communityName: string;
  year: number;
  round: number;
  opensAt: string;
  closesAt: string;
  status: NoticeStatus;
  digest: string;
}

export interface NoticeEntry {
  entryId: string;
  name: string;
  memberCount: number;
  totalFen: number;
}

/** The notice of a round: one per round, so publishing twice publishes once. */
export function noticeIdFor(verificationId: string): string {
  return `notice-${verificationId.replace(/^verify-/, '')}`;
}

function entryIdFor(noticeId: string, householdId: string): string {
  return createHash('sha256').update(`${noticeId}\n${householdId}`).digest('base64url').slice(0, 16);
}

/**
 * Step "PublishNotice": posts the confirmed figures for the objection window. If the notice exists already
 * (a resumed run), returns it unchanged, with its original closing time.
 */
export async function publishNoticeStep(db: Db, input: { verificationId: string; objectionWindowSeconds: number }) {
  const v = await getVerification(db, input.verificationId);
  const noticeId = noticeIdFor(v.id);
  const existing = await getItem<Notice>(db, keys.notice(noticeId));
  if (existing) {
    await markWindowOpen(db, v.id, noticeId);
    return { noticeId, closesAt: existing.closesAt };
  }
  const items = await queryAll(db, { partition: keys.verification(v.id).pk, prefix: 'HOUSEHOLD#' });
  await putAll(
    db,
    items.map((i) => {
      const s = i.snapshot as HouseholdSnapshot;
      const entryId = entryIdFor(noticeId, s.householdId);
      return {
        ...keys.noticeEntry(noticeId, entryId),
        entity: 'notice-entry',
        entryId,
        // Kept for resolving objections; never shown (see `noticeEntryView`).
        householdId: s.householdId,
        name: maskName(s.headName),
        memberCount: s.memberCount,
        totalFen: (i.check as HouseholdCheck).totalFen,
      };
    }),
  );
  const community = await findEntity<Community>(db, 'community', v.communityId);
  const opensAt = new Date();
  const notice: Notice = {
    id: noticeId,
    verificationId: v.id,
    communityId: v.communityId,
    communityName: community?.name ?? '',
    year: v.year,
    round: v.round,
    opensAt: opensAt.toISOString(),
    // Whole seconds, so the timestamp satisfies RFC 3339 as the Wait state's TimestampPath requires.
    closesAt: new Date(Math.ceil(opensAt.getTime() / 1000) * 1000 + input.objectionWindowSeconds * 1000)
      .toISOString()
      .replace('.000Z', 'Z'),
    status: 'open',
    digest: v.digest ?? '',
  };
  await putIfAbsent(db, {
    ...keys.notice(noticeId),
    ...keys.entityListing('notice', noticeId),
    entity: 'notice',
    ...notice,
  });
  await markWindowOpen(db, v.id, noticeId);
  const stored = (await getItem<Notice>(db, keys.notice(noticeId)))!;
  return { noticeId, closesAt: stored.closesAt };
}

async function markWindowOpen(db: Db, verificationId: string, noticeId: string) {
  await updateIf(
    db,
    keys.verification(verificationId),
    { set: { status: 'objection_window', noticeId } },
    { expression: '#status = :a', values: { ':a': 'awaiting_confirmation' } },
  );
}

const noticeView = (item: Record<string, unknown>): Notice => {
  const { digest: _d, ...rest } = stripKeys(item) as unknown as Notice;
  return rest as Notice;
};

/** Every notice, newest first: what the public notice board lists. */
export async function listNotices(db: Db): Promise<Notice[]> {
  const items = await queryAll(db, { index: 'byKind', partition: keys.entityListing('notice', '').gsi3pk });
  return items.map(noticeView).sort((a, b) => b.opensAt.localeCompare(a.opensAt));
}

/** One notice with its entries and the digest of the confirmed figures. */
export async function getNotice(db: Db, id: string): Promise<Notice & { entries: NoticeEntry[] }> {
  const item = await getItem(db, keys.notice(id));
  if (!item) throw notFound('notice.not_found', '公示不存在');
  const entries = await queryAll(db, { partition: keys.notice(id).pk, prefix: 'ENTRY#' });
  return {
    ...noticeView(item),
    digest: item.digest as string,
    entries: entries
      .map((e) => ({
        entryId: e.entryId as string,
        name: e.name as string,
        memberCount: e.memberCount as number,
        totalFen: e.totalFen as number,
      }))
      .sort((a, b) => a.name.localeCompare(b.name, 'zh-CN') || a.entryId.localeCompare(b.entryId)),
  };
}

export const NewObjection = z.strictObject({
  entryId: z.string({ error: '请选择对哪一户有异议' }).trim().min(1, '请选择对哪一户有异议').max(64),
  text: z.string({ error: '请填写异议内容' }).trim().min(1, '请填写异议内容').max(1000, '异议内容不超过 1000 字'),
});
export type NewObjection = z.infer<typeof NewObjection>;

export const ObjectionResolution = z.strictObject({
  upheld: z.boolean({ error: '请说明异议是否成立（upheld: true/false）' }),
  note: z.string({ error: '请填写处理说明' }).trim().min(1, '请填写处理说明').max(1000),
});
export type ObjectionResolution = z.infer<typeof ObjectionResolution>;

/** Files an objection to one entry of an open notice. The public may do this; after the window, 409. */
export async function fileObjection(db: Db, noticeId: string, input: NewObjection, now: Date) {
  const notice = await getItem<Notice>(db, keys.notice(noticeId));
  if (!notice) throw notFound('notice.not_found', '公示不存在');
  if (notice.status !== 'open' || now.toISOString() >= notice.closesAt) {
    throw conflict('notice.closed', '公示期已结束，不能再提出异议');
  }
  const entry = await getItem(db, keys.noticeEntry(noticeId, input.entryId));
  if (!entry)
    throw invalid('notice.entry_unknown', '公示中没有这一户', [{ path: 'entryId', message: '公示中没有这一户' }]);
  const id = randomUUID();
  const objection = {
    id,
    noticeId,
    verificationId: notice.verificationId,
    communityId: notice.communityId,
    year: notice.year,
    entryId: input.entryId,
    householdId: entry.householdId as string,
    text: input.text,
    status: 'pending',
    filedAt: now.toISOString(),
  };
  await putIfAbsent(db, {
    ...keys.objection(id),
    ...keys.objectionIndexes(objection),
    entity: 'objection',
    ...objection,
  });
  return { id, status: 'pending' };
}

/** An admin resolves an objection once: upheld sends the community back for reinvestigation, dismissed is noted. */
export async function resolveObjection(db: Db, resolvedBy: string, id: string, input: ObjectionResolution, now: Date) {
  const item = await getItem(db, keys.objection(id));
  if (!item) throw notFound('objection.not_found', '异议不存在');
  const status = input.upheld ? 'upheld' : 'dismissed';
  const set = { status, note: input.note, resolvedBy, resolvedAt: now.toISOString() };
  if (!(await updateIf(db, keys.objection(id), { set }, { expression: '#status = :p', values: { ':p': 'pending' } }))) {
    throw conflict('objection.resolved', '该异议已处理');
  }
  return { id, status, note: input.note };
}
