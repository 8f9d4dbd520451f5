import { randomUUID } from 'node:crypto';
import type { AidRecordView, HouseholdYearSummary } from '#shared/aid/ledger.ts';
import { OBJECTIVES } from '#shared/aid/rules.ts';
import { hasRole } from '#shared/caller.ts';
import { shanghaiDate } from '#shared/dates.ts';
import type { FloorRow } from '#shared/floor/report.ts';
import { FLOOR_FEN } from '#shared/money.ts';
import type { CadrePairing } from '#shared/pairing/index.ts';
import type { Community, Unit } from '#shared/registry/entities.ts';
import type { Verification, verificationPacket } from '#shared/verification/index.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest, yuan } from './kit.ts';

/** A progress bar toward the ¥1,000 floor, with the same facts in words for screen readers and small screens. */
export function floorProgress(req: PageRequest, totalFen: number): Html {
  const shortfall = Math.max(0, FLOOR_FEN - totalFen);
  return html`<progress max="${FLOOR_FEN}" value="${Math.min(totalFen, FLOOR_FEN)}" aria-label="${req.t.total} ${yuan(totalFen)} / ${yuan(FLOOR_FEN)}"></progress>
<p class="row"><span>${req.t.total} <strong data-total-fen="${totalFen}">${yuan(totalFen)}</strong> / ${yuan(FLOOR_FEN)}</span>${
    shortfall === 0
      ? html`<span class="ok">✓ ${req.t.met}</span>`
      : html`<span class="bad">${req.t.shortfall} <strong>${yuan(shortfall)}</strong></span>`
  }</p>`;
}

/** The round number in a verification id (`verify-<year>-<community>-<round>`). */
export const roundOf = (verificationId: string) => /-(\d+)$/.exec(verificationId)?.[1] ?? '?';

/**
 * What a household-year offers its cadre: the record button, or, when a round holds or has locked its figures,
 * why not. Said before a form is filled in, not after it is refused.
 */
export function recordControl(
  req: PageRequest,
  householdId: string,
  year: number,
  locked: boolean,
  frozenBy: string | null,
  canRecord: boolean,
): Html {
  if (locked) return html`<p class="notice" data-locked>${req.t.locked}</p>`;
  if (frozenBy) return html`<p class="notice" data-frozen>${req.t.frozen(year, roundOf(frozenBy))}</p>`;
  return canRecord
    ? html`<a class="button" href="/app/households/${householdId}/aid/new">${req.t.recordAid}</a>`
    : html``;
}

