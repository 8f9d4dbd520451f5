import type * as z from 'zod';
import { type Caller, hasRole } from '../caller.ts';
import { shanghaiDate } from '../dates.ts';
import { type Db, getItem, putIfAbsent, queryAll } from '../db.ts';
import { AppError, conflict, forbidden, notFound } from '../errors.ts';
import { verifyPhotos } from '../evidence/photos.ts';
import type { ObjectStore } from '../objects.ts';
import {
  findPairing,
  refuseFrozen,
  refuseFrozenSince,
  requireHouseholdYearReader,
  requirePairedCadre,
} from '../pairing/index.ts';
import { cadreInScope, type PairingPeriod, periodsOf } from '../pairing/periods.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import {
  type AidRecord,
  type FloorStatus,
  floorStatus,
  IdempotencyKey,
  NewAidRecord,
  NewReversal,
  recordIdFor,
  requestHashOf,
  reversalIdFor,
  type Totals,
  totalsOf,
  yearOf,
} from './rules.ts';

/**
 * The aid ledger (帮扶手册): append-only entries, each written by one conditional put, corrected only by
 * reversals. Totals are always derived from the entries, never stored, so they cannot disagree with them.
 */

/** An entry as the API shows it: storage detail (the request hash, the audit fields) left out. */
export type AidRecordView = Omit<AidRecord, 'requestHash'>;

function view(item: Record<string, unknown>): AidRecordView {
  const { requestHash: _hash, audit: _audit, ...rest } = stripKeys(item) as Record<string, unknown>;
  return rest as unknown as AidRecordView;
}

/**
 * Which request wrote an entry, and by which route (the API's, or a page's). A ledger entry is append-only and
 * already says who recorded it and when, so it is also its own audit-trail entry: it carries the request id and
 * sits in its day's audit listing, and the audit middleware writes nothing more for it (one write, not two).
 */
export interface WriteTrace {
  requestId: string;
  action?: string;
}

/** The stored item: the entry with its keys, its audit facts and its place in the day's audit listing. */
function toItem(r: AidRecord, caller: Caller, trace: WriteTrace, defaultAction: string): Record<string, unknown> {
  const audit = {
    actor: caller.sub,
    roles: [...caller.roles].sort(),
    action: trace.action ?? defaultAction,
    entityId: r.reverses ?? r.id,
    requestId: trace.requestId,
  };
  return {
    ...keys.aidRecord(r.id),
    ...keys.aidRecordIndexes(r),
    ...keys.auditDay(shanghaiDate(new Date(r.recordedAt)), r.recordedAt, trace.requestId),
    entity: 'aid',
    ...r,
    audit,
  };
}

/** The outcome of a submission: the entry, and whether this call stored it or found it stored by an earlier one. */
export interface RecordResult {
  record: AidRecordView;
  created: boolean;
}

/**
 * Records one aid entry for a household the calling cadre is paired with in the entry's year.
 * Idempotent: the same key and body return the stored entry; the same key with another body is a 409.
 * Concurrent duplicates race on one conditional put, so exactly one stores and the rest read it back.
 */
export async function recordAid(
  db: Db,
  caller: Caller,
  idempotencyKey: string,
  rawInput: z.input<typeof NewAidRecord>,
  now: Date,
  trace: WriteTrace = { requestId: 'system' },
  objects?: ObjectStore,
): Promise<RecordResult> {
  const input = parseInput(NewAidRecord, rawInput);
  // The key is part of the command's input too: the API takes it from a header, the aid form from a field.
  const key = IdempotencyKey.safeParse(idempotencyKey);
  if (!key.success) {
    const message = key.error.issues[0]?.message ?? '缺少 Idempotency-Key 请求头';
    throw new AppError('aid.idempotency_key', message, [{ path: 'Idempotency-Key', message }]);
  }
  const readAt = Date.now();
  const pairing = await requirePairedCadre(db, caller, input.householdId, input.date, now, {
    code: 'aid',
    label: '帮扶',
  });
  const year = yearOf(input);
  let photos: AidRecord['photos'];
  if (input.photoKeys?.length) {
    if (!objects) throw new Error('recordAid: photos given without an object store');
    photos = await verifyPhotos(objects, caller, input.photoKeys);
  }

  const record: AidRecord = {
    id: recordIdFor(pairing.cadreId, key.data),
    householdId: pairing.householdId,
    communityId: pairing.communityId,
    unitId: pairing.unitId,
    cadreId: pairing.cadreId,
    year,
    date: input.date,
    kind: input.kind,
    objective: input.objective,
    amountFen: input.amountFen,
    description: input.description,
    items: input.items,
    photos,
    recordedBy: caller.sub,
    recordedAt: now.toISOString(),
    requestHash: requestHashOf(input),
  };
  const item = toItem(record, caller, trace, 'POST /aid-records');
  let stored: Record<string, unknown> | undefined;
  try {
    refuseFrozen(pairing);
    await refuseFrozenSince(db, pairing, readAt, { cadreId: pairing.cadreId, date: input.date, code: 'aid' });
  } catch (e) {
    // A retry of an entry stored before the freeze is answered as before: it is in the round's snapshot.
    stored = await getItem(db, keys.aidRecord(record.id));
    if (stored?.requestHash !== record.requestHash) throw e;
    return { record: view(stored), created: false };
  }
  if (await putIfAbsent(db, item)) return { record: view(item), created: true };

  stored = await getItem(db, keys.aidRecord(record.id));
  if (!stored || stored.requestHash !== record.requestHash) {
    throw conflict('aid.idempotency_mismatch', '同一个 Idempotency-Key 已用于内容不同的登记，请重新打开表单');
  }
  return { record: view(stored), created: false };
}

