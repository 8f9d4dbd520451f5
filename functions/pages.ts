import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { markSignedIn } from '#shared/accounts/list.ts';
import { listHouseholdYearRecords } from '#shared/aid/ledger.ts';
import { totalsOf } from '#shared/aid/rules.ts';
import { hasRole } from '#shared/caller.ts';
import { AppError, forbidden, invalid, notFound } from '#shared/errors.ts';
import { listCadrePairings } from '#shared/pairing/index.ts';
import { currentRound } from '#shared/verification/index.ts';
import { html } from '#shared/web/html.ts';
import { LABELS, WORDS } from '#shared/web/i18n.ts';
import { COMMON_EN, englishCatalogue, PAIRING_EN } from '#shared/web/messages-en.ts';
import { safeNextPath } from '#shared/web/redirect.ts';
import { appendPageAudit } from './lib/audit.ts';
import { db } from './lib/clients.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { exchangeCode, hostedSignInUrl, localSession, pageCaller, tokenCookie } from './lib/session.ts';
import { type PageHandlers, type PageRequest, type PageResult, pageServer, signOutForm } from './pages/kit.ts';
import { cadreHome, devLoginPage } from './pages/views.ts';
import { APP_PAGE_ROUTES } from './routes.ts';

/*
 * GET/POST /app/…: the sign-in and the cadre's home, server-rendered, one Lambda (a household's pages are
 * `household-pages`, the verification pages `verification-pages`, the auditor's reports `report-pages`). Forms post back here and redirect
 * (post/redirect/get); the browser carries the sign-in token in an HttpOnly cookie, verified by the kit, which
 * also checks each page's roles from `PAGE_ROUTES` (functions/routes.ts) before the page below runs.
 */

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
};

const serve = pageServer(APP_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, PAIRING_EN),
  words: WORDS,
  labels: LABELS,
  // A page's write is audited by the same code as the API's: one entry shape, one writer.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