/** The cadre's home: this year's households, each with its progress toward the floor. */
export function cadreHome(req: PageRequest, households: { pairing: CadrePairing; totalFen: number }[]): Html {
  if (!households.length) return html`<p>${req.t.noEntries}</p>`;
  return html`<p class="muted">${req.t.year} ${req.year}</p>${households.map(
    ({ pairing: p, totalFen }) => html`<section class="card" aria-labelledby="h-${p.householdId}">
<h2 id="h-${p.householdId}"><a href="/app/households/${p.householdId}">${p.headName}</a> <span class="muted">· ${p.memberCount} 人</span></h2>
${floorProgress(req, totalFen)}
${p.handedOver ? html`<p class="muted">${req.t.handedOver(p.handedOver.from)}</p>` : ''}
${p.returnedBy ? html`<p class="alert">${req.t.returned}：${p.returnComment ?? ''}</p>` : ''}
${recordControl(req, p.householdId, p.year, !!p.lockedBy, p.frozenBy ?? null, true)}
</section>`,
  )}`;
}

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
<button type="submit">${req.t.save}</button>
</form>
<script nonce="${req.nonce}">${raw(ITEM_SCRIPT)}</script>`;
}

/** An instant as Shanghai wall-clock time, to the minute (`2026-03-01 14:05`). */
const shanghaiTime = (iso: string) =>
  new Date(Date.parse(iso) + 8 * 3600_000).toISOString().slice(0, 16).replace('T', ' ');

type Packet = Awaited<ReturnType<typeof verificationPacket>>;
type PacketHousehold = Packet['households'][number];

/** Nothing counts as checked while the round is still checking: its batches land one by one. */
function isChecked(v: Pick<Packet, 'status'>, h: PacketHousehold): boolean {
  return v.status !== 'checking' && h.checked;
}

const failsACheck = (h: PacketHousehold) => !Object.values(h.checks).every(Boolean);

/** Households a confirmation must acknowledge: the domain's rule (below the floor, or anything found). */
const needsAcknowledging = (v: Pick<Packet, 'status'>, h: PacketHousehold) =>
  isChecked(v, h) && (!h.meetsFloor || h.discrepancies.length > 0);

/** Whether the packet page should reload itself: the workflow is still working on what it shows. */
export const packetIsSettling = (v: Pick<Packet, 'status' | 'decision'>) =>
  v.status === 'checking' || (v.status === 'awaiting_confirmation' && !!v.decision);

/** What the community cadre typed into a refused confirmation, shown again so only the mistake is redone. */
export interface DecisionFormValues {
  sealId: string;
  acknowledgeProblems: boolean;
  /** The drawn signature as the canvas sent it (a PNG data URL), drawn again on the pad. */
  signaturePng: string;
}

const SIGNATURE_SCRIPT = `
(function () {
  var canvas = document.querySelector('canvas.signature'); if (!canvas) return;
  var form = canvas.closest('form'), input = form.querySelector('input[name=signaturePng]');
  var ctx = canvas.getContext('2d'), drawing = false, drawn = false, last = null;
  function fit() {
    var r = canvas.getBoundingClientRect(), d = window.devicePixelRatio || 1;
    canvas.width = Math.round(r.width * d); canvas.height = Math.round(r.height * d);
    ctx.setTransform(d, 0, 0, d, 0, 0); ctx.lineWidth = 2.5; ctx.lineCap = 'round'; ctx.lineJoin = 'round'; ctx.strokeStyle = '#111';
    drawn = false;
  }
  function at(e) { var r = canvas.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; }
  canvas.addEventListener('pointerdown', function (e) { drawing = true; canvas.setPointerCapture(e.pointerId); last = at(e); e.preventDefault(); });
  canvas.addEventListener('pointermove', function (e) {
    if (!drawing) return; var p = at(e);
    ctx.beginPath(); ctx.moveTo(last.x, last.y); ctx.lineTo(p.x, p.y); ctx.stroke(); last = p; drawn = true;
  });
  ['pointerup', 'pointercancel', 'pointerleave'].forEach(function (t) { canvas.addEventListener(t, function () { drawing = false; }); });
  form.querySelector('[data-clear]').addEventListener('click', function () { ctx.clearRect(0, 0, canvas.width, canvas.height); drawn = false; });
  form.addEventListener('submit', function (e) {
    var msg = form.querySelector('[data-signature-error]');
    if (!drawn) { e.preventDefault(); msg.hidden = false; canvas.focus(); return; }
    msg.hidden = true; input.value = canvas.toDataURL('image/png');
  });
  fit();
  if (/^data:image\\/png;base64,/.test(input.value)) {
    var kept = new Image();
    kept.onload = function () { var r = canvas.getBoundingClientRect(); ctx.drawImage(kept, 0, 0, r.width, r.height); drawn = true; };
    kept.src = input.value;
  }
})();
`;

/** One household of the packet: total, the floor and the three checks once checked, discrepancies in words. */
function packetHousehold(req: PageRequest, v: Packet, h: PacketHousehold): Html {
  const mark = (ok: boolean) =>
    ok ? html`<span class="ok" aria-label="✓">✓</span>` : html`<span class="bad" aria-label="✗">✗</span>`;
  const checked = isChecked(v, h);
  return html`<section class="card household" aria-labelledby="v-${h.householdId}"${checked ? '' : raw(' data-unchecked')}>
