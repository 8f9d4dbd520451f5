import * as z from 'zod';
import { type Caller, hasRole } from '../caller.ts';
import { type Db, putIfAbsent } from '../db.ts';
import { conflict, forbidden } from '../errors.ts';
import type { ObjectStore } from '../objects.ts';
import { findPairing, refuseFrozen, refuseFrozenSince } from '../pairing/index.ts';
import { cadreInScope } from '../pairing/periods.ts';
import { PngBase64, pngSha256 } from '../png.ts';
import { keys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { getAidRecord } from './ledger.ts';

/** The household's acknowledgement (签收) of an entry: a signature or a thumbprint, optionally photographed. */
export const NewReceipt = z.strictObject({
  method: z.enum(['signature', 'thumbprint'], { error: '签收方式应为签字（signature）或按手印（thumbprint）' }),
  imagePng: PngBase64.optional(),
});
export type NewReceipt = z.infer<typeof NewReceipt>;

export interface Receipt {
  recordId: string;
  householdId: string;
  method: NewReceipt['method'];
  imageSha256?: string;
  /** Object-store key of the photographed receipt, named by its hash. */
  imageKey?: string;
  receivedAt: string;
  recordedBy: string;
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
  // Scope follows the entry's date: the cadre answering on that day (its recorder unless it was reassigned).
  const inScope = pairing ? cadreInScope(pairing, record.date) : record.cadreId;
  const allowed =
    (hasRole(caller, 'cadre') && !!caller.cadreId && caller.cadreId === inScope) ||
    (hasRole(caller, 'communityCadre') && caller.communityId === record.communityId);
  if (!allowed) throw forbidden('receipt.not_allowed', '只有登记该记录的帮扶责任人或所在社区干部可以登记签收');
  if (record.reverses) throw conflict('receipt.for_reversal', '撤回记录无需签收');
  if (pairing) refuseFrozen(pairing);

  const sha = input.imagePng ? pngSha256(input.imagePng) : undefined;
  const receipt: Receipt = {
    recordId,
    householdId: record.householdId,
    method: input.method,
    imageSha256: sha,
    imageKey: sha ? `receipts/${recordId}/${sha}.png` : undefined,
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
