import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { getAidRecord, householdYearSummary, recordAid, reverseAid, reversibleEntry } from '#shared/aid/ledger.ts';
import { itemsTotalFen, itemValueFen, MAX_ITEMS, NewAidRecord, NewReversal, recordIdFor } from '#shared/aid/rules.ts';
import { AppError, forbidden, invalid } from '#shared/errors.ts';
import { formatYuan, formatYuanGrouped, MAX_ENTRY_FEN, parseAmount } from '#shared/money.ts';
import { parseInput } from '#shared/validate.ts';
import { html } from '#shared/web/html.ts';
import { LABELS, WORDS } from '#shared/web/i18n.ts';
import { COMMON_EN, englishCatalogue, LEDGER_EN } from '#shared/web/messages-en.ts';
import { correctionPage, ENTRIES_CSS } from './household-pages/entries.ts';
import { householdEvidenceSections, uploadOrigin } from './household-pages/evidence.ts';
import { type AidFormValues, aidForm, freshAidForm, householdPage } from './household-pages/views.ts';
import { appendPageAudit } from './lib/audit.ts';
import { db } from './lib/clients.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';
import { fieldErrors, type PageHandlers, type PageRequest, type PageResult, pageServer } from './pages/kit.ts';
import { recordControl } from './pages/views.ts';
import { HOUSEHOLD_PAGE_ROUTES } from './routes.ts';

/*
 * GET/POST /app/households/…, /app/aid/…: the cadre's field pages — a household's year, the aid form and the
 * correction of an entry (更正, `/app/aid/{id}/correction`; the older one-step `/reverse` post is kept for forms
 * still open) — server-rendered, one Lambda (the sign-in, the cadre's home and the floor report are
 * `pages`). Made for a phone in a household's doorway; forms post back here and redirect (post/redirect/get).
 */

/**
 * Whether the signed-in cadre answers for the household on some days of the year (the current cadre, or a former
 * one for the days before the handover): the form is offered, and the ledger checks each entry's date.
 */
const answersFor = (s: { periods: { cadreId: string }[] }, cadreId: string | undefined) =>
  !!cadreId && s.periods.some((p) => p.cadreId === cadreId);

const signedIn = (req: PageRequest) => {
  if (!req.caller) throw new AppError('auth.required', '请先登录');
  return req.caller;
};

async function household(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const s = await householdYearSummary(db, c, m[1]!, Number(req.query.get('year') ?? req.year));
  const paired = answersFor(s, c.cadreId);
  // Each entry's receipt and photos in its card; outcomes and visits (工作留痕) below (household-pages/evidence.ts).
  const evidence = await householdEvidenceSections(req, s, paired);
  return {
    title: s.headName,
    body: html`${householdPage(req, s, paired, req.query.has('saved'), undefined, evidence.perEntry)}${evidence.sections}`,
  };
}

async function showAidForm(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const s = await householdYearSummary(db, c, m[1]!, req.year);
  if (!answersFor(s, c.cadreId)) throw forbidden('aid.not_paired', '您今年未与该家庭结对，不能为其登记帮扶');
  if (s.locked || s.frozenBy) {
    // Said before the form is filled in: the ledger would refuse whatever it holds.
    return {
      title: req.t.recordAid,
      body: html`<p class="muted">${s.headName}</p>${recordControl(req, s.householdId, s.year, s.locked, s.frozenBy, false)}
<p><a href="/app/households/${s.householdId}">${req.t.back}</a></p>`,
    };
  }
  const from = await withdrawnValues(req, s.householdId);
  return {
    title: req.t.recordAid,
    body: aidForm(req, s.householdId, s.headName, from ?? freshAidForm(req.now), {}, from && req.t.reRecordHint),
    historyCacheable: true,
    // The aid form's photo picker PUTs to the object store (household-pages/evidence-views.ts).
    connect: await uploadOrigin(req),
  };
}

/**
 * "Record it again correctly" (`?from=<id>`): the form filled with an entry of this household (the one just
 * withdrawn), under a fresh idempotency key: a new entry, never a retry of the old one.
 */
