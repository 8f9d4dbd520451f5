import type { AidRecordView, HouseholdYearSummary } from '#shared/aid/ledger.ts';
import type { Receipt } from '#shared/aid/receipt.ts';
import { OBJECTIVES } from '#shared/aid/rules.ts';
import { beijingTime, shanghaiDate } from '#shared/dates.ts';
import type { HouseholdEvidence } from '#shared/evidence/household.ts';
import { MAX_PHOTOS } from '#shared/evidence/photos.ts';
import { EVIDENCE_WORDS, type EvidenceWords } from '#shared/web/evidence-words.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest, yuan } from '../pages/kit.ts';

/*
 * The views of the field evidence (工作留痕): the receipts, outcomes and visits sections of a household's page, the
 * receipt page (signature pad or thumbprint), the outcome and visit forms, and the photo picker the visit form, the
 * receipt page and the aid form share (reduced on the phone, uploaded by presigned PUT, posted as keys).
 */

export const ew = (req: PageRequest): EvidenceWords => EVIDENCE_WORDS[req.lang];

const STYLE = `#outcomes{margin-top:1rem}.entry-evidence{margin-top:.35rem}.entry-evidence .button{margin:.25rem 0 0 .25rem;padding:.35rem .75rem}.thumbs{display:flex;flex-wrap:wrap;gap:.4rem;margin:.4rem 0}.thumbs img{width:5.5rem;height:5.5rem;object-fit:cover;border-radius:.3rem;border:1px solid #ddd;background:#eee}
.ev-list{list-style:none;padding:0;margin:0}.ev-list li{border-top:1px solid #eee;padding:.5rem 0}.ev-list li:first-child{border-top:0}
.ev-list .row{justify-content:space-between}.receipt-img{max-width:100%;max-height:16rem;border:1px solid #ddd;border-radius:.35rem;background:#fff}
.pill{display:inline-block;font-size:.85rem;padding:0 .45rem;border-radius:1rem;border:1px solid currentColor}`;

const style = (req: PageRequest) => html`<style nonce="${req.nonce}">${raw(STYLE)}</style>`;

/** Whether an entry needs the household's receipt: not a reversal, not reversed. */
export const needsReceipt = (r: AidRecordView & { reversedBy?: string }) => !r.reverses && !r.reversedBy;

export function receiptState(req: PageRequest, receipt: Receipt | undefined): Html {
  const w = ew(req);
  if (!receipt) return html`<span class="pill bad" data-receipt="missing">${w.receiptMissing}</span>`;
  if (receipt.method === 'signature')
    return html`<span class="pill ok" data-receipt="signature">✓ ${w.receiptSigned}</span>`;
  return html`<span class="pill ok" data-receipt="thumbprint">✓ ${receipt.photo ? w.receiptThumbprintPhoto : w.receiptThumbprint}</span>`;
}

/** Who may record what on this household-year's page, decided by the handler from the caller and the pairing. */
export interface EvidenceAbilities {
  /** The paired cadre (outcomes, visits). */
  paired: boolean;
  /** The cadre answering on an entry's date, or the community's cadre (receipts), while the year is open. */
  receiptFor: (r: AidRecordView) => boolean;
}

/**
 * What an entry's card shows of its evidence (inside the entry, not in a list of its own): the receipt's state,
 * the way to record it or to see it, and the entry's photos.
 */
export function entryEvidence(
  req: PageRequest,
  r: AidRecordView & { reversedBy?: string },
  ev: HouseholdEvidence,
  can: EvidenceAbilities,
): Html {
  if (!needsReceipt(r)) return html``;
  const w = ew(req);
  const receipt = ev.receipts.get(r.id);
  return html`<div class="entry-evidence" data-entry="${r.id}">${receiptState(req, receipt)} ${
    receipt
      ? html`<a href="/app/aid/${r.id}/receipt">${w.receiptImage}</a>`
      : can.receiptFor(r)
        ? html`<a class="button secondary" href="/app/aid/${r.id}/receipt">${w.recordReceipt}</a>`
        : ''
  }${
    r.photos?.length
      ? thumbs(
          req,
          r.photos.map((_p, i) => `/app/aid/${r.id}/photos/${i}`),
        )
      : ''
  }</div>`;
}

