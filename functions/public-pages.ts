import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { beijingTime } from '#shared/dates.ts';
import { AppError, RateLimitedError } from '#shared/errors.ts';
import { fileObjection, getNotice, listNotices, NewObjection } from '#shared/notice/index.ts';
import { objectionStatus } from '#shared/notice/objections.ts';
import { type Community, findEntity } from '#shared/registry/entities.ts';
import { parseInput } from '#shared/validate.ts';
import { COMMON_EN, englishCatalogue, NOTICE_EN, VERIFICATION_EN } from '#shared/web/messages-en.ts';
import { PUBLIC_LABELS, PUBLIC_WORDS, type PublicWords } from '#shared/web/public-words.ts';
import { appendPageAudit } from './lib/audit.ts';
import { db } from './lib/clients.ts';
import { getOptionalFromEnv } from './lib/env.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { limitObjections } from './lib/rate-limit.ts';
import { fieldErrors, type PageHandlers, type PageRequest, type PageResult, pageServer } from './pages/kit.ts';
import { type NoticeForm, noticePage, noticesPage, objectionStatusPage } from './public-pages/notice-views.ts';
import { PUBLIC_PAGE_ROUTES } from './routes.ts';

/*
 * GET/POST /public/…: the notice board (公示) and objections from the public, who sign in to nothing. A Lambda of
 * its own: the public's door carries no cadre's or admin's page, and the signed-in pages' function stays within
 * its bundle budget. The same kit serves it (CSRF on the objection form, the route table's `allow`), with its own
 * words (`public-words.ts`).
 */

type Req = PageRequest<PublicWords>;

/** The city's supervision phone (监督电话) printed on every notice, unless the community has one of its own. */
const SUPERVISION_PHONE = getOptionalFromEnv('SUPERVISION_PHONE');

async function notices(req: Req): Promise<PageResult> {
  return { title: req.t.noticeBoard, body: noticesPage(req, await listNotices(db)) };
}

async function notice(req: Req, m: RegExpExecArray, form: Partial<NoticeForm> = {}, status = 200): Promise<PageResult> {
  const n = await getNotice(db, m[1]!);
  const community = await findEntity<Community>(db, 'community', n.communityId);
  return {
    status,
    title: req.t.noticeTitle(n.communityName, n.year),
    body: noticePage(req, n, community?.supervisionPhone ?? SUPERVISION_PHONE, {
      filed: req.query.get('filed') ?? undefined,
      errors: {},
      ...form,
    }),
  };
}

async function object(req: Req, m: RegExpExecArray): Promise<PageResult> {
  // What was typed goes back into the form whenever it is shown again, so nothing the person wrote is lost.
  const typed = { entryId: req.form.get('entryId') ?? '', text: req.form.get('text') ?? '' };
  // The API's schema, so the form cannot store what the API refuses (an over-long text).
  let input: NewObjection;
  try {
    input = parseInput(NewObjection, typed);
  } catch (e) {
    return notice(req, m, { errors: fieldErrors(e), typed }, 400);
  }
  try {
    // Counted once the form is well-formed, as the API counts after its schema, on the API's counter per client.
    await limitObjections(req.sourceIp, req.now);
  } catch (e) {
    if (!(e instanceof RateLimitedError)) throw e;
    const at = beijingTime(new Date(req.now.getTime() + e.retryAfterSeconds * 1000));
    return notice(req, m, { errors: { _: req.t.rateLimited(at) }, typed }, 429);
  }
  try {
    const filed = await fileObjection(db, m[1]!, input, req.now);
    // The receipt shows the reference code, which the person can read aloud and look up, not the internal id.
    return { redirect: `/public/notices/${encodeURIComponent(m[1]!)}?filed=${filed.reference}`, audited: filed.id };
  } catch (e) {
    if (e instanceof AppError && e.kind === 'not_found') throw e;
    return notice(req, m, { errors: fieldErrors(e), typed }, 400);
  }
}

/** An objection's status by its reference code: the form alone, or the status; an unknown reference is a 404. */
async function lookUp(req: Req): Promise<PageResult> {
  const reference = req.query.get('reference') ?? '';
  const title = req.t.objectionStatus;
  if (!reference.trim()) return { title, body: objectionStatusPage(req, '', undefined, undefined) };
  try {
    const found = await objectionStatus(db, reference);
    return { title, body: objectionStatusPage(req, found.reference, found, undefined) };
  } catch (e) {
    if (e instanceof AppError && e.kind === 'invalid') {
      return {
        status: 400,
        title,
        body: objectionStatusPage(req, reference, undefined, req.say(e.issues?.[0]?.message ?? e.message)),
      };
    }
    throw e;
  }
}

/**
 * Print (A4, for the bulletin board): the notice alone, black on white, the table unbroken by the page where it
 * can be, and the QR code, the seal and date line and the supervision phone at the foot. The header (navigation,
 * the language switch), the objection form and the verify link are for the screen.
 */
const CSS = `
.basis{margin:0 0 .75rem}
.issuer{display:flex;flex-wrap:wrap;gap:1rem 2rem;align-items:flex-end;justify-content:space-between;margin:1.5rem 0 .5rem}
.qr-box{margin:0;text-align:center;font-size:.85rem}.qr-box svg{width:9rem;height:9rem;display:block;margin:0 auto}
.sign-off{text-align:right;margin-left:auto}.sign-off p{margin:.35rem 0}.seal{display:inline-block;min-width:5em}
@page{size:A4;margin:18mm 16mm}
@media print{
header,.skip,.no-print{display:none!important}
body{background:#fff;font-size:11pt;color:#000}main{max-width:none;padding:0}
h1{text-align:center;font-size:18pt;margin:0 0 10pt}
.table-wrap{overflow:visible}table{font-size:11pt}th,td{border:1px solid #000;padding:3pt 6pt}thead{display:table-header-group}tr{break-inside:avoid}
.tag.review{border:1px solid #000;background:none;color:#000}
.issuer{break-inside:avoid;margin-top:14pt}.qr-box svg{width:30mm;height:30mm}
a{color:#000;text-decoration:none}
}`;

export const PAGES: PageHandlers<'public-pages', PublicWords> = {
  'GET /public/notices': notices,
  'GET /public/notices/{id}': (req, m) => notice(req, m),
  'POST /public/notices/{id}/objections': object,
  'GET /public/objections/status': lookUp,
};

const serve = pageServer(PUBLIC_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, VERIFICATION_EN, NOTICE_EN),
  words: PUBLIC_WORDS,
  labels: PUBLIC_LABELS,
  css: CSS,
  // An objection is a write like any other: audited by the API's writer, under the public caller.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
