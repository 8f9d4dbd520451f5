import { hasRole } from '#shared/caller.ts';
import type { PacketEvidence } from '#shared/evidence/household.ts';
import { FLOOR_FEN } from '#shared/money.ts';
import type { verificationPacket } from '#shared/verification/index.ts';
import { EVIDENCE_WORDS } from '#shared/web/evidence-words.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest, yuan } from '../pages/kit.ts';

/*
 * The verification packet page (`GET /app/verifications/{id}`): the round's state, every household with its checks,
 * the decision once made, and the community cadre's confirmation (signature pad, seal id) and rejection forms.
 */

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
function packetHousehold(req: PageRequest, v: Packet, h: PacketHousehold, ev?: PacketEvidence): Html {
  const mark = (ok: boolean) =>
    ok ? html`<span class="ok" aria-label="✓">✓</span>` : html`<span class="bad" aria-label="✗">✗</span>`;
  const checked = isChecked(v, h);
  return html`<section class="card household" aria-labelledby="v-${h.householdId}"${checked ? '' : raw(' data-unchecked')}>
<h2 id="v-${h.householdId}">${h.headName} <span class="muted">· ${req.t.people(h.memberCount)}</span>${h.returned ? html` <span class="bad">${req.t.returned}</span>` : ''}</h2>
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
${h.discrepancies.length ? html`<p><strong>${req.t.discrepancies}</strong></p><ul>${h.discrepancies.map((d) => html`<li>${req.say(d.message)}</li>`)}</ul>` : ''}`
    : ''
}
${ev ? packetEvidence(req, ev) : ''}
</section>`;
}

/**
 * A household's receipts (how many entries the household acknowledged, and which not) and its outcomes, in two
 * lines: the packet stays one screen per household on a phone.
 */
function packetEvidence(req: PageRequest, ev: PacketEvidence): Html {
  const w = EVIDENCE_WORDS[req.lang];
  const missing = ev.entries.filter((e) => !e.receipt);
  const signed = ev.entries.length - missing.length;
  return html`${
    ev.entries.length
      ? html`<p class="row" data-receipts="${signed}/${ev.entries.length}"><span class="${missing.length ? 'bad' : 'ok'}">${missing.length ? '✗' : '✓'} ${w.packetReceipts(signed, ev.entries.length)}</span>${
          missing.length
            ? html`<span class="muted">${w.packetMissing}：${missing.map((e) => `${e.date} ${req.label(e.kind)} ${yuan(e.amountFen)}`).join('；')}</span>`
            : ''
        }</p>`
      : ''
  }${
    ev.outcomes.length
      ? html`<p data-outcomes><strong>${w.outcomes}</strong>：${ev.outcomes.map((o) => `${o.date} ${req.label(o.objective)} ${o.description}`).join('；')}</p>`
      : ''
  }`;
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
<ul data-problem-households>${problems.map((h) => html`<li><strong>${h.headName}</strong>${req.t.colon}${reasons(h)}</li>`)}</ul>
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
  evidence?: Map<string, PacketEvidence>,
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
<p class="row"><span>${req.t.status}${req.t.colon}<strong data-status="${v.status}">${req.label(v.status)}</strong></span>${
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
${v.households.map((h) => packetHousehold(req, v, h, evidence?.get(h.householdId)))}
${
  canDecide && v.digest
    ? html`<form method="post" action="/app/verifications/${v.id}/decision" class="card">${csrfField(req)}
<input type="hidden" name="decision" value="confirm"><input type="hidden" name="digest" value="${v.digest}">
<input type="hidden" name="signaturePng" value="${/^data:image\/png;base64,/.test(values.signaturePng) ? values.signaturePng : ''}">
<h2>${req.t.confirm}</h2>
${toAcknowledge.length ? acknowledgement(req, toAcknowledge, values.acknowledgeProblems, errors.acknowledgeProblems) : ''}
<label for="signature-pad">${req.t.signature}</label>
<canvas id="signature-pad" class="signature" tabindex="0" role="img" aria-label="${req.t.signature}"></canvas>
<p class="error" data-signature-error hidden role="alert">${req.t.signFirst}</p>
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