/** The outcomes and visits of a household-year, below its entries on the household's page. */
export function evidenceSections(
  req: PageRequest,
  s: HouseholdYearSummary,
  ev: HouseholdEvidence,
  can: EvidenceAbilities,
): Html {
  const w = ew(req);
  return html`${style(req)}
<section class="card" id="outcomes" aria-labelledby="outcomes-h"><h2 id="outcomes-h">${w.outcomes}</h2>
${
  ev.outcomes.length
    ? html`<ul class="ev-list">${ev.outcomes.map(
        (o) =>
          html`<li data-outcome="${o.id}"><div class="row"><span>${o.date} · ${req.label(o.objective)}</span></div><div>${o.description}</div></li>`,
      )}</ul>`
    : html`<p class="muted">${w.noOutcomes}</p>`
}
${can.paired ? html`<a class="button secondary" href="/app/households/${s.householdId}/outcomes/new">${w.recordOutcome}</a>` : ''}
</section>
<section class="card" id="visits" aria-labelledby="visits-h"><h2 id="visits-h">${w.visits}</h2>
${
  ev.visits.length
    ? html`<ul class="ev-list">${ev.visits.map(
        (v) =>
          html`<li data-visit="${v.id}"><div class="row"><strong>${v.date}</strong></div><div>${v.note}</div>${
            v.photos.length
              ? thumbs(
                  req,
                  v.photos.map((_p, i) => `/app/households/${s.householdId}/visits/${v.id}/photos/${i}`),
                )
              : ''
          }</li>`,
      )}</ul>`
    : html`<p class="muted">${w.noVisits}</p>`
}
${can.paired ? html`<a class="button secondary" href="/app/households/${s.householdId}/visits/new">${w.recordVisit}</a>` : ''}
</section>`;
}

function thumbs(req: PageRequest, urls: string[]): Html {
  const w = ew(req);
  return html`<div class="thumbs">${urls.map(
    (u, i) =>
      html`<a href="${u}"><img src="${u}" alt="${w.photoOf(i + 1)}" loading="lazy" width="88" height="88" data-thumb></a>`,
  )}</div>`;
}

/**
 * Reduces each chosen photo on the phone (longest side ≤ 1600 px, JPEG), asks the page route for a presigned PUT
 * (the cookie session and its form token), PUTs it, and adds the key as a hidden input the form posts. Words ride
 * in data attributes, so the script is a constant.
 */
const PHOTO_SCRIPT = `(function(){document.querySelectorAll('[data-photos]').forEach(function(box){
var input=box.querySelector('input[type=file]'),list=box.querySelector('.thumbs'),status=box.querySelector('[data-photo-status]');
var form=box.closest('form'),name=box.dataset.name,max=Number(box.dataset.max);
function busy(b){form.querySelectorAll('button[type=submit]').forEach(function(x){x.disabled=b;});}
box.hidden=false;var pending=0;
function count(){return form.querySelectorAll('input[name="'+name+'"]').length;}
function load(file){return new Promise(function(ok,fail){var r=new FileReader();r.onload=function(){var i=new Image();i.onload=function(){ok(i);};i.onerror=fail;i.src=r.result;};r.onerror=fail;r.readAsDataURL(file);});}
function reduce(img,side,q){var s=Math.min(1,side/Math.max(img.naturalWidth,img.naturalHeight));var c=document.createElement('canvas');
c.width=Math.max(1,Math.round(img.naturalWidth*s));c.height=Math.max(1,Math.round(img.naturalHeight*s));c.getContext('2d').drawImage(img,0,0,c.width,c.height);return c;}
function blob(c){return new Promise(function(ok){c.toBlob(ok,'image/jpeg',0.82);});}
async function one(file){var img=await load(file);var big=await blob(reduce(img,1600));
var r=await fetch(box.dataset.uploads,{method:'POST',headers:{'content-type':'application/x-www-form-urlencoded'},body:new URLSearchParams({_csrf:form.elements._csrf.value,contentType:'image/jpeg',bytes:String(big.size)})});
var j=await r.json();if(!r.ok)throw new Error(j.message||box.dataset.failed);
var h=Object.assign({},j.headers);delete h['content-length'];var put=await fetch(j.url,{method:'PUT',headers:h,body:big});if(!put.ok)throw new Error(box.dataset.failed);
var k=document.createElement('input');k.type='hidden';k.name=name;k.value=j.key;form.appendChild(k);
var t=document.createElement('img');t.src=reduce(img,240).toDataURL('image/jpeg',0.7);t.alt='';t.setAttribute('data-uploaded','');list.appendChild(t);}
input.addEventListener('change',async function(){var files=Array.prototype.slice.call(input.files);input.value='';
if(count()+files.length>max){status.textContent=box.dataset.tooMany;files=files.slice(0,Math.max(0,max-count()));}
if(!files.length)return;pending++;busy(true);status.textContent=box.dataset.uploading;
try{for(var i=0;i<files.length;i++)await one(files[i]);status.textContent=box.dataset.uploaded.replace('{n}',String(count()));}
catch(e){status.textContent=e.message||box.dataset.failed;}
finally{pending--;if(!pending)busy(false);}});});})();`;

