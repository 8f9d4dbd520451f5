import { AppError } from '#shared/errors.ts';
import { type CarryOverResult, carryOverPairings, type SkipReason } from '#shared/pairing/carry-over.ts';
import { commitCarryOver, getCarryOver, resultOf } from '#shared/pairing/carry-over-jobs.ts';
import { createPairing } from '#shared/pairing/index.ts';
import { listPairings, type pairingView } from '#shared/pairing/list.ts';
import { endPairing, reassignPairing } from '#shared/pairing/reassign.ts';
import { type Community, listEntities, type Unit } from '#shared/registry/index.ts';
import { listCadres } from '#shared/registry/lists.ts';
import { namesOf } from '#shared/reports/names.ts';
import type { AdminWords } from '#shared/web/admin-words.ts';
import { type Html, html } from '#shared/web/html.ts';
import { db } from '../lib/clients.ts';
import { carryOverInlineLimit, getImportRunner } from '../lib/import-jobs.ts';
import { csrfField, field, fieldErrors, invalidAttrs, type PageRequest, type PageResult } from '../pages/kit.ts';

type Req = PageRequest<AdminWords>;
type Row = ReturnType<typeof pairingView>;
type Form = 'assign' | 'reassign' | 'end' | 'carry';

/** A form's errors and what was typed, when a post is shown again; or a carry-over's preview. */
interface State {
  form?: Form;
  errors?: Record<string, string>;
  values?: Record<string, string>;
  preview?: CarryOverResult;
}

const SKIP_WORD = {
  ended: 'skipEnded',
  household_unknown: 'skipHouseholdUnknown',
  household_deactivated: 'skipHouseholdDeactivated',
  cadre_unknown: 'skipCadreUnknown',
  cadre_deactivated: 'skipCadreDeactivated',
  paired_elsewhere: 'skipPairedElsewhere',
  community_held: 'skipCommunityHeld',
} as const satisfies Record<SkipReason, keyof AdminWords>;

const DONE = [
  ['assigned', 'assignedOk'],
  ['reassigned', 'reassignedOk'],
  ['ended', 'endedOk'],
] as const;

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name, 'zh-CN');
const option = (value: string, label: string, chosen: string | undefined) =>
  html`<option value="${value}"${value === (chosen ?? '') ? html` selected` : ''}>${label}</option>`;

/** The filters as the query has them: the year and at most one of cadre, unit, community (in that order). */
function filters(req: Req) {
  const get = (k: string) => (req.query.get(k) ?? '').trim();
  const year = /^\d{4}$/.test(get('year')) ? get('year') : String(req.year);
  return {
    year,
    unitId: get('unitId'),
    cadreId: get('cadreId'),
    communityId: get('communityId'),
    cursor: get('cursor'),
  };
}
type Filters = ReturnType<typeof filters>;

function listQuery(f: Filters) {
  const by = f.cadreId
    ? { cadreId: f.cadreId }
    : f.unitId
      ? { unitId: f.unitId }
      : f.communityId
        ? { communityId: f.communityId }
        : undefined;
  return by && { year: f.year, ...by, ...(f.cursor ? { cursor: f.cursor } : {}), limit: 50 };
}

const queryString = (f: Filters, extra: Record<string, string> = {}) =>
  new URLSearchParams(
    Object.entries({ year: f.year, unitId: f.unitId, cadreId: f.cadreId, communityId: f.communityId, ...extra }).filter(
      ([, v]) => v,
    ),
  ).toString();

function periodsText(req: Req, r: Row, names: Map<string, string>): string {
  if (r.periods.length < 2) return '—';
  return r.periods
    .map((p) =>
      p.until
        ? `${names.get(p.cadreId) ?? p.cadreId} ${p.from}–${p.until}`
        : req.t.periodFrom(names.get(p.cadreId) ?? p.cadreId, p.from),
    )
    .join(' → ');
}

function marks(req: Req, r: Row): Html {
  const tag = (text: string) => html`<span class="tag review">${text}</span>`;
  return html`${r.frozen ? tag(req.t.frozen) : ''}${r.locked ? tag(req.t.locked) : ''}${
    r.ended ? tag(`${req.t.endedOn} ${r.endedOn}`) : ''
  }${r.handedOver ? tag(`${req.t.handedOver} ${r.handedOver.from}`) : ''}`;
}

