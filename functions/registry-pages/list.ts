import { AppError } from '#shared/errors.ts';
import { findHousehold, registerHousehold } from '#shared/household/index.ts';
import { listHouseholds } from '#shared/household/list.ts';
import {
  type Community,
  createCadre,
  createCommunity,
  createUnit,
  findEntity,
  listEntities,
  listRegions,
  type RegionTree,
  UNASSIGNED_REGION,
  type Unit,
} from '#shared/registry/index.ts';
import { listCadres, listCommunities, listUnits } from '#shared/registry/lists.ts';
import type { RegistryKind } from '#shared/table.ts';
import { type Html, html } from '#shared/web/html.ts';
import type { RegistryWords } from '#shared/web/registry-words.ts';
import { getFieldCipher } from '../lib/cipher.ts';
import { db, idHashKey } from '../lib/clients.ts';
import {
  csrfField,
  field,
  fieldErrors,
  invalidAttrs,
  type PageRequest,
  type PageResult,
  sayMessage,
} from '../pages/kit.ts';

/*
 * The registry pages (issue #12, item 2): `/app/admin/{communities,units,cadres,households}`, each a list with
 * search, filters and cursor pages over the same list commands as `GET /communities` …, and a form that
 * registers through the same commands as `POST /communities` …. Edit pages are in `edit.ts`. A
 * household's ID number is only ever shown masked, and a number typed into a form is never written back into
 * the page (a refused form asks for it again).
 */

export type Req = PageRequest<RegistryWords>;
/** The path segment of each kind's pages. */
export type KindPath = 'communities' | 'units' | 'cadres' | 'households';
export const KIND_OF: Record<KindPath, RegistryKind> = {
  communities: 'community',
  units: 'unit',
  cadres: 'cadre',
  households: 'household',
};

/** A form's state when it comes back refused: the messages by field, and what was typed (never an ID number). */
export interface FormState {
  errors: Record<string, string>;
  values: Record<string, string>;
  status: number;
}

/** The field a conflict belongs beside: the name (or code, or number) that is taken. */
const CONFLICT_FIELD: Record<string, string> = {
  'community.name_taken': 'name',
  'unit.name_taken': 'name',
  'cadre.code_taken': 'code',
  'household.id_registered': 'idNumber',
};

/**
 * A refused command as a form's state: a bad field beside its field (400), a taken name beside the name (409),
 * another conflict (a round holds the household, a paired cadre's unit) at the top of the form (409). Anything
 * else (not found, a defect) is not the form's to show.
 */
export function formState(e: unknown, values: Record<string, string>): FormState {
  if (!(e instanceof AppError) || (e.kind !== 'invalid' && e.kind !== 'conflict')) throw e;
  const errors =
    e.kind === 'conflict' ? { [CONFLICT_FIELD[e.code] ?? '_']: sayMessage(e.message) } : fieldErrors(e, { '': '_' });
  const { idNumber: _never, ...kept } = values;
  return { errors, values: kept, status: e.kind === 'conflict' ? 409 : 400 };
}

/** The form's fields by name, as typed (trimmed by the commands, not here). */
export const formValues = (req: Req, names: readonly string[]) =>
  Object.fromEntries(names.map((n) => [n, req.form.get(n) ?? '']));

/** Text fields left empty are absent, as an API caller would leave them out. */
export const withoutEmpty = (values: Record<string, string>, optional: readonly string[]) =>
  Object.fromEntries(Object.entries(values).filter(([k, v]) => v !== '' || !optional.includes(k)));

/** A count as typed: a number when it is one, else the text (the command says what is wrong with it). */
export const countOf = (v: string): number | string => (/^\d{1,6}$/.test(v.trim()) ? Number(v.trim()) : v);

export const option = (value: string, label: string, chosen: string | undefined) =>
  html`<option value="${value}"${value === (chosen ?? '') ? html` selected` : ''}>${label}</option>`;

export const byName = <T extends { name: string }>(a: T, b: T) => a.name.localeCompare(b.name, 'zh-Hans-CN');

