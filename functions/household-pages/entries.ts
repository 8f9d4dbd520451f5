import type { AidRecordView, HouseholdYearSummary } from '#shared/aid/ledger.ts';
import { beijingTime } from '#shared/dates.ts';
import { formatYuanGrouped } from '#shared/money.ts';
import { type Html, html } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest } from '../pages/kit.ts';

/*
 * A household-year's entries, and the correction of one (更正: the entry is withdrawn by a reversal, a second
 * entry of the negated amount; the ledger never edits). One markup for both sizes: a table at desktop width,
 * each `<tbody>` a card on a phone, where a withdrawn entry and its withdrawal share one card.
 */

type Entry = AidRecordView & { reversedBy?: string };

const money = (fen: number) => `¥${formatYuanGrouped(fen)}`;

/** The styles of the entries and the correction page (the page layer appends them after the shared ones). */
export const ENTRIES_CSS = `
table.entries tbody.pair{background:#f3f3f3}
table.entries tr.pair-note td{font-weight:600;color:#555;border-bottom:0;padding-bottom:0}
table.entries .withdrawn-tag{display:inline-block;font-size:.85rem;font-weight:700;border:1px solid #555;border-radius:.25rem;padding:0 .35rem;margin-right:.35rem}
table.entries td.actions .button{margin-top:0;white-space:nowrap}
.items .item{align-items:end}
.understood{font-weight:600;color:#137333;margin:.25rem 0 0;min-height:1.5em}.understood.bad{color:#b3261e}
.items-total output{font-weight:700;font-variant-numeric:tabular-nums}
dl.entry{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:0}dl.entry dt{font-weight:600}dl.entry dd{margin:0;overflow-wrap:anywhere}
@media(max-width:40rem){
table.entries{background:none;word-break:normal}
table.entries thead{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
table.entries tbody{display:block;background:#fff;border:1px solid #ddd;border-radius:.5rem;margin:0 0 .75rem;padding:.5rem .75rem}
table.entries tbody.pair{background:#f3f3f3}
table.entries tr{display:flex;flex-wrap:wrap;gap:0 .6rem;align-items:baseline}
table.entries tr+tr{border-top:1px dashed #bbb;margin-top:.4rem;padding-top:.4rem}
table.entries td{display:block;border:0;padding:.1rem 0;overflow-wrap:anywhere}
table.entries td.num{margin-left:auto;font-weight:700}
table.entries td.desc,table.entries td.actions,table.entries tr.pair-note td{flex-basis:100%}
table.entries td.actions:empty{display:none}
}
`;

/** Whether the signed-in person may withdraw this entry: the ledger's rule (`reversibleEntry`), said before asking. */
function mayCorrect(req: PageRequest, s: HouseholdYearSummary, r: Entry): boolean {
  const c = req.caller;
  if (!c || s.locked || s.frozenBy || r.reverses || r.reversedBy) return false;
  if (c.roles.has('admin')) return true;
  const period = s.periods.filter((p) => p.from <= r.date).at(-1);
  return c.roles.has('cadre') && !!c.cadreId && (period ? period.cadreId : r.cadreId) === c.cadreId;
}

/** A reversal's description without the prefix the ledger stores (`更正撤回：`, or `冲正：` before it). */
const originalText = (description: string) => description.replace(/^(?:更正撤回|冲正)：/, '');

function entryCells(req: PageRequest, r: Entry, struck: boolean): Html {
  const s = (content: string) => (struck ? html`<s>${content}</s>` : html`${content}`);
  return html`<td>${s(r.date)}</td><td>${s(req.label(r.kind))}</td><td>${s(req.label(r.objective))}</td>
<td class="num">${s(money(r.amountFen))}</td>`;
}

/** One entry as a row: date, kind, objective, amount, what was given; struck through when withdrawn. */
export function entryRow(req: PageRequest, s: HouseholdYearSummary, r: Entry, extra?: (r: Entry) => Html): Html {
  const withdrawn = !!r.reversedBy;
  const items = r.items?.map((i) => `${i.name} ×${i.quantity} @ ${money(i.unitValueFen)}`).join('；');
  const text = html`${r.description}${items ? html`<br><span class="muted">${items}</span>` : ''}`;
  return html`<tr class="${withdrawn ? 'withdrawn' : ''}" id="entry-${r.id}">${entryCells(req, r, withdrawn)}
<td class="desc">${withdrawn ? html`<span class="withdrawn-tag">${req.t.withdrawnNote}</span><s>${text}</s>` : text}${extra?.(r) ?? ''}</td>
<td class="actions">${
    mayCorrect(req, s, r)
      ? html`<a class="button secondary" href="/app/aid/${r.id}/correction" data-correct>${req.t.reverse}</a>`
      : ''
  }</td></tr>`;
}

/** A withdrawal (the reversal) as a row under the entry it withdraws, struck through like it, with its reason. */
function withdrawalRow(req: PageRequest, s: HouseholdYearSummary, r: Entry, canRecord: boolean): Html {
  return html`<tr class="withdrawal" id="entry-${r.id}">${entryCells(req, r, true)}
<td class="desc"><span class="withdrawn-tag">${req.t.reversal}</span><s>${originalText(r.description)}</s><br><span class="muted">${req.t.withdrawalOf}；${req.t.reason}：${r.reason ?? ''}</span></td>
<td class="actions">${
    canRecord && !s.locked && !s.frozenBy && r.reverses
      ? html`<a class="button secondary" href="/app/households/${s.householdId}/aid/new?from=${r.reverses}" data-re-record>${req.t.reRecord}</a>`
      : ''
  }</td></tr>`;
}

