import { beijingTime } from '#shared/dates.ts';
import { AppError, notFound } from '#shared/errors.ts';
import { type ExportView, getExport, listExports, startExport } from '#shared/exports/job.ts';
import type { ExportReport } from '#shared/exports/reports.ts';
import { type Community, listEntities } from '#shared/registry/entities.ts';
import { namesOf } from '#shared/reports/names.ts';
import { type Html, html } from '#shared/web/html.ts';
import { REPORT_WORDS, type ReportPageWords, type ReportWords } from '#shared/web/report-words.ts';
import { db } from '../lib/clients.ts';
import { getExportRunner } from '../lib/export-jobs.ts';
import { getObjectStore } from '../lib/objects.ts';
import { csrfField, type PageRequest as KitRequest, type PageHandler, type PageResult } from '../pages/kit.ts';
import { EXPORT_FILTER_NAMES, exportFields, refusalMessages, withRefusal } from './export-form.ts';
import {
  auditPage,
  floorReportPage,
  reportTabs,
  summaryPage,
  unitReportPage,
  verificationStatusPage,
} from './reports.ts';

/** A request of the report pages: their words (`REPORT_PAGE_WORDS`), not every page's. */
type PageRequest = KitRequest<ReportPageWords>;

/**
 * Export jobs from the report pages (issue 14, item 2): the download forms' post starts one through the same
 * domain function as `POST /exports`, the job's page shows its progress (reloading itself every 2 s, no script)
 * and then the download link, and `/app/exports` lists the requester's recent exports. A job is the requester's
 * and the admins' only: anyone else gets the 404 the API gives.
 */

const words = (req: PageRequest): ReportWords => REPORT_WORDS[req.lang];

/** Each report's page, where its download form is and where a refused export is shown again. */
const REPORT_PAGES: ReadonlyMap<string, { path: string; page: PageHandler<ReportPageWords> }> = new Map<
  ExportReport,
  { path: string; page: PageHandler<ReportPageWords> }
>([
  ['floor', { path: '/app/reports/floor', page: floorReportPage }],
  ['units', { path: '/app/reports/units', page: unitReportPage }],
  ['summary', { path: '/app/reports/summary', page: summaryPage }],
  ['verifications', { path: '/app/reports/verifications', page: verificationStatusPage }],
  ['audit', { path: '/app/reports/audit', page: auditPage }],
]);

function reportName(req: PageRequest, report: string): string {
  const w = words(req);
  const names: Record<ExportReport, string> = {
    floor: req.t.floorReport,
    units: w.unitReport,
    summary: w.summary,
    verifications: w.verificationStatus,
    audit: w.auditTrail,
  };
  return names[report as ExportReport] ?? report;
}

/**
 * POST /app/exports: starts an export of the posted report, format and filters and shows its page (303). A
 * refused one (a bad filter, an audit range over 31 days) shows the report page again with those filters and the
 * reason beside the download buttons (400), nothing written.
 */
export async function startExportPage(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const report = req.form.get('report') ?? '';
  const filters: Record<string, string> = {};
  for (const n of EXPORT_FILTER_NAMES.get(report) ?? []) {
    const v = req.form.get(n);
    if (v !== null && v.trim() !== '') filters[n] = v;
  }
  const format = req.form.get('format') ?? '';
  try {
    const { id } = await startExport(db, getExportRunner(), req.caller!, { report, format, filters }, req.now);
    return { redirect: `/app/exports/${id}`, audited: id };
  } catch (e) {
    if (!(e instanceof AppError) || e.kind === 'internal') throw e;
    const target = REPORT_PAGES.get(report);
    if (!target) {
      return {
        status: 400,
        title: words(req).exportRefused,
        body: html`<div class="alert" role="alert" data-export-refused>${refusalMessages(req, e).map((s) => html`<p>${s}</p>`)}</div><p><a href="/app/reports/floor">${words(req).backToReport}</a></p>`,
      };
    }
    // The report page as its GET with the posted filters would show it, and the refusal in its download area.
    const shown = withRefusal({ ...req, method: 'GET', path: target.path, query: new URLSearchParams(filters) }, e);
    return { ...(await target.page(shown, m)), status: 400 };
  }
}