/** A text input in a form with its label and its error beside it. */
export function textField(
  name: string,
  label: string,
  state: FormState | undefined,
  attrs: { required?: boolean; max?: number; hint?: string; list?: string; value?: string; type?: string } = {},
): Html {
  const error = state?.errors[name];
  const value = state ? (state.values[name] ?? '') : (attrs.value ?? '');
  return field(
    name,
    label,
    html`<input id="${name}" name="${name}" type="${attrs.type ?? 'text'}"${attrs.required ? html` required` : ''}${
      attrs.max ? html` maxlength="${attrs.max}"` : ''
    }${attrs.list ? html` list="${attrs.list}"` : ''} autocomplete="off" value="${value}"${invalidAttrs(name, error)}>${
      attrs.hint ? html`<p class="muted">${attrs.hint}</p>` : ''
    }`,
    error,
  );
}

/** A select of registry entities (active ones, plus the chosen one even when deactivated). */
export function entitySelect(
  name: string,
  label: string,
  entities: { id: string; name: string; active?: boolean }[],
  chosen: string | undefined,
  req: Req,
  error?: string,
): Html {
  return field(
    name,
    label,
    html`<select id="${name}" name="${name}"${invalidAttrs(name, error)}>${option('', req.t.chooseOne, chosen)}${entities
      .filter((e) => e.active !== false || e.id === chosen)
      .map((e) =>
        option(
          e.id,
          e.active === false ? `${e.name}${req.t.openParen}${req.t.statusInactiveTag}${req.t.closeParen}` : e.name,
          chosen,
        ),
      )}</select>`,
    error,
  );
}

export const statusTag = (req: Req, active: boolean) =>
  active
    ? html`<span class="tag ok-tag">${req.t.statusActiveTag}</span>`
    : html`<span class="tag off-tag">${req.t.statusInactiveTag}</span>`;

/** Names a region column: the community's township or district, or 未分区. */
const regionName = (name: string | null | undefined) => name ?? sayMessage(UNASSIGNED_REGION);

/** What the lists and forms choose from: regions, communities, units, read once per page as needed. */
export interface Pickers {
  regions: RegionTree;
  communities: Community[];
  units: Unit[];
}

export async function loadPickers(need: { regions?: boolean; communities?: boolean; units?: boolean }) {
  const [regions, communities, units] = await Promise.all([
    need.regions ? listRegions(db) : { districts: [] },
    need.communities ? listEntities<Community>(db, 'community') : [],
    need.units ? listEntities<Unit>(db, 'unit') : [],
  ]);
  return { regions, communities: communities.sort(byName), units: units.sort(byName) } satisfies Pickers;
}

// ---------------------------------------------------------------------------------------------------------
// Lists
// ---------------------------------------------------------------------------------------------------------

/** The query parameters each list takes (the list command's own names), besides the cursor. */
const FILTERS: Record<KindPath, readonly string[]> = {
  communities: ['search', 'districtId', 'townshipId', 'active'],
  units: ['search', 'active'],
  cadres: ['search', 'unitId', 'active'],
  households: ['search', 'districtId', 'townshipId', 'communityId', 'active'],
};

const PAGE_SIZE = '50';

function regionSelects(req: Req, p: Pickers, q: Record<string, string>): Html {
  return html`${field(
    'f-districtId',
    req.t.district,
    html`<select id="f-districtId" name="districtId">${option('', req.t.anyOption, q.districtId)}${p.regions.districts.map(
      (d) => option(d.id, d.name, q.districtId),
    )}</select>`,
  )}${field(
    'f-townshipId',
    req.t.township,
    html`<select id="f-townshipId" name="townshipId">${option('', req.t.anyOption, q.townshipId)}${p.regions.districts.map(
      (d) =>
        d.townships.length
          ? html`<optgroup label="${d.name}">${d.townships.map((t) => option(t.id, t.name, q.townshipId))}</optgroup>`
          : '',
    )}</select>`,
  )}`;
}