/**
 * The entries of a household-year in the ledger's order (by date, then as recorded), each withdrawn entry
 * together with its withdrawal, the pair in one group with a note in words, both struck through.
 */
export function entryList(
  req: PageRequest,
  s: HouseholdYearSummary,
  canRecord: boolean,
  extra?: (r: Entry) => Html,
): Html {
  if (!s.records.length) return html`<p>${req.t.noEntries}</p>`;
  const byId = new Map(s.records.map((r) => [r.id, r]));
  const groups: Html[] = [];
  for (const r of s.records) {
    if (r.reverses && byId.has(r.reverses)) continue;
    if (r.reverses) {
      groups.push(html`<tbody class="entry pair">${withdrawalRow(req, s, r, canRecord)}</tbody>`);
      continue;
    }
    const withdrawal = r.reversedBy ? byId.get(r.reversedBy) : undefined;
    groups.push(
      withdrawal
        ? html`<tbody class="entry pair" data-withdrawn-pair><tr class="pair-note"><td colspan="6">${req.t.withdrawnPair}</td></tr>
${entryRow(req, s, r)}${withdrawalRow(req, s, withdrawal, canRecord)}</tbody>`
        : html`<tbody class="entry">${entryRow(req, s, r, extra)}</tbody>`,
    );
  }
  return html`<table class="entries"><thead><tr><th>${req.t.date}</th><th>${req.t.kind}</th><th>${req.t.objective}</th><th class="num">${req.t.amountYuan}</th><th>${req.t.description}</th><th></th></tr></thead>
${groups}</table>`;
}

/**
 * What the page says after a write (`?saved=1`): the entry saved and the amount it was recorded at
 * (`&entry=<id>`), or the entry withdrawn (`&corrected=<id>`) with the way to record it again correctly.
 */
export function afterWrite(req: PageRequest, s: HouseholdYearSummary, canRecord: boolean): Html {
  const saved = s.records.find((r) => r.id === req.query.get('entry'));
  if (saved) {
    return html`<p class="notice" role="status" data-saved>${req.t.savedAs(formatYuanGrouped(saved.amountFen), req.label(saved.kind), saved.date)}</p>`;
  }
  const corrected = s.records.find((r) => r.id === req.query.get('corrected') && r.reversedBy);
  if (corrected) {
    return html`<p class="notice" role="status" data-corrected>${req.t.corrected}${
      canRecord && !s.locked && !s.frozenBy
        ? html` <a href="/app/households/${s.householdId}/aid/new?from=${corrected.id}">${req.t.reRecord}</a>`
        : ''
    }</p>`;
  }
  return html`<p class="notice" role="status">${req.t.saved}</p>`;
}

/** The correction page: exactly what will be withdrawn, the reason, an explicit confirmation. */
export function correctionPage(
  req: PageRequest,
  headName: string,
  r: AidRecordView,
  values: { reason: string },
  errors: Record<string, string>,
): Html {
  const items = r.items?.map((i) => `${i.name} ×${i.quantity} @ ${money(i.unitValueFen)}`).join('；');
  return html`<p class="muted">${headName}</p>
${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : Object.keys(errors).length ? html`<div class="alert" role="alert">${req.t.fixErrors}</div>` : ''}
<p>${req.t.correctionIntro}</p>
<section class="card" aria-labelledby="to-withdraw"><h2 id="to-withdraw">${req.t.toWithdraw}</h2>
<dl class="entry" data-to-withdraw>
<dt>${req.t.date}</dt><dd>${r.date}</dd>
<dt>${req.t.kind}</dt><dd>${req.label(r.kind)}</dd>
<dt>${req.t.objective}</dt><dd>${req.label(r.objective)}</dd>
<dt>${req.t.amountYuan}</dt><dd><strong>${money(r.amountFen)}</strong></dd>
<dt>${req.t.description}</dt><dd>${r.description}${items ? html`<br><span class="muted">${items}</span>` : ''}</dd>
<dt>${req.t.recordedAt}</dt><dd>${beijingTime(r.recordedAt)}</dd>
</dl></section>
<form method="post" action="/app/aid/${r.id}/correction" class="card" novalidate>${csrfField(req)}
${field(
  'reason',
  req.t.reason,
  html`<textarea id="reason" name="reason" rows="2" maxlength="500" required${invalidAttrs('reason', errors.reason)}>${values.reason}</textarea><p class="muted">${req.t.correctionReasonHint}</p>`,
  errors.reason,
)}
<div class="${errors.confirm ? 'field-error' : ''}"><label><input type="checkbox" id="confirm" name="confirm" value="yes" required${invalidAttrs('confirm', errors.confirm)}>${req.t.correctionConfirm}</label>${
    errors.confirm ? html`<p class="error" id="confirm-error" role="alert">${errors.confirm}</p>` : ''
  }</div>
<button type="submit">${req.t.withdraw}</button> <a href="/app/households/${r.householdId}">${req.t.cancel}</a>
</form>`;
}
