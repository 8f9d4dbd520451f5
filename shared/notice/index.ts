import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { workingDayWindowCloses } from '../calendar/index.ts';
import { type Db, getItem, putAll, putIfAbsent, queryAll, updateIf } from '../db.ts';
import { conflict, invalid, notFound } from '../errors.ts';
import { type Community, findEntity } from '../registry/entities.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import type { HouseholdCheck, HouseholdSnapshot } from '../verification/checks.ts';
import { getVerification, type Workflow } from '../verification/index.ts';
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
  /** `closesAt` in epoch milliseconds: the instant is compared as a number in the objection's conditional write. */
  closesAtMs?: number;
  /** When the close was decided: after this no objection is accepted. */
  closedAt?: string;
}

export interface NoticeEntry {
  entryId: string;
  name: string;
  memberCount: number;
  totalFen: number;
  /** An objection to this entry was upheld: its figures are being re-investigated (复核中). */
  underReview: boolean;
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
 * (a resumed run), returns it unchanged, with its original closing time. A window of working days
 * (`config.objectionWorkingDays`) closes at 24:00 Beijing time of its last working day; one that would reach a
 * year the holiday calendar does not cover fails the step (`calendar.not_covered`) before anything is posted, so
 * the round fails visibly rather than counting weekdays.
 */
export async function publishNoticeStep(
  db: Db,
  input: { verificationId: string; objectionWindowSeconds: number; config?: { objectionWorkingDays?: number } },
) {
  const v = await getVerification(db, input.verificationId);
  const noticeId = noticeIdFor(v.id);
  const existing = await getItem<Notice>(db, keys.notice(noticeId));
  if (existing) {
    if (existing.closesAtMs === undefined) {
      // A notice posted before the instant was stored as a number (a resumed run on older data).
      await updateIf(db, keys.notice(noticeId), { set: { closesAtMs: Date.parse(existing.closesAt) } });
    }
    await markWindowOpen(db, v.id, noticeId);
    return { noticeId, closesAt: existing.closesAt };
  }
  const opensAt = new Date();
  const workingDays = input.config?.objectionWorkingDays;
  const closesAt =
    workingDays === undefined
      ? // Whole seconds, so the timestamp satisfies RFC 3339 as the Wait state's TimestampPath requires.
        new Date(Math.ceil(opensAt.getTime() / 1000) * 1000 + input.objectionWindowSeconds * 1000)
          .toISOString()
          .replace('.000Z', 'Z')
      : (await workingDayWindowCloses(db, opensAt, workingDays)).closesAt;
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
  const notice: Notice = {
    id: noticeId,
    verificationId: v.id,
    communityId: v.communityId,
    communityName: community?.name ?? '',
    year: v.year,
    round: v.round,
    opensAt: opensAt.toISOString(),
    closesAt,
    status: 'open',
    digest: v.digest ?? '',
  };
  notice.closesAtMs = Date.parse(notice.closesAt);
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
  const {
    digest: _d,
    acceptedObjections: _a,
    ...rest
  } = stripKeys(item) as unknown as Notice & {
    acceptedObjections?: unknown;
  };
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
        underReview: e.underReview === true,
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

/** Whether a notice takes objections at `now`: open, its close not yet decided, before its closing instant. */
function takesObjections(notice: Notice, now: Date): boolean {
  const closesAtMs = notice.closesAtMs ?? Date.parse(notice.closesAt);
  return notice.status === 'open' && !notice.closedAt && now.getTime() < closesAtMs;
}

const closedError = () => conflict('notice.closed', '公示期已结束，不能再提出异议');

/**
 * Files an objection to one entry of an open notice. The public may do this; after the window, 409.
 *
 * Accepting is decided on the notice item, where the close is decided too: the objection's text is stored
 * first (`filing`), then its id is added to the notice's accepted set by a write conditional on the window
 * still being open, compared as time. The close (`closeObjectionWindow`) is one conditional write on the same
 * item, so every objection is either accepted before the close, and counted by it, or refused.
 */
export async function fileObjection(db: Db, noticeId: string, rawInput: z.input<typeof NewObjection>, now: Date) {
  const input = parseInput(NewObjection, rawInput);
  const notice = await getItem<Notice>(db, keys.notice(noticeId));
  if (!notice) throw notFound('notice.not_found', '公示不存在');
  if (!takesObjections(notice, now)) throw closedError();
  const entry = await getItem(db, keys.noticeEntry(noticeId, input.entryId));
  if (!entry)
    throw invalid('notice.entry_unknown', '公示中没有这一户', [{ path: 'entryId', message: '公示中没有这一户' }]);
  const id = randomUUID();
  const reference = await claimReference(db, id);
  const objection = {
    id,
    reference,
    noticeId,
    verificationId: notice.verificationId,
    communityId: notice.communityId,
    year: notice.year,
    entryId: input.entryId,
    householdId: entry.householdId as string,
    text: input.text,
    status: 'filing',
    filedAt: now.toISOString(),
  };
  await putIfAbsent(db, {
    ...keys.objection(id),
    ...keys.objectionIndexes(objection),
    ...keys.objectionListing(objection.filedAt, id),
    entity: 'objection',
    ...objection,
  });
  const accepted = await updateIf(
    db,
    keys.notice(noticeId),
    { add: { acceptedObjections: new Set([id]) } },
    {
      // A notice posted before `closesAtMs` existed was checked against `closesAt` above; its close still decides.
      expression:
        '#status = :open AND attribute_not_exists(#closedAt) AND (#closesAtMs > :now OR attribute_not_exists(#closesAtMs))',
      values: { ':open': 'open', ':now': now.getTime() },
    },
  );
  if (!accepted) {
    await settleFiling(db, id, 'late');
    throw closedError();
  }
  await settleFiling(db, id, 'pending');
  return { id, reference, status: 'pending' };
}

/** A filed objection becomes `pending` (accepted) or `late` (refused by the close); only from `filing`. */
function settleFiling(db: Db, id: string, status: 'pending' | 'late') {
  return updateIf(
    db,
    keys.objection(id),
    { set: { status } },
    { expression: '#status = :f', values: { ':f': 'filing' } },
  );
}

/**
 * Decides the close of a notice's window: one conditional write on the notice, after which no objection is
 * accepted. Returns the ids of every objection accepted before it. Idempotent.
 */
export async function closeObjectionWindow(db: Db, noticeId: string, now: Date): Promise<Set<string>> {
  const notice = await getItem<Notice & { acceptedObjections?: Set<string> }>(db, keys.notice(noticeId));
  if (!notice) throw new Error(`notice ${noticeId} missing`);
  const closesAtMs = notice.closesAtMs ?? Date.parse(notice.closesAt);
  // The engine's clock may run a little ahead of ours: never close before the instant the notice announced.
  if (!notice.closedAt && now.getTime() < closesAtMs)
    await new Promise((r) => setTimeout(r, closesAtMs - now.getTime()));
  await updateIf(
    db,
    keys.notice(noticeId),
    { set: { closedAt: new Date(Math.max(now.getTime(), closesAtMs)).toISOString() } },
    {
      expression: 'attribute_not_exists(#closedAt)',
    },
  );
  const closed = await getItem<{ acceptedObjections?: Set<string> }>(db, keys.notice(noticeId));
  return new Set(closed?.acceptedObjections ?? []);
}

async function objectionsOf(db: Db, communityId: string, year: number, noticeId: string) {
  return queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: `OBJECTION#${noticeId}#`,
  });
}

