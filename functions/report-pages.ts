import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { LABELS } from '#shared/web/labels.ts';
import { COMMON_EN, englishCatalogue, REPORTS_EN } from '#shared/web/messages-en.ts';
import { REPORT_PAGE_WORDS, type ReportPageWords } from '#shared/web/report-words.ts';
import { appendPageAudit } from './lib/audit.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { type PageHandlers, pageServer } from './pages/kit.ts';
import { CHART_CSS } from './report-pages/charts.ts';
import { exportJobPage, exportsListPage, startExportPage } from './report-pages/exports.ts';
import {
  auditPage,
  floorReportPage,
  summaryPage,
  unitReportPage,
  verificationStatusPage,
} from './report-pages/reports.ts';
import { REPORT_PAGE_ROUTES } from './routes.ts';

/*
 * GET /app/reports/… and /app/exports…: the auditor's report pages (floor compliance, the unit assessment, the campaign summary,
 * verification status, the audit trail) and their downloads as export jobs, server-rendered, for admins and auditors at a desk or on a tablet. A
 * Lambda of its own: the reports' readers and charts would take the sign-in Lambda (`pages`) over its budget.
 */

/** Every page this Lambda serves, by its route in `functions/routes.ts` (`REPORT_PAGE_ROUTES`: who may open it). */
export const PAGES: PageHandlers<'report-pages', ReportPageWords> = {
  'GET /app/reports/floor': floorReportPage,
  'GET /app/reports/units': unitReportPage,
  'GET /app/reports/summary': summaryPage,
  'GET /app/reports/verifications': verificationStatusPage,
  'GET /app/reports/audit': auditPage,
  'POST /app/exports': startExportPage,
  'GET /app/exports': exportsListPage,
  'GET /app/exports/{id}': exportJobPage,
};

/** The export pages' facts, the progress bar and the file name. */
const EXPORT_CSS = `
.facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.5rem 1rem;margin:0 0 1rem}
.facts dt{font-size:.9rem;color:#555}.facts dd{margin:0;font-weight:600}.file-name{overflow-wrap:anywhere}
[data-progress] progress{max-width:40rem}[data-exports] progress{width:6rem;height:.8rem}
.downloads form.inline button{margin:0 .25rem 0 0}.downloads p.muted{margin:0;flex-basis:100%}
`;

const serve = pageServer(REPORT_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, REPORTS_EN),
  words: REPORT_PAGE_WORDS,
  labels: LABELS,
  css: CHART_CSS + EXPORT_CSS,
  // Starting an export is a write (its job item): audited as `POST /exports` is.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
