import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AppError } from '#shared/errors.ts';
import { fileObjection, getNotice, listNotices, NewObjection } from '#shared/notice/index.ts';
import { parseInput } from '#shared/validate.ts';
import { LABELS, WORDS } from '#shared/web/i18n.ts';
import { appendPageAudit } from './lib/audit.ts';
import { db } from './lib/clients.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { limitObjections } from './lib/rate-limit.ts';
import { fieldErrors, type PageHandlers, type PageRequest, type PageResult, pageServer } from './pages/kit.ts';
import { noticePage, noticesPage } from './public-pages/notice-views.ts';

/*
 * GET/POST /public/…: the notice board (公示) and objections from the public, who sign in to nothing. A Lambda of
 * its own: the public's door carries no cadre's or admin's page, and the signed-in pages' function stays within
 * its bundle budget. The same kit serves it (CSRF on the objection form, the route table's `allow`).
 */

async function notices(req: PageRequest): Promise<PageResult> {
  return { title: req.t.noticeBoard, body: noticesPage(req, await listNotices(db)) };
}

async function notice(req: PageRequest, m: RegExpExecArray, errors: Record<string, string> = {}): Promise<PageResult> {
  const n = await getNotice(db, m[1]!);
  return {
    status: Object.keys(errors).length ? 400 : 200,
    title: `${req.t.noticeBoard} · ${n.communityName} ${n.year}`,
    body: noticePage(req, n, req.query.get('filed') ?? undefined, errors),
  };
}

async function object(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  // The API's schema, so the form cannot store what the API refuses (an over-long text).
  let input: NewObjection;
  try {
    input = parseInput(NewObjection, { entryId: req.form.get('entryId') ?? '', text: req.form.get('text') ?? '' });
  } catch (e) {
    return notice(req, m, fieldErrors(e));
  }
  // Counted once the form is well-formed, as the API counts after its schema, on the API's counter per client.
  await limitObjections(req.sourceIp, req.now);
  try {
    const filed = await fileObjection(db, m[1]!, input, req.now);
    // The receipt shows the reference code, which the person can read aloud and look up, not the internal id.
    return { redirect: `/public/notices/${encodeURIComponent(m[1]!)}?filed=${filed.reference}`, audited: filed.id };
  } catch (e) {
    if (e instanceof AppError && e.kind === 'not_found') throw e;
    return notice(req, m, fieldErrors(e));
  }
}

export const PAGES: PageHandlers<'public-pages'> = {
  'GET /public/notices': notices,
  'GET /public/notices/{id}': (req, m) => notice(req, m),
  'POST /public/notices/{id}/objections': object,
};

const serve = pageServer('public-pages', PAGES, {
  words: WORDS,
  labels: LABELS,
  // An objection is a write like any other: audited by the API's writer, under the public caller.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
