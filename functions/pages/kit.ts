import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import type { AuditDetail } from '#shared/audit/index.ts';
import type { Caller } from '#shared/caller.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { AppError, forbidden, notFound } from '#shared/errors.ts';
import { FloorReportQuery } from '#shared/floor/report.ts';
import { formatYuanGrouped } from '#shared/money.ts';
import { parseInput } from '#shared/validate.ts';
import type { ChromeWords, Lang } from '#shared/web/chrome-words.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import type { Words } from '#shared/web/i18n.ts';
import { type EnglishCatalogue, toEnglish } from '#shared/web/messages-en.ts';
import { authorizeRoles } from '../lib/authorize.ts';
import type { ApiEvent, ApiResult } from '../lib/http.ts';
import { enterRequestScope, logger } from '../lib/logger.ts';
import {
  CSRF_FIELD,
  csrfCookieSecret,
  csrfToken,
  csrfTokenMatches,
  LANG_COOKIE,
  newCsrfCookie,
  pageCaller,
  parseCookies,
  TOKEN_COOKIE,
} from '../lib/session.ts';
import { STATUS_OF } from '../lib/status.ts';
import type { PageKey, PageLambda, PageRouteDef } from '../routes.ts';

/**
 * The words and labels a page-serving function renders with. The pages pass every word; the download function
 * only the chrome's (`CHROME_WORDS`), so its bundle carries no page's text.
 */
export interface PageSite<W extends ChromeWords = Words> {
  words: Record<Lang, W>;
  /** Labels of stored codes (objectives, statuses); codes show as themselves without them. */
  labels?: Record<Lang, Record<string, string>>;
  /**
   * Appends a page write to the audit trail (the pages pass the audit module's writer, the same the API's
   * middleware uses); a function whose pages write nothing passes none and carries no audit code.
   */
  audit?: (write: {
    caller: Caller | undefined;
    action: string;
    entityId: string;
    requestId: string;
    detail?: AuditDetail | undefined;
  }) => Promise<void>;
  /** Styles only this function's pages use, after the shared ones (so each bundle carries only its own). */
  css?: string;
  /**
   * English for the domain's (Chinese) messages these pages can show: `englishCatalogue(COMMON_EN, …)` from
   * shared/web/messages-en.ts, only the sections they render. Without one, English pages show them in Chinese.
   */
  english?: EnglishCatalogue;
}

/** One page request: the path's parts, the query, the form body, who is signed in, and the words to use. */
export interface PageRequest<W extends ChromeWords = Words> {
  method: string;
  path: string;
  /** The request's headers, names in lower case. */
  headers: Record<string, string>;
  query: URLSearchParams;
  form: URLSearchParams;
  cookies: Record<string, string>;
  caller: Caller | undefined;
  lang: Lang;
  t: W;
  label: (code: string) => string;
  /**
   * A message from the domain (an error, a field issue, a packet's problem) in the page's language: the domain
   * speaks Chinese, the API keeps it, and an English page shows the catalogue's English (Chinese when unknown).
   */
  say: (message: string) => string;
  /** The function's own styles (`PageSite.css`). */
  css: string;
  now: Date;
  year: number;
  nonce: string;
  secure: boolean;
  origin: string;
  /** The client's address as API Gateway saw it: for rate limits, never stored. */
  sourceIp: string;
  /** API Gateway's request id: it ties the page's writes to the audit trail and the logs. */
  requestId: string;
  /**
   * The secret this browser's form tokens are made from (`csrfField`): the verified session cookie when signed
   * in, else the signed-out forms' cookie; and that cookie, when this answer must set a new one.
   */
  csrf: { secret: string | undefined; cookie?: string };
}

