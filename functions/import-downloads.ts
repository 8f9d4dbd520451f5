import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { notFound } from '#shared/errors.ts';
import { ImportKind } from '#shared/imports/columns.ts';
import { errorReportFile, type ImportFile, templateFile } from '#shared/imports/files.ts';
import { getImport } from '#shared/imports/jobs.ts';
import { CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE } from '#shared/reports/export.ts';
import { CHROME_WORDS, type ChromeWords } from '#shared/web/chrome-words.ts';
import { db } from './lib/clients.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';
import { type PageHandlers, type PageRequest, type PageResult, pageServer } from './pages/kit.ts';

/**
 * GET /app/downloads/imports/…: the import templates and an import's error report for the admin's imports
 * page, signed in by the page cookie: the same files as `GET /imports/templates/{kind}` and
 * `GET /imports/{id}/errors`. A Lambda of its own: page-downloads is at its budget with the floor report's.
 */

const formatOf = (format: string | undefined) => {
  if (format !== 'csv' && format !== 'xlsx') throw notFound('route.not_found', '没有这种格式的下载');
  return format;
};

const fileDownload = (file: ImportFile): PageResult => ({
  download:
    'text' in file
      ? { bytes: file.text, contentType: CSV_CONTENT_TYPE, fileName: file.fileName }
      : { bytes: file.bytes, contentType: XLSX_CONTENT_TYPE, fileName: file.fileName },
});

async function templateDownload(_req: PageRequest<ChromeWords>, m: RegExpExecArray): Promise<PageResult> {
  const kind = ImportKind.safeParse(m[1]);
  if (!kind.success) throw notFound('route.not_found', '没有这种导入模板');
  return fileDownload(await templateFile(kind.data, formatOf(m[2])));
}

async function errorsDownload(_req: PageRequest<ChromeWords>, m: RegExpExecArray): Promise<PageResult> {
  const format = formatOf(m[2]);
  return fileDownload(await errorReportFile(getObjectStore(), await getImport(db, m[1]!), format));
}

const PAGES: PageHandlers<'import-downloads', ChromeWords> = {
  'GET /app/downloads/imports/templates/{kind}.{format}': templateDownload,
  'GET /app/downloads/imports/{id}/errors.{format}': errorsDownload,
};
const serve = pageServer('import-downloads', PAGES, { words: CHROME_WORDS });

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
