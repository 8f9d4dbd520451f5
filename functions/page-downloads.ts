import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { toCsv } from '#shared/csv.ts';
import { notFound } from '#shared/errors.ts';
import {
  FLOOR_CSV_COLUMNS,
  FLOOR_XLSX_COLUMNS,
  floorCsvRecord,
  floorReport,
  floorXlsxRows,
} from '#shared/floor/report.ts';
import { toXlsx, XLSX_CONTENT_TYPE } from '#shared/reports/export.ts';
import { CHROME_WORDS, type ChromeWords } from '#shared/web/chrome-words.ts';
import { db } from './lib/clients.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { type PageHandlers, type PageRequest, type PageResult, pageServer, reportQuery } from './pages/kit.ts';

/**
 * GET /app/downloads/…: the auditor's report files, signed in by the same cookie as the pages. A Lambda of its
 * own so the page Lambda does not carry the workbook writer (docs/PERFORMANCE.md, bundle sizes).
 */
async function floorDownload(req: PageRequest<ChromeWords>, m: RegExpExecArray): Promise<PageResult> {
  // Who may download is the route's `allow` (functions/routes.ts), checked before this runs.
  if (m[1] !== 'csv' && m[1] !== 'xlsx') throw notFound('route.not_found', '没有这种格式的下载');
  const q = reportQuery(req);
  const report = await floorReport(db, q);
  if (m[1] === 'csv') {
    const text = toCsv(FLOOR_CSV_COLUMNS, report.rows.map(floorCsvRecord));
    return { download: { bytes: text, contentType: 'text/csv; charset=utf-8', fileName: `floor-${q.year}.csv` } };
  }
  const workbook = await toXlsx(`${q.year}年达标情况`, FLOOR_XLSX_COLUMNS, await floorXlsxRows(db, report.rows));
  return { download: { bytes: workbook, contentType: XLSX_CONTENT_TYPE, fileName: `floor-${q.year}.xlsx` } };
}

const PAGES: PageHandlers<'page-downloads', ChromeWords> = { 'GET /app/downloads/floor.{format}': floorDownload };
const serve = pageServer('page-downloads', PAGES, { words: CHROME_WORDS });

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