/**
 * Step "CheckObjections" (after the window): decides the close, then counts the accepted objections still
 * open and those upheld. An accepted objection whose filing was interrupted is made pending here, and one
 * refused by the close is marked late, so nothing accepted is left out and nothing refused counts.
 */
export async function checkObjectionsStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  if (!v.noticeId) throw new Error(`verification ${v.id} has no notice`);
  const accepted = await closeObjectionWindow(db, v.noticeId, new Date());
  let pending = 0;
  let upheld = 0;
  for (const o of await objectionsOf(db, v.communityId, v.year, v.noticeId)) {
    let status = o.status as string;
    if (status === 'filing') {
      await settleFiling(db, o.id as string, accepted.has(o.id as string) ? 'pending' : 'late');
      status = ((await getItem(db, keys.objection(o.id as string)))?.status as string) ?? status;
    }
    if (status === 'pending') pending++;
    if (status === 'upheld') upheld++;
  }
  return { pending, upheld };
}

/**
 * Step "AwaitResolution" (the task that waits for a token): keeps the token where a resolution finds it, then
 * counts again, so a resolution made just before the token was stored is not waited for. Returns `{settled}`
 * when nothing is pending any more: the caller completes the task at once.
 */
export async function registerResolutionToken(db: Db, input: { verificationId: string; taskToken: string }) {
  await updateIf(db, keys.verification(input.verificationId), { set: { resolutionToken: input.taskToken } });
  const v = await getVerification(db, input.verificationId);
  const objections = await objectionsOf(db, v.communityId, v.year, v.noticeId ?? '');
  return objections.some((o) => o.status === 'pending') ? undefined : { settled: true };
}