<h2 id="v-${h.householdId}">${h.headName} <span class="muted">· ${h.memberCount} 人</span>${h.returned ? html` <span class="bad">${req.t.returned}</span>` : ''}</h2>
<p class="row"><span>${req.t.aidTotal} <strong>${yuan(h.totalFen)}</strong></span>${
    checked
      ? h.meetsFloor
        ? html`<span class="ok">✓ ${req.t.met}</span>`
        : html`<span class="bad">✗ ${req.t.notMet}</span>`
      : html`<span class="muted">${req.t.notChecked}</span>`
  }</p>
${
  checked
    ? html`<ul class="checks" aria-label="${req.t.checks}">
<li>${mark(h.checks.fundsMatchManual)} ${req.t.fundsMatchManual}</li>
<li>${mark(h.checks.fundsMatchObjectives)} ${req.t.fundsMatchObjectives}</li>
<li>${mark(h.checks.inKindMatchesObjectives)} ${req.t.inKindMatchesObjectives}</li>
</ul>
${h.discrepancies.length ? html`<p><strong>${req.t.discrepancies}</strong></p><ul>${h.discrepancies.map((d) => html`<li>${d.message}</li>`)}</ul>` : ''}`
    : ''
}
</section>`;
}

/** The decision as recorded: what, when, and for a confirmation the seal id and the stored signature image. */
function decisionCard(req: PageRequest, v: Packet): Html {
  const d = v.decision;
  if (!d) return html``;
  return html`<section class="card" aria-labelledby="decision-h" data-decision="${d.decision}">
<h2 id="decision-h">${req.t.decision}</h2>
<dl class="decision">
<dt>${req.t.decision}</dt><dd>${d.decision === 'confirm' ? req.t.confirmedDecision : req.t.rejectedDecision}</dd>
<dt>${req.t.decidedAt}</dt><dd>${shanghaiTime(d.decidedAt)}</dd>
${
  d.decision === 'confirm'
    ? html`<dt>${req.t.sealId}</dt><dd data-seal-id>${d.sealId ?? ''}</dd>
<dt>${req.t.signature}</dt><dd>${
        d.signatureKey
          ? html`<img class="signature" src="/app/verifications/${v.id}/signature" alt="${req.t.signatureImage}" data-signature>`
          : html`<span class="bad">${req.t.signatureMissing}</span>`
      }${d.signatureSha256 ? html`<span class="muted digest">SHA-256 ${d.signatureSha256}</span>` : ''}</dd>`
    : html`<dt>${req.t.comment}</dt><dd>${d.comment ?? ''}</dd>`
}
</dl></section>`;
}

/** The acknowledgement a confirmation needs when households are below the floor or fail a check. */
function acknowledgement(req: PageRequest, problems: PacketHousehold[], checked: boolean, error?: string): Html {
  const reasons = (h: PacketHousehold) =>
    [
      h.meetsFloor ? '' : req.t.belowBy(yuan(Math.max(0, FLOOR_FEN - h.totalFen))),
      failsACheck(h) ? req.t.failingCheck : '',
    ]
      .filter(Boolean)
      .join(req.t.listSeparator);
  return html`<div class="${error ? 'field-error' : ''}"><fieldset class="ack"><legend>${req.t.acknowledgeLegend(problems.length)}</legend>
