import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { LABELS, WORDS } from '#shared/web/i18n.ts';
import { COMMON_EN, englishCatalogue, LEDGER_EN } from '#shared/web/messages-en.ts';
import {
  aidPhoto,
  photoUploadUrl,
  receiptImage,
  showOutcomeForm,
  showReceipt,
  showVisitForm,
  submitOutcome,
  submitReceipt,
  submitVisit,
  visitPhoto,
} from './household-pages/evidence.ts';
import { appendPageAudit } from './lib/audit.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { type PageHandlers, pageServer } from './pages/kit.ts';
import { EVIDENCE_PAGE_ROUTES } from './routes.ts';

/*
 * The field evidence on a phone (工作留痕, issue 13): a household's receipt of an entry (the signature pad, or a
 * photographed thumbprint slip), outcomes, visits, the presigned photo uploads and the photos themselves. A Lambda
 * of its own beside `household-pages` (the household's page lists all of these): the signature pad, the photo
 * reduction and the object store's presigning would take that one over its bundle budget. Views and handlers are
 * in `functions/household-pages/evidence*.ts`.
 */

/** Every page this Lambda serves, by its route in `functions/routes.ts` (`EVIDENCE_PAGE_ROUTES`). */
export const PAGES: PageHandlers<'evidence-pages'> = {
  'GET /app/aid/{id}/receipt': showReceipt,
  'POST /app/aid/{id}/receipt': submitReceipt,
  'GET /app/aid/{id}/receipt/image': receiptImage,
  'GET /app/aid/{id}/photos/{n}': aidPhoto,
  'GET /app/households/{id}/outcomes/new': showOutcomeForm,
  'POST /app/households/{id}/outcomes': submitOutcome,
  'GET /app/households/{id}/visits/new': showVisitForm,
  'POST /app/households/{id}/visits': submitVisit,
  'GET /app/households/{id}/visits/{visitId}/photos/{n}': visitPhoto,
  'POST /app/households/{id}/uploads': photoUploadUrl,
};

const serve = pageServer(EVIDENCE_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, LEDGER_EN),
  words: WORDS,
  labels: LABELS,
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