/**
 * An admin resolves an accepted objection once. Upheld marks the entry as under re-investigation on the public
 * notice at once, and sends the community back for reinvestigation when the window has closed; dismissed is
 * noted. Either way the waiting workflow is signalled, so the round moves on within seconds.
 */
export async function resolveObjection(
  deps: { db: Db; workflow: Workflow },
  resolvedBy: string,
  id: string,
  rawInput: z.input<typeof ObjectionResolution>,
  now: Date,
) {
  const input = parseInput(ObjectionResolution, rawInput);
  const { db } = deps;
  const item = await getItem(db, keys.objection(id));
  if (!item || item.status === 'late') throw notFound('objection.not_found', '异议不存在');
  if (item.status === 'filing') {
    // Accepted, but its filing was interrupted before it became pending: the notice's set says so.
    const notice = await getItem<{ acceptedObjections?: Set<string> }>(db, keys.notice(item.noticeId as string));
    if (!notice?.acceptedObjections?.has(id)) throw notFound('objection.not_found', '异议不存在');
    await settleFiling(db, id, 'pending');
  }
  const status = input.upheld ? 'upheld' : 'dismissed';
  const set = { status, note: input.note, resolvedBy, resolvedAt: now.toISOString() };
  if (!(await updateIf(db, keys.objection(id), { set }, { expression: '#status = :p', values: { ':p': 'pending' } }))) {
    throw conflict('objection.resolved', '该异议已处理');
  }
  if (input.upheld) {
    await updateIf(
      db,
      keys.noticeEntry(item.noticeId as string, item.entryId as string),
      { set: { underReview: true } },
      {
        expression: 'attribute_exists(pk)',
      },
    );
  }
  const v = await getVerification(db, item.verificationId as string);
  if (v.resolutionToken) await deps.workflow.sendTaskSuccess(v.resolutionToken, { resolved: id });
  return { id, status, note: input.note, ...(item.reference ? { reference: item.reference as string } : {}) };
}

/** Letters and digits that cannot be misread or misheard for one another (no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V). */
const REFERENCE_ALPHABET = '34679ACDEFGHJKMNPQRTWXY';

/**
 * Gives an objection a short reference code, 9 characters (`K7M-QX9-PA4`, 23⁹ ≈ 1.8 × 10¹² codes), which the
 * person who filed it can read aloud or write down and look up later. Unique by a conditional put of its guard
 * item; a collision draws again.
 */
async function claimReference(db: Db, objectionId: string): Promise<string> {
  for (;;) {
    const bytes = randomBytes(9);
    const code = [...bytes].map((b) => REFERENCE_ALPHABET[b % REFERENCE_ALPHABET.length]).join('');
    const reference = `${code.slice(0, 3)}-${code.slice(3, 6)}-${code.slice(6)}`;
    if (await putIfAbsent(db, { ...keys.objectionReference(reference), entity: 'objection-reference', objectionId })) {
      return reference;
    }
  }
}
