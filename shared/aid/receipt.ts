import * as z from 'zod';
import { type Caller, hasRole } from '../caller.ts';
import { type Db, putIfAbsent } from '../db.ts';
import { AppError, conflict, forbidden, invalid } from '../errors.ts';
import { type Photo, PhotoKey, verifyPhotos } from '../evidence/photos.ts';
import type { ObjectStore } from '../objects.ts';
import { findPairing, type Pairing, refuseFrozen, refuseFrozenSince } from '../pairing/index.ts';
import { cadreInScope } from '../pairing/periods.ts';
import { PngBase64, pngSha256 } from '../png.ts';
import { keys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { type AidRecordView, getAidRecord } from './ledger.ts';

/** The household's acknowledgement (签收) of an entry: a signature or a thumbprint, optionally photographed. */
export const NewReceipt = z.strictObject({
  method: z.enum(['signature', 'thumbprint'], { error: '签收方式应为签字（signature）或按手印（thumbprint）' }),
  imagePng: PngBase64.optional(),
  /**
   * A photo of the receipt (a thumbprinted slip) the caller uploaded (`POST /uploads`, purpose `photo`): a phone's
   * photo reduced to JPEG is far smaller than the same photo as PNG, and is checked and hashed like a visit's.
   */
  photoKey: PhotoKey.optional(),
});
export type NewReceipt = z.infer<typeof NewReceipt>;

export interface Receipt {
  recordId: string;
  householdId: string;
  method: NewReceipt['method'];
  imageSha256?: string;
  /** Object-store key of the photographed receipt, named by its hash. */
  imageKey?: string;
  /** The photographed receipt the caller uploaded, with the SHA-256 of its bytes when the receipt was recorded. */
  photo?: Photo;
  receivedAt: string;
  recordedBy: string;
}

/**
 * Whether the caller may record an entry's receipt: the cadre answering for the household on the entry's date
 * (its recorder unless the household was reassigned), or a community cadre of the household's community.
 */
export function mayRecordReceipt(
  caller: Caller,
  record: Pick<AidRecordView, 'date' | 'cadreId' | 'communityId'>,
  pairing: Pairing | undefined,
): boolean {
  const inScope = pairing ? cadreInScope(pairing, record.date) : record.cadreId;
  return (
    (hasRole(caller, 'cadre') && !!caller.cadreId && caller.cadreId === inScope) ||
    (hasRole(caller, 'communityCadre') && caller.communityId === record.communityId)
  );
}

/**
 * Records a receipt, once per entry. Allowed to the cadre who recorded the entry and to the community cadres of
 * the household's community. A confirmed (locked) household-year takes no more receipts: they are part of what
 * was confirmed.
 */
export async function recordReceipt(
  deps: { db: Db; objects: ObjectStore },
  caller: Caller,
  recordId: string,
  rawInput: z.input<typeof NewReceipt>,
  now: Date,
): Promise<Receipt> {
  const input = parseInput(NewReceipt, rawInput);
  const { db } = deps;
  const record = await getAidRecord(db, recordId);
  const readAt = Date.now();
  const pairing = await findPairing(db, record.householdId, record.year);
  if (!mayRecordReceipt(caller, record, pairing))
    throw forbidden('receipt.not_allowed', '只有登记该记录的帮扶责任人或所在社区干部可以登记签收');
  if (record.reverses) throw conflict('receipt.for_reversal', '撤回记录无需签收');
  if (pairing) refuseFrozen(pairing);
  if (input.imagePng && input.photoKey) {
    throw invalid('request.invalid', '签字图片和签收照片只需其一', [
      { path: 'photoKey', message: '已有签字图片，无需再上传签收照片' },
    ]);
  }
  const [photo] = input.photoKey ? await verifyReceiptPhoto(deps.objects, caller, input.photoKey) : [];

  const sha = input.imagePng ? pngSha256(input.imagePng) : undefined;
  const receipt: Receipt = {
    recordId,
    householdId: record.householdId,
    method: input.method,
    imageSha256: sha,
    imageKey: sha ? `receipts/${recordId}/${sha}.png` : undefined,
    ...(photo ? { photo } : {}),
    receivedAt: now.toISOString(),
    recordedBy: caller.sub,
  };
  if (input.imagePng && receipt.imageKey) {
    await deps.objects.put(receipt.imageKey, Buffer.from(input.imagePng, 'base64'), 'image/png');
  }
  const item = {
    ...keys.receipt(recordId),
    ...keys.receiptIndexes({ ...record, recordId }),
    entity: 'receipt',
    ...receipt,
  };
  if (pairing) await refuseFrozenSince(db, pairing, readAt);
  if (!(await putIfAbsent(db, item))) throw conflict('receipt.exists', '该记录已登记签收');
  return receipt;
}

/** The receipt's one photo, checked as a visit's are; a refusal names this field (`photoKey`), not a list. */
async function verifyReceiptPhoto(objects: ObjectStore, caller: Caller, photoKey: string): Promise<Photo[]> {
  try {
    return await verifyPhotos(objects, caller, [photoKey]);
  } catch (e) {
    if (e instanceof AppError && e.issues) {
      throw new AppError(
        e.code,
        e.message,
        e.issues.map((i) => ({ ...i, path: 'photoKey' })),
      );
    }
    throw e;
  }
}
