import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { COMMON_EN, englishCatalogue, PAIRING_EN, REGISTRY_EN } from '#shared/web/messages-en.ts';
import { REGISTRY_WORDS, type RegistryWords } from '#shared/web/registry-words.ts';
import { appendPageAudit } from './lib/audit.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { type PageHandlers, pageServer } from './pages/kit.ts';
import { calendarPage, setDayFromPage } from './registry-pages/calendar.ts';
import { correctIdFromPage, registryPages } from './registry-pages/edit.ts';
import { REGISTRY_CSS } from './registry-pages/list.ts';
import { REGISTRY_PAGE_ROUTES } from './routes.ts';

/*
 * GET/POST /app/admin/{communities,units,cadres,households}…: the registry pages of the admin's workspace (and
 * the working-day calendar's overrides, `/app/admin/calendar`). A
 * Lambda of its own beside `admin-pages`: the registry's commands (households with their sealed ID numbers, the
 * name guards, the lists) would take that function over its bundle budget, and only this one needs the grant to
 * seal resident ID numbers. The kit is the same (sign-in, CSRF, the role check from `PAGE_ROUTES`).
 */

export const PAGES: PageHandlers<'registry-pages', RegistryWords> = {
  ...registryPages('communities'),
  ...registryPages('units'),
  ...registryPages('cadres'),
  ...registryPages('households'),
  'POST /app/admin/households/{id}/id-number': correctIdFromPage,
  'GET /app/admin/calendar': calendarPage,
  'POST /app/admin/calendar': setDayFromPage,
};

const serve = pageServer(REGISTRY_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, REGISTRY_EN, PAIRING_EN),
  words: REGISTRY_WORDS,
  css: REGISTRY_CSS,
  // Page edits name their changed fields before and after (`auditDetail`), as the registry's PATCH routes do.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
