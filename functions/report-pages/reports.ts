import type * as z from 'zod';
import { accountNamesBySub } from '#shared/accounts/list.ts';
import { actionName } from '#shared/audit/actions.ts';
import { type AuditEntry, listAudit } from '#shared/audit/index.ts';
import { beijingTime, shanghaiDate } from '#shared/dates.ts';
import { AppError } from '#shared/errors.ts';
import {
  FLOOR_PAGE_SIZE,
  FLOOR_SORTS,
  type FloorPageQuery,
  FloorPageQuery as FloorPageSchema,
  floorPage,
} from '#shared/floor/page.ts';
import { type Community, listEntities, type Unit } from '#shared/registry/entities.ts';
import { campaignSummary } from '#shared/reports/summary.ts';
import { unitAssessment } from '#shared/reports/units.ts';
import { parseInput } from '#shared/validate.ts';
import { listVerifications, type Verification } from '#shared/verification/model.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { REPORT_WORDS, type ReportPageWords, type ReportWords } from '#shared/web/report-words.ts';
import { db } from '../lib/clients.ts';
import { field, fieldErrors, type PageRequest as KitRequest, type PageResult, yuan } from '../pages/kit.ts';
import { type Bar, barChart } from './charts.ts';
import { downloadArea } from './export-form.ts';
import { AuditPageQuery, RegionQuery, VerificationPageQuery } from './report-queries.ts';

/** A request of the report pages: their words (`REPORT_PAGE_WORDS`), not every page's. */
type PageRequest = KitRequest<ReportPageWords>;

/**
 * The auditor's report pages (issue 14, item 4): floor compliance, the unit assessment, the campaign summary,
 * verification status by community and the audit trail. Each reads the same domain functions as the API's
 * report routes, takes its filters from the query string (a GET form: bookmarkable, no script), and answers a
 * bad filter with the form again, the error beside the field, status 400.
 */

const words = (req: PageRequest): ReportWords => REPORT_WORDS[req.lang];

type Errors = Record<string, string>;

/**
 * The page's query parsed by `schema` from the named parameters (others, such as `lang`, are not the page's;
 * empty fields are absent), or the field errors of a bad one.
 */
function readQuery<S extends z.ZodType>(
  req: PageRequest,
  schema: S,
  names: readonly string[],
  defaults: Record<string, string> = {},
): { q: z.output<S>; errors?: undefined } | { q?: undefined; errors: Errors } {
  const raw: Record<string, string> = { ...defaults };
  for (const n of names) {
    const v = req.query.get(n);
    if (v !== null && v.trim() !== '') raw[n] = v;
  }
  try {
    return { q: parseInput(schema, raw, '查询条件') };
  } catch (e) {
    return { errors: fieldErrors(e) };
  }
}

/** The link of a report page with `params` (empty values left out). */
function linkOf(path: string, params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** The links between the five report pages and the requester's exports, the current one marked. */
export function reportTabs(req: PageRequest, current: string): Html {
  const w = words(req);
  const tabs: [string, string][] = [
    ['/app/reports/floor', req.t.floorReport],
    ['/app/reports/units', w.unitReport],
    ['/app/reports/summary', w.summary],
    ['/app/reports/verifications', w.verificationStatus],
    ['/app/reports/audit', w.auditTrail],
    ['/app/exports', w.myExports],
  ];
  return html`<nav class="report-tabs" aria-label="${w.reports}">${tabs.map(
    ([href, label]) => html`<a href="${href}"${href === current ? raw(' aria-current="page"') : ''}>${label}</a>`,
  )}</nav>`;
}

const sel = (current: string | undefined, value: string) => (current === value ? raw(' selected') : raw(''));

/** A select of `options` with "all" first. */
function select(
  name: string,
  label: string,
  options: readonly { id: string; name: string }[],
  current: string | undefined,
  all: string | undefined,
  errors: Errors,
): Html {
  return field(
    name,
    label,
    html`<select id="${name}" name="${name}"${errors[name] ? raw(` aria-invalid="true" aria-describedby="${name}-error"`) : ''}>${all === undefined ? '' : html`<option value="">${all}</option>`}${options.map(
      (o) => html`<option value="${o.id}"${sel(current, o.id)}>${o.name}</option>`,
    )}</select>`,
    errors[name],
  );
}

function textInput(name: string, label: string, value: string | undefined, errors: Errors, attrs = ''): Html {
  return field(
    name,
    label,
    html`<input id="${name}" name="${name}" value="${value ?? ''}"${raw(attrs)}${
      errors[name] ? raw(` aria-invalid="true" aria-describedby="${name}-error"`) : ''
    }>`,
    errors[name],
  );
}

/** The districts and townships the registered communities name, each once, by name. */
function regionsOf(communities: readonly Community[]) {
  const districts = new Map<string, string>();
  const townships = new Map<string, string>();
  for (const c of communities) {
    if (c.districtId && c.district) districts.set(c.districtId, c.district);
    if (c.townshipId && c.township) townships.set(c.townshipId, c.township);
  }
  const byName = (m: Map<string, string>) =>
    [...m].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name, 'zh-Hans-CN'));
  return { districts: byName(districts), townships: byName(townships) };
}

