import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { LABELS, WORDS } from '#shared/web/i18n.ts';
import { COMMON_EN, englishCatalogue, REPORTS_EN } from '#shared/web/messages-en.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { type PageHandlers, pageServer } from './pages/kit.ts';
import { CHART_CSS } from './report-pages/charts.ts';
import {
  auditPage,
  floorReportPage,
  summaryPage,
  unitReportPage,
  verificationStatusPage,
} from './report-pages/reports.ts';
import { REPORT_PAGE_ROUTES } from './routes.ts';

/*
 * GET /app/reports/…: the auditor's report pages (floor compliance, the unit assessment, the campaign summary,
 * verification status, the audit trail), server-rendered, for admins and auditors at a desk or on a tablet. A
 * Lambda of its own: the reports' readers and charts would take the sign-in Lambda (`pages`) over its budget.
 */

/** Every page this Lambda serves, by its route in `functions/routes.ts` (`REPORT_PAGE_ROUTES`: who may open it). */
export const PAGES: PageHandlers<'report-pages'> = {
  'GET /app/reports/floor': floorReportPage,
  'GET /app/reports/units': unitReportPage,
  'GET /app/reports/summary': summaryPage,
  'GET /app/reports/verifications': verificationStatusPage,
  'GET /app/reports/audit': auditPage,
};

const serve = pageServer(REPORT_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, REPORTS_EN),
  words: WORDS,
  labels: LABELS,
  css: CHART_CSS,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