/**
 * The photo picker: a file input (the camera on a phone), the photos uploaded so far as hidden inputs named `name`
 * (kept when a refused form is shown again), and its status line. Hidden without JavaScript, which it needs.
 */
export function photoPicker(
  req: PageRequest,
  householdId: string,
  opts: { name: string; max: number; label: string; keys: string[]; error?: string },
): Html {
  const w = ew(req);
  const id = `${opts.name}-file`;
  return html`<noscript><p class="muted">${w.photosNeedScript}</p></noscript>
${opts.keys.map((k) => html`<input type="hidden" name="${opts.name}" value="${k}">`)}
${opts.error ? html`<p class="error" id="${opts.name}-error" role="alert">${opts.error}</p>` : ''}
<div data-photos hidden data-name="${opts.name}" data-max="${opts.max}" data-uploads="/app/households/${householdId}/uploads" data-uploading="${w.uploading}" data-uploaded="${w.uploaded(0).replace('0', '{n}')}" data-failed="${w.uploadFailed}" data-too-many="${w.tooManyPhotos}">
${field(id, opts.label, html`<input id="${id}" type="file" accept="image/jpeg,image/png,image/*"${opts.max > 1 ? raw(' multiple') : ''}${invalidAttrs(opts.name, opts.error)}>`)}
<p class="muted">${opts.keys.length ? w.uploaded(opts.keys.length) : opts.max > 1 ? w.photosHint : w.photoHintOne}</p>
<div class="thumbs"></div><p class="muted" data-photo-status role="status" aria-live="polite"></p></div>
<script nonce="${req.nonce}">${raw(PHOTO_SCRIPT)}</script>`;
}

/** The aid form's photos (an entry may carry up to four): a block of its own, added to the form as it is. */
export function aidPhotoPicker(req: PageRequest, householdId: string, error?: string): Html {
  return photoPicker(req, householdId, {
    name: 'photoKeys',
    max: MAX_PHOTOS,
    label: ew(req).photos,
    keys: req.form.getAll('photoKeys').filter((k) => k.length <= 200),
    error,
  });
}