/** The year and region fields every report's filter form starts with. */
function regionFields(
  req: PageRequest,
  communities: readonly Community[],
  values: { year?: number | string; districtId?: string; townshipId?: string },
  errors: Errors,
): Html {
  const w = words(req);
  const { districts, townships } = regionsOf(communities);
  return html`${textInput('year', req.t.year, String(values.year ?? req.query.get('year') ?? req.year), errors, ' type="number" min="2000" max="2100" inputmode="numeric"')}
${select('districtId', w.district, districts, values.districtId, req.t.all, errors)}
${select('townshipId', w.township, townships, values.townshipId, req.t.all, errors)}`;
}

/** The form's buttons: apply, and a link back to no filters. */
function formActions(req: PageRequest, path: string): Html {
  const w = words(req);
  return html`<div class="actions"><button type="submit">${w.apply}</button><a href="${path}">${w.reset}</a></div>`;
}

/** The message of a bad filter the form shows no field for (shown above the form): the page, an unknown key. */
function otherError(errors: Errors | undefined, shown: readonly string[]): Html {
  if (!errors) return html``;
  const rest = Object.entries(errors).filter(([k]) => !shown.includes(k));
  return rest.length ? html`<div class="alert" role="alert">${rest.map(([, m]) => html`<p>${m}</p>`)}</div>` : html``;
}

// ─── Floor compliance ────────────────────────────────────────────────────────────────────────────────────────

const FLOOR_FIELDS = ['year', 'districtId', 'townshipId', 'communityId', 'unitId', 'below', 'q', 'sort', 'dir'];
const FLOOR_PARAMS = ['year', 'districtId', 'townshipId', 'communityId', 'unitId', 'below', 'q', 'sort', 'dir', 'page'];

/** At most this many units in the chart: beyond, the worst ones, with a note. */
const CHART_UNITS = 60;

/** GET /app/reports/floor: the floor report, searched, sorted and paged, with the chart of units. */
export async function floorReportPage(req: PageRequest): Promise<PageResult> {
  const [communities, units] = await Promise.all([
    listEntities<Community>(db, 'community'),
    listEntities<Unit>(db, 'unit'),
  ]);
  const read = readQuery(req, FloorPageSchema, FLOOR_PARAMS, { year: String(req.year) });
  const title = req.t.floorReport;
  const names = {
    communities: new Map(communities.map((c) => [c.id, c.name])),
    units: new Map(units.map((u) => [u.id, u.name])),
  };
  if (read.errors) {
    return { status: 400, title, body: floorView(req, communities, units, undefined, read.errors) };
  }
  const report = await floorPage(db, read.q, names);
  return { title, body: floorView(req, communities, units, { q: read.q, report }) };
}

type FloorReport = Awaited<ReturnType<typeof floorPage>>;

/** The floor page's filters as link parameters (no page: a new sort or filter starts at page 1). */
function floorParams(q: FloorPageQuery): Record<string, string | undefined> {
  return {
    year: String(q.year),
    districtId: q.districtId,
    townshipId: q.townshipId,
    communityId: q.communityId,
    unitId: q.unitId,
    below: q.below,
    q: q.q,
    sort: q.sort,
    dir: q.dir,
  };
}