const ID = /^[\w-]{1,64}$/;

/** The job's filters in words: each by its label, regions, communities and units by name. */
async function filterWords(req: PageRequest, filters: Record<string, string>): Promise<[string, string][]> {
  const w = words(req);
  const f = filters;
  const communities = f.districtId || f.townshipId ? await listEntities<Community>(db, 'community') : [];
  const community = f.communityId ? await namesOf(db, 'community', [f.communityId]) : new Map<string, string>();
  const unit = f.unitId ? await namesOf(db, 'unit', [f.unitId]) : new Map<string, string>();
  const out: [string, string][] = [];
  if (f.year) out.push([req.t.year, f.year]);
  if (f.districtId) {
    out.push([w.district, communities.find((c) => c.districtId === f.districtId)?.district ?? f.districtId]);
  }
  if (f.townshipId) {
    out.push([w.township, communities.find((c) => c.townshipId === f.townshipId)?.township ?? f.townshipId]);
  }
  if (f.communityId) out.push([req.t.community, community.get(f.communityId) ?? f.communityId]);
  if (f.unitId) out.push([req.t.unit, unit.get(f.unitId) ?? f.unitId]);
  if (f.entityId) out.push([w.entityShort, f.entityId]);
  if (f.from) out.push([w.from, f.from]);
  if (f.to) out.push([w.to, f.to]);
  return out;
}

function statusName(req: PageRequest, status: ExportView['status']): string {
  const w = words(req);
  return status === 'done' ? w.statusDone : status === 'failed' ? w.statusFailed : w.statusRunning;
}

/** A file name as it is: made of the report's Chinese title and the filters' names, whatever the page's language. */
const fileNameOf = (view: ExportView): Html => html`<span lang="zh-CN" class="file-name">${view.fileName}</span>`;

/** The progress bar: rows written of rows expected, else partitions read, else a bar still waiting to start. */
function progress(req: PageRequest, view: ExportView): Html {
  const w = words(req);
  if (view.rowsTotal > 0) {
    const text = w.progressRows(view.rowsDone, view.rowsTotal);
    return html`<progress max="${view.rowsTotal}" value="${Math.min(view.rowsDone, view.rowsTotal)}" aria-label="${text}"></progress><p>${text}</p>`;
  }
  if (view.partitionsTotal > 0) {
    const text = w.progressParts(view.partitionsDone, view.partitionsTotal);
    return html`<progress max="${view.partitionsTotal}" value="${view.partitionsDone}" aria-label="${text}"></progress><p>${text}</p>`;
  }
  return html`<progress aria-label="${w.starting}"></progress><p>${w.starting}</p>`;
}

/** A form that starts the same export again (a failed one, or a done one with the data as it is now). */
function againForm(req: PageRequest, view: ExportView, label: string): Html {
  return html`<form method="post" action="/app/exports" class="inline">${csrfField(req)}${exportFields(view.report, view.filters)}<button name="format" value="${view.format}"${view.status === 'failed' ? '' : html` class="secondary"`}>${label}</button></form>`;
}

/**
 * GET /app/exports/{id}: the job's report, filters and status; while it runs a progress bar and a reload every
 * 2 s; when done the download link (fresh for 15 minutes) with its expiry in Beijing time; when failed, why, and
 * a button to try again.
 */