const SIGNATURE_SCRIPT = `(function(){var canvas=document.querySelector('canvas.signature');if(!canvas)return;
var form=canvas.closest('form'),input=form.querySelector('input[name=signaturePng]');form.hidden=false;
var ctx=canvas.getContext('2d'),drawing=false,drawn=false,last=null;
function fit(){var r=canvas.getBoundingClientRect(),d=window.devicePixelRatio||1;canvas.width=Math.round(r.width*d);canvas.height=Math.round(r.height*d);
ctx.setTransform(d,0,0,d,0,0);ctx.lineWidth=2.5;ctx.lineCap='round';ctx.lineJoin='round';ctx.strokeStyle='#111';drawn=false;}
function at(e){var r=canvas.getBoundingClientRect();return{x:e.clientX-r.left,y:e.clientY-r.top};}
canvas.addEventListener('pointerdown',function(e){form.querySelector('[data-signature-error]').hidden=true;drawing=true;canvas.setPointerCapture(e.pointerId);last=at(e);e.preventDefault();});
canvas.addEventListener('pointermove',function(e){if(!drawing)return;var p=at(e);ctx.beginPath();ctx.moveTo(last.x,last.y);ctx.lineTo(p.x,p.y);ctx.stroke();last=p;drawn=true;});
['pointerup','pointercancel','pointerleave'].forEach(function(t){canvas.addEventListener(t,function(){drawing=false;});});
form.querySelector('[data-clear]').addEventListener('click',function(){ctx.clearRect(0,0,canvas.width,canvas.height);drawn=false;});
form.addEventListener('submit',function(e){var msg=form.querySelector('[data-signature-error]');
if(!drawn){e.preventDefault();msg.hidden=false;canvas.focus();return;}msg.hidden=true;
// The pad is drawn at the screen's density; the stored PNG is scaled to at most 800 px wide, well inside its size limit.
var s=Math.min(1,800/canvas.width),c=document.createElement('canvas');c.width=Math.round(canvas.width*s);c.height=Math.round(canvas.height*s);
var g=c.getContext('2d');g.fillStyle='#fff';g.fillRect(0,0,c.width,c.height);g.drawImage(canvas,0,0,c.width,c.height);input.value=c.toDataURL('image/png');});
fit();})();`;

/** The entry a receipt is for, as the receipt page shows it. */
function entrySummary(req: PageRequest, headName: string, r: AidRecordView): Html {
  const items = r.items?.map((i) => `${i.name} ×${i.quantity}`).join('；');
  return html`<section class="card"><p><strong>${headName}</strong></p>
<p class="row"><span>${r.date}</span><span>${req.label(r.kind)}</span><span>${req.label(r.objective)}</span><strong>${yuan(r.amountFen)}</strong></p>
<p>${r.description}${items ? html`<br><span class="muted">${items}</span>` : ''}</p></section>`;
}

/**
 * The receipt page (签收): the entry, and either its receipt as recorded or the two ways to record one — the
 * household signs on the phone (needs JavaScript), or thumbprints the paper slip, photographed if it can be.
 */
export function receiptPage(
  req: PageRequest,
  headName: string,
  r: AidRecordView,
  receipt: Receipt | undefined,
  canRecord: boolean,
  errors: Record<string, string>,
): Html {
  const w = ew(req);
  const back = html`<p><a href="/app/households/${r.householdId}#entry-${r.id}">${req.t.back}</a></p>`;
  if (receipt) {
    return html`${style(req)}${entrySummary(req, headName, r)}<section class="card"><h2>${w.receiptDone}</h2><p>${receiptState(req, receipt)} <span class="muted">${beijingTime(receipt.receivedAt)}</span></p>
${receipt.imageKey || receipt.photo ? html`<img class="receipt-img" src="/app/aid/${r.id}/receipt/image" alt="${w.receiptImage}" data-receipt-image>` : ''}</section>${back}`;
  }
  const general = errors._;
  return html`${style(req)}${entrySummary(req, headName, r)}
${general ? html`<div class="alert" role="alert">${general}</div>` : ''}
${
  canRecord
    ? html`<noscript><div class="notice">${w.signatureNeedsScript}</div></noscript>
<form method="post" action="/app/aid/${r.id}/receipt" class="card" id="sign-form" hidden>${csrfField(req)}
<input type="hidden" name="method" value="signature"><input type="hidden" name="signaturePng" value="">
<h2>${w.signHere}</h2>
<canvas id="signature-pad" class="signature" tabindex="0" role="img" aria-label="${w.signHere}"></canvas>
<p class="error" data-signature-error hidden role="alert">${w.signFirst}</p>
${errors.signaturePng ? html`<p class="error" id="signaturePng-error" role="alert">${errors.signaturePng}</p>` : ''}
<p class="row"><button type="button" class="secondary" data-clear>${w.clearSignature}</button><button type="submit">${w.signWithPad}</button></p>
</form>
<form method="post" action="/app/aid/${r.id}/receipt" class="card" id="thumbprint-form">${csrfField(req)}
<input type="hidden" name="method" value="thumbprint">
<h2>${w.orThumbprint}</h2><p class="muted">${w.thumbprintHint}</p>
${photoPicker(req, r.householdId, { name: 'photoKey', max: 1, label: w.receiptPhoto, keys: req.form.getAll('photoKey').slice(0, 1), error: errors.photoKey })}
<button type="submit" class="secondary">${w.saveThumbprint}</button>
</form>
<script nonce="${req.nonce}">${raw(SIGNATURE_SCRIPT)}</script>`
    : html`<p class="notice">${w.receiptMissing}</p>`
}
${back}`;
}