function floorView(
  req: PageRequest,
  communities: Community[],
  units: Unit[],
  shown: { q: FloorPageQuery; report: FloorReport } | undefined,
  errors: Errors = {},
): Html {
  const w = words(req);
  const q = shown?.q;
  const v = (name: string) => (q ? (q as Record<string, unknown>)[name] : req.query.get(name)) as string | undefined;
  const sortLabels: Record<(typeof FLOOR_SORTS)[number], string> = {
    name: w.sortName,
    community: w.sortCommunity,
    unit: w.sortUnit,
    total: w.sortTotal,
    shortfall: w.sortShortfall,
  };
  const form = html`<form method="get" action="/app/reports/floor" class="card filters">
${regionFields(req, communities, { year: v('year'), districtId: v('districtId'), townshipId: v('townshipId') }, errors)}
${select('communityId', req.t.community, communities, v('communityId'), req.t.all, errors)}
${select('unitId', req.t.unit, units, v('unitId'), req.t.all, errors)}
${textInput('q', w.search, v('q'), errors, ` maxlength="40" placeholder="${w.searchHint}"`)}
${select(
  'sort',
  w.sortBy,
  FLOOR_SORTS.map((s) => ({ id: s, name: sortLabels[s] })),
  v('sort') ?? 'shortfall',
  undefined,
  errors,
)}
${select(
  'dir',
  w.order,
  [
    { id: 'asc', name: w.ascending },
    { id: 'desc', name: w.descending },
  ],
  v('dir') ?? shown?.report.dir,
  '—',
  errors,
)}
<div class="check${errors.below ? ' field-error' : ''}"><label><input type="checkbox" name="below" value="1"${v('below') === '1' ? raw(' checked') : ''}> ${w.onlyBelow}</label>${
    errors.below ? html`<p class="error" role="alert">${errors.below}</p>` : ''
  }</div>
${formActions(req, '/app/reports/floor')}
</form>`;
  const header = html`${reportTabs(req, '/app/reports/floor')}${otherError(errors, FLOOR_FIELDS)}${form}`;
  if (!shown) return header;
  const { report } = shown;
  const params = floorParams(shown.q);
  return html`${header}
<p class="row"><span>${req.t.households} <strong>${report.households}</strong></span><span class="ok">${req.t.met} ${report.householdsMeetingFloor}</span><span class="bad">${req.t.notMet} ${report.householdsBelowFloor}</span></p>
${floorDownloadArea(req, shown.q)}
${floorTable(req, report, params)}
${floorChart(req, report)}`;
}

/** The floor page's downloads: export jobs of the report for the page's year and region, community and unit. */
function floorDownloadArea(req: PageRequest, q: FloorPageQuery): Html {
  return downloadArea(req, 'floor', {
    year: q.year,
    districtId: q.districtId,
    townshipId: q.townshipId,
    communityId: q.communityId,
    unitId: q.unitId,
  });
}

function floorTable(req: PageRequest, report: FloorReport, params: Record<string, string | undefined>): Html {
  const w = words(req);
  if (!report.rows.length) return html`<p class="card">${w.noRows}</p>`;
  const sortHead = (sort: string, label: string, cls = '') => {
    const current = params.sort === sort;
    const dir = current ? (report.dir === 'asc' ? 'desc' : 'asc') : undefined;
    return html`<th${cls ? raw(` class="${cls}"`) : ''}${current ? raw(` aria-sort="${report.dir === 'asc' ? 'ascending' : 'descending'}"`) : ''}><a href="${linkOf('/app/reports/floor', { ...params, sort, dir })}"${current ? raw(' aria-sort=""') : ''}>${label}${current ? (report.dir === 'asc' ? ' ↑' : ' ↓') : ''}</a></th>`;
  };
  const first = (report.page - 1) * FLOOR_PAGE_SIZE + 1;
  const last = first + report.rows.length - 1;
  const pageLink = (page: number, label: string, rel: string) =>
    page >= 1 && page <= report.pages
      ? html`<a href="${linkOf('/app/reports/floor', { ...params, page })}" rel="${rel}">${label}</a>`
      : html`<span class="off">${label}</span>`;
  const pager = html`<nav class="pager" aria-label="${w.pageOf(report.page, report.pages)}">${pageLink(report.page - 1, w.previous, 'prev')}<span>${w.pageOf(report.page, report.pages)} · ${w.showing(first, last, report.households)}</span>${pageLink(report.page + 1, w.next, 'next')}</nav>`;
  return html`${pager}<div class="table-wrap"><table data-floor-rows><thead><tr>${sortHead('name', w.head)}${sortHead('community', req.t.community)}${sortHead('unit', req.t.unit)}<th>${w.cadre}</th>${sortHead('total', req.t.aidTotal, 'num')}${sortHead('shortfall', req.t.status)}</tr></thead>
<tbody>${report.rows.map(
    (
      r,
    ) => html`<tr data-household="${r.householdId}"><td><a href="/app/households/${r.householdId}">${r.headName}</a></td><td>${r.communityName}</td><td>${r.unitName}</td><td>${r.cadreName}</td>
<td class="num">${yuan(r.totalFen)}</td><td>${r.meetsFloor ? html`<span class="ok">${req.t.met}</span>` : html`<span class="bad">${req.t.shortfall} ${yuan(r.shortfallFen)}</span>`}</td></tr>`,
  )}</tbody></table></div>${pager}`;
}

