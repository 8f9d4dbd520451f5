import { auditChanges, listAudit } from '#shared/audit/index.ts';
import { beijingTime } from '#shared/dates.ts';
import { notFound } from '#shared/errors.ts';
import { findHousehold, householdView, patchHousehold } from '#shared/household/index.ts';
import {
  cadreView,
  communityView,
  findEntity,
  patchCadre,
  patchCommunity,
  patchUnit,
  unitView,
} from '#shared/registry/index.ts';
import { type Html, html } from '#shared/web/html.ts';
import type { RegistryWords } from '#shared/web/registry-words.ts';
import { getFieldCipher } from '../lib/cipher.ts';
import { db, idHashKey } from '../lib/clients.ts';
import { csrfField, field, invalidAttrs, type PageHandler, type PageResult } from '../pages/kit.ts';
import {
  countOf,
  createFromPage,
  entityFields,
  FIELDS,
  type FormState,
  formState,
  formValues,
  idNumberField,
  KIND_OF,
  type KindPath,
  loadPickers,
  type Pickers,
  type Req,
  registryList,
  statusTag,
} from './list.ts';

/*
 * The edit page of one registry entity (`/app/admin/{kind}/{id}`): its editable fields through the same edit
 * commands as `PATCH /communities/{id}` …, deactivation and re-activation as their own small form, for a
 * household the correction of its ID number with a reason, and the entity's change log from the audit trail.
 * Every write names the entity and its changed fields before and after (`auditDetail`), as the API's do.
 */

type Entity = Record<string, unknown> & { id: string; active: boolean };

/** Which of the page's forms came back refused. */
type Refused = FormState & { form: 'edit' | 'active' | 'correct' };

/** Reads the entity as the API shows it (a household masked), or 404. */
async function load(kind: KindPath, id: string): Promise<Entity> {
  if (kind === 'households') {
    const h = await findHousehold(db, id);
    if (!h) throw notFound('household.not_found', '困难家庭不存在');
    return householdView(h) as unknown as Entity;
  }
  const e = await findEntity<never>(db, KIND_OF[kind], id);
  if (!e) throw notFound(`${KIND_OF[kind]}.not_found`, '对象不存在');
  const view = { communities: communityView, units: unitView, cadres: cadreView }[kind] as (e: never) => unknown;
  return view(e) as Entity;
}

const TITLE = {
  communities: 'editCommunity',
  units: 'editUnit',
  cadres: 'editCadre',
  households: 'editHousehold',
} as const;
const LIST_TITLE = { communities: 'communities', units: 'units', cadres: 'cadres', households: 'households' } as const;

const DONE = [
  ['saved', 'savedOk'],
  ['unchanged', 'unchangedOk'],
  ['deactivated', 'deactivatedOk'],
  ['reactivated', 'reactivatedOk'],
  ['corrected', 'correctedOk'],
] as const;

/** The label of a changed field in the change log; ids of regions go unshown (their names change with them). */
function fieldLabel(req: Req, f: string): string | undefined {
  const t = req.t;
  const labels: Record<string, string> = {
    name: t.name,
    township: t.township,
    district: t.district,
    unitId: t.unit,
    code: t.code,
    phone: t.phone,
    headName: t.headName,
    memberCount: t.memberCount,
    communityId: t.community,
    idNumberMasked: t.idNumberMasked,
    active: t.fieldActive,
  };
  return f === 'townshipId' || f === 'districtId' ? undefined : (labels[f] ?? f);
}

/** What an entry of the trail did, in words: registered, edited, deactivated, re-activated, a number corrected. */
function actionLabel(req: Req, e: { action: string; after?: Record<string, unknown> | undefined }): string {
  if (e.action.endsWith('/id-number') || (e.after && 'idNumberMasked' in e.after)) return req.t.actCorrected;
  if (e.after && Object.keys(e.after).join() === 'active')
    return e.after.active ? req.t.actReactivated : req.t.actDeactivated;
  if (/^(PATCH |PAGE POST \/app\/admin\/\w+\/)/.test(e.action)) return req.t.actEdited;
  if (e.action.startsWith('POST /imports') || e.action.includes('import')) return req.t.actImported;
  return e.action.startsWith('POST ') || e.action.startsWith('PAGE POST ') ? req.t.actRegistered : e.action;
}