/** Reads the parts of an API Gateway event a page needs (cookies, query, a urlencoded form body). */
export function readRequest<W extends ChromeWords>(
  event: ApiEvent,
  caller: Caller | undefined,
  site: PageSite<W>,
): PageRequest<W> {
  const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v ?? '']));
  const cookies = parseCookies((event.cookies ?? []).concat(headers.cookie ? [headers.cookie] : []));
  const query = new URLSearchParams(event.rawQueryString ?? '');
  const rawBody = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  const form = isForm(headers['content-type']) ? new URLSearchParams(rawBody) : new URLSearchParams();
  const lang: Lang = (query.get('lang') ?? cookies[LANG_COOKIE]) === 'en' ? 'en' : 'zh';
  const english = site.english;
  const now = new Date();
  const proto = headers['x-forwarded-proto'] ?? (event.requestContext.domainName === 'localhost' ? 'http' : 'https');
  const secure = proto === 'https';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath.replace(/\/+$/, '') || '/',
    headers,
    query,
    form,
    cookies,
    caller,
    lang,
    t: site.words[lang],
    label: (code) => site.labels?.[lang][code] ?? code,
    say: lang === 'en' && english ? (message) => toEnglish(english, message) : (message) => message,
    css: site.css ?? '',
    now,
    year: Number(shanghaiDate(now).slice(0, 4)),
    nonce: randomBytes(16).toString('base64'),
    secure,
    origin: `${proto}://${headers.host ?? event.requestContext.domainName}`,
    sourceIp: event.requestContext.http.sourceIp,
    requestId: event.requestContext?.requestId ?? 'local',
    // Signed in, the session cookie `caller` was verified from (servePages reads the same cookies).
    csrf: { secret: caller ? cookies[TOKEN_COOKIE] : csrfCookieSecret(cookies, secure) },
  };
}

/**
 * The hidden field every form that posts carries: the token of this browser's session (or, signed out, of its
 * `la_csrf` cookie, set by this answer when it has none). See `CSRF_FIELD` in functions/lib/session.ts.
 */
export function csrfField(req: PageRequest<ChromeWords>): Html {
  if (!req.csrf.secret) {
    const issued = newCsrfCookie(req.secure);
    req.csrf.secret = issued.secret;
    req.csrf.cookie = issued.cookie;
  }
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(req.csrf.secret)}">`;
}

/** Methods that change nothing; every other one passes `forgeryRefusal` before its handler runs. */
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * Why a form post is refused before its handler runs, or undefined. First (`from: 'browser'`, before sign-in is
 * asked for): the browser says another site sent it, by `Sec-Fetch-Site` other than `same-origin` or `none` (so
 * a sibling `same-site` page too) or an `Origin` other than this one (`null` included) → 403 `auth.csrf`. Then
 * (`from: 'form'`): a body that is not a urlencoded form, the only kind the pages read → 415; no `_csrf` field,
 * or one not made from this browser's session (or signed-out cookie) → 403 `auth.csrf`. Requests without the
 * browser headers (older browsers, scripts) still need the token, which only a page of this site gives out.
 */
function forgeryRefusal(req: PageRequest<ChromeWords>, from: 'browser' | 'form'): AppError | undefined {
  if (SAFE_METHODS.has(req.method)) return undefined;
  const refuse = (reason: string) => {
    logger.warn('form post refused', { reason, path: req.path });
    return forbidden('auth.csrf', req.t.csrfRefused);
  };
  if (from === 'browser') {
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    if (site !== undefined && site !== 'same-origin' && site !== 'none') return refuse(`sec-fetch-site ${site}`);
    if (origin !== undefined && origin.toLowerCase() !== req.origin.toLowerCase()) return refuse('origin');
    return undefined;
  }
  if (!isForm(req.headers['content-type'])) {
    return new AppError('request.content_type', '页面表单只接受 application/x-www-form-urlencoded 格式');
  }
  if (!csrfTokenMatches(req.csrf.secret, req.form.get(CSRF_FIELD))) {
    return refuse(req.form.has(CSRF_FIELD) ? 'token mismatch' : 'token missing');
  }
  return undefined;
}