/** Compliance per unit of the rows that matched: one row per unit, the worst first, at most `CHART_UNITS`. */
function floorChart(req: PageRequest, report: FloorReport): Html {
  const w = words(req);
  if (!report.units.length) return html``;
  const sorted = [...report.units].sort(
    (a, b) =>
      a.meetingFloor / a.households - b.meetingFloor / b.households ||
      b.households - a.households ||
      a.unitName.localeCompare(b.unitName, 'zh-Hans-CN'),
  );
  const shown = sorted.slice(0, CHART_UNITS);
  const bars: Bar[] = shown.map((u) => {
    const pct = Math.round((u.meetingFloor / u.households) * 100);
    return {
      label: u.unitName,
      value: u.meetingFloor / u.households,
      text: `${pct}% (${u.meetingFloor}/${u.households})`,
      tone: u.meetingFloor === u.households ? 'good' : 'bad',
    };
  });
  return barChart(req.t.complianceByUnit, bars, {
    max: 1,
    note: sorted.length > shown.length ? w.chartWorst(shown.length, sorted.length) : w.chartAll(sorted.length),
  });
}

/** A region filter's values: as read, else as typed in the query (a refused form shows what was sent). */
function regionValues(req: PageRequest, q: { year?: number; districtId?: string; townshipId?: string } | undefined) {
  return {
    year: q?.year,
    districtId: q?.districtId ?? req.query.get('districtId') ?? undefined,
    townshipId: q?.townshipId ?? req.query.get('townshipId') ?? undefined,
  };
}

/** A report page's tabs and its GET filter form by region (year, district, township, then `more` fields). */
function regionFilterForm(
  req: PageRequest,
  path: string,
  params: readonly string[],
  communities: Community[],
  values: ReturnType<typeof regionValues>,
  errors: Errors,
  more: Html = html``,
): Html {
  return html`${reportTabs(req, path)}${otherError(errors, params)}<form method="get" action="${path}" class="card filters">${regionFields(
    req,
    communities,
    values,
    errors,
  )}${more}${formActions(req, path)}</form>`;
}

// ─── Unit assessment ─────────────────────────────────────────────────────────────────────────────────────────

const REGION_PARAMS = ['year', 'districtId', 'townshipId'];