/** The entity's trail, newest first: who, when, which act, and each changed field before → after. */
async function changeLog(req: Req, id: string, p: Pickers): Promise<Html> {
  const { entries } = await listAudit(db, { entityId: id }, req.now);
  const names = new Map([...p.communities, ...p.units].map((e) => [e.id, e.name]));
  const shown = (f: string, v: unknown) => {
    if (v === null || v === undefined) return '—';
    if (f === 'active') return v ? req.t.statusActiveTag : req.t.statusInactiveTag;
    if (f === 'unitId' || f === 'communityId') return names.get(String(v)) ?? String(v);
    return String(v);
  };
  const rows = entries.slice(-30).reverse();
  return html`<section class="card"><h2>${req.t.changeLog}</h2>${
    rows.length
      ? html`<div class="table-wrap"><table class="changes"><thead><tr><th>${req.t.changeAt}</th><th>${req.t.changeBy}</th><th>${req.t.changeAction}</th><th>${req.t.changeWhat}</th></tr></thead><tbody>${rows.map(
          (e) =>
            html`<tr><td>${beijingTime(e.at)}</td><td>${e.actor}</td><td title="${e.action}">${actionLabel(req, e)}</td><td>${
              e.after
                ? html`<ul>${Object.keys(e.after).flatMap((f) => {
                    const label = fieldLabel(req, f);
                    return label
                      ? [html`<li>${label}${req.t.colon}${shown(f, e.before?.[f])} → ${shown(f, e.after?.[f])}</li>`]
                      : [];
                  })}</ul>`
                : '—'
            }${e.reason ? html`<p class="muted">${req.t.reason}${req.t.colon}${e.reason}</p>` : ''}</td></tr>`,
        )}</tbody></table></div>`
      : html`<p>${req.t.noChangeLog}</p>`
  }</section>`;
}

/** The deactivate / re-activate form: a button, and what it means. */
function activeForm(req: Req, kind: KindPath, e: Entity, refused?: Refused): Html {
  const error = refused?.form === 'active' ? Object.values(refused.errors)[0] : undefined;
  return html`<section class="card"><h2>${req.t.activeFilter} ${statusTag(req, e.active)}</h2>
${error ? html`<div class="alert" role="alert">${error}</div>` : ''}
<p class="muted">${req.t.deactivateHint}</p>
<form method="post" action="/app/admin/${kind}/${e.id}/active">${csrfField(req)}<input type="hidden" name="active" value="${e.active ? 'false' : 'true'}"><button type="submit"${
    e.active ? html` class="secondary"` : ''
  }>${e.active ? req.t.deactivate : req.t.reactivate}</button></form></section>`;
}

/** A household's ID-number correction: the masked number, an empty input for the right one, the reason. */
function correctionForm(req: Req, e: Entity, refused?: Refused): Html {
  const state = refused?.form === 'correct' ? refused : undefined;
  const reasonError = state?.errors.reason;
  return html`<section class="card" id="correct"><h2>${req.t.correctIdNumber}</h2>
<p>${req.t.currentIdNumber}${req.t.colon}<span class="mono" data-masked>${String(e.idNumberMasked)}</span></p>
<p class="muted">${req.t.correctionHint}</p>
${state?.errors._ ? html`<div class="alert" role="alert">${state.errors._}</div>` : ''}
<form method="post" action="/app/admin/households/${e.id}/id-number">${csrfField(req)}
${idNumberField('newIdNumber', req.t.newIdNumber, req.t.idNumberHint, state?.errors.idNumber)}
${field(
  'reason',
  req.t.correctionReason,
  html`<textarea id="reason" name="reason" rows="2" maxlength="500" required${invalidAttrs('reason', reasonError)}>${
    state?.values.reason ?? ''
  }</textarea>`,
  reasonError,
)}
<button type="submit">${req.t.correctIdNumber}</button></form></section>`;
}

/** Links from the entity to what hangs off it. */
function related(req: Req, kind: KindPath, id: string): Html | '' {
  if (kind === 'households') return html`<a href="/app/households/${id}">${req.t.householdRecord}</a>`;
  if (kind === 'units') return html`<a href="/app/admin/cadres?unitId=${id}">${req.t.unitCadres}</a>`;
  if (kind === 'communities')
    return html`<a href="/app/admin/households?communityId=${id}">${req.t.communityHouseholds}</a>`;
  return '';
}

/**
 * GET /app/admin/{kind}/{id}: the edit form prefilled (or as refused, errors beside the fields), the
 * deactivate / re-activate form, a household's ID-number correction (masked number only), the change log.
 */
export function registryEdit(kind: KindPath) {
  return async (req: Req, m: RegExpExecArray, refused?: Refused): Promise<PageResult> => {
    const id = m[1]!;
    const e = await load(kind, id);
    const pickers = await loadPickers({
      regions: kind === 'communities',
      communities: kind === 'households',
      units: kind === 'cadres',
    });
    const state = refused?.form === 'edit' ? refused : undefined;
    const done = DONE.find(([q]) => req.query.has(q));
    const title = String(kind === 'households' ? e.headName : e.name);
    return {
      status: refused?.status ?? 200,
      title: `${req.t[TITLE[kind]]} · ${title}`,
      body: html`<p class="muted"><a href="/app/admin/${kind}">← ${req.t.backToList}${req.t.openParen}${req.t[LIST_TITLE[kind]]}${req.t.closeParen}</a>${
        related(req, kind, id) ? html` · ${related(req, kind, id)}` : ''
      }</p>
${done ? html`<p class="notice" role="status">${req.t[done[1]]}</p>` : ''}
<div class="edit-grid"><section class="card"><h2>${req.t.edit}</h2>
${state?.errors._ ? html`<div class="alert" role="alert">${state.errors._}</div>` : ''}
<form method="post" action="/app/admin/${kind}/${id}">${csrfField(req)}
${entityFields(req, kind, pickers, state, e)}
<button type="submit">${req.t.save}</button></form>
<p class="muted">${req.t.createdAt}${req.t.colon}${beijingTime(String(e.createdAt))}</p></section>
<div>${kind === 'households' ? correctionForm(req, e, refused) : ''}${activeForm(req, kind, e, refused)}</div></div>
${await changeLog(req, id, pickers)}`,
    };
  };
}

