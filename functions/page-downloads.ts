import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { notFound } from '#shared/errors.ts';
import { CHROME_WORDS, type ChromeWords } from '#shared/web/chrome-words.ts';
import { floorExport } from './lib/floor-export.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { type PageHandlers, type PageRequest, type PageResult, pageServer, reportQuery } from './pages/kit.ts';

/**
 * GET /app/downloads/…: the auditor's report files, signed in by the same cookie as the pages. A Lambda of its
 * own so the page Lambda does not carry the workbook writer (docs/PERFORMANCE.md, bundle sizes).
 */
async function floorDownload(req: PageRequest<ChromeWords>, m: RegExpExecArray): Promise<PageResult> {
  // Who may download is the route's `allow` (functions/routes.ts), checked before this runs.
  if (m[1] !== 'csv' && m[1] !== 'xlsx') throw notFound('route.not_found', '没有这种格式的下载');
  // The one export path of the floor report, with its size guard (413 past what one answer may carry).
  const reply = await floorExport({ ...reportQuery(req), format: m[1] });
  if ('json' in reply) throw notFound('route.not_found', '没有这种格式的下载');
  const bytes = 'bytes' in reply ? reply.bytes : reply.text;
  return { download: { bytes, contentType: reply.contentType, fileName: reply.fileName ?? `floor.${m[1]}` } };
}

const PAGES: PageHandlers<'page-downloads', ChromeWords> = { 'GET /app/downloads/floor.{format}': floorDownload };
const serve = pageServer('page-downloads', PAGES, { words: CHROME_WORDS });

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