/** The GET form of a list's search and filters: works without script, its values kept. */
function filterForm(req: Req, kind: KindPath, p: Pickers, q: Record<string, string>): Html {
  const hint = {
    communities: req.t.searchName,
    units: req.t.searchName,
    cadres: req.t.searchCadre,
    households: req.t.searchHousehold,
  }[kind];
  return html`<form method="get" action="/app/admin/${kind}" class="filters card" role="search">
${field('f-search', req.t.search, html`<input id="f-search" name="search" type="search" maxlength="50" value="${q.search ?? ''}" placeholder="${hint}">`)}
${kind === 'communities' || kind === 'households' ? regionSelects(req, p, q) : ''}
${
  kind === 'households'
    ? field(
        'f-communityId',
        req.t.community,
        html`<select id="f-communityId" name="communityId">${option('', req.t.anyOption, q.communityId)}${p.communities.map(
          (c) => option(c.id, c.name, q.communityId),
        )}</select>`,
      )
    : ''
}
${
  kind === 'cadres'
    ? field(
        'f-unitId',
        req.t.unit,
        html`<select id="f-unitId" name="unitId">${option('', req.t.anyOption, q.unitId)}${p.units.map((u) =>
          option(u.id, u.name, q.unitId),
        )}</select>`,
      )
    : ''
}
${field(
  'f-active',
  req.t.activeFilter,
  html`<select id="f-active" name="active">${option('', req.t.activeAll, q.active)}${option('true', req.t.activeOnly, q.active)}${option(
    'false',
    req.t.inactiveOnly,
    q.active,
  )}</select>`,
)}
<div class="filter-actions"><button type="submit">${req.t.applyFilters}</button> <a href="/app/admin/${kind}">${req.t.clearFilters}</a></div>
</form>`;
}

type Row = Record<string, unknown> & { id: string; active: boolean };

const link = (kind: KindPath, r: Row, text: unknown) => html`<a href="/app/admin/${kind}/${r.id}">${String(text)}</a>`;

/** Each kind's columns: header, and the cell of a row. */
function columns(req: Req, kind: KindPath): [string, (r: Row) => unknown, string?][] {
  const t = req.t;
  switch (kind) {
    case 'communities':
      return [
        [t.name, (r) => link(kind, r, r.name)],
        [t.township, (r) => regionName(r.township as string | null)],
        [t.district, (r) => regionName(r.district as string | null)],
      ];
    case 'units':
      return [[t.name, (r) => link(kind, r, r.name)]];
    case 'cadres':
      return [
        [t.cadreName, (r) => link(kind, r, r.name)],
        [t.unit, (r) => r.unitName ?? r.unitId],
        [t.code, (r) => r.code ?? '—'],
        [t.phone, (r) => r.phone ?? '—'],
      ];
    case 'households':
      return [
        [t.headName, (r) => link(kind, r, r.headName)],
        [t.idNumberMasked, (r) => html`<span class="mono">${r.idNumberMasked as string}</span>`],
        [t.community, (r) => r.communityName ?? r.communityId],
        [t.memberCount, (r) => r.memberCount, 'num'],
      ];
  }
}

const LIST: Record<KindPath, (query: Record<string, string>) => Promise<{ items: Row[]; nextCursor: string | null }>> =
  {
    communities: (q) => listCommunities(db, q) as Promise<{ items: Row[]; nextCursor: string | null }>,
    units: (q) => listUnits(db, q) as Promise<{ items: Row[]; nextCursor: string | null }>,
    cadres: (q) => listCadres(db, q) as Promise<{ items: Row[]; nextCursor: string | null }>,
    households: (q) => listHouseholds(db, q) as Promise<{ items: Row[]; nextCursor: string | null }>,
  };

const TITLE = { communities: 'communities', units: 'units', cadres: 'cadres', households: 'households' } as const;
const NEW_TITLE = {
  communities: 'newCommunity',
  units: 'newUnit',
  cadres: 'newCadre',
  households: 'newHousehold',
} as const;

/** The "registered" notice after a create: the new entity's name, linked to its page. */
async function createdNotice(req: Req, kind: KindPath): Promise<Html | ''> {
  const id = req.query.get('created');
  if (!id || !/^[\w-]{1,64}$/.test(id)) return '';
  const found =
    kind === 'households'
      ? await findHousehold(db, id).then((h) => h && { name: h.headName })
      : await findEntity<{ name: string }>(db, KIND_OF[kind], id);
  if (!found) return '';
  return html`<p class="notice" role="status">${req.t.registeredOk}${req.t.colon}<a href="/app/admin/${kind}/${id}">${found.name}</a></p>`;
}

/**
 * GET /app/admin/{communities,units,cadres,households}: the list, 50 a page, through the list command the API
 * uses (`?search=&districtId=&…&cursor=`); the next page's link carries the cursor and the filters. Then the form
 * that registers one more (open when it comes back refused).
 */