/** GET /app/reports/units: the unit assessment (通报), units that did not complete their task first. */
export async function unitReportPage(req: PageRequest): Promise<PageResult> {
  const w = words(req);
  const communities = await listEntities<Community>(db, 'community');
  const read = readQuery(req, RegionQuery, REGION_PARAMS, { year: String(req.year) });
  const form = (errors: Errors = {}) =>
    regionFilterForm(req, '/app/reports/units', REGION_PARAMS, communities, regionValues(req, read.q), errors);
  if (read.errors) return { status: 400, title: w.unitReport, body: form(read.errors) };
  const q = read.q;
  const report = await unitAssessment(db, q.year, { districtId: q.districtId, townshipId: q.townshipId });
  const floorLink = (unitId: string) =>
    linkOf('/app/reports/floor', {
      year: q.year,
      districtId: q.districtId,
      townshipId: q.townshipId,
      unitId,
      below: '1',
    });
  const body = html`${form()}
<p class="muted">${w.unitsIntro}</p>
<dl class="figures"><div><dt>${w.units}</dt><dd>${report.units}</dd></div><div><dt>${w.unitsNotCompleted}</dt><dd class="bad">${report.unitsNotCompleted}</dd></div><div><dt>${w.unitsCompleted}</dt><dd class="ok">${report.unitsCompleted}</dd></div></dl>
${unitsDownloadArea(req, q)}
<div class="table-wrap"><table data-unit-rows><thead><tr><th>${req.t.unit}</th><th>${req.t.status}</th><th class="num">${w.paired}</th><th class="num">${w.meeting}</th><th class="num">${w.belowFloor}</th><th class="num">${w.shortfallTotal}</th><th class="num">${w.verifiedFinal}</th></tr></thead>
<tbody>${report.rows.map(
    (r) =>
      html`<tr data-unit="${r.unitId}" data-completed="${String(r.completed)}"><td>${r.unitName || r.unitId}</td><td>${
        r.completed ? html`<span class="ok">${w.completed}</span>` : html`<span class="bad">${w.notCompleted}</span>`
      }</td><td class="num">${r.householdsPaired}</td><td class="num">${r.householdsMeetingFloor}</td><td class="num">${
        r.householdsBelowFloor
          ? html`<a href="${floorLink(r.unitId)}" title="${w.seeHouseholds}">${r.householdsBelowFloor}</a>`
          : '0'
      }</td><td class="num">${yuan(r.shortfallFen)}</td><td class="num">${r.verifiedFinal}</td></tr>`,
  )}</tbody></table></div>`;
  return { title: w.unitReport, body };
}

/** The unit assessment's downloads: export jobs for the page's year and region. */
function unitsDownloadArea(req: PageRequest, q: z.output<typeof RegionQuery>): Html {
  return downloadArea(req, 'units', { year: q.year, districtId: q.districtId, townshipId: q.townshipId });
}

// ─── Campaign summary ────────────────────────────────────────────────────────────────────────────────────────