function pairingTable(req: Req, f: Filters, rows: Row[], names: Map<string, string>): Html {
  return html`<div class="table-wrap"><table class="pairings"><thead><tr><th>${req.t.household}</th><th class="num">${req.t.members}</th><th>${req.t.community}</th><th>${req.t.cadre}</th><th>${req.t.unit}</th><th>${req.t.periods}</th><th>${req.t.marks}</th><th></th></tr></thead><tbody>${rows.map(
    (r) =>
      html`<tr id="pairing-${r.householdId}"><td><a href="/app/households/${r.householdId}">${r.headName}</a><br><code class="muted">${r.householdId}</code></td><td class="num">${r.memberCount}</td><td>${names.get(r.communityId) ?? r.communityId}</td><td>${names.get(r.cadreId) ?? r.cadreId}</td><td>${names.get(r.unitId) ?? r.unitId}</td><td>${periodsText(req, r, names)}</td><td>${marks(req, r)}</td><td><a href="/app/admin/pairings?${queryString(f, { householdId: r.householdId })}#acts">${req.t.manage}</a></td></tr>`,
  )}</tbody></table></div>`;
}

/** One of the action forms: its fields, its errors beside them, the values typed (or the list's household). */
function actForm(
  req: Req,
  state: State,
  form: Form,
  action: string,
  title: string,
  body: (v: (k: string) => string, e: Record<string, string>) => Html,
): Html {
  const errors = state.form === form ? (state.errors ?? {}) : {};
  const values = state.form === form ? (state.values ?? {}) : {};
  const v = (k: string) => values[k] ?? '';
  return html`<form method="post" action="${action}" class="card" id="form-${form}">${csrfField(req)}<h3>${title}</h3>${
    errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : ''
  }${body(v, errors)}</form>`;
}

function input(name: string, label: string, value: string, error: string | undefined, type = 'text', id = name): Html {
  return field(
    id,
    label,
    html`<input id="${id}" name="${name}" type="${type}" value="${value}"${invalidAttrs(id, error)}>`,
    error,
  );
}

function cadreSelect(
  req: Req,
  id: string,
  cadres: { id: string; name: string; code?: string }[],
  chosen: string,
  error?: string,
): Html {
  return field(
    id,
    req.t.cadre,
    html`<select id="${id}" name="cadreId"${invalidAttrs(id, error)}>${
      cadres.length
        ? cadres.map((c) => option(c.id, c.code ? `${c.name}（${c.code}）` : c.name, chosen))
        : option('', req.t.chooseUnitFirst, '')
    }</select>`,
    error,
  );
}

/**
 * GET /app/admin/pairings: a year's pairings by cadre, unit or community (a GET form; a page at a time), each
 * with its household, cadre, unit, handovers and frozen / locked / ended marks; then the acts: pair, reassign
 * from a date, end on a date (the household from the list's link, the cadre from the chosen unit's cadres:
 * two steps without script), and carry a year's pairings into the next with a preview first.
 */