export async function exportJobPage(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const id = m[1] ?? '';
  if (!ID.test(id)) throw notFound('export.not_found', '导出任务不存在');
  const view = await getExport(db, getObjectStore(), req.caller!, id);
  const w = words(req);
  const report = REPORT_PAGES.get(view.report);
  const filters = await filterWords(req, view.filters);
  const facts = html`<dl class="facts" data-export="${view.id}" data-status="${view.status}">
<div><dt>${w.reportName}</dt><dd>${reportName(req, view.report)}</dd></div>
<div><dt>${w.format}</dt><dd>${view.format === 'xlsx' ? 'Excel (.xlsx)' : 'CSV'}</dd></div>
<div><dt>${w.filters}</dt><dd data-filters>${
    filters.length
      ? filters.map(([k, v], i) => html`${i ? (req.lang === 'zh' ? '；' : '; ') : ''}${k}${req.t.colon}${v}`)
      : w.noFilters
  }</dd></div>
<div><dt>${w.requestedAt}</dt><dd>${beijingTime(view.createdAt)}</dd></div>
<div><dt>${req.t.status}</dt><dd data-status-name>${statusName(req, view.status)}</dd></div>
${view.finishedAt ? html`<div><dt>${w.finishedAt}</dt><dd>${beijingTime(view.finishedAt)}</dd></div>` : ''}
</dl>`;
  let state: Html;
  if (view.status === 'running') {
    state = html`<section class="card" data-progress>${progress(req, view)}<p class="muted">${w.refreshing}</p></section>`;
  } else if (view.status === 'done') {
    state = html`<section class="card" data-done><p><a class="button" href="${view.url ?? ''}" download="${view.fileName}" data-download-link>${w.downloadFile}</a> ${fileNameOf(view)}</p>
<p>${w.rowsWritten}${req.t.colon}${view.rowsDone}</p>
${view.expiresAt ? html`<p class="muted">${w.linkExpires(beijingTime(view.expiresAt))} ${w.fileKept}</p>` : ''}
${againForm(req, view, w.exportAgain)}</section>`;
  } else {
    state = html`<section class="card" data-failed><div class="alert" role="alert"><strong>${w.failedBecause}</strong>${
      view.error ? html`<p>${req.say(view.error)}</p>` : ''
    }</div>${againForm(req, view, w.tryAgain)}</section>`;
  }
  return {
    title: `${w.exportJob}${req.t.colon}${reportName(req, view.report)}`,
    body: html`${reportTabs(req, '')}${facts}${state}<p><a href="/app/exports">${w.myExports}</a>${
      report ? html` · <a href="${report.path}">${w.backToReport}</a>` : ''
    }</p>`,
    ...(view.status === 'running' ? { refresh: { seconds: 2, url: `/app/exports/${view.id}` } } : {}),
  };
}

/** GET /app/exports: the requester's recent exports, newest first, each with its status and its page. */
export async function exportsListPage(req: PageRequest): Promise<PageResult> {
  const w = words(req);
  const { exports } = await listExports(db, getObjectStore(), req.caller!);
  const row = (v: ExportView) =>
    html`<tr data-export="${v.id}" data-status="${v.status}"><td>${beijingTime(v.createdAt)}</td><td>${reportName(req, v.report)}</td><td>${
      v.format === 'xlsx' ? 'Excel' : 'CSV'
    }</td><td>${fileNameOf(v)}</td><td>${
      v.status === 'running' && v.rowsTotal > 0
        ? html`${statusName(req, v.status)} <progress max="${v.rowsTotal}" value="${Math.min(v.rowsDone, v.rowsTotal)}" aria-label="${w.progressRows(v.rowsDone, v.rowsTotal)}"></progress>`
        : html`<span class="${v.status === 'failed' ? 'bad' : v.status === 'done' ? 'ok' : ''}">${statusName(req, v.status)}</span>`
    }</td><td><a href="/app/exports/${v.id}">${w.open}</a></td></tr>`;
  const body = html`${reportTabs(req, '/app/exports')}<p class="muted">${w.recentNote}</p>${
    exports.length
      ? html`<div class="table-wrap"><table data-exports><thead><tr><th>${w.requestedAt}</th><th>${w.reportName}</th><th>${w.format}</th><th>${w.fileName}</th><th>${req.t.status}</th><th></th></tr></thead>
<tbody>${exports.map(row)}</tbody></table></div>`
      : html`<p class="card">${w.noExports}</p>`
  }`;
  const running = exports.some((v) => v.status === 'running');
  return {
    title: w.myExports,
    body,
    ...(running ? { refresh: { seconds: 2, url: '/app/exports' } } : {}),
  };
}
