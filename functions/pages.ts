import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { markSignedIn } from '#shared/accounts/list.ts';
import { householdYearSummary, listHouseholdYearRecords, recordAid, reverseAid } from '#shared/aid/ledger.ts';
import { itemsTotalFen, itemValueFen, MAX_ITEMS, NewAidRecord, totalsOf } from '#shared/aid/rules.ts';
import { hasRole } from '#shared/caller.ts';
import { AppError, forbidden, invalid, notFound } from '#shared/errors.ts';
import { floorReport } from '#shared/floor/report.ts';
import { formatYuan, MAX_ENTRY_FEN, parseAmount } from '#shared/money.ts';
import { listCadrePairings } from '#shared/pairing/index.ts';
import { type Community, listEntities, type Unit } from '#shared/registry/entities.ts';
import { parseInput } from '#shared/validate.ts';
import { currentRound } from '#shared/verification/index.ts';
import { html } from '#shared/web/html.ts';
import { LABELS, WORDS } from '#shared/web/i18n.ts';
import { safeNextPath } from '#shared/web/redirect.ts';
import { appendPageAudit } from './lib/audit.ts';
import { db } from './lib/clients.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { exchangeCode, hostedSignInUrl, localSession, pageCaller, tokenCookie } from './lib/session.ts';
import {
  fieldErrors,
  type PageHandlers,
  type PageRequest,
  type PageResult,
  pageServer,
  reportQuery,
  signOutForm,
} from './pages/kit.ts';
import {
  type AidFormValues,
  aidForm,
  cadreHome,
  devLoginPage,
  floorReportPage,
  freshAidForm,
  householdPage,
  recordControl,
} from './pages/views.ts';

/*
 * GET/POST /app/…: the cadre's pages, the sign-in and the floor report, server-rendered, one Lambda (the
 * verification pages are `verification-pages`). Forms post back here and redirect
 * (post/redirect/get); the browser carries the sign-in token in an HttpOnly cookie, verified by the kit, which
 * also checks each page's roles from `PAGE_ROUTES` (functions/routes.ts) before the page below runs.
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

async function home(req: PageRequest): Promise<PageResult> {
  const c = signedIn(req);
  if (hasRole(c, 'cadre') && c.cadreId) {
    const pairings = await listCadrePairings(db, c.cadreId, req.year);
    const households = await Promise.all(
      pairings.map(async (pairing) => ({
        pairing,
        totalFen: totalsOf(await listHouseholdYearRecords(db, pairing.householdId, pairing.communityId, req.year))
          .totalFen,
      })),
    );
    return { title: req.t.myHouseholds, body: cadreHome(req, households) };
  }
  if (hasRole(c, 'communityCadre') && c.communityId) {
    const round = await currentRound(db, c.communityId, req.year);
    if (!round) return { title: req.t.packet, body: html`<p>${req.t.noVerification}</p>` };
    return { redirect: `/app/verifications/${round.id}` };
  }
  if (hasRole(c, 'admin')) return { redirect: '/app/verifications' };
  if (hasRole(c, 'auditor')) return { redirect: '/app/reports/floor' };
  throw forbidden('auth.role', '您的账号没有可用的角色');
}

async function household(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const s = await householdYearSummary(db, c, m[1]!, Number(req.query.get('year') ?? req.year));
  return { title: s.headName, body: householdPage(req, s, answersFor(s, c.cadreId), req.query.has('saved')) };
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
  return {
    title: req.t.recordAid,
    body: aidForm(req, s.householdId, s.headName, freshAidForm(req.now), {}),
    historyCacheable: true,
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
      await recordAid(db, c, values.idempotencyKey, submission, req.now, {
        requestId: req.requestId,
        action: `PAGE POST ${req.path}`,
      });
      return { redirect: `/app/households/${householdId}?saved=1` };
    } catch (e) {
      if (isHeldFigures(e)) {
        // The round froze the year between the form's load and its post: nothing typed can be saved now.
        const s = await householdYearSummary(db, c, householdId, req.year);
        return {
          status: 409,
          title: req.t.recordAid,
          body: householdPage(req, s, answersFor(s, c.cadreId), false, e.message),
        };
      }
      Object.assign(errors, fieldErrors(e, { amountFen: 'amountYuan' }));
    }
  }
  const s = await householdYearSummary(db, c, householdId, req.year);
  return { status: 400, title: req.t.recordAid, body: aidForm(req, householdId, s.headName, values, errors) };
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
    return { status: 409, title: s.headName, body: householdPage(req, s, answersFor(s, c.cadreId), false, e.message) };
  }
  return { redirect: `/app/households/${encodeURIComponent(householdId)}?saved=1` };
}

function invalidReason(): never {
  throw invalid('request.invalid', '请填写冲正原因', [{ path: 'reason', message: '请填写冲正原因' }]);
}

async function floorPage(req: PageRequest): Promise<PageResult> {
  const q = reportQuery(req);
  const [report, communities, units] = await Promise.all([
    floorReport(db, q),
    listEntities<Community>(db, 'community'),
    listEntities<Unit>(db, 'unit'),
  ]);
  return { title: req.t.floorReport, body: floorReportPage(req, report.rows, communities, units, q) };
}

async function signIn(req: PageRequest): Promise<PageResult> {
  const local = localSession();
  // With local sign-in switched off there is no one to sign in as: say so rather than send to a page that is gone.
  if (local && !local.demoUsers.length) throw notFound('auth.local_sign_in_off', '本地登录已关闭');
  if (local) return { redirect: '/app/dev-login' };
  const url = hostedSignInUrl(`${req.origin}/app/callback`);
  if (!url) throw notFound('auth.unconfigured', '登录服务未配置');
  return { redirect: url };
}

async function devLogin(req: PageRequest): Promise<PageResult> {
  const local = localSession();
  if (!local) throw notFound('route.not_found', '没有这个页面');
  const token = req.query.get('token');
  if (token) {
    if (!(await pageCaller(token))) throw new AppError('auth.invalid_token', '登录令牌无效');
    return { redirect: safeNextPath(req.query.get('next')), cookies: [tokenCookie(token, req.secure)] };
  }
  const chosen = req.form.get('user') ?? '';
  if (req.method === 'POST' && chosen.startsWith(ACCOUNT_PREFIX)) {
    // An account an admin invited: signed in with exactly its role and scope from the list, unless disabled.
    const signed = await local.signAccount?.(chosen.slice(ACCOUNT_PREFIX.length), req.now);
    if (!signed) throw forbidden('auth.account_disabled', '该账号不存在或已停用，不能登录');
    return { redirect: '/app/', cookies: [tokenCookie(signed, req.secure)] };
  }
  if (req.method === 'POST') {
    const signed = await local.signDemo(chosen);
    if (!signed) throw invalid('request.invalid', '没有这个演示用户');
    return { redirect: '/app/', cookies: [tokenCookie(signed, req.secure)] };
  }
  const accounts = (await local.accounts?.()) ?? [];
  return {
    title: req.t.devLogin,
    body: devLoginPage(
      req,
      local.demoUsers,
      accounts.map((a) => ({ value: `${ACCOUNT_PREFIX}${a.username}`, label: a.label })),
    ),
  };
}

/** The value of an invited account's choice on the local sign-in page (demo users are named bare). */
const ACCOUNT_PREFIX = 'account:';

