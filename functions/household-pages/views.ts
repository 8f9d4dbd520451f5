import { randomUUID } from 'node:crypto';
import type { AidRecordView, HouseholdYearSummary } from '#shared/aid/ledger.ts';
import { OBJECTIVES } from '#shared/aid/rules.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest, yuan } from '../pages/kit.ts';
import { floorProgress, recordControl } from '../pages/views.ts';
import { aidPhotoPicker } from './evidence-views.ts';

/* The views of the cadre's field pages (`functions/household-pages.ts`): a household's year and the aid form. */

function entryRow(
  req: PageRequest,
  r: AidRecordView & { reversedBy?: string },
  canReverse: boolean,
  householdId: string,
): Html {
  const items = r.items?.map((i) => `${i.name} ×${i.quantity} @ ${yuan(i.unitValueFen)}`).join('；');
  return html`<tr>
<td>${r.date}</td><td>${req.label(r.kind)}</td><td>${req.label(r.objective)}</td>
<td class="num">${yuan(r.amountFen)}</td>
<td>${r.reverses ? html`<strong>${req.t.reversal}</strong>：` : ''}${r.description}${items ? html`<br><span class="muted">${items}</span>` : ''}${
    r.reason ? html`<br><span class="muted">${req.t.reason}：${r.reason}</span>` : ''
  }</td>
<td>${
    r.reversedBy
      ? html`<span class="muted">${req.t.reversed}</span>`
      : canReverse && !r.reverses
        ? html`<form method="post" action="/app/aid/${r.id}/reverse">${csrfField(req)}<input type="hidden" name="householdId" value="${householdId}">
<label for="reason-${r.id}" class="muted">${req.t.reason}</label><input id="reason-${r.id}" name="reason" required maxlength="500">
<button class="secondary">${req.t.reverse}</button></form>`
        : ''
  }</td></tr>`;
}

/** A household-year: progress, entries (reversals listed), and the way to the aid form. */
export function householdPage(
  req: PageRequest,
  s: HouseholdYearSummary,
  canRecord: boolean,
  saved: boolean,
  refused?: string,
): Html {
  return html`${saved ? html`<p class="notice" role="status">${req.t.saved}</p>` : ''}
${refused ? html`<div class="alert" role="alert">${refused}</div>` : ''}
<section class="card">${floorProgress(req, s.totalFen)}
${s.returned ? html`<p class="alert">${req.t.returned}：${s.returned.comment}</p>` : ''}
${recordControl(req, s.householdId, s.year, s.locked, s.frozenBy, canRecord)}
</section>
<h2>${req.t.entries}</h2>
${
  s.records.length
    ? html`<div class="table-wrap"><table><thead><tr><th>${req.t.date}</th><th>${req.t.kind}</th><th>${req.t.objective}</th><th class="num">${req.t.amountYuan}</th><th>${req.t.description}</th><th></th></tr></thead>
<tbody>${s.records.map((r) => entryRow(req, r, canRecord && !s.locked && !s.frozenBy, s.householdId))}</tbody></table></div>`
    : html`<p>${req.t.noEntries}</p>`
}`;
}

/** Values of the aid form, as typed (re-shown with the errors when it is refused). */
export interface AidFormValues {
  idempotencyKey: string;
  kind: string;
  objective: string;
  date: string;
  amountYuan: string;
  description: string;
  items: { name: string; quantity: string; unitValueYuan: string }[];
}

/** Empty form values for a fresh load: a new idempotency key, today's date in Shanghai. */
export function freshAidForm(now: Date): AidFormValues {
  return {
    idempotencyKey: randomUUID(),
    kind: 'cash',
    objective: 'livelihood',
    date: shanghaiDate(now),
    amountYuan: '',
    description: '',
    items: [],
  };
}

