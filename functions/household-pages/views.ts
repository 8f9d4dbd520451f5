import { randomUUID } from 'node:crypto';
import type { HouseholdYearSummary } from '#shared/aid/ledger.ts';
import { itemsTotalFen, itemValueFen, OBJECTIVES } from '#shared/aid/rules.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { formatYuanGrouped, parseAmount } from '#shared/money.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest } from '../pages/kit.ts';
import { floorProgress, recordControl } from '../pages/views.ts';
import { AID_FORM_SCRIPT } from './aid-script.ts';
import { afterWrite, entryList } from './entries.ts';
import { aidPhotoPicker } from './evidence-views.ts';

/* The views of the cadre's field pages (`functions/household-pages.ts`): a household's year and the aid form. */

/** A household-year: progress, entries (reversals listed), and the way to the aid form. */
export function householdPage(
  req: PageRequest,
  s: HouseholdYearSummary,
  canRecord: boolean,
  saved: boolean,
  refused?: string,
  /** What each entry's card shows of its evidence (its receipt, its photos). */
  perEntry?: (r: HouseholdYearSummary['records'][number]) => Html,
): Html {
  return html`${saved ? afterWrite(req, s, canRecord) : ''}
${refused ? html`<div class="alert" role="alert">${refused}</div>` : ''}
<section class="card">${floorProgress(req, s.totalFen)}
${s.returned ? html`<p class="alert">${req.t.returned}：${s.returned.comment}</p>` : ''}
${recordControl(req, s.householdId, s.year, s.locked, s.frozenBy, canRecord)}
</section>
<h2>${req.t.entries}</h2>
${entryList(req, s, canRecord, perEntry)}`;
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

/** The aid form (帮扶登记). One idempotency key per form load: a double click or a resent form records once. */
export function aidForm(
  req: PageRequest,
  householdId: string,
  headName: string,
  v: AidFormValues,
  errors: Record<string, string>,
  notice?: string,
): Html {
  const rows = v.items.length
    ? v.items
    : [
        { name: '', quantity: '', unitValueYuan: '' },
        { name: '', quantity: '', unitValueYuan: '' },
      ];
  const opt = (value: string, current: string, text: string) =>
    html`<option value="${value}"${current === value ? raw(' selected') : ''}>${text}</option>`;
  const inKind = v.kind === 'in_kind';
  const itemsFen = formItemsTotalFen(v.items);
  const typedFen = v.amountYuan ? parseAmount(v.amountYuan) : undefined;
  const understoodFen = v.amountYuan ? typedFen : inKind ? itemsFen : undefined;
  // What the script says as the cadre types; the server says the same when it shows the form again.
  const words = {
    amountCash: req.t.amountYuan,
    amountInKind: req.t.amountInKindLabel,
    hintCash: req.t.amountCashHint,
    hintInKind: req.t.amountInKindHint,
    unreadable: req.t.amountUnreadable,
    mismatch: req.t.amountMismatch('{total}'),
    understood: req.t.understoodAs('{amount}'),
  };
  return html`<p class="muted">${headName}</p>
${notice ? html`<p class="notice" role="status" data-form-notice>${notice}</p>` : ''}
${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : Object.keys(errors).length ? html`<div class="alert" role="alert">${req.t.fixErrors}</div>` : ''}
<form method="post" action="/app/households/${householdId}/aid" class="card" novalidate data-aid-form data-words="${JSON.stringify(words)}">${csrfField(req)}
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
  html`<input id="amountYuan" name="amountYuan" inputmode="decimal" autocomplete="off" value="${v.amountYuan}" placeholder="0.00"${invalidAttrs('amountYuan', errors.amountYuan)}>
<p class="understood" id="amountUnderstood" aria-live="polite">${understoodFen ? req.t.understoodAs(formatYuanGrouped(understoodFen)) : ''}</p><p class="muted" id="amountHint">${req.t.amountHint}</p>`,
  errors.amountYuan,
)}
</div>
${field('description', req.t.description, html`<textarea id="description" name="description" rows="2" maxlength="500" required${invalidAttrs('description', errors.description)}>${v.description}</textarea>`, errors.description)}
<fieldset id="items"><legend>${req.t.items}</legend>
<div class="items">${rows.map(
    (r, i) => html`<div class="item">
<div><label for="${i === 0 ? 'itemName' : `itemName${i}`}">${req.t.itemName}</label><input id="${i === 0 ? 'itemName' : `itemName${i}`}" name="itemName" value="${r.name}"></div>
<div><label for="${i === 0 ? 'itemQuantity' : `itemQuantity${i}`}">${req.t.quantity}</label><input id="${i === 0 ? 'itemQuantity' : `itemQuantity${i}`}" name="itemQuantity" inputmode="decimal" value="${r.quantity}"></div>
<div><label for="${i === 0 ? 'itemUnitValueYuan' : `itemUnitValueYuan${i}`}">${req.t.unitValueYuan}</label><input id="${i === 0 ? 'itemUnitValueYuan' : `itemUnitValueYuan${i}`}" name="itemUnitValueYuan" inputmode="decimal" value="${r.unitValueYuan}"></div>
</div>`,
  )}</div>
${errors.items ? html`<p class="error" role="alert">${errors.items}</p>` : ''}
<button type="button" class="secondary" data-add-item hidden>${req.t.addItem}</button>
<p class="items-total"><span id="itemsTotalLabel">${req.t.itemsTotal}</span>：<output id="itemsTotal" aria-labelledby="itemsTotalLabel" aria-live="polite">${itemsFen === undefined ? '—' : formatYuanGrouped(itemsFen)}</output><br><span class="muted">${req.t.itemsTotalHint}</span></p>
</fieldset>
${aidPhotoPicker(req, householdId, errors.photoKeys)}
<button type="submit">${req.t.save}</button>
</form>
<script nonce="${req.nonce}">${raw(AID_FORM_SCRIPT)}</script>`;
}

/** The items' total as the server reads the rows (the form shown again), or undefined when a row cannot be valued. */
function formItemsTotalFen(rows: AidFormValues['items']): number | undefined {
  const typed = rows.filter((r) => r.name.trim() || r.quantity.trim() || r.unitValueYuan.trim());
  if (!typed.length) return undefined;
  const items = typed.map((r) => ({
    quantity: /^\d{1,6}(?:\.\d{1,2})?$/.test(r.quantity.trim()) ? Number(r.quantity.trim()) : Number.NaN,
    unitValueFen: parseAmount(r.unitValueYuan) ?? Number.NaN,
  }));
  if (!items.every((i) => i.quantity > 0 && itemValueFen(i) !== undefined)) return undefined;
  const total = itemsTotalFen(items.map((i) => ({ name: '', ...i })));
  return total > 0 ? total : undefined;
}