<ul data-problem-households>${problems.map((h) => html`<li><strong>${h.headName}</strong>：${reasons(h)}</li>`)}</ul>
<label><input type="checkbox" id="acknowledgeProblems" name="acknowledgeProblems" value="true"${checked ? raw(' checked') : ''}${invalidAttrs('acknowledgeProblems', error)}> ${req.t.acknowledge}</label>
${
  // The domain's message names the API field (acknowledgeProblems); the page names its own checkbox.
  error
    ? html`<p class="error" id="acknowledgeProblems-error" role="alert">${req.t.acknowledgeRequired(problems.length)}</p>`
    : ''
}
</fieldset></div>`;
}

/**
 * The verification packet: what state the round is in, a summary, every household (marks only once checked),
 * the decision once made; and, while it waits for one, the confirmation (bound to the digest shown) and the
 * rejection.
 */
export function packetPage(
  req: PageRequest,
  v: Packet,
  canDecide: boolean,
  errors: Record<string, string>,
  values: DecisionFormValues = { sealId: '', acknowledgeProblems: false, signaturePng: '' },
): Html {
  const checking = v.status === 'checking';
  const checked = v.households.filter((h) => isChecked(v, h));
  const below = checked.filter((h) => !h.meetsFloor).length;
  const failing = checked.filter(failsACheck).length;
  const toAcknowledge = v.households.filter((h) => needsAcknowledging(v, h));
  const problems = v.households.filter((h) => h.discrepancies.length);
  // Errors with no field of their own (a stale page's missing digest) are said at the top.
  const general = errors._ ?? errors.digest ?? errors.decision;
  return html`${general ? html`<div class="alert" role="alert" data-decision-error>${general}</div>` : ''}
<p class="row"><span>${req.t.status}：<strong data-status="${v.status}">${req.label(v.status)}</strong></span>${
    v.decision && v.status === 'awaiting_confirmation'
      ? html`<span>${v.decision.decision === 'confirm' ? req.t.confirmedDecision : req.t.rejectedDecision}</span>`
      : ''
  }</p>
${
  checking
    ? html`<div class="notice" role="status" data-checking><strong>${req.t.checkingNow}</strong> ${req.t.checkingProgress(
        v.households.filter((h) => h.checked).length,
        v.households.length,
      )}</div>`
    : html`<p class="summary" data-summary><strong>${req.t.summary(v.households.length, below, failing)}</strong></p>`
}
${v.status === 'failed' ? html`<div class="alert" data-failed>${req.t.failedRound(shanghaiTime(v.failure?.at ?? v.startedAt))}${v.failure?.error ? html` <span class="muted">(${v.failure.error})</span>` : ''}</div>` : ''}
${v.status === 'expired' ? html`<div class="alert" data-expired>${req.t.expiredRound}</div>` : ''}
${v.decision && v.status === 'awaiting_confirmation' ? html`<p class="notice" role="status">${req.t.processing}</p>` : ''}
${v.digest ? html`<p class="muted digest">SHA-256 ${v.digest}</p>` : ''}
${v.noticeId ? html`<p><a href="/public/notices/${v.noticeId}">${req.t.notices}</a></p>` : ''}
${decisionCard(req, v)}
${
  v.status === 'final' && req.caller && hasRole(req.caller, 'admin')
    ? html`<form method="post" action="/app/verifications/${v.id}/reopen" class="card">${csrfField(req)}
<h2>${req.t.reopen}</h2><p class="muted">${req.t.reopenHint}</p>
${field('reason', req.t.reopenReason, html`<textarea id="reason" name="reason" rows="2" required maxlength="1000"${invalidAttrs('reason', errors.reason)}></textarea>`, errors.reason)}
<button type="submit" class="secondary">${req.t.reopen}</button>
</form>`
    : ''
}
${v.households.map((h) => packetHousehold(req, v, h))}
${
  canDecide && v.digest
    ? html`<form method="post" action="/app/verifications/${v.id}/decision" class="card">${csrfField(req)}
<input type="hidden" name="decision" value="confirm"><input type="hidden" name="digest" value="${v.digest}">
<input type="hidden" name="signaturePng" value="${/^data:image\/png;base64,/.test(values.signaturePng) ? values.signaturePng : ''}">
<h2>${req.t.confirm}</h2>
${toAcknowledge.length ? acknowledgement(req, toAcknowledge, values.acknowledgeProblems, errors.acknowledgeProblems) : ''}
<label for="signature-pad">${req.t.signature}</label>
<canvas id="signature-pad" class="signature" tabindex="0" role="img" aria-label="${req.t.signature}"></canvas>
<p class="error" data-signature-error hidden role="alert">请先在上方签字</p>
${errors.signaturePng ? html`<p class="error" role="alert">${errors.signaturePng}</p>` : ''}
<button type="button" class="secondary" data-clear>${req.t.clearSignature}</button>
${field('sealId', req.t.sealId, html`<input id="sealId" name="sealId" required maxlength="64" value="${values.sealId}"${invalidAttrs('sealId', errors.sealId)}>`, errors.sealId)}
<button type="submit" name="action" value="confirm">${req.t.confirm}</button>
</form>
<form method="post" action="/app/verifications/${v.id}/decision" class="card">${csrfField(req)}
<input type="hidden" name="decision" value="reject">
<h2>${req.t.reject}</h2>
${
  problems.length
    ? html`<fieldset><legend>${req.t.households}</legend>${problems.map(
        (h) =>
          html`<label><input type="checkbox" name="householdIds" value="${h.householdId}" checked> ${h.headName}</label>`,
      )}</fieldset>`
    : ''
}
${field('comment', req.t.comment, html`<textarea id="comment" name="comment" rows="3" required maxlength="1000"${invalidAttrs('comment', errors.comment)}></textarea>`, errors.comment)}
<button type="submit" class="secondary">${req.t.reject}</button>
</form>
<script nonce="${req.nonce}">${raw(SIGNATURE_SCRIPT)}</script>`
    : ''
}`;
}

/** Compliance per unit as horizontal bars (SVG drawn here, no script), with the figures as text too. */
export function unitChart(req: PageRequest, rows: FloorRow[], units: Map<string, string>): Html {
  const byUnit = new Map<string, { n: number; ok: number }>();
  for (const r of rows) {
    const u = byUnit.get(r.unitId) ?? { n: 0, ok: 0 };
    u.n++;
    if (r.meetsFloor) u.ok++;
    byUnit.set(r.unitId, u);
  }
  const entries = [...byUnit].sort((a, b) => a[1].ok / a[1].n - b[1].ok / b[1].n);
  const barH = 26;
  const height = entries.length * barH + 8;
  const bars = entries.map(([unitId, u], i) => {
    const pct = Math.round((u.ok / u.n) * 100);
    const y = i * barH + 4;
    return html`<g><text x="0" y="${y + 17}" font-size="14">${units.get(unitId) ?? unitId}</text>