const ITEM_SCRIPT = `
document.querySelectorAll('[data-add-item]').forEach(function (b) {
  b.hidden = false;
  b.addEventListener('click', function () {
    var rows = document.querySelector('.items'); var first = rows.querySelector('.item');
    var row = first.cloneNode(true); row.querySelectorAll('input').forEach(function (i) { i.value = ''; i.removeAttribute('id'); });
    rows.appendChild(row); row.querySelector('input').focus();
  });
});
var kind = document.getElementById('kind');
function sync() { document.getElementById('items').hidden = kind.value !== 'in_kind'; }
if (kind) { kind.addEventListener('change', sync); sync(); }
`;

/** The aid form (帮扶登记). One idempotency key per form load: a double click or a resent form records once. */
export function aidForm(
  req: PageRequest,
  householdId: string,
  headName: string,
  v: AidFormValues,
  errors: Record<string, string>,
): Html {
  const rows = v.items.length
    ? v.items
    : [
        { name: '', quantity: '', unitValueYuan: '' },
        { name: '', quantity: '', unitValueYuan: '' },
      ];
  const opt = (value: string, current: string, text: string) =>
    html`<option value="${value}"${current === value ? raw(' selected') : ''}>${text}</option>`;
  return html`<p class="muted">${headName}</p>
${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : Object.keys(errors).length ? html`<div class="alert" role="alert">${req.t.fixErrors}</div>` : ''}
<form method="post" action="/app/households/${householdId}/aid" class="card" novalidate>${csrfField(req)}
<input type="hidden" name="idempotencyKey" value="${v.idempotencyKey}">
<div class="grid2">
${field('kind', req.t.kind, html`<select id="kind" name="kind"${invalidAttrs('kind', errors.kind)}>${opt('cash', v.kind, req.t.cash)}${opt('in_kind', v.kind, req.t.inKind)}</select>`, errors.kind)}
${field(
  'objective',
  req.t.objective,
  html`<select id="objective" name="objective"${invalidAttrs('objective', errors.objective)}>${OBJECTIVES.map((o) => opt(o, v.objective, req.label(o)))}</select>`,
  errors.objective,
)}
${field('date', req.t.date, html`<input id="date" name="date" type="date" value="${v.date}" max="${shanghaiDate(req.now)}" required${invalidAttrs('date', errors.date)}>`, errors.date)}
${field(
  'amountYuan',
  req.t.amountYuan,
  html`<input id="amountYuan" name="amountYuan" inputmode="decimal" autocomplete="off" value="${v.amountYuan}" placeholder="0.00"${invalidAttrs('amountYuan', errors.amountYuan)}><p class="muted">${req.t.amountHint}</p>`,
  errors.amountYuan,
)}
</div>
${field('description', req.t.description, html`<textarea id="description" name="description" rows="2" maxlength="500" required${invalidAttrs('description', errors.description)}>${v.description}</textarea>`, errors.description)}
<fieldset id="items"><legend>${req.t.items}</legend>
<div class="items">${rows.map(
    (r, i) => html`<div class="item">
<div><label for="${i === 0 ? 'itemName' : `itemName${i}`}">${req.t.itemName}</label><input id="${i === 0 ? 'itemName' : `itemName${i}`}" name="itemName" value="${r.name}"></div>
<div><label for="${i === 0 ? 'itemQuantity' : `itemQuantity${i}`}">${req.t.quantity}</label><input id="${i === 0 ? 'itemQuantity' : `itemQuantity${i}`}" name="itemQuantity" inputmode="numeric" value="${r.quantity}"></div>
<div><label for="${i === 0 ? 'itemUnitValueYuan' : `itemUnitValueYuan${i}`}">${req.t.unitValueYuan}</label><input id="${i === 0 ? 'itemUnitValueYuan' : `itemUnitValueYuan${i}`}" name="itemUnitValueYuan" inputmode="decimal" value="${r.unitValueYuan}"></div>
</div>`,
  )}</div>
${errors.items ? html`<p class="error" role="alert">${errors.items}</p>` : ''}
<button type="button" class="secondary" data-add-item hidden>${req.t.addItem}</button>
</fieldset>
${aidPhotoPicker(req, householdId, errors.photoKeys)}
<button type="submit">${req.t.save}</button>
</form>
<script nonce="${req.nonce}">${raw(ITEM_SCRIPT)}</script>`;
}