/** The edit command of each kind, as `PATCH /{kind}/{id}` calls it. */
const EDIT: Record<
  KindPath,
  (req: Req, id: string, patch: Record<string, unknown>) => Promise<Parameters<typeof auditChanges>[0]>
> = {
  communities: (req, id, patch) => patchCommunity(db, id, patch, req.now),
  units: (req, id, patch) => patchUnit(db, id, patch, req.now),
  cadres: (req, id, patch) => patchCadre(db, id, patch, req.now),
  households: async (req, id, patch) =>
    patchHousehold({ db, now: req.now, idHashKey: await idHashKey(), cipher: getFieldCipher() }, id, patch),
};

/** The edit form as a patch: every editable field is sent; an emptied optional one is taken away (`null`). */
function patchOf(kind: KindPath, values: Record<string, string>): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const f of FIELDS[kind].names) {
    if (f === 'idNumber') continue;
    const v = values[f] ?? '';
    patch[f] = FIELDS[kind].optional.includes(f) && v.trim() === '' ? null : f === 'memberCount' ? countOf(v) : v;
  }
  return patch;
}

/** Applies a patch and answers as a form post does: back to the page with a notice, or the form refused. */
function applying(kind: KindPath, form: Refused['form'], toPatch: (values: Record<string, string>) => object) {
  const page = registryEdit(kind);
  const names = { edit: FIELDS[kind].names, active: ['active'], correct: ['newIdNumber', 'reason'] }[form];
  return async (req: Req, m: RegExpExecArray): Promise<PageResult> => {
    const id = m[1]!;
    const values = formValues(req, names);
    try {
      const edit = await EDIT[kind](req, id, toPatch(values) as Record<string, unknown>);
      if (!edit.changed.length) return { redirect: `/app/admin/${kind}/${id}?unchanged=1` };
      const done =
        form === 'active'
          ? values.active === 'true'
            ? 'reactivated'
            : 'deactivated'
          : form === 'correct'
            ? 'corrected'
            : 'saved';
      return { redirect: `/app/admin/${kind}/${id}?${done}=1`, audited: id, auditDetail: auditChanges(edit) };
    } catch (e) {
      const { newIdNumber: _never, ...kept } = values;
      return page(req, m, { ...formState(e, kept), form });
    }
  };
}

/** POST /app/admin/{kind}/{id}: saves the edit form. */
export const editFromPage = (kind: KindPath) => applying(kind, 'edit', (v) => patchOf(kind, v));

/** POST /app/admin/{kind}/{id}/active: deactivates (`active=false`) or re-activates (`active=true`). */
export const setActiveFromPage = (kind: KindPath) =>
  applying(kind, 'active', (v) => ({ active: v.active === 'true' ? true : v.active === 'false' ? false : v.active }));

/**
 * POST /app/admin/households/{id}/id-number: the correction, with its reason (400 beside the reason without one);
 * the audit entry holds the masked numbers and the reason.
 */
export const correctIdFromPage = applying('households', 'correct', (v) => ({
  idNumber: v.newIdNumber,
  ...(v.reason?.trim() ? { reason: v.reason } : {}),
}));

/** The five pages of one kind, keyed as `PAGE_ROUTES` names them (`registryPages` in functions/routes.ts). */
export function registryPages<K extends KindPath>(kind: K) {
  return {
    [`GET /app/admin/${kind}`]: (req: Req) => registryList(kind)(req),
    [`POST /app/admin/${kind}`]: createFromPage(kind),
    [`GET /app/admin/${kind}/{id}`]: (req: Req, m: RegExpExecArray) => registryEdit(kind)(req, m),
    [`POST /app/admin/${kind}/{id}`]: editFromPage(kind),
    [`POST /app/admin/${kind}/{id}/active`]: setActiveFromPage(kind),
  } as Record<
    | `GET /app/admin/${K}`
    | `POST /app/admin/${K}`
    | `GET /app/admin/${K}/{id}`
    | `POST /app/admin/${K}/{id}`
    | `POST /app/admin/${K}/{id}/active`,
    PageHandler<RegistryWords>
  >;
}