export async function pairingsPage(req: Req, state: State = {}): Promise<PageResult> {
  const t = req.t;
  const f = filters(req);
  const q = listQuery(f);
  const [units, communities, cadres, list] = await Promise.all([
    listEntities<Unit>(db, 'unit'),
    listEntities<Community>(db, 'community'),
    f.unitId ? listCadres(db, { unitId: f.unitId, active: 'true', limit: 200 }).then((p) => p.items) : [],
    q ? listPairings(db, q).catch((e: unknown) => (e instanceof AppError ? e : Promise.reject(e))) : undefined,
  ]);
  const rows = list && !(list instanceof AppError) ? list.items : [];
  const names = new Map<string, string>([...units, ...communities, ...cadres].map((e) => [e.id, e.name]));
  const missing = rows
    .flatMap((r) => [r.cadreId, ...r.periods.map((p) => p.cadreId)])
    .concat((state.preview?.skipped ?? []).slice(0, 200).map((s) => s.cadreId))
    .filter((id) => !names.has(id));
  for (const [id, name] of await namesOf(db, 'cadre', missing)) names.set(id, name);
  const done = DONE.find(([k]) => req.query.get(k));
  const carried = req.query.get('carried');
  const household = state.values?.householdId ?? req.query.get('householdId') ?? '';
  const sv = (k: string, fallback: string) => state.values?.[k] ?? fallback;
  const listedBy = f.cadreId ? t.byCadre : f.unitId ? t.byUnit : t.byCommunity;

  const filterForm = html`<form method="get" action="/app/admin/pairings" class="card filters"><div class="grid4">
${field('f-year', t.year, html`<input id="f-year" name="year" inputmode="numeric" pattern="\\d{4}" value="${f.year}">`)}
${field('f-unit', t.unit, html`<select id="f-unit" name="unitId">${option('', t.chooseUnit, f.unitId)}${units.sort(byName).map((u) => option(u.id, u.name, f.unitId))}</select>`)}
${field('f-cadre', t.cadre, html`<select id="f-cadre" name="cadreId">${option('', t.chooseCadre, f.cadreId)}${cadres.map((c) => option(c.id, c.name, f.cadreId))}</select>`)}
${field('f-community', t.community, html`<select id="f-community" name="communityId">${option('', t.chooseCommunity, f.communityId)}${communities.sort(byName).map((c) => option(c.id, c.name, f.communityId))}</select>`)}
</div><p class="muted">${t.listHint}</p><button type="submit">${t.show}</button></form>`;

  const listing = !q
    ? html`<p>${t.pickFilter}</p>`
    : list instanceof AppError
      ? html`<div class="alert" role="alert">${req.say(list.message)}</div>`
      : html`<p class="muted">${t.listedBy}${t.colon}${listedBy} · ${f.year}</p>${
          rows.length ? pairingTable(req, f, rows, names) : html`<p>${t.noPairings}</p>`
        }<p>${f.cursor ? html`<a href="/app/admin/pairings?${queryString(f)}">${t.firstPage}</a> ` : ''}${
          list?.nextCursor
            ? html`<a href="/app/admin/pairings?${queryString(f, { cursor: list.nextCursor })}">${t.nextPage}</a>`
            : ''
        }</p>`;

  const e = (form: Form) => (state.form === form ? (state.errors ?? {}) : {});
  const acts = html`<h2 id="acts">${t.pairingActs}</h2><p class="muted">${t.pairingActsHint}</p><div class="acts">
${actForm(req, state, 'assign', `/app/admin/pairings?${queryString(f)}`, t.assign, (v, err) => html`${input('householdId', t.householdId, v('householdId') || household, err.householdId, 'text', 'assign-householdId')}${input('year', t.year, v('year') || f.year, err.year, 'text', 'assign-year')}${cadreSelect(req, 'assign-cadreId', cadres, v('cadreId'), err.cadreId)}<button type="submit">${t.assign}</button>`)}
${actForm(req, state, 'reassign', `/app/admin/pairings/reassignment?${queryString(f)}`, t.reassign, (v, err) => html`${input('householdId', t.householdId, v('householdId') || household, err.householdId, 'text', 'reassign-householdId')}${input('year', t.year, v('year') || f.year, err.year, 'text', 'reassign-year')}${cadreSelect(req, 'reassign-cadreId', cadres, v('cadreId'), err.cadreId)}${input('from', t.reassignFrom, v('from'), err.from, 'date', 'reassign-from')}<button type="submit">${t.reassign.split('（')[0]}</button>`)}
${actForm(req, state, 'end', `/app/admin/pairings/end?${queryString(f)}`, t.endPairing, (v, err) => html`${input('householdId', t.householdId, v('householdId') || household, err.householdId, 'text', 'end-householdId')}${input('year', t.year, v('year') || f.year, err.year, 'text', 'end-year')}${input('on', t.endOn, v('on'), err.on, 'date', 'end-on')}<button type="submit" class="secondary">${t.endPairing}</button>`)}
</div>`;

  const ce = e('carry');
  const preview = state.preview;
  const carry = html`<section class="card" id="carry-over"><h2>${t.carryOver}</h2><p class="muted">${t.carryOverHint}</p>
${ce._ ? html`<div class="alert" role="alert">${ce._}</div>` : ''}
<form method="post" action="/app/admin/pairings/carry-over?${queryString(f)}">${csrfField(req)}<input type="hidden" name="action" value="preview"><div class="grid2">
${input('fromYear', t.fromYear, sv('fromYear', String(Number(f.year) - 1)), ce.fromYear, 'text', 'carry-fromYear')}
${input('toYear', t.toYear, sv('toYear', f.year), ce.toYear, 'text', 'carry-toYear')}</div>
<button type="submit" class="secondary">${t.preview}</button></form>
${preview ? carryPreview(req, preview, names, `/app/admin/pairings/carry-over?${queryString(f)}`) : ''}</section>`;

  // A carry-over running in the background: its progress, the page reloading itself until it is done.
  const jobId = req.query.get('carryJob');
  const job = jobId ? await getCarryOver(db, jobId) : undefined;
  const jobNotice = !job
    ? ''
    : job.status === 'running'
      ? html`<div class="notice" role="status" data-carry-job="running">${t.carryRunning}<progress max="${job.unitsTotal}" value="${job.unitsDone}"></progress></div>`
      : html`<p class="notice" role="status" data-carry-job="${job.status}">${t.carriedOk}${t.colon}${t.createdCount} ${resultOf(job).created}，${t.unchangedCount} ${resultOf(job).unchanged}，${t.skippedCount} ${resultOf(job).skipped.length}</p>`;
  return {
    status: state.errors ? 400 : 200,
    title: t.pairings,
    ...(job?.status === 'running' ? { refresh: { seconds: 2, url: `/app/admin/pairings?${req.query}` } } : {}),
    body: html`${jobNotice}${done ? html`<p class="notice" role="status">${t[done[1]]}${t.colon}${req.query.get(done[0])}</p>` : ''}${
      carried !== null
        ? html`<p class="notice" role="status">${t.carriedOk}${t.colon}${t.createdCount} ${carried}，${t.unchangedCount} ${req.query.get('unchanged') ?? '0'}，${t.skippedCount} ${req.query.get('skipped') ?? '0'}</p>${
            req.query.get('digest') === 'changed' ? html`<div class="alert" role="alert">${t.digestChanged}</div>` : ''
          }`
        : ''
    }${filterForm}${listing}${acts}${carry}`,
  };
}