/** GET /app/reports/summary: the year's figures, by objective, by district and by month, as charts and tables. */
export async function summaryPage(req: PageRequest): Promise<PageResult> {
  const w = words(req);
  const communities = await listEntities<Community>(db, 'community');
  const read = readQuery(req, RegionQuery, REGION_PARAMS, { year: String(req.year) });
  const form = (errors: Errors = {}) =>
    regionFilterForm(req, '/app/reports/summary', REGION_PARAMS, communities, regionValues(req, read.q), errors);
  if (read.errors) return { status: 400, title: w.summary, body: form(read.errors) };
  const q = read.q;
  const s = await campaignSummary(db, q.year, { districtId: q.districtId, townshipId: q.townshipId });
  const objectives = Object.entries(s.byObjective);
  const months = s.byMonthFen.map((fen, i) => ({ month: i + 1, fen }));
  const body = html`${form()}
<dl class="figures" data-summary>
<div><dt>${w.householdsPaired}</dt><dd>${s.householdsPaired}</dd></div>
<div><dt>${w.householdsHelped}</dt><dd>${s.householdsHelped}</dd></div>
<div><dt>${req.t.met}</dt><dd class="ok">${s.householdsMeetingFloor}</dd></div>
<div><dt>${req.t.notMet}</dt><dd class="bad">${s.householdsBelowFloor}</dd></div>
<div><dt>${w.cashTotal}</dt><dd>${yuan(s.cashFen)}</dd></div>
<div><dt>${w.inKindTotal}</dt><dd>${yuan(s.inKindFen)}</dd></div>
<div><dt>${w.aidTotal}</dt><dd data-total-fen="${s.totalFen}">${yuan(s.totalFen)}</dd></div>
<div><dt>${w.outcomes}</dt><dd>${s.outcomes}</dd></div>
<div><dt>${w.householdsEmployed}</dt><dd>${s.householdsEmployed}</dd></div>
</dl>
${summaryDownloadArea(req, q)}
<h2>${w.byObjective}</h2>
${barChart(
  w.byObjective,
  objectives.map(([o, f]) => ({
    label: req.label(o),
    value: f.fen,
    text: yuan(f.fen),
  })),
)}
<div class="table-wrap"><table data-by-objective><thead><tr><th>${req.t.objective}</th><th class="num">${w.amount}</th><th class="num">${w.outcomes}</th></tr></thead>
<tbody>${objectives.map(([o, f]) => html`<tr><td>${req.label(o)}</td><td class="num">${yuan(f.fen)}</td><td class="num">${f.outcomes}</td></tr>`)}</tbody></table></div>
<h2>${w.byDistrict}</h2>
${
  s.byDistrict.length
    ? barChart(
        w.byDistrict,
        s.byDistrict.map((d) => ({
          label: d.districtId === null ? w.unassigned : d.district,
          value: d.totalFen,
          text: `${yuan(d.totalFen)} · ${d.householdsPaired} ${w.householdsUnit}`,
        })),
      )
    : ''
}
<div class="table-wrap"><table data-by-district><thead><tr><th>${w.district}</th><th class="num">${w.householdsPaired}</th><th class="num">${req.t.met}</th><th class="num">${req.t.notMet}</th><th class="num">${w.cashTotal}</th><th class="num">${w.inKindTotal}</th><th class="num">${w.aidTotal}</th></tr></thead>
<tbody>${s.byDistrict.map(
    (d) =>
      html`<tr><td>${d.districtId === null ? w.unassigned : d.district}</td><td class="num">${d.householdsPaired}</td><td class="num">${d.householdsMeetingFloor}</td><td class="num">${d.householdsBelowFloor}</td><td class="num">${yuan(d.cashFen)}</td><td class="num">${yuan(d.inKindFen)}</td><td class="num">${yuan(d.totalFen)}</td></tr>`,
  )}</tbody></table></div>
<h2>${w.byMonth}</h2>
${barChart(
  w.byMonth,
  months.map((m) => ({ label: w.monthName(m.month), value: Math.max(0, m.fen), text: yuan(m.fen) })),
)}
<div class="table-wrap"><table data-by-month><thead><tr><th>${w.month}</th><th class="num">${w.amount}</th></tr></thead>
<tbody>${months.map((m) => html`<tr><td>${w.monthName(m.month)}</td><td class="num">${yuan(m.fen)}</td></tr>`)}</tbody></table></div>`;
  return { title: w.summary, body };
}

/** The summary's downloads: export jobs for the page's year and region. */
function summaryDownloadArea(req: PageRequest, q: z.output<typeof RegionQuery>): Html {
  return downloadArea(req, 'summary', { year: q.year, districtId: q.districtId, townshipId: q.townshipId });
}

// ─── Verification status by community ────────────────────────────────────────────────────────────────────────

const VERIFICATION_PARAMS = [...REGION_PARAMS, 'communityId'];

/** The latest change of a round: its final, confirmation, snapshot or start, Beijing time. */
function lastChange(v: Verification): string {
  return [v.finalAt, v.confirmation?.confirmedAt, v.decision?.decidedAt, v.snapshotAt, v.frozenAt, v.startedAt]
    .filter((t): t is string => !!t)
    .sort()
    .at(-1)!;
}

