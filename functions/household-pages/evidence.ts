import { createHash, randomUUID } from 'node:crypto';
import { type AidRecordView, getAidRecord, householdYearSummary } from '#shared/aid/ledger.ts';
import { mayRecordReceipt, type Receipt, recordReceipt } from '#shared/aid/receipt.ts';
import { hasRole } from '#shared/caller.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { getItem } from '#shared/db.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { householdEvidence } from '#shared/evidence/household.ts';
import type { Photo } from '#shared/evidence/photos.ts';
import { createUpload, UploadRequest } from '#shared/objects.ts';
import { recordOutcome } from '#shared/outcome/index.ts';
import { findPairing, requireHouseholdYearReader } from '#shared/pairing/index.ts';
import { keys } from '#shared/table.ts';
import { parseInput } from '#shared/validate.ts';
import { recordVisit, type Visit } from '#shared/visit/index.ts';
import { db } from '../lib/clients.ts';
import { getObjectStore } from '../lib/objects.ts';
import { STATUS_OF } from '../lib/status.ts';
import { fieldErrors, type PageRequest, type PageResult } from '../pages/kit.ts';
import { entryEvidence, evidenceSections, ew, outcomeForm, receiptPage, visitForm } from './evidence-views.ts';

/*
 * The field evidence pages of the household pages (issue 13): receipts (签收) by signature or thumbprint, outcomes
 * (成效), visits with photos (走访留痕), the photo upload URL and the photos themselves. Each calls the same command
 * as the API; a refused form is shown again with its errors beside the fields (400), and nothing is stored.
 */

const signedIn = (req: PageRequest) => {
  if (!req.caller) throw new AppError('auth.required', '请先登录');
  return req.caller;
};

/** A refused form's field errors, or the refusal itself when it is not about the form (403, 404, 409). */
const formErrors = (e: unknown, rename: Record<string, string> = {}) => {
  if (!(e instanceof AppError) || e.kind !== 'invalid') throw e;
  return fieldErrors(e, rename);
};

/** The household page's evidence sections: one read of the household-year's receipts, outcomes and visits. */
export async function householdEvidenceSections(
  req: PageRequest,
  s: Awaited<ReturnType<typeof householdYearSummary>>,
  paired: boolean,
) {
  const c = signedIn(req);
  const [ev, pairing] = await Promise.all([
    householdEvidence(db, s.householdId, s.communityId, s.year),
    findPairing(db, s.householdId, s.year),
  ]);
  const open = !s.locked && !s.frozenBy;
  const can = { paired, receiptFor: (r: AidRecordView) => open && mayRecordReceipt(c, r, pairing) };
  return {
    perEntry: (r: AidRecordView & { reversedBy?: string }) => entryEvidence(req, r, ev, can),
    sections: evidenceSections(req, s, ev, can),
  };
}

// --- Receipts -------------------------------------------------------------------------------------------------

async function receiptView(req: PageRequest, recordId: string, errors: Record<string, string>, status?: number) {
  const c = signedIn(req);
  const r = await getAidRecord(db, recordId);
  // The household's readers may see the page (and the receipt once recorded); recording is the command's to allow.
  const [s, stored, pairing] = await Promise.all([
    householdYearSummary(db, c, r.householdId, r.year),
    getItem<Receipt>(db, keys.receipt(recordId)),
    findPairing(db, r.householdId, r.year),
  ]);
  const canRecord = !r.reverses && !s.locked && !s.frozenBy && mayRecordReceipt(c, r, pairing);
  return {
    ...(status ? { status } : {}),
    title: ew(req).receiptTitle,
    body: receiptPage(req, s.headName, r, stored, canRecord, errors),
  };
}

/** GET /app/aid/{id}/receipt: the entry and its receipt, or the signature pad and the thumbprint form. */
export const showReceipt = (req: PageRequest, m: RegExpExecArray): Promise<PageResult> => receiptView(req, m[1]!, {});