export function registryList(kind: KindPath) {
  return async (req: Req, _m?: RegExpExecArray, state?: FormState): Promise<PageResult> => {
    const q: Record<string, string> = {};
    for (const f of FILTERS[kind]) {
      const v = req.query.get(f)?.trim();
      if (v) q[f] = v;
    }
    const cursor = req.query.get('cursor') || undefined;
    const limit = req.query.get('limit') || PAGE_SIZE;
    const pickers = await loadPickers({
      regions: kind === 'communities' || kind === 'households',
      communities: kind === 'households',
      units: kind === 'cadres',
    });
    const page = await LIST[kind]({ ...q, limit, ...(cursor ? { cursor } : {}) });
    const cols = columns(req, kind);
    const keep = new URLSearchParams({ ...q, ...(limit !== PAGE_SIZE ? { limit } : {}) });
    const next = page.nextCursor
      ? `/app/admin/${kind}?${new URLSearchParams([...keep, ['cursor', page.nextCursor]])}`
      : '';
    const filtered = Object.keys(q).length > 0 || !!cursor;
    return {
      status: state?.status ?? 200,
      title: req.t[TITLE[kind]],
      body: html`${await createdNotice(req, kind)}
${filterForm(req, kind, pickers, q)}
${createForm(req, kind, pickers, state)}
${
  page.items.length
    ? html`<p class="muted" data-count="${page.items.length}">${req.t.shownOnPage.replace('{n}', String(page.items.length))}${
        page.nextCursor ? req.t.morePages : ''
      }</p>
<div class="table-wrap"><table class="registry ${kind}"><thead><tr>${cols.map(
        ([h, , c]) => html`<th${c ? html` class="${c}"` : ''}>${h}</th>`,
      )}<th>${req.t.activeFilter}</th></tr></thead>
<tbody>${page.items.map(
        (r) =>
          html`<tr id="row-${r.id}" data-active="${String(r.active)}">${cols.map(
            ([, cell, c]) => html`<td${c ? html` class="${c}"` : ''}>${cell(r)}</td>`,
          )}<td>${statusTag(req, r.active)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p class="empty">${filtered ? req.t.noMatches : req.t.noneYet}</p>`
}
<p class="pager">${next ? html`<a href="${next}" rel="next">${req.t.nextPage} →</a>` : ''}${
        cursor ? html` <a href="/app/admin/${kind}?${keep}">${req.t.firstPage}</a>` : ''
      }</p>`,
    };
  };
}

// ---------------------------------------------------------------------------------------------------------
// Create
// ---------------------------------------------------------------------------------------------------------

/** Datalists of the regions already known, so a second community in a township is typed the same way. */
function regionLists(p: Pickers): Html {
  const townships = [...new Set(p.regions.districts.flatMap((d) => d.townships.map((t) => t.name)))];
  return html`<datalist id="district-names">${p.regions.districts.map((d) => html`<option value="${d.name}">`)}</datalist><datalist id="township-names">${townships.map(
    (t) => html`<option value="${t}">`,
  )}</datalist>`;
}

/** The fields of each kind's form (create, and edit for all but the ID number). */
export function entityFields(req: Req, kind: KindPath, p: Pickers, state: FormState | undefined, current?: Row): Html {
  const t = req.t;
  const v = (f: string) => (current?.[f] === undefined || current[f] === null ? '' : String(current[f]));
  const chosen = (f: string) => (state ? state.values[f] : v(f));
  switch (kind) {
    case 'communities':
      return html`${textField('name', t.name, state, { required: true, max: 100, value: v('name') })}
<div class="grid2">${textField('township', t.township, state, { max: 50, list: 'township-names', value: v('township') })}${textField(
        'district',
        t.district,
        state,
        { max: 50, list: 'district-names', value: v('district') },
      )}</div><p class="muted">${t.regionHint}</p>${regionLists(p)}`;
    case 'units':
      return textField('name', t.name, state, { required: true, max: 100, value: v('name') });
    case 'cadres':
      return html`${textField('name', t.cadreName, state, { required: true, max: 100, value: v('name') })}
${entitySelect('unitId', t.unit, p.units, chosen('unitId'), req, state?.errors.unitId)}
<div class="grid2">${textField('code', t.code, state, { max: 32, hint: t.codeHint, value: v('code') })}${textField(
        'phone',
        t.phone,
        state,
        { max: 20, type: 'tel', value: v('phone') },
      )}</div>`;
    case 'households':
      return html`${textField('headName', t.headName, state, { required: true, max: 50, value: v('headName') })}
${current ? '' : idNumberField('idNumber', t.idNumber, t.idNumberHint, state?.errors.idNumber)}
${entitySelect('communityId', t.community, p.communities, chosen('communityId'), req, state?.errors.communityId)}
${textField('memberCount', `${t.memberCount}${t.persons ? `${t.openParen}${t.persons}${t.closeParen}` : ''}`, state, {
  required: true,
  max: 2,
  type: 'number',
  value: v('memberCount'),
})}`;
  }
}

/**
 * An ID-number input, always empty: a number typed into a refused form is not written back into the page (pages
 * never hold a full number), so the message beside it asks for it again.
 */
export function idNumberField(name: string, label: string, hint: string, error: string | undefined): Html {
  return field(
    name,
    label,
    html`<input id="${name}" name="${name}" required maxlength="32" autocomplete="off" spellcheck="false" value=""${invalidAttrs(
      name,
      error,
    )}><p class="muted">${hint}</p>`,
    error,
  );
}

function createForm(req: Req, kind: KindPath, p: Pickers, state: FormState | undefined): Html {
  return html`<details class="card create"${state ? html` open` : ''}><summary>＋ ${req.t[NEW_TITLE[kind]]}</summary>
${state?.errors._ ? html`<div class="alert" role="alert">${state.errors._}</div>` : ''}
<form method="post" action="/app/admin/${kind}">${csrfField(req)}
${entityFields(req, kind, p, state)}
<button type="submit">${req.t[NEW_TITLE[kind]]}</button></form></details>`;
}

/** Each kind's form fields, and those an empty value leaves out. */
export const FIELDS: Record<KindPath, { names: readonly string[]; optional: readonly string[] }> = {
  communities: { names: ['name', 'township', 'district'], optional: ['township', 'district'] },
  units: { names: ['name'], optional: [] },
  cadres: { names: ['name', 'unitId', 'code', 'phone'], optional: ['code', 'phone'] },
  households: { names: ['headName', 'idNumber', 'communityId', 'memberCount'], optional: [] },
};

const CREATE: Record<KindPath, (req: Req, input: Record<string, unknown>) => Promise<{ id: string }>> = {
  communities: (req, input) => createCommunity(db, input as never, req.now),
  units: (req, input) => createUnit(db, input as never, req.now),
  cadres: (req, input) => createCadre(db, input as never, req.now),
  households: async (req, input) =>
    registerHousehold({ db, now: req.now, idHashKey: await idHashKey(), cipher: getFieldCipher() }, {
      ...input,
      memberCount: countOf(String(input.memberCount ?? '')),
    } as never),
};

/**
 * POST /app/admin/{communities,units,cadres,households}: registers one through the same command as the API's
 * `POST`; errors beside the fields (a taken name beside the name), then back to the list with the notice.
 */
export function createFromPage(kind: KindPath) {
  const list = registryList(kind);
  return async (req: Req): Promise<PageResult> => {
    const values = formValues(req, FIELDS[kind].names);
    try {
      const created = await CREATE[kind](req, withoutEmpty(values, FIELDS[kind].optional));
      return { redirect: `/app/admin/${kind}?created=${created.id}`, audited: created.id };
    } catch (e) {
      return list(req, undefined, formState(e, values));
    }
  };
}

/** Styles of the registry pages. */
export const REGISTRY_CSS = `
main{max-width:75rem}
form.filters{display:flex;flex-wrap:wrap;gap:0 1rem;align-items:flex-end;padding:.25rem 1rem .75rem}
form.filters>div{flex:1 1 9rem;max-width:16rem}form.filters>div:first-child{flex:2 1 16rem;max-width:none}
form.calendar-year>div:first-child{flex:0 1 10rem}
form.filters .filter-actions{flex:0 0 auto;white-space:nowrap}form.filters .filter-actions a{margin-left:.5rem}
details.create summary{cursor:pointer;font-weight:600;color:#b3261e}details.create[open] summary{margin-bottom:.25rem}
table.registry td a{font-weight:600}.mono{font-family:ui-monospace,monospace;white-space:nowrap}
table.registry tr[data-active=false] td{color:#666}
.tag.ok-tag{background:#e6f4ea;color:#137333;border:1px solid #8cc49d}.tag.off-tag{background:#eee;color:#444;border:1px solid #aaa}
.pager a{margin-right:1rem}
.edit-grid{display:grid;gap:0 1rem;align-items:start}@media(min-width:60rem){.edit-grid{grid-template-columns:3fr 2fr}}
table.changes td{font-size:.92rem}table.changes ul{margin:0;padding-left:1rem}
`;
