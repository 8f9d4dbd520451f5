import { createHash } from 'node:crypto';
import * as z from 'zod';
import { AidDate, IdempotencyKey } from '../aid/rules.ts';
import type { Caller } from '../caller.ts';
import { aidYear, type CalendarDate } from '../dates.ts';
import { type Db, getItem, putIfAbsent, queryAll } from '../db.ts';
import { AppError, conflict } from '../errors.ts';
import { type Photo, PhotoKeys, refuseForeignPhotoKeys, verifyPhotos } from '../evidence/photos.ts';
import type { ObjectStore } from '../objects.ts';
import { requireHouseholdYearReader, requirePairedCadre } from '../pairing/index.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';

/**
 * Visits (走访): the trace field work leaves (工作留痕), a dated note and up to four photos per visit to a
 * household. A visit is never money: it is not in any total, report, floor or digest (the reports' fold reads
 * only pairings, entries and outcomes from the community-year partition it shares). Append-only, like outcomes.
 */

/** A visit as the paired cadre submits it. */
export const NewVisit = z.strictObject({
  date: AidDate,
  note: z.string({ error: '请填写走访情况' }).trim().min(1, '请填写走访情况').max(1000, '走访情况不超过 1000 字'),
  photoKeys: PhotoKeys.optional(),
});
export type NewVisit = z.infer<typeof NewVisit>;

/** A visit as stored and returned. */
export interface Visit {
  id: string;
  householdId: string;
  communityId: string;
  unitId: string;
  cadreId: string;
  year: number;
  date: CalendarDate;
  note: string;
  /** Each photo's key and the SHA-256 of its bytes when the visit was recorded. */
  photos: Photo[];
  recordedBy: string;
  recordedAt: string;
}

/** A visit's id: from the cadre and the idempotency key, so a retried form finds the visit it stored. */
function visitIdFor(cadreId: string, idempotencyKey: string): string {
  return `v${createHash('sha256').update(`visit\n${cadreId}\n${idempotencyKey}`).digest('base64url').slice(0, 26)}`;
}

/** SHA-256 of a submission in canonical form: the same key with another body is a conflict. */
function requestHashOf(householdId: string, v: NewVisit): string {
  return createHash('sha256')
    .update(JSON.stringify([householdId, v.date, v.note, v.photoKeys ?? []]))
    .digest('hex');
}

function view(item: Record<string, unknown>): Visit {
  const { requestHash: _hash, ...rest } = stripKeys(item) as Record<string, unknown>;
  return rest as unknown as Visit;
}

/**
 * Records a visit for a household the calling cadre answers for on the visit's date (not after today, Shanghai).
 * Idempotent on the key, which is scoped to the household (it is in the item's partition): the same key and body
 * return the stored visit (`created: false`); the same key with another body is a 409. A locked or frozen year
 * still takes visits: they are not part of its figures.
 */
export async function recordVisit(
  deps: { db: Db; objects: ObjectStore },
  caller: Caller,
  householdId: string,
  idempotencyKey: string,
  rawInput: z.input<typeof NewVisit>,
  now: Date,
): Promise<{ visit: Visit; created: boolean }> {
  const input = parseInput(NewVisit, rawInput);
  const key = IdempotencyKey.safeParse(idempotencyKey);
  if (!key.success) {
    const message = key.error.issues[0]?.message ?? '缺少 Idempotency-Key 请求头';
    throw new AppError('visit.idempotency_key', message, [{ path: 'Idempotency-Key', message }]);
  }
  const photoKeys = input.photoKeys ?? [];
  refuseForeignPhotoKeys(caller, photoKeys);
  const { db } = deps;
  const pairing = await requirePairedCadre(db, caller, householdId, input.date, now, {
    code: 'visit',
    label: '走访',
  });
  const id = visitIdFor(pairing.cadreId, key.data);
  const requestHash = requestHashOf(pairing.householdId, input);
  const itemKey = keys.visit(pairing.householdId, id);
  // A retry is answered from the stored visit before the photos are read again (they may be many megabytes).
  const earlier = await getItem(db, itemKey);
  if (earlier) return { visit: sameRequest(earlier, requestHash), created: false };

  const photos = await verifyPhotos(deps.objects, caller, photoKeys);
  const year = aidYear(input.date);
  const visit: Visit = {
    id,
    householdId: pairing.householdId,
    communityId: pairing.communityId,
    unitId: pairing.unitId,
    cadreId: pairing.cadreId,
    year,
    date: input.date,
    note: input.note,
    photos,
    recordedBy: caller.sub,
    recordedAt: now.toISOString(),
  };
  const item = { ...itemKey, ...keys.visitIndexes(visit), entity: 'visit', ...visit, requestHash };
  if (await putIfAbsent(db, item)) return { visit, created: true };
  const stored = await getItem(db, itemKey);
  if (!stored) throw new Error('recordVisit: the conditional put failed but no visit is stored');
  return { visit: sameRequest(stored, requestHash), created: false };
}

function sameRequest(stored: Record<string, unknown>, requestHash: string): Visit {
  if (stored.requestHash !== requestHash) {
    throw conflict('visit.idempotency_mismatch', '同一个 Idempotency-Key 已用于内容不同的走访记录，请重新打开表单');
  }
  return view(stored);
}

/**
 * A household-year's visits, oldest first. Readable by those who may see the household's aid (as
 * `householdYearSummary`): admins and auditors, the cadres paired with it that year (a former cadre too), and
 * community cadres of its community.
 */
export async function listVisits(db: Db, caller: Caller, householdId: string, year: number): Promise<Visit[]> {
  const { communityId } = await requireHouseholdYearReader(db, caller, householdId, year, '您无权查看该家庭的走访记录');
  const items = await queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: `${keys.householdInCommunityYear(householdId)}VISIT#`,
  });
  return items.map(view);
}
