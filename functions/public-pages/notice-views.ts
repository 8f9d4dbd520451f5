import { beijingTime, shanghaiDate } from '#shared/dates.ts';
import { FLOOR_FEN, formatYuan } from '#shared/money.ts';
import type { Notice, NoticeEntry } from '#shared/notice/index.ts';
import { publicNoticeStatus } from '#shared/notice/public-status.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import type { PublicWords } from '#shared/web/public-words.ts';
import { qrSvg } from '#shared/web/qr.ts';
import { csrfField, field, invalidAttrs, type PageRequest, yuan } from '../pages/kit.ts';

type Req = PageRequest<PublicWords>;

/** A window as the public reads it: both ends in Beijing time, said so. */
const windowText = (req: Req, n: Notice) =>
  `${req.t.window}${req.t.colon}${beijingTime(n.opensAt)} — ${beijingTime(n.closesAt)}${req.t.beijingTime}`;

/** The public notice board. */
export function noticesPage(req: Req, notices: Notice[]): Html {
  if (!notices.length) return html`<p>${req.t.noNotices}</p>`;
  return html`${notices.map(
    (n) => html`<section class="card"><h2><a href="/public/notices/${n.id}">${n.communityName} · ${n.year}</a></h2>
<p class="row"><span data-status>${req.label(publicNoticeStatus(n, undefined, req.now))}</span><span>${windowText(req, n)}</span></p></section>`,
  )}`;
}

/** What the page shows beside the notice: a receipt, the form's errors and what was typed into it. */
export interface NoticeForm {
  filed?: string | undefined;
  errors: Record<string, string>;
  typed?: { entryId: string; text: string };
}

/** `2026-11-30` as a date line reads it: 2026年11月30日 (or the ISO date in English). */
const dateLine = (req: Req, iso: string) => {
  const d = shanghaiDate(new Date(iso));
  return req.lang === 'zh' ? `${Number(d.slice(0, 4))}年${Number(d.slice(5, 7))}月${Number(d.slice(8, 10))}日` : d;
};

/**
 * One notice, laid out for the screen and for an A4 sheet on the bulletin board alike (print CSS in
 * public-pages.ts hides the header, the form and the verify link): the basis, masked names, sizes, totals,
 * the window in Beijing time, the issuing community with a seal and date line, the supervision phone and a QR
 * code to this page. The digest is not shown: the "verify" link leads to the API's notice, which carries it.
 */
export function noticePage(
  req: Req,
  n: Notice & { entries: NoticeEntry[] },
  supervisionPhone: string | undefined,
  form: NoticeForm,
): Html {
  const status = publicNoticeStatus(n, n.entries, req.now);
  const { errors, typed } = form;
  const url = `${req.origin}/public/notices/${encodeURIComponent(n.id)}`;
  return html`<p class="basis">${req.t.basis(formatYuan(FLOOR_FEN).replace(/\.00$/, ''))}</p>
<p class="row"><strong data-status="${status}">${req.label(status)}</strong><span data-window>${windowText(req, n)}</span></p>
${
  form.filed
    ? html`<p class="notice no-print" role="status">${req.t.objectionFiled} <strong data-objection-id>${form.filed}</strong>
<a href="/public/objections/status?reference=${encodeURIComponent(form.filed)}" data-status-link>${req.t.lookUpStatus}</a></p>`
    : ''
}
<div class="table-wrap"><table class="notice-table"><thead><tr><th>${req.t.name}</th><th class="num">${req.t.memberCount}</th><th class="num">${req.t.aidTotal}</th></tr></thead>
<tbody>${n.entries.map(
    (e) =>
      html`<tr${e.underReview ? raw(' data-under-review') : ''}><td>${e.name}${e.underReview ? html`<span class="tag review">${req.t.underReview}</span>` : ''}</td><td class="num">${e.memberCount}</td><td class="num">${yuan(e.totalFen)}</td></tr>`,
  )}</tbody></table></div>
${n.entries.some((e) => e.underReview) ? html`<p class="muted">${req.t.underReviewNote}</p>` : ''}
<div class="issuer">
<figure class="qr-box" data-qr="${url}">${raw(qrSvg(url, req.t.scan))}<figcaption>${req.t.scan}</figcaption></figure>
<div class="sign-off">
<p>${req.t.issuer}${req.t.colon}${n.communityName} <span class="seal">${req.t.seal}</span></p>
<p data-seal-line>${req.t.issuedOn}${req.t.colon}${dateLine(req, n.opensAt)}</p>
${supervisionPhone ? html`<p data-supervision-phone>${req.t.supervisionPhone}${req.t.colon}${supervisionPhone}</p>` : ''}
</div></div>
<p class="muted no-print"><a href="/notices/${encodeURIComponent(n.id)}" title="${req.t.verifyHint}" data-verify>${req.t.verify}</a></p>
${
  status === 'open'
    ? html`<section class="objection no-print"><h2>${req.t.objection}</h2>${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : ''}
<form method="post" action="/public/notices/${n.id}/objections" class="card">${csrfField(req)}
${field(
  'entryId',
  req.t.name,
  html`<select id="entryId" name="entryId"${invalidAttrs('entryId', errors.entryId)}>${n.entries.map(
    (e) =>
      html`<option value="${e.entryId}"${typed?.entryId === e.entryId ? raw(' selected') : ''}>${req.t.entryOption(e.name, e.memberCount, formatYuan(e.totalFen))}${e.underReview ? ` · ${req.t.underReview}` : ''}</option>`,
  )}</select>`,
  errors.entryId,
)}
${field('text', req.t.objectionText, html`<textarea id="text" name="text" rows="4" required maxlength="1000"${invalidAttrs('text', errors.text)}>${typed?.text ?? ''}</textarea>`, errors.text)}
<button type="submit">${req.t.submit}</button></form></section>`
    : html`<p class="muted no-print">${req.t.windowClosed}</p>`
}`;
}

/** The look-up of an objection by its reference: the form, and the status once one is found. */
export function objectionStatusPage(
  req: Req,
  reference: string,
  found: { reference: string; status: string; filedAt: string } | undefined,
  error: string | undefined,
): Html {
  return html`${
    found
      ? html`<dl class="decision card" data-objection-status="${found.status}"><dt>${req.t.reference}</dt><dd>${found.reference}</dd>
<dt>${req.t.status}</dt><dd><strong>${req.label(`objection:${found.status}`)}</strong></dd>
<dt>${req.t.filedAt}</dt><dd>${beijingTime(found.filedAt)}${req.t.beijingTime}</dd></dl>`
      : ''
  }
<form method="get" action="/public/objections/status" class="card">
${field('reference', req.t.reference, html`<input id="reference" name="reference" value="${reference}" autocomplete="off" autocapitalize="characters" required${invalidAttrs('reference', error)}>`, error)}
<p class="muted">${req.t.referenceHint}</p>
<button type="submit">${req.t.lookUp}</button></form>`;
}
