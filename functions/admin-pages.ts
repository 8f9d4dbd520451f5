import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { ADMIN_WORDS, type AdminWords } from '#shared/web/admin-words.ts';
import { ACCOUNTS_EN, COMMON_EN, englishCatalogue, NOTICE_EN, PAIRING_EN } from '#shared/web/messages-en.ts';
import { adminHome } from './admin-pages/home.ts';
import { objectionsPage, resolveFromPage } from './admin-pages/objections.ts';
import {
  assignFromPage,
  carryOverFromPage,
  endFromPage,
  pairingsPage,
  reassignFromPage,
} from './admin-pages/pairings.ts';
import { accountAct, inviteFromPage, usersPage } from './admin-pages/users.ts';
import { appendPageAudit } from './lib/audit.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { type PageHandlers, pageServer } from './pages/kit.ts';
import { ADMIN_PAGE_ROUTES } from './routes.ts';

/*
 * GET/POST /app/admin/…: the admin's workspace (registry, pairings, imports, objections, accounts). A Lambda of
 * its own: the field pages' function is at its bundle budget, and a cadre's phone never needs these. The kit
 * is the same (sign-in, CSRF, the role check from `PAGE_ROUTES`), so every door checks the same way.
 */

export const PAGES: PageHandlers<'admin-pages', AdminWords> = {
  'GET /app/admin': adminHome,
  'GET /app/admin/objections': (req) => objectionsPage(req),
  'POST /app/admin/objections/{id}/resolution': resolveFromPage,
  'GET /app/admin/users': (req) => usersPage(req),
  'POST /app/admin/users': inviteFromPage,
  'POST /app/admin/users/{id}/disable': accountAct('disable'),
  'POST /app/admin/users/{id}/enable': accountAct('enable'),
  'POST /app/admin/users/{id}/resend': accountAct('resend'),
  'GET /app/admin/pairings': (req) => pairingsPage(req),
  'POST /app/admin/pairings': assignFromPage,
  'POST /app/admin/pairings/reassignment': reassignFromPage,
  'POST /app/admin/pairings/end': endFromPage,
  'POST /app/admin/pairings/carry-over': carryOverFromPage,
};

const CSS = `
blockquote{margin:.5rem 0;padding:.5rem .75rem;border-left:4px solid #888;background:#fafafa;white-space:pre-wrap}
fieldset{border:1px solid #ddd;border-radius:.35rem;margin:.75rem 0}fieldset label{font-weight:400}
main{max-width:75rem}
ol.steps{padding-left:1.5rem;display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:1rem}ol.steps li{margin:0}ol.steps h2{margin:0 0 .25rem}
table.users form.inline button{margin:.1rem 0;padding:.3rem .7rem}
.grid4{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:0 1rem}
.acts{display:grid;grid-template-columns:repeat(auto-fit,minmax(20rem,1fr));gap:0 1rem}.acts h3{margin:0 0 .25rem;font-size:1.05rem}
dl.counts{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin:.75rem 0}dl.counts dt{font-weight:400;color:#555}dl.counts dd{margin:0;font-size:1.5rem;font-weight:700}
`;

const serve = pageServer(ADMIN_PAGE_ROUTES, PAGES, {
  words: ADMIN_WORDS,
  english: englishCatalogue(COMMON_EN, PAIRING_EN, ACCOUNTS_EN, NOTICE_EN),
  css: CSS,
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