async function callback(req: PageRequest): Promise<PageResult> {
  const token = await exchangeCode(req.query.get('code') ?? '', `${req.origin}/app/callback`);
  if (!token) throw new AppError('auth.sign_in_failed', '登录失败，请重试');
  // The first sign-in of an invited account makes it active in the admin's list.
  const username = (await pageCaller(token))?.username;
  if (username) await markSignedIn(db, username, req.now);
  return { redirect: '/app/', cookies: [tokenCookie(token, req.secure)] };
}

/** GET: the sign-out button (an old link or bookmark); POST, with the form's token: signs out. */
async function signOut(req: PageRequest): Promise<PageResult> {
  if (req.method !== 'POST') {
    if (!req.caller) return { redirect: '/public/notices' };
    return { title: req.t.signOut, body: signOutForm(req, 'button') };
  }
  return { redirect: '/public/notices', cookies: [tokenCookie('', req.secure, 0)] };
}

/** Every page, by method and path. Every route but GET passes the forgery check first (`servePages`). */
/** Every page this Lambda serves, by its route in `functions/routes.ts` (`PAGE_ROUTES`: who may open it). */
export const PAGES: PageHandlers<'pages'> = {
  'GET /app': home,
  'GET /app/sign-in': signIn,
  'GET /app/dev-login': devLogin,
  'POST /app/dev-login': devLogin,
  'GET /app/callback': callback,
  'GET /app/sign-out': signOut,
  'POST /app/sign-out': signOut,
  'GET /app/households/{id}': household,
  'GET /app/households/{id}/aid/new': showAidForm,
  'POST /app/households/{id}/aid': submitAid,
  'POST /app/aid/{id}/reverse': reverse,
  'GET /app/reports/floor': floorPage,
};

const serve = pageServer('pages', PAGES, {
  words: WORDS,
  labels: LABELS,
  // A page's write is audited by the same code as the API's: one entry shape, one writer.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