/** Reads one ledger entry, or throws 404. */
export async function getAidRecord(db: Db, id: string): Promise<AidRecordView> {
  const item = await getItem(db, keys.aidRecord(id));
  if (!item) throw notFound('aid.not_found', '帮扶记录不存在');
  return view(item);
}

/**
 * The entry `recordId` and its household-year's pairing, when `caller` may withdraw it: the cadre answering for
 * the household on the entry's date, or an admin; never a reversal. The correction page asks this before it
 * shows the confirmation, and `reverseAid` before it writes, so both refuse the same callers the same way.
 */
export async function reversibleEntry(db: Db, caller: Caller, recordId: string) {
  const original = await getAidRecord(db, recordId);
  const pairing = await findPairing(db, original.householdId, original.year);
  const isAdmin = hasRole(caller, 'admin');
  // The cadre in scope is the one answering on the entry's date (after a reassignment, perhaps not its recorder).
  const inScope = pairing ? cadreInScope(pairing, original.date) : original.cadreId;
  if (!isAdmin && !(hasRole(caller, 'cadre') && !!caller.cadreId && caller.cadreId === inScope)) {
    throw forbidden('aid.not_recorder', '只有登记该记录的帮扶责任人（该日期负责的帮扶责任人）或管理员可以更正');
  }
  if (original.reverses) throw conflict('aid.reversal_of_reversal', '撤回记录不能再次更正');
  return { original, pairing };
}

/**
 * Cancels an entry with a negative entry that names it and says why (更正: withdrawal by reversal). Allowed to
 * the cadre who recorded the entry, and to admins. One reversal per entry: its id is derived from the
 * original's, so a second collides.
 */
export async function reverseAid(
  db: Db,
  caller: Caller,
  recordId: string,
  rawInput: z.input<typeof NewReversal>,
  now: Date,
  trace: WriteTrace = { requestId: 'system' },
): Promise<AidRecordView> {
  const input = parseInput(NewReversal, rawInput);
  const readAt = Date.now();
  const { original, pairing } = await reversibleEntry(db, caller, recordId);
  if (pairing) refuseFrozen(pairing);

  const reversal: AidRecord = {
    ...original,
    id: reversalIdFor(original.id),
    amountFen: -original.amountFen,
    description: `更正撤回：${original.description}`.slice(0, 500),
    items: undefined,
    photos: undefined,
    recordedBy: caller.sub,
    recordedAt: now.toISOString(),
    requestHash: '',
    reverses: original.id,
    reason: input.reason,
  };
  const item = toItem(reversal, caller, trace, 'POST /aid-records/{id}/reversal');
  if (pairing) await refuseFrozenSince(db, pairing, readAt);
  if (!(await putIfAbsent(db, item))) {
    throw conflict('aid.already_reversed', '该记录已撤回（已更正），不能重复更正');
  }
  return view(item);
}

/**
 * Reads every ledger entry of one household-year, in date order, and entries of one date in the order they were
 * recorded (the index sorts a date's entries by their hashed ids, an order that means nothing to anyone).
 */
export async function listHouseholdYearRecords(
  db: Db,
  householdId: string,
  communityId: string,
  year: number,
): Promise<AidRecordView[]> {
  const items = await queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: `${keys.householdInCommunityYear(householdId)}AID#`,
  });
  // ISO instants of one length compare as strings; ids are unique, so no two keys are equal.
  const order = (r: AidRecordView) => `${r.date}\n${r.recordedAt}\n${r.id}`;
  return items.map(view).sort((a, b) => (order(a) < order(b) ? -1 : 1));
}

/** A household-year's ledger with its totals and where it stands against the floor. */
export interface HouseholdYearSummary extends FloorStatus, Omit<Totals, 'totalFen'> {
  householdId: string;
  year: number;
  headName: string;
  communityId: string;
  cadreId: string | null;
  locked: boolean;
  /** The round that holds this household-year's figures while it is verified (no writes until it ends). */
  frozenBy: string | null;
  /** The round that sent this household back for correction, and why; null when it was not returned. */
  returned: { verificationId: string; comment: string } | null;
  /** Who answered when (one period unless the household was reassigned); empty without a pairing. */
  periods: PairingPeriod[];
  /** The last day new entries may be dated, when the pairing was ended. */
  endedOn: string | null;
  records: (AidRecordView & { reversedBy?: string })[];
}

/**
 * The household-year summary. Readable by admins and auditors, by the cadre paired with the household that
 * year, and by community cadres of the household's community.
 */
export async function householdYearSummary(
  db: Db,
  caller: Caller,
  householdId: string,
  year: number,
): Promise<HouseholdYearSummary> {
  const { household, pairing, communityId } = await requireHouseholdYearReader(
    db,
    caller,
    householdId,
    year,
    '您无权查看该家庭的帮扶记录',
  );
  const records = await listHouseholdYearRecords(db, householdId, communityId, year);
  const reversedBy = new Map(records.filter((r) => r.reverses).map((r) => [r.reverses as string, r.id]));
  const totals = totalsOf(records);
  return {
    householdId,
    year,
    headName: household.headName,
    communityId,
    cadreId: pairing?.cadreId ?? null,
    locked: !!pairing?.lockedBy,
    frozenBy: pairing?.frozenBy ?? null,
    returned: pairing?.returnedBy ? { verificationId: pairing.returnedBy, comment: pairing.returnComment ?? '' } : null,
    periods: pairing ? periodsOf(pairing) : [],
    endedOn: pairing?.endedOn ?? null,
    ...floorStatus(totals.totalFen),
    cashFen: totals.cashFen,
    inKindFen: totals.inKindFen,
    byObjective: totals.byObjective,
    records: records.map((r) => (reversedBy.has(r.id) ? { ...r, reversedBy: reversedBy.get(r.id) } : r)),
  };
}