/** GET /app/reports/verifications: each community's rounds of the year, the latest round's status and discrepancies. */
export async function verificationStatusPage(req: PageRequest): Promise<PageResult> {
  const w = words(req);
  const communities = await listEntities<Community>(db, 'community');
  const read = readQuery(req, VerificationPageQuery, VERIFICATION_PARAMS, { year: String(req.year) });
  const community = read.q?.communityId ?? req.query.get('communityId') ?? undefined;
  const form = (errors: Errors = {}) =>
    regionFilterForm(
      req,
      '/app/reports/verifications',
      VERIFICATION_PARAMS,
      communities,
      regionValues(req, read.q),
      errors,
      select('communityId', req.t.community, communities, community, req.t.all, errors),
    );
  if (read.errors) return { status: 400, title: w.verificationStatus, body: form(read.errors) };
  const q = read.q;
  const inScope = communities
    .filter(
      (c) =>
        (!q.communityId || c.id === q.communityId) &&
        (!q.districtId || c.districtId === q.districtId) &&
        (!q.townshipId || c.townshipId === q.townshipId),
    )
    .sort(
      (a, b) =>
        (a.district ?? '').localeCompare(b.district ?? '', 'zh-Hans-CN') ||
        (a.township ?? '').localeCompare(b.township ?? '', 'zh-Hans-CN') ||
        a.name.localeCompare(b.name, 'zh-Hans-CN'),
    );
  const rounds = new Map<string, Verification[]>();
  for (const v of await listVerifications(db)) {
    if (v.year !== q.year) continue;
    rounds.set(v.communityId, [...(rounds.get(v.communityId) ?? []), v]);
  }
  const counts = new Map<string, number>();
  const rows = inScope.map((c) => {
    const all = (rounds.get(c.id) ?? []).sort((a, b) => a.round - b.round);
    const latest = all.at(-1);
    const status = latest?.status ?? 'notStarted';
    counts.set(status, (counts.get(status) ?? 0) + 1);
    return { c, all, latest };
  });
  const statusName = (s: string) => (s === 'notStarted' ? w.notStarted : req.label(s));
  const body = html`${form()}
<p class="row"><span>${w.communitiesCount(rows.length)}</span>${[...counts].map(([s, n]) => html`<span>${statusName(s)} <strong>${n}</strong></span>`)}</p>
${verificationsDownloadArea(req, q)}
<div class="table-wrap"><table data-verification-rows><thead><tr><th>${req.t.community}</th><th>${w.township}</th><th>${w.district}</th><th>${w.round}</th><th>${req.t.status}</th><th class="num">${w.householdsChecked}</th><th>${w.discrepancies}</th><th>${w.updatedAt}</th></tr></thead>
<tbody>${rows.map(({ c, all, latest }) => {
    const n = latest?.discrepancyCount ?? 0;
    return html`<tr data-community="${c.id}"><td>${c.name}</td><td>${c.township ?? ''}</td><td>${c.district ?? ''}</td><td>${
      latest
        ? html`${all.map((v, i) => html`${i ? ' · ' : ''}<a href="/app/verifications/${v.id}" title="${w.openPacket}">${v.round}</a>`)}`
        : '—'
    }</td><td>${latest ? html`<a href="/app/verifications/${latest.id}">${statusName(latest.status)}</a>` : html`<span class="muted">${w.notStarted}</span>`}</td><td class="num">${latest?.householdCount ?? '—'}</td><td>${
      latest
        ? n
          ? html`<span class="bad">${w.discrepancyCount(n)}</span>`
          : html`<span class="ok">${w.noDiscrepancy}</span>`
        : '—'
    }</td><td>${latest ? beijingTime(lastChange(latest)) : '—'}</td></tr>`;
  })}</tbody></table></div>`;
  return { title: w.verificationStatus, body };
}

/** The verification status's downloads: export jobs for the page's year, region or community. */
function verificationsDownloadArea(req: PageRequest, q: z.output<typeof VerificationPageQuery>): Html {
  return downloadArea(req, 'verifications', {
    year: q.year,
    districtId: q.districtId,
    townshipId: q.townshipId,
    communityId: q.communityId,
  });
}

// ─── Audit trail ─────────────────────────────────────────────────────────────────────────────────────────────

const AUDIT_FIELDS = ['entityId', 'actor', 'from', 'to'];
const AUDIT_PARAMS = ['entityId', 'actor', 'from', 'to', 'page'];
const AUDIT_PAGE_SIZE = 50;