async function withdrawnValues(req: PageRequest, householdId: string): Promise<AidFormValues | undefined> {
  const from = req.query.get('from') ?? '';
  if (!/^[\w-]{1,64}$/.test(from)) return undefined;
  const r = await getAidRecord(db, from).catch(() => undefined);
  if (!r || r.householdId !== householdId || r.reverses) return undefined;
  return {
    ...freshAidForm(req.now),
    kind: r.kind,
    objective: r.objective,
    date: r.date,
    // Goods are valued from their rows: the amount is left to them, as a cadre would leave it.
    amountYuan: r.kind === 'cash' ? formatYuan(r.amountFen) : '',
    description: r.description,
    items: (r.items ?? []).map((i) => ({
      name: i.name,
      quantity: String(i.quantity),
      unitValueYuan: formatYuan(i.unitValueFen),
    })),
  };
}

/** A refusal because a round holds or has locked the figures: said on the page, not as an error page. */
const isHeldFigures = (e: unknown): e is AppError =>
  e instanceof AppError && (e.code === 'ledger.under_verification' || e.code === 'ledger.locked');

/** Reads the aid form into a submission: yuan to fen exactly, item rows to items; field errors by form name. */
function readAidForm(form: URLSearchParams, householdId: string) {
  const values: AidFormValues = {
    idempotencyKey: form.get('idempotencyKey') ?? '',
    kind: form.get('kind') ?? '',
    objective: form.get('objective') ?? '',
    date: form.get('date') ?? '',
    amountYuan: (form.get('amountYuan') ?? '').trim(),
    description: form.get('description') ?? '',
    items: form
      .getAll('itemName')
      .map((name, i) => ({
        name,
        quantity: form.getAll('itemQuantity')[i] ?? '',
        unitValueYuan: form.getAll('itemUnitValueYuan')[i] ?? '',
      }))
      .filter((r) => r.name.trim() || r.quantity.trim() || r.unitValueYuan.trim()),
  };
  const errors: Record<string, string> = {};
  // What people type: 1,200 or 1200元 or full-width digits; a decimal comma or a third decimal is refused, not guessed.
  let amountFen = parseAmount(values.amountYuan);
  // In kind, the total is the item rows' (the amount field is for cash): left empty, it is computed below.
  const computeTotal = values.kind === 'in_kind' && values.amountYuan === '';
  if (amountFen === undefined && !computeTotal) {
    errors.amountYuan = '请输入金额（元），最多两位小数，如 300、1,200 或 12.50';
  }
  const items = values.items.map((r, i) => {
    const unitValueFen = parseAmount(r.unitValueYuan);
    // Bounded before anything is summed: a huge quantity must be a message next to the row, not an overflow.
    // Up to two decimals (2.5 斤); full-width digits as typed by a Chinese input method.
    const typed = r.quantity.trim().replace(/[０-９．]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
    const quantity = /^\d{1,6}(?:\.\d{1,2})?$/.test(typed) ? Number(typed) : Number.NaN;
    if (!r.name.trim() || Number.isNaN(quantity) || unitValueFen === undefined || unitValueFen > MAX_ENTRY_FEN) {
      errors.items ??= `第 ${i + 1} 行物品：请填写名称、数量（最多两位小数，不超过 999,999）和单价（元）`;
    }
    return { name: r.name.trim(), quantity, unitValueFen: unitValueFen ?? Number.NaN };
  });
  const valued = !errors.items && items.length <= MAX_ITEMS && items.every((i) => itemValueFen(i) !== undefined);
  if (values.kind === 'in_kind' && valued && items.length) {
    const total = itemsTotalFen(items);
    if (computeTotal) amountFen = total;
    else if (amountFen !== undefined && total !== amountFen) {
      errors.amountYuan = `金额应等于各物品数量×单价之和：${formatYuan(total)} 元（可留空，自动合计）`;
    }
  }
  let submission: NewAidRecord | undefined;
  try {
    // The command's own schema and messages, through the one helper; the form shows them beside its fields.
    submission = parseInput(NewAidRecord, {
      householdId,
      date: values.date,
      kind: values.kind,
      objective: values.objective,
      amountFen,
      description: values.description,
      items: values.kind === 'in_kind' ? items : undefined,
      ...aidPhotoKeys(form),
    });
  } catch (e) {
    for (const [name, message] of Object.entries(fieldErrors(e, { amountFen: 'amountYuan' }))) errors[name] ??= message;
    // A total left to the items has nothing to say about itself when the items are wrong: they say it.
    if (computeTotal && amountFen === undefined) delete errors.amountYuan;
  }
  return { values, errors, submission };
}

async function submitAid(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const householdId = m[1]!;
  const { values, errors, submission } = readAidForm(req.form, householdId);
  if (submission && !Object.keys(errors).length) {
    try {
      // The ledger entry is its own audit entry (shared/aid/ledger.ts), so no `audited` here.
      const { record } = await recordAid(
        db,
        c,
        values.idempotencyKey,
        submission,
        req.now,
        { requestId: req.requestId, action: `PAGE POST ${req.path}` },
        getObjectStore(),
      );
      return { redirect: `/app/households/${householdId}?saved=1&entry=${record.id}` };
    } catch (e) {
      if (e instanceof AppError && e.code === 'aid.idempotency_mismatch') {
        // The back button brought back a form already sent, and it was changed: the earlier one is saved; what
        // was typed now is offered as a new entry under a new key (sent again unchanged, it would record once).
        const s = await householdYearSummary(db, c, householdId, req.year);
        const fresh = { ...values, idempotencyKey: freshAidForm(req.now).idempotencyKey };
        return {
          status: 409,
          title: req.t.recordAid,
          body: aidForm(req, householdId, s.headName, fresh, {}, req.t.resubmitted(await earlierEntry(req, values))),
        };
      }
      if (isHeldFigures(e)) {
        // The round froze the year between the form's load and its post: nothing typed can be saved now.
        const s = await householdYearSummary(db, c, householdId, req.year);
        return {
          status: 409,
          title: req.t.recordAid,
          body: householdPage(req, s, answersFor(s, c.cadreId), false, req.say(e.message)),
        };
      }
      Object.assign(errors, fieldErrors(e, { amountFen: 'amountYuan' }));
    }
  }
  const s = await householdYearSummary(db, c, householdId, req.year);
  return {
    status: 400,
    title: req.t.recordAid,
    connect: await uploadOrigin(req),
    body: aidForm(req, householdId, s.headName, values, errors),
  };
}

/** The entry an earlier send of this form recorded, in a few words (date, kind, amount in yuan). */
async function earlierEntry(req: PageRequest, values: AidFormValues): Promise<string> {
  const cadreId = req.caller?.cadreId;
  const r = cadreId
    ? await getAidRecord(db, recordIdFor(cadreId, values.idempotencyKey)).catch(() => undefined)
    : undefined;
  return r ? `${r.date}，${req.label(r.kind)}，¥${formatYuanGrouped(r.amountFen)}` : req.t.saved;
}

/** The correction page (更正): what will be withdrawn, the reason, a confirmation; refused to whom `reverseAid` refuses. */
async function showCorrection(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const { original } = await reversibleEntry(db, c, m[1]!);
  const s = await householdYearSummary(db, c, original.householdId, original.year);
  return correctionAnswer(req, s, original, { reason: '' }, {});
}

function correctionAnswer(
  req: PageRequest,
  s: Awaited<ReturnType<typeof householdYearSummary>>,
  original: Awaited<ReturnType<typeof getAidRecord>>,
  values: { reason: string },
  errors: Record<string, string>,
  status?: number,
): PageResult {
  const back = html`<p><a href="/app/households/${s.householdId}">${req.t.back}</a></p>`;
  if (s.records.some((r) => r.reverses === original.id)) {
    return { title: req.t.correctionTitle, body: html`<p class="notice">${req.t.alreadyWithdrawn}</p>${back}` };
  }
  if (s.locked || s.frozenBy) {
    // Said before a reason is typed: the ledger would refuse the withdrawal while a round holds the figures.
    return {
      title: req.t.correctionTitle,
      body: html`<p class="muted">${s.headName}</p>${recordControl(req, s.householdId, s.year, s.locked, s.frozenBy, false)}${back}`,
    };
  }
  return { status, title: req.t.correctionTitle, body: correctionPage(req, s.headName, original, values, errors) };
}

async function submitCorrection(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const { original } = await reversibleEntry(db, c, m[1]!);
  const values = { reason: req.form.get('reason') ?? '' };
  const errors: Record<string, string> = {};
  const parsed = NewReversal.safeParse(values);
  if (!parsed.success)
    errors.reason = values.reason.trim()
      ? (parsed.error.issues[0]?.message ?? req.t.correctionReasonRequired)
      : req.t.correctionReasonRequired;
  if (req.form.get('confirm') !== 'yes') errors.confirm = req.t.correctionConfirmRequired;
  const done = `/app/households/${original.householdId}?saved=1&corrected=${original.id}`;
  if (!Object.keys(errors).length) {
    try {
      await reverseAid(db, c, original.id, values, req.now, {
        requestId: req.requestId,
        action: `PAGE POST ${req.path}`,
      });
      return { redirect: done };
    } catch (e) {
      // A second send of the confirmation (a double tap): the entry is withdrawn, which is what was asked.
      if (e instanceof AppError && e.code === 'aid.already_reversed') return { redirect: done };
      if (!isHeldFigures(e)) throw e;
      const s = await householdYearSummary(db, c, original.householdId, original.year);
      return {
        status: 409,
        title: s.headName,
        body: householdPage(req, s, answersFor(s, c.cadreId), false, e.message),
      };
    }
  }
  const s = await householdYearSummary(db, c, original.householdId, original.year);
  return correctionAnswer(req, s, original, values, errors, 400);
}

async function reverse(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const householdId = req.form.get('householdId') ?? '';
  const reason = (req.form.get('reason') ?? '').trim() || invalidReason();
  try {
    await reverseAid(db, c, m[1]!, { reason }, req.now, { requestId: req.requestId, action: `PAGE POST ${req.path}` });
  } catch (e) {
    if (!isHeldFigures(e) || !/^[\w-]{1,64}$/.test(householdId)) throw e;
    const s = await householdYearSummary(db, c, householdId, req.year);
    return {
      status: 409,
      title: s.headName,
      body: householdPage(req, s, answersFor(s, c.cadreId), false, req.say(e.message)),
    };
  }
  return { redirect: `/app/households/${encodeURIComponent(householdId)}?saved=1` };
}

/** The aid form's photos (its photo picker's hidden inputs), only when there are any. */
function aidPhotoKeys(form: URLSearchParams): { photoKeys?: string[] } {
  const photoKeys = form.getAll('photoKeys').filter(Boolean);
  return photoKeys.length ? { photoKeys } : {};
}

function invalidReason(): never {
  throw invalid('request.invalid', '请填写更正原因', [{ path: 'reason', message: '请填写更正原因' }]);
}

/** Every page this Lambda serves, by its route in `functions/routes.ts` (`PAGE_ROUTES`: who may open it). */
export const PAGES: PageHandlers<'household-pages'> = {
  'GET /app/households/{id}': household,
  'GET /app/households/{id}/aid/new': showAidForm,
  'POST /app/households/{id}/aid': submitAid,
  'POST /app/aid/{id}/reverse': reverse,
  'GET /app/aid/{id}/correction': showCorrection,
  'POST /app/aid/{id}/correction': submitCorrection,
};

const serve = pageServer(HOUSEHOLD_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, LEDGER_EN),
  words: WORDS,
  labels: LABELS,
  css: ENTRIES_CSS,
  // A page's write is audited by the same code as the API's: one entry shape, one writer.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