<rect x="110" y="${y + 4}" width="${(pct / 100) * 150}" height="16" fill="${pct === 100 ? '#137333' : '#b3261e'}"></rect>
<text x="${116 + (pct / 100) * 150}" y="${y + 17}" font-size="14">${pct}% (${u.ok}/${u.n})</text></g>`;
  });
  return html`<figure class="card"><figcaption>${req.t.complianceByUnit}</figcaption>
<svg viewBox="0 0 340 ${height}" width="100%" role="img" aria-label="${req.t.complianceByUnit}">${bars}</svg></figure>`;
}

/** The auditor's floor compliance page: filters, the chart, the table, downloads. */
export function floorReportPage(
  req: PageRequest,
  rows: FloorRow[],
  communities: Community[],
  units: Unit[],
  filters: { year: number; communityId?: string; unitId?: string },
): Html {
  const unitNames = new Map(units.map((u) => [u.id, u.name]));
  const communityNames = new Map(communities.map((c) => [c.id, c.name]));
  const q = new URLSearchParams({ year: String(filters.year) });
  if (filters.communityId) q.set('communityId', filters.communityId);
  if (filters.unitId) q.set('unitId', filters.unitId);
  const below = rows.filter((r) => !r.meetsFloor).length;
  const sel = (current: string | undefined, value: string) => (current === value ? raw(' selected') : raw(''));
  return html`<form method="get" action="/app/reports/floor" class="card grid2">
