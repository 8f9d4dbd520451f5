import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { AppError } from '#shared/errors.ts';
import { ImportRequest, startImport } from '#shared/imports/index.ts';
import { parseInput } from '#shared/validate.ts';
import { html } from '#shared/web/html.ts';
import { IMPORT_WORDS, type ImportWords } from '#shared/web/import-words.ts';
import { COMMON_EN, englishCatalogue, IMPORT_EN, REGISTRY_EN } from '#shared/web/messages-en.ts';
import { importPage, importsPage, uploadUrlFromPage } from './import-pages/views.ts';
import { appendPageAudit } from './lib/audit.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { importDeps } from './lib/import-deps.ts';
import { getImportRunner } from './lib/import-jobs.ts';
import { STATUS_OF } from './lib/status.ts';
import { type PageHandlers, type PageRequest, type PageResult, pageServer } from './pages/kit.ts';
import { IMPORT_PAGE_ROUTES } from './routes.ts';

/*
 * GET/POST /app/admin/imports…: the admin's bulk import pages (the kinds and their templates, the upload, the
 * dry run's report, a commit's progress). A Lambda of its own: the import's readers and rules (the XLSX
 * reader, every kind's checks) do not fit one bundle with the rest of the admin's pages (docs/ARCHITECTURE.md).
 */

/**
 * POST /app/admin/imports: a dry run or a commit, through the same command as `POST /imports`; both redirect to
 * the import's page. A refused file (no file, wrong columns for the kind, rows with errors on "import all") is
 * shown with its message and each issue, and a way back.
 */
async function importFromPage(req: PageRequest<ImportWords>): Promise<PageResult> {
  const kind = req.form.get('kind') ?? '';
  const key = req.form.get('key')?.trim() ?? '';
  try {
    const input = parseInput(ImportRequest, {
      kind,
      key,
      dryRun: req.form.get('dryRun') !== '0',
      ...(req.form.get('skipInvalid') === '1' ? { skipInvalid: true } : {}),
    });
    const started = await startImport(
      { ...(await importDeps(req.now)), runner: getImportRunner() },
      input,
      req.caller!.sub,
    );
    const id = started.json.id;
    return { redirect: `/app/admin/imports/${id}`, ...(input.dryRun ? {} : { audited: id }) };
  } catch (e) {
    if (!(e instanceof AppError) || e.kind !== 'invalid') throw e;
    // The form's fields are a select and a file; what can be wrong is the file: its message, and each issue.
    const issues = (e.issues ?? []).filter((i) => i.message !== e.message).slice(0, 50);
    return {
      status: STATUS_OF[e.kind],
      title: req.t.importRefused,
      body: html`<div class="alert" role="alert">${key ? req.say(e.message) : req.t.chooseFile}</div>${
        key && issues.length
          ? html`<ul class="errors">${issues.map((i) => html`<li>${req.say(i.message)}</li>`)}</ul>`
          : ''
      }<p><a href="/app/admin/imports${/^[\w-]{1,20}$/.test(kind) ? `?kind=${kind}` : ''}">${req.t.backToImports}</a></p>`,
    };
  }
}

const PAGES: PageHandlers<'import-pages', ImportWords> = {
  'GET /app/admin/imports': importsPage,
  'POST /app/admin/imports/uploads': uploadUrlFromPage,
  'POST /app/admin/imports': importFromPage,
  'GET /app/admin/imports/{id}': importPage,
};

const CSS = `
main{max-width:75rem}
dl.counts{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin:.75rem 0}dl.counts dt{color:#555}dl.counts dd{margin:0;font-size:1.5rem;font-weight:700}
.nowrap{white-space:nowrap}table.cols{font-size:.9rem;margin:.25rem 0}details summary{cursor:pointer;color:#1a56b8;margin-top:.25rem}
.tag.running{background:#fff3cd;color:#6b4e00;border:1px solid #c99a00}.tag.done{background:#e6f4ea;color:#137333;border:1px solid #137333}.tag.failed{background:#fdecea;color:#b00020;border:1px solid #b00020}
.actions{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:baseline}
`;

const serve = pageServer(IMPORT_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, IMPORT_EN, REGISTRY_EN),
  words: IMPORT_WORDS,
  css: CSS,
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