function carryPreview(req: Req, p: CarryOverResult, names: Map<string, string>, action: string): Html {
  const t = req.t;
  return html`<h3>${t.preview}${t.colon}${p.fromYear} → ${p.toYear}</h3>
<dl class="counts"><div><dt>${t.considered}</dt><dd class="num">${p.pairings}</dd></div><div><dt>${t.toCreate}</dt><dd class="num">${p.created}</dd></div><div><dt>${t.unchangedCount}</dt><dd class="num">${p.unchanged}</dd></div><div><dt>${t.skippedCount}</dt><dd class="num">${p.skipped.length}</dd></div></dl>
${
  p.skipped.length
    ? html`<div class="table-wrap"><table class="skipped"><thead><tr><th>${t.householdId}</th><th>${t.cadre}</th><th>${t.skipReason}</th></tr></thead><tbody>${p.skipped
        .slice(0, 200)
        .map(
          (s) =>
            html`<tr><td><a href="/app/households/${s.householdId}">${s.householdId}</a></td><td>${names.get(s.cadreId) ?? s.cadreId}</td><td>${t[SKIP_WORD[s.reason]]}</td></tr>`,
        )}</tbody></table></div>`
    : ''
}
<p class="muted">${t.digest}${t.colon}<span class="digest">${p.digest}</span></p>
<form method="post" action="${action}">${csrfField(req)}<input type="hidden" name="action" value="commit"><input type="hidden" name="fromYear" value="${p.fromYear}"><input type="hidden" name="toYear" value="${p.toYear}"><input type="hidden" name="digest" value="${p.digest}"><button type="submit">${t.commitCarryOver}${t.openParen}${p.created}${t.closeParen}</button></form>`;
}

const formValues = (req: Req, names: string[]) =>
  Object.fromEntries(names.map((n) => [n, (req.form.get(n) ?? '').trim()]));