${field('year', req.t.year, html`<input id="year" name="year" type="number" min="2000" max="2100" value="${filters.year}">`)}
${field(
  'communityId',
  req.t.community,
  html`<select id="communityId" name="communityId"><option value="">${req.t.all}</option>${communities.map(
    (c) => html`<option value="${c.id}"${sel(filters.communityId, c.id)}>${c.name}</option>`,
  )}</select>`,
)}
${field(
  'unitId',
  req.t.unit,
  html`<select id="unitId" name="unitId"><option value="">${req.t.all}</option>${units.map(
    (u) => html`<option value="${u.id}"${sel(filters.unitId, u.id)}>${u.name}</option>`,
  )}</select>`,
)}
<div><button type="submit">${req.t.filter}</button></div>
</form>
<p class="row"><span>${req.t.households} <strong>${rows.length}</strong></span><span class="ok">${req.t.met} ${rows.length - below}</span><span class="bad">${req.t.notMet} ${below}</span>
<a class="button secondary" href="/app/downloads/floor.csv?${q}">${req.t.downloadCsv}</a><a class="button secondary" href="/app/downloads/floor.xlsx?${q}">${req.t.downloadXlsx}</a></p>
${rows.length ? unitChart(req, rows, unitNames) : ''}
<div class="table-wrap"><table><thead><tr><th>${req.t.name}</th><th>${req.t.community}</th><th>${req.t.unit}</th><th class="num">${req.t.aidTotal}</th><th>${req.t.status}</th></tr></thead>
<tbody>${rows.map(
    (
      r,
    ) => html`<tr><td>${r.headName}</td><td>${communityNames.get(r.communityId) ?? r.communityId}</td><td>${unitNames.get(r.unitId) ?? r.unitId}</td>
<td class="num">${yuan(r.totalFen)}</td><td>${r.meetsFloor ? html`<span class="ok">${req.t.met}</span>` : html`<span class="bad">${req.t.shortfall} ${yuan(r.shortfallFen)}</span>`}</td></tr>`,
  )}</tbody></table></div>`;
}

/** Verification status of every community-year round, newest first, with the admin's start button. */
export function verificationsPage(
  req: PageRequest,
  rounds: Verification[],
  communities: Community[],
  isAdmin: boolean,
): Html {
  const names = new Map(communities.map((c) => [c.id, c.name]));
  return html`<div class="table-wrap"><table><thead><tr><th>${req.t.community}</th><th>${req.t.year}</th><th>#</th><th>${req.t.status}</th><th>${req.t.households}</th><th>${req.t.discrepancies}</th></tr></thead>
<tbody>${rounds.map(
    (
      v,
    ) => html`<tr><td><a href="/app/verifications/${v.id}">${names.get(v.communityId) ?? v.communityId}</a></td><td>${v.year}</td><td>${v.round}</td>
<td>${req.label(v.status)}</td><td class="num">${v.householdCount ?? ''}</td><td class="num">${v.discrepancyCount ?? ''}</td></tr>`,
  )}</tbody></table></div>
${
  isAdmin
    ? html`<h2>${req.t.start}</h2><form method="post" action="/app/verifications" class="card">${csrfField(req)}
${field('communityId', req.t.community, html`<select id="communityId" name="communityId">${communities.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select>`)}
${field('year', req.t.year, html`<input id="year" name="year" type="number" value="${req.year}" min="2000" max="2100">`)}
<button type="submit">${req.t.start}</button></form>`
    : ''
}`;
}

/**
 * The local sign-in page: one choice per demo user, then one per account an admin invited (with its role and
 * scope), local stack only.
 */
export function devLoginPage(
  req: PageRequest,
  users: string[],
  accounts: { value: string; label: string }[] = [],
): Html {
  return html`<p class="muted">${req.t.devLoginHint}</p><form method="post" action="/app/dev-login" class="card">${csrfField(req)}
<fieldset><legend>${req.t.chooseUser}</legend>${users.map(
    (u, i) => html`<label><input type="radio" name="user" value="${u}"${i === 0 ? raw(' checked') : ''}> ${u}</label>`,
  )}</fieldset>${
    accounts.length
      ? html`<fieldset class="accounts"><legend>${req.t.invitedAccounts}</legend>${accounts.map(
          (a) => html`<label><input type="radio" name="user" value="${a.value}"> ${a.label}</label>`,
        )}</fieldset>`
      : ''
  }<button type="submit">${req.t.signIn}</button></form>`;
}