const isForm = (contentType: string | undefined) =>
  (contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');

export { TOKEN_COOKIE };

/** A page's answer. */
export interface PageResult {
  status?: number;
  body?: Html;
  title?: string;
  redirect?: string;
  cookies?: string[];
  download?: { bytes: Uint8Array | string; contentType: string; fileName: string };
  /** An image shown inside a page (a stored signature), served to the signed-in viewer the handler checked. */
  image?: { bytes: Uint8Array; contentType: string };
  /**
   * Load `url` again after `seconds`: for a page whose state a background workflow is still changing (a round
   * being checked), so the person watching it sees the outcome without knowing to reload. The URL is named
   * because a page answering a form post must not reload the post's address.
   */
  refresh?: { seconds: number; url: string };
  /**
   * Lets the browser keep the page in its history cache. Forms that carry an idempotency key need it: with
   * no-store, the back button reloads the form with a new key, and a resent form would record twice.
   */
  historyCacheable?: boolean;
  /** The entity a successful form post changed: the page layer appends it to the audit trail. */
  audited?: string;
  /**
   * A JSON answer (with `status`), for the one thing a page's script asks for: a presigned upload URL, which a
   * page cannot get from the API (its cookie is not a bearer token).
   */
  json?: unknown;
  /** An origin the page's script may send to (`connect-src`): where a presigned upload goes. */
  connect?: string;
  /** What an edit changed (before and after, a reason), for that entry, as the API's `Reply.audit`. */
  auditDetail?: AuditDetail;
}

/** An amount as people read it: `¥1,050.00` (grouped, as the aid form says what it understood). */
export const yuan = (fen: number) => `¥${formatYuanGrouped(fen)}`;

const CSS = `
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;color:#1d1d1f;background:#f6f7f9}
header{background:#b3261e;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center}
header a{color:#fff}header .brand{font-weight:700;margin-right:auto;text-decoration:none}
main{max-width:60rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.card{background:#fff;border:1px solid #ddd;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.row{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input,select,textarea,button{font:inherit}
input,select,textarea{width:100%;padding:.55rem;border:1px solid #888;border-radius:.35rem;background:#fff}
input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:3px solid #1a73e8;outline-offset:2px}
button,.button{display:inline-block;background:#b3261e;color:#fff;border:0;border-radius:.35rem;padding:.6rem 1.1rem;text-decoration:none;cursor:pointer;margin-top:.75rem}
button.secondary,.button.secondary{background:#555}
.error{color:#b00020;font-size:.95rem;margin:.25rem 0 0}.field-error input,.field-error select,.field-error textarea{border-color:#b00020}
.notice{background:#e8f0fe;border-left:4px solid #1a73e8;padding:.6rem .8rem;margin:0 0 1rem}
.alert{background:#fdecea;border-left:4px solid #b00020;padding:.6rem .8rem;margin:0 0 1rem}
.ok{color:#137333}.bad{color:#b00020}
table{border-collapse:collapse;width:100%;background:#fff;word-break:keep-all}th,td{border-bottom:1px solid #ddd;padding:.45rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.table-wrap{overflow-x:auto}
progress{width:100%;height:1.1rem}
.items .item{display:grid;grid-template-columns:2fr 1fr 1fr;gap:.5rem}
canvas.signature{width:100%;height:12rem;border:2px dashed #888;border-radius:.35rem;background:#fff;touch-action:none}
.muted{color:#555;font-size:.9rem}
.digest{overflow-wrap:anywhere;font-family:ui-monospace,monospace;font-size:.8rem}
.checks{list-style:none;padding:0;margin:.25rem 0}.checks li{margin:.15rem 0}
.household h2{margin-top:0}
.tag{display:inline-block;font-size:.8rem;font-weight:600;padding:0 .4rem;border-radius:.25rem;margin-left:.35rem;vertical-align:middle}
.tag.review{background:#fff3cd;color:#6b4e00;border:1px solid #c99a00}
.ack{border:2px solid #b00020;border-radius:.35rem;padding:.5rem .75rem;margin:.75rem 0}.ack ul{margin:.25rem 0 .5rem;padding-left:1.25rem}
.ack legend{float:left;width:100%;padding:0;margin:0 0 .25rem;font-weight:600}.ack ul{clear:both}.ack label{font-weight:600}.field-error .ack{background:#fdecea}
img.signature{display:block;max-width:100%;height:auto;border:1px solid #ddd;border-radius:.35rem;background:#fff}
dl.decision{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:.5rem 0}dl.decision dt{font-weight:600}dl.decision dd{margin:0;overflow-wrap:anywhere}dl.decision .digest{display:block;line-height:1.4;margin-top:.25rem}.card>h2:first-of-type{margin-top:0}
form.inline{display:inline;margin:0}header button.link{background:none;border:0;border-radius:0;padding:0;margin:0;color:#fff;text-decoration:underline;font:inherit}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
input[type=radio],input[type=checkbox]{width:auto;margin-right:.4rem}
@media(min-width:40rem){.grid2{display:grid;grid-template-columns:1fr 1fr;gap:0 1rem}}
`;

/** The page shell: zh-CN by default, a skip link, the caller's navigation, and a content security policy nonce. */
export function layout(
  req: PageRequest<ChromeWords>,
  title: string,
  body: Html,
  refresh?: PageResult['refresh'],
): Html {
  const c = req.caller;
  const nav: Html[] = [];
  if (c?.roles.has('admin')) nav.push(html`<a href="/app/admin">${req.t.admin}</a>`);
  if (c && (c.roles.has('admin') || c.roles.has('auditor'))) {
    nav.push(
      html`<a href="/app/reports/floor">${req.t.floorReport}</a>`,
      html`<a href="/app/reports/units">${req.t.unitReport}</a>`,
      html`<a href="/app/reports/summary">${req.t.summaryReport}</a>`,
      html`<a href="/app/reports/verifications">${req.t.verificationStatus}</a>`,
      html`<a href="/app/reports/audit">${req.t.auditTrail}</a>`,
      html`<a href="/app/verifications">${req.t.verifications}</a>`,
    );
  }
  nav.push(html`<a href="/public/notices">${req.t.notices}</a>`);
  const other = req.lang === 'zh' ? 'en' : 'zh';
  const switchUrl = `${req.path}?${new URLSearchParams([...req.query.entries()].filter(([k]) => k !== 'lang').concat([['lang', other]]))}`;
  return html`<!doctype html>
<html lang="${req.lang === 'zh' ? 'zh-CN' : 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${refresh ? html`<meta http-equiv="refresh" content="${refresh.seconds}; url=${refresh.url}">` : ''}
<title>${title} · ${req.t.appName}</title>
<style nonce="${req.nonce}">${raw(CSS + req.css)}</style>
</head>
<body>
<a href="#main" class="skip">${req.lang === 'zh' ? '跳到正文' : 'Skip to content'}</a>
<header><a class="brand" href="/app/">${req.t.appName}</a>${nav}<a href="${switchUrl}" lang="${other === 'en' ? 'en' : 'zh-CN'}">${req.t.language}</a>${
    c ? signOutForm(req, 'link') : ''
  }</header>
<main id="main" tabindex="-1">
<h1>${title}</h1>
${body}
</main>
</body>
</html>`;
}

/**
 * Signing out is a form post like every other change, so another site cannot sign the browser out. In the
 * header it looks like the links beside it; its button names no type (a button submits by default), so it is
 * not the page's `button[type=submit]`.
 */
export function signOutForm(req: PageRequest<ChromeWords>, style: 'link' | 'button'): Html {
  return style === 'link'
    ? html`<form method="post" action="/app/sign-out" class="inline">${csrfField(req)}<button class="link" data-sign-out>${req.t.signOut}</button></form>`
    : html`<form method="post" action="/app/sign-out" class="card">${csrfField(req)}<button type="submit" data-sign-out>${req.t.signOut}</button></form>`;
}

/** Turns a page result into the API Gateway response, with security headers on every page. */
export function toResult(req: PageRequest<ChromeWords>, page: PageResult): ApiResult {
  const cookies = [...(page.cookies ?? [])];
  if (req.query.get('lang')) cookies.push(`${LANG_COOKIE}=${req.lang}; Path=/; SameSite=Lax; Max-Age=31536000`);
  if (page.redirect) {
    return { statusCode: 303, headers: { location: page.redirect, 'cache-control': 'no-store' }, body: '', cookies };
  }
  if (page.download) {
    const bytes = page.download.bytes;
    return {
      statusCode: 200,
      headers: {
        'content-type': page.download.contentType,
        'content-disposition': `attachment; filename="${page.download.fileName}"`,
        'cache-control': 'no-store',
      },
      body: typeof bytes === 'string' ? bytes : Buffer.from(bytes).toString('base64'),
      isBase64Encoded: typeof bytes !== 'string',
      cookies,
    };
  }
  if (page.json !== undefined) {
    return {
      statusCode: page.status ?? 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body: JSON.stringify(page.json),
      cookies,
    };
  }
  if (page.image) {
    return {
      statusCode: 200,
      headers: {
        'content-type': page.image.contentType,
        'cache-control': 'private, no-store',
        'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
      },
      body: Buffer.from(page.image.bytes).toString('base64'),
      isBase64Encoded: true,
      cookies,
    };
  }
  const body = layout(req, page.title ?? req.t.appName, page.body ?? html``, page.refresh);
  // A form on this page (or its header) made a new signed-out token: its cookie goes with the page.
  if (req.csrf.cookie) cookies.push(req.csrf.cookie);
  return {
    statusCode: page.status ?? 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': page.historyCacheable ? 'private, no-cache' : 'no-store',
      'content-security-policy': `default-src 'self'; script-src 'nonce-${req.nonce}'; style-src 'nonce-${req.nonce}'; img-src 'self' data:;${
        page.connect ? ` connect-src 'self' ${page.connect};` : ''
      } form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    },
    body: body.text,
    cookies,
  };
}

/** An error page for a domain error: the status its kind maps to, and its message. */
export function errorPage(req: PageRequest<ChromeWords>, e: AppError, status: number): PageResult {
  return {
    status,
    title: req.t.error,
    body: html`<div class="alert" role="alert">${req.say(e.message)}</div><p><a href="/app/">${req.t.back}</a></p>`,
  };
}

/**
 * The request being served's `say`, for `fieldErrors`: every page calls it with the error alone, so it finds the
 * page's language here rather than in an argument (outside a page request messages stay as they are).
 */
const pageSpeech = new AsyncLocalStorage<(message: string) => string>();

/** A domain message in the language of the page being served, for code that has no request (`PageRequest.say`). */
export const sayMessage = (message: string): string => (pageSpeech.getStore() ?? ((m: string) => m))(message);

/**
 * Field errors by field name, from a domain error's issues (paths mapped to the form's field names), in the
 * page's language (`PageRequest.say`).
 */
export function fieldErrors(e: unknown, rename: Record<string, string> = {}): Record<string, string> {
  if (!(e instanceof AppError)) throw e;
  const out: Record<string, string> = {};
  for (const issue of e.issues ?? [{ path: '_', message: e.message }]) {
    const field = rename[issue.path] ?? issue.path.split('.')[0] ?? '_';
    out[field] ??= sayMessage(issue.message);
  }
  if (!e.issues) out._ = sayMessage(e.message);
  return out;
}

/**
 * A form field with its label and, when it has one, its error right beneath, tied by aria-describedby. The error
 * is said in the page's language here too, so a message a page makes itself in Chinese reads in English as well.
 */
export function field(name: string, labelText: string, control: Html, error?: string): Html {
  return html`<div class="${error ? 'field-error' : ''}"><label for="${name}">${labelText}</label>${control}${
    error ? html`<p class="error" id="${name}-error" role="alert">${sayMessage(error)}</p>` : ''
  }</div>`;
}

/** `aria-invalid`/`aria-describedby` attributes for a control whose field has an error. */
export function invalidAttrs(name: string, error?: string): Html {
  return error ? raw(` aria-invalid="true" aria-describedby="${name}-error"`) : raw('');
}

/** What serves one page: the request, and the path's `{…}` segments in order (`m[1]`, …). */
export type PageHandler<W extends ChromeWords = Words> = (
  req: PageRequest<W>,
  m: RegExpExecArray,
) => Promise<PageResult>;

/** A page Lambda's pages: one handler for each of its routes in `PAGE_ROUTES` (the compiler checks both ways). */
export type PageHandlers<H extends PageRouteDef['handler'], W extends ChromeWords = Words> = Record<
  PageKey<H>,
  PageHandler<W>
>;

interface CompiledPage<W extends ChromeWords> {
  route: PageRouteDef;
  pattern: RegExp;
  handler: PageHandler<W>;
}

/** The routes of one page Lambda, from the one table, with their path templates as patterns. */
function compilePages<W extends ChromeWords, H extends PageLambda>(
  routes: readonly PageRouteDef<H>[],
  handlers: PageHandlers<H, W>,
): CompiledPage<W>[] {
  return routes.map((route) => ({
    route,
    pattern: new RegExp(`^${route.path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '([\\w-]{1,128})')}$`),
    handler: handlers[`${route.method} ${route.path}` as PageKey<H>],
  }));
}

/**
 * Serves a page request: reads the sign-in cookie, finds the route, sends the signed-out to sign in, and maps
 * domain errors to error pages with the status their kind maps to (the API's table, `STATUS_OF`).
 */
export function pageServer<W extends ChromeWords, H extends PageLambda>(
  routes: readonly PageRouteDef<H>[],
  handlers: PageHandlers<H, W>,
  site: PageSite<W>,
): (event: ApiEvent) => Promise<ApiResult> {
  const pages = compilePages(routes, handlers);
  return (event) => servePages(event, pages, site);
}

async function servePages<W extends ChromeWords>(
  event: ApiEvent,
  pages: readonly CompiledPage<W>[],
  site: PageSite<W>,
): Promise<ApiResult> {
  enterRequestScope(event.requestContext?.requestId ?? 'local');
  const cookies = parseCookies((event.cookies ?? []).concat(event.headers?.cookie ? [event.headers.cookie] : []));
  const caller = await pageCaller(cookies[TOKEN_COOKIE]);
  const req = readRequest(event, caller, site);
  return pageSpeech.run(req.say, () => servePage(req, caller, pages, site));
}

async function servePage<W extends ChromeWords>(
  req: PageRequest<W>,
  caller: Caller | undefined,
  pages: readonly CompiledPage<W>[],
  site: PageSite<W>,
): Promise<ApiResult> {
  try {
    for (const { route, pattern, handler } of pages) {
      const m = req.method === route.method ? pattern.exec(req.path) : null;
      if (!m) continue;
      const { method, allow } = route;
      // Before the handler, so a refused post writes nothing and counts nothing (not even a rate limit). Another
      // site's post is refused whether or not the browser sent the cookie; one of this site whose session has
      // ended is sent to sign in.
      const crossSite = forgeryRefusal(req, 'browser');
      if (crossSite) return toResult(req, errorPage(req, crossSite, STATUS_OF[crossSite.kind]));
      if (!caller && allow !== 'public') return toResult(req, { redirect: '/app/sign-in' });
      const forged = forgeryRefusal(req, 'form');
      if (forged) return toResult(req, errorPage(req, forged, STATUS_OF[forged.kind]));
      // The same role check as every API route, from the same table; scopes are the domain's to check.
      if (caller) authorizeRoles(allow, caller);
      const page = await handler(req, m);
      if (page.audited) {
        if (!site.audit) throw new Error(`${method} ${route.path} wrote, and this function audits nothing`);
        await site.audit({
          caller,
          action: `PAGE ${method} ${req.path}`,
          entityId: page.audited,
          requestId: req.requestId,
          detail: page.auditDetail,
        });
      }
      return toResult(req, page);
    }
    throw notFound('route.not_found', '没有这个页面');
  } catch (e) {
    if (e instanceof AppError) {
      if (e.kind === 'unauthenticated') return toResult(req, { redirect: '/app/sign-in' });
      return toResult(req, errorPage(req, e, STATUS_OF[e.kind]));
    }
    logger.error('page error', { error: e as Error, path: req.path });
    return toResult(req, errorPage(req, new AppError('internal', '服务器内部错误，请稍后重试'), 500));
  }
}

/** The floor report's filters from a page's query string (this year by default). */
export function reportQuery(req: PageRequest<ChromeWords>) {
  const query = {
    year: req.query.get('year') ?? String(req.year),
    communityId: req.query.get('communityId') || undefined,
    unitId: req.query.get('unitId') || undefined,
  };
  return parseInput(FloorReportQuery, query, '查询条件');
}