/** POST /app/aid/{id}/receipt: `method` signature (with `signaturePng`) or thumbprint (with `photoKey`, optional). */
export async function submitReceipt(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const method = req.form.get('method') ?? '';
  const png = req.form.get('signaturePng') ?? '';
  const photoKey = (req.form.get('photoKey') ?? '').trim();
  let errors: Record<string, string>;
  try {
    if (method === 'signature' && !png) {
      throw new AppError('request.invalid', '请先在签字板上签字', [
        { path: 'imagePng', message: '请先在签字板上签字' },
      ]);
    }
    const receipt = await recordReceipt(
      { db, objects: getObjectStore() },
      c,
      m[1]!,
      { method: method as Receipt['method'], ...(png ? { imagePng: png } : {}), ...(photoKey ? { photoKey } : {}) },
      req.now,
    );
    return {
      redirect: `/app/households/${encodeURIComponent(receipt.householdId)}?saved=1#entry-${encodeURIComponent(receipt.recordId)}`,
    };
  } catch (e) {
    errors = formErrors(e, { imagePng: 'signaturePng', method: '_' });
  }
  return receiptView(req, m[1]!, errors, 400);
}

/** GET /app/aid/{id}/receipt/image: the signature or the photographed slip, to the household's readers. */
export async function receiptImage(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const r = await getAidRecord(db, m[1]!);
  await requireHouseholdYearReader(db, c, r.householdId, r.year, '您无权查看该家庭的签收');
  const stored = await getItem<Receipt>(db, keys.receipt(r.id));
  const photo: Photo | undefined =
    stored?.photo ??
    (stored?.imageKey && stored.imageSha256 ? { key: stored.imageKey, sha256: stored.imageSha256 } : undefined);
  if (!photo) throw notFound('photo.not_found', '该记录没有签收图片');
  return image(photo);
}

// --- Outcomes -------------------------------------------------------------------------------------------------

/** GET /app/households/{id}/outcomes/new: the outcome form, for the paired cadre. */
export async function showOutcomeForm(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const s = await householdYearSummary(db, c, m[1]!, req.year);
  const w = ew(req);
  return {
    title: w.recordOutcome,
    historyCacheable: true,
    body: outcomeForm(
      req,
      s.householdId,
      s.headName,
      { formKey: randomUUID(), objective: 'livelihood', date: shanghaiDate(req.now), description: '' },
      {},
    ),
  };
}

/** POST /app/households/{id}/outcomes: `recordOutcome`, then back to the household's outcomes. */
export async function submitOutcome(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const householdId = m[1]!;
  const values = {
    objective: req.form.get('objective') ?? '',
    date: req.form.get('date') ?? '',
    description: req.form.get('description') ?? '',
    // One per form load (a UUID; absent from an outside caller): the outcome is recorded once per form.
    formKey: /^[\w-]{8,64}$/.test(req.form.get('formKey') ?? '') ? req.form.get('formKey')! : '',
  };
  let errors: Record<string, string>;
  try {
    // The command validates the objective (a form field is any string until then).
    const { formKey, ...input } = values;
    await recordOutcome(
      db,
      c,
      householdId,
      input as Parameters<typeof recordOutcome>[3],
      req.now,
      formKey || undefined,
    );
    return { redirect: `/app/households/${encodeURIComponent(householdId)}?saved=1#outcomes` };
  } catch (e) {
    errors = formErrors(e);
  }
  const s = await householdYearSummary(db, c, householdId, req.year);
  return { status: 400, title: ew(req).recordOutcome, body: outcomeForm(req, householdId, s.headName, values, errors) };
}

// --- Visits ---------------------------------------------------------------------------------------------------

/** GET /app/households/{id}/visits/new: the visit form, with a fresh idempotency key. */
export async function showVisitForm(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const s = await householdYearSummary(db, c, m[1]!, req.year);
  const w = ew(req);
  return {
    title: w.recordVisit,
    connect: await uploadOrigin(req),
    historyCacheable: true,
    body: visitForm(
      req,
      s.householdId,
      s.headName,
      { idempotencyKey: randomUUID(), date: shanghaiDate(req.now), note: '', photoKeys: [] },
      {},
    ),
  };
}