/** GET /app/reports/audit: the trail of one entity, or of a date range, by person, paged, in Beijing time. */
export async function auditPage(req: PageRequest): Promise<PageResult> {
  const w = words(req);
  const today = shanghaiDate(req.now);
  const weekAgo = shanghaiDate(new Date(req.now.getTime() - 6 * 24 * 60 * 60 * 1000));
  // Without an entity, the last seven days (Beijing dates) unless a range is given.
  const defaults: Record<string, string> = req.query.get('entityId') ? {} : { from: weekAgo, to: today };
  const read = readQuery(req, AuditPageQuery, AUDIT_PARAMS, defaults);
  let errors: Errors = read.errors ?? {};
  let found: { entries: AuditEntry[]; truncated: boolean } | undefined;
  if (read.q) {
    try {
      found = await listAudit(db, { entityId: read.q.entityId, from: read.q.from, to: read.q.to }, req.now);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      errors = fieldErrors(e);
    }
  }
  const value = (n: string) => (read.q as Record<string, unknown> | undefined)?.[n] ?? req.query.get(n) ?? defaults[n];
  const form = html`${reportTabs(req, '/app/reports/audit')}<p class="muted">${w.auditIntro}</p>${otherError(errors, AUDIT_FIELDS)}<form method="get" action="/app/reports/audit" class="card filters">
${textInput('entityId', w.entity, value('entityId') as string | undefined, errors, ' maxlength="200"')}
${textInput('actor', w.actor, value('actor') as string | undefined, errors, ' maxlength="100"')}
${textInput('from', w.from, value('from') as string | undefined, errors, ' type="date"')}
${textInput('to', w.to, value('to') as string | undefined, errors, ' type="date"')}
${formActions(req, '/app/reports/audit')}</form>`;
  if (!found || !read.q) return { status: 400, title: w.auditTrail, body: form };
  const q = read.q;
  const names = await accountNamesBySub(db);
  const person = (sub: string) => names.get(sub) ?? sub;
  const needle = q.actor?.toLowerCase();
  // Newest first: the trail answers in time order, and a reader looks for what happened last.
  const newest = [...found.entries].reverse();
  const entries = needle
    ? newest.filter((e) => e.actor.toLowerCase().includes(needle) || person(e.actor).toLowerCase().includes(needle))
    : newest;
  const pages = Math.max(1, Math.ceil(entries.length / AUDIT_PAGE_SIZE));
  const page = Math.min(q.page, pages);
  const slice = entries.slice((page - 1) * AUDIT_PAGE_SIZE, page * AUDIT_PAGE_SIZE);
  const params = { entityId: q.entityId, actor: q.actor, from: q.from, to: q.to };
  const pageLink = (p: number, label: string, rel: string) =>
    p >= 1 && p <= pages
      ? html`<a href="${linkOf('/app/reports/audit', { ...params, page: p })}" rel="${rel}">${label}</a>`
      : html`<span class="off">${label}</span>`;
  const pager = html`<nav class="pager" aria-label="${w.pageOf(page, pages)}">${pageLink(page - 1, w.previous, 'prev')}<span>${w.pageOf(page, pages)} · ${w.entries(entries.length)}</span>${pageLink(page + 1, w.next, 'next')}</nav>`;
  const roleName = (r: string) => (w.roleNames as Record<string, string>)[r] ?? r;
  const changes = (e: AuditEntry) =>
    e.before || e.after
      ? html`<ul class="checks">${Object.keys({ ...e.before, ...e.after }).map(
          (k) =>
            html`<li>${k}${req.t.colon}${w.before} ${String(e.before?.[k] ?? '—')} → ${w.after} ${String(e.after?.[k] ?? '—')}</li>`,
        )}</ul>${e.reason ? html`<p class="muted">${e.reason}</p>` : ''}`
      : '';
  const body = html`${form}
${found.truncated ? html`<p class="notice">${w.truncated(found.entries.length)}</p>` : ''}
${auditDownloadArea(req, q)}
${
  slice.length
    ? html`${pager}<div class="table-wrap"><table data-audit-rows><thead><tr><th>${w.when}</th><th>${w.actor}</th><th>${w.action}</th><th>${w.entity}</th><th>${w.details}</th></tr></thead>
<tbody>${slice.map(
        (e) =>
          html`<tr data-request="${e.requestId}"><td>${beijingTime(e.at)}</td><td>${person(e.actor)}<br><span class="muted">${e.roles.map(roleName).join('、')}</span></td><td title="${e.action}">${req.say(actionName(e.action))}</td><td class="id"><a href="${linkOf('/app/reports/audit', { entityId: e.entityId })}">${e.entityId}</a></td><td>${changes(e)}</td></tr>`,
      )}</tbody></table></div>${pager}`
    : html`<p class="card">${w.noEntries}</p>`
}`;
  return { title: w.auditTrail, body };
}

/**
 * The audit trail's downloads: export jobs of the entity's trail or of the range the page shows (the last seven
 * days unless given); the person filter narrows the page only.
 */
function auditDownloadArea(req: PageRequest, q: z.output<typeof AuditPageQuery>): Html {
  return downloadArea(req, 'audit', { entityId: q.entityId, from: q.from, to: q.to });
}
