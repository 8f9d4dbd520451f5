import type { AppError } from '#shared/errors.ts';
import type { ExportReport } from '#shared/exports/reports.ts';
import { type Html, html } from '#shared/web/html.ts';
import { REPORT_WORDS, type ReportPageWords } from '#shared/web/report-words.ts';
import { csrfField, type PageRequest as KitRequest } from '../pages/kit.ts';

/** A request of the report pages: their words (`REPORT_PAGE_WORDS`), not every page's. */
type PageRequest = KitRequest<ReportPageWords>;

/**
 * The report pages' downloads (issue 14, item 2): every download is an export job, started by a small form that
 * posts the report and the page's current filters to `POST /app/exports`. Separate from the job's pages
 * (`exports.ts`), which render the report pages again when an export is refused.
 */

/**
 * The filters each report's export takes, by the names of its query parameters (`FILTERS` in shared/exports):
 * the page's own filters beyond these (search, sort, only below the floor, person) narrow what is shown, not
 * what a file holds. A Map, so a posted `report=__proto__` finds nothing.
 */
export const EXPORT_FILTER_NAMES: ReadonlyMap<string, readonly string[]> = new Map<ExportReport, readonly string[]>([
  ['floor', ['year', 'districtId', 'townshipId', 'communityId', 'unitId']],
  ['units', ['year', 'districtId', 'townshipId']],
  ['summary', ['year', 'districtId', 'townshipId']],
  ['verifications', ['year', 'districtId', 'townshipId', 'communityId']],
  ['audit', ['entityId', 'from', 'to']],
]);

/** The export a post of this request was refused, for the report page shown again with it (400). */
const refusals = new WeakMap<PageRequest, AppError>();

/** Marks `req` (the report page's request rebuilt from the post) as answering a refused export. */
export function withRefusal(req: PageRequest, e: AppError): PageRequest {
  refusals.set(req, e);
  return req;
}

/** The messages of a refused export: its field issues, or its message. */
export function refusalMessages(req: PageRequest, e: AppError): string[] {
  const messages = e.issues?.length ? e.issues.map((i) => i.message) : [e.message];
  return [...new Set(messages)].map((m) => req.say(m));
}

/** The hidden fields of a form that starts an export of `report` with `filters` (the format is its button's). */
export function exportFields(report: ExportReport, filters: Record<string, string | number | undefined>): Html {
  const names = EXPORT_FILTER_NAMES.get(report) ?? [];
  const kept = names.flatMap((n) => {
    const v = filters[n];
    return v === undefined || v === '' ? [] : [[n, String(v)] as const];
  });
  return html`<input type="hidden" name="report" value="${report}">${kept.map(
    ([n, v]) => html`<input type="hidden" name="${n}" value="${v}">`,
  )}`;
}

/**
 * A report page's download area: one form, the report and the page's filters as hidden fields, a button per
 * format (the pressed one sends `format`). Its buttons name no type, so the filter form's `button[type=submit]`
 * stays the page's one.
 */
export function downloadArea(
  req: PageRequest,
  report: ExportReport,
  filters: Record<string, string | number | undefined>,
): Html {
  const w = REPORT_WORDS[req.lang];
  const refused = refusals.get(req);
  return html`<section class="card downloads" data-downloads="${report}"><h2>${w.downloads}</h2>${
    refused
      ? html`<div class="alert" role="alert" data-export-refused><strong>${w.exportRefused}</strong>${refusalMessages(
          req,
          refused,
        ).map((m) => html`<p>${m}</p>`)}</div>`
      : ''
  }<form method="post" action="/app/exports" class="inline">${csrfField(req)}${exportFields(report, filters)}<button name="format" value="csv" class="secondary">${req.t.downloadCsv}</button> <button name="format" value="xlsx" class="secondary">${req.t.downloadXlsx}</button></form><p class="muted">${w.downloadsNote} <a href="/app/exports">${w.myExports}</a></p></section>`;
}