const yearOf = (text: string | undefined) => (/^\d{1,6}$/.test(text ?? '') ? Number(text) : text);

/** Runs one act; a refused input is shown again beside its fields (400), anything else is the error page. */
async function act(
  req: Req,
  form: Form,
  values: Record<string, string>,
  run: () => Promise<PageResult>,
): Promise<PageResult> {
  try {
    return await run();
  } catch (e) {
    if (!(e instanceof AppError) || !['invalid', 'conflict', 'not_found'].includes(e.kind)) throw e;
    const errors = fieldErrors(e);
    if (!e.issues) errors._ = req.say(e.message);
    return pairingsPage(req, { form, errors, values });
  }
}

const back = (req: Req, extra: Record<string, string>) => {
  const q = new URLSearchParams(req.query);
  for (const k of [
    'assigned',
    'reassigned',
    'ended',
    'carried',
    'unchanged',
    'skipped',
    'digest',
    'householdId',
    'carryJob',
  ])
    q.delete(k);
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  return `/app/admin/pairings?${q}`;
};

/** POST /app/admin/pairings: pairs a cadre with a household for a year (`createPairing`, as `POST /pairings`). */
export async function assignFromPage(req: Req): Promise<PageResult> {
  const values = formValues(req, ['householdId', 'year', 'cadreId']);
  return act(req, 'assign', values, async () => {
    const { pairing } = await createPairing(db, { ...values, year: yearOf(values.year) } as never, req.now);
    return { redirect: back(req, { assigned: pairing.headName }), audited: pairing.householdId };
  });
}

/** POST /app/admin/pairings/reassignment: another cadre from a date (`reassignPairing`). */
export async function reassignFromPage(req: Req): Promise<PageResult> {
  const values = formValues(req, ['householdId', 'year', 'cadreId', 'from']);
  return act(req, 'reassign', values, async () => {
    const p = await reassignPairing(db, { ...values, year: yearOf(values.year) } as never, req.now);
    return { redirect: back(req, { reassigned: p.headName }), audited: p.householdId };
  });
}

/** POST /app/admin/pairings/end: ends a pairing on a date (`endPairing`). */
export async function endFromPage(req: Req): Promise<PageResult> {
  const values = formValues(req, ['householdId', 'year', 'on']);
  return act(req, 'end', values, async () => {
    const p = await endPairing(db, { ...values, year: yearOf(values.year) } as never, req.now);
    return { redirect: back(req, { ended: p.headName }), audited: p.householdId };
  });
}

/**
 * POST /app/admin/pairings/carry-over: `action=preview` shows what a carry-over would do (a dry run); `commit`
 * runs it and compares its digest with the preview's, so a registry change in between is pointed out.
 */
export async function carryOverFromPage(req: Req): Promise<PageResult> {
  const values = formValues(req, ['fromYear', 'toYear', 'action', 'digest']);
  const input = { fromYear: yearOf(values.fromYear), toYear: yearOf(values.toYear) } as never;
  return act(req, 'carry', values, async () => {
    if (values.action !== 'commit') {
      const preview = await carryOverPairings(db, { ...(input as object), dryRun: true } as never, req.now);
      return pairingsPage(req, { form: 'carry', values, preview });
    }
    // A city's carry-over is longer than a page request may take: past the inline limit it goes on in the
    // background, and the page follows the job (as `POST /pairings/carry-over` answers `status: running`).
    const r = await commitCarryOver(
      { db, now: req.now, runner: getImportRunner() },
      { ...(input as object), dryRun: false } as never,
      req.caller!.sub,
      carryOverInlineLimit(),
    );
    if ('jobId' in r) {
      return { redirect: back(req, { year: String(r.toYear), carryJob: r.jobId }), audited: r.jobId };
    }
    return {
      redirect: back(req, {
        year: String(r.toYear),
        carried: String(r.created),
        unchanged: String(r.unchanged),
        skipped: String(r.skipped.length),
        ...(values.digest && values.digest !== r.digest ? { digest: 'changed' } : {}),
      }),
      audited: `carry-over-${r.fromYear}-${r.toYear}`,
    };
  });
}