/** Values of the outcome form, as typed. */
export interface OutcomeFormValues {
  formKey: string;
  objective: string;
  date: string;
  description: string;
}

/** The outcome form (帮扶成效): what was solved, its category and its date. */
export function outcomeForm(
  req: PageRequest,
  householdId: string,
  headName: string,
  v: OutcomeFormValues,
  errors: Record<string, string>,
): Html {
  const w = ew(req);
  return html`<p class="muted">${headName}</p>
${Object.keys(errors).length ? html`<div class="alert" role="alert">${errors._ ?? req.t.fixErrors}</div>` : ''}
<form method="post" action="/app/households/${householdId}/outcomes" class="card" novalidate>${csrfField(req)}
<input type="hidden" name="formKey" value="${v.formKey}">
${field(
  'objective',
  req.t.objective,
  html`<select id="objective" name="objective"${invalidAttrs('objective', errors.objective)}>${OBJECTIVES.map(
    (o) => html`<option value="${o}"${v.objective === o ? raw(' selected') : ''}>${req.label(o)}</option>`,
  )}</select>`,
  errors.objective,
)}
${field('date', req.t.date, html`<input id="date" name="date" type="date" value="${v.date}" max="${shanghaiDate(req.now)}" required${invalidAttrs('date', errors.date)}>`, errors.date)}
${field('description', w.outcomeDescription, html`<textarea id="description" name="description" rows="3" maxlength="500" required${invalidAttrs('description', errors.description)}>${v.description}</textarea>`, errors.description)}
<p class="row"><button type="submit">${w.save}</button><a href="/app/households/${householdId}#outcomes">${w.cancel}</a></p>
</form>`;
}

/** Values of the visit form, as typed; the idempotency key is the form load's, so a resent form records once. */
export interface VisitFormValues {
  idempotencyKey: string;
  date: string;
  note: string;
  photoKeys: string[];
}

/** The visit form (走访): date, what was found, up to four photos. */
export function visitForm(
  req: PageRequest,
  householdId: string,
  headName: string,
  v: VisitFormValues,
  errors: Record<string, string>,
): Html {
  const w = ew(req);
  return html`${style(req)}<p class="muted">${headName} · ${w.visitsNeverMoney}</p>
${Object.keys(errors).length ? html`<div class="alert" role="alert">${errors._ ?? req.t.fixErrors}</div>` : ''}
<form method="post" action="/app/households/${householdId}/visits" class="card" novalidate>${csrfField(req)}
<input type="hidden" name="idempotencyKey" value="${v.idempotencyKey}">
${field('date', w.visitDate, html`<input id="date" name="date" type="date" value="${v.date}" max="${shanghaiDate(req.now)}" required${invalidAttrs('date', errors.date)}>`, errors.date)}
${field('note', w.visitNote, html`<textarea id="note" name="note" rows="4" maxlength="1000" required${invalidAttrs('note', errors.note)}>${v.note}</textarea>`, errors.note)}
${photoPicker(req, householdId, { name: 'photoKeys', max: MAX_PHOTOS, label: w.photos, keys: v.photoKeys, error: errors.photoKeys })}
<p class="row"><button type="submit">${w.save}</button><a href="/app/households/${householdId}#visits">${w.cancel}</a></p>
</form>`;
}