/** POST /app/households/{id}/visits: `recordVisit` with the photos the form uploaded, then back to the visits. */
export async function submitVisit(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const householdId = m[1]!;
  const values = {
    idempotencyKey: req.form.get('idempotencyKey') ?? '',
    date: req.form.get('date') ?? '',
    note: req.form.get('note') ?? '',
    photoKeys: req.form.getAll('photoKeys').filter(Boolean),
  };
  let errors: Record<string, string>;
  try {
    await recordVisit(
      { db, objects: getObjectStore() },
      c,
      householdId,
      values.idempotencyKey,
      { date: values.date, note: values.note, ...(values.photoKeys.length ? { photoKeys: values.photoKeys } : {}) },
      req.now,
    );
    return { redirect: `/app/households/${encodeURIComponent(householdId)}?saved=1#visits` };
  } catch (e) {
    errors = formErrors(e, { 'Idempotency-Key': '_' });
  }
  const s = await householdYearSummary(db, c, householdId, req.year);
  return {
    status: 400,
    title: ew(req).recordVisit,
    connect: await uploadOrigin(req),
    body: visitForm(req, householdId, s.headName, values, errors),
  };
}

// --- Photos ---------------------------------------------------------------------------------------------------

/**
 * POST /app/households/{id}/uploads: a presigned PUT for one photo (`createUpload`, purpose photo, the command of
 * `POST /uploads`), as JSON `{key, url, headers}`, for the page's script: its cookie is not a bearer token for the
 * API. Only to those who may read the household; a refusal is JSON too.
 */
export async function photoUploadUrl(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  try {
    await requireHouseholdYearReader(db, c, m[1]!, req.year, '您无权为该家庭上传照片');
    const body = parseInput(UploadRequest, {
      purpose: 'photo',
      contentType: req.form.get('contentType') ?? '',
      bytes: Number(req.form.get('bytes') ?? ''),
    });
    const upload = await createUpload(getObjectStore(), body, c, req.now);
    return { status: 201, json: { key: upload.key, url: upload.url, headers: upload.headers } };
  } catch (e) {
    if (!(e instanceof AppError)) throw e;
    // The page's script shows these beside the photo picker: in the page's language.
    const issues = (e.issues ?? []).map((i) => ({ ...i, message: req.say(i.message) }));
    return { status: STATUS_OF[e.kind], json: { code: e.code, message: req.say(e.message), issues } };
  }
}

/** A stored photo, checked against the SHA-256 recorded with it: the page never shows other bytes than those. */
async function image(photo: Photo): Promise<PageResult> {
  const bytes = await getObjectStore().get(photo.key);
  if (!bytes) throw notFound('photo.not_found', '找不到这张照片');
  if (createHash('sha256').update(bytes).digest('hex') !== photo.sha256) {
    throw new AppError('photo.mismatch', '照片与登记时记录的哈希不一致，请联系管理员核对');
  }
  return { image: { bytes, contentType: photo.key.endsWith('.png') ? 'image/png' : 'image/jpeg' } };
}

const nth = (photos: Photo[] | undefined, n: string) => {
  const photo = photos?.[Number(n)];
  if (!photo) throw notFound('photo.not_found', '找不到这张照片');
  return photo;
};

/** GET /app/households/{id}/visits/{visitId}/photos/{n}: a visit's photo, to those who may see the household. */
export async function visitPhoto(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const visit = await getItem<Visit>(db, keys.visit(m[1]!, m[2]!));
  if (!visit) throw notFound('photo.not_found', '找不到这张照片');
  await requireHouseholdYearReader(db, c, visit.householdId, visit.year, '您无权查看该家庭的照片');
  return image(nth(visit.photos, m[3]!));
}

/** GET /app/aid/{id}/photos/{n}: an aid entry's photo, to those who may see the household. */
export async function aidPhoto(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const r = await getAidRecord(db, m[1]!);
  await requireHouseholdYearReader(db, c, r.householdId, r.year, '您无权查看该家庭的照片');
  return image(nth(r.photos, m[2]!));
}

/**
 * Where the browser PUTs photos, for the page's `connect-src`: the origin of a URL the store presigns (S3's bucket
 * endpoint on AWS; the local store is this page's origin, which 'self' covers).
 */
export async function uploadOrigin(req: PageRequest): Promise<string | undefined> {
  const probe = await getObjectStore().presignPut('uploads/photo/origin.jpg', 'image/jpeg', 1, 60);
  const origin = new URL(probe.url, req.origin).origin;
  return origin !== req.origin && /^https?:\/\/[\w.:-]+$/.test(origin) ? origin : undefined;
}

/** Whether the caller is a cadre paired with the household this year (outcomes and visits are theirs). */
export const isPairedCadre = (req: PageRequest, periods: { cadreId: string }[]) =>
  !!req.caller && hasRole(req.caller, 'cadre') && periods.some((p) => p.cadreId === req.caller!.cadreId);
