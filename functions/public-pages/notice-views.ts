import { shanghaiDate } from '#shared/dates.ts';
import { formatYuan } from '#shared/money.ts';
import type { Notice, NoticeEntry } from '#shared/notice/index.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest, yuan } from '../pages/kit.ts';

/** The public notice board. */
export function noticesPage(req: PageRequest, notices: Notice[]): Html {
  if (!notices.length) return html`<p>${req.t.noNotices}</p>`;
  return html`${notices.map(
    (n) => html`<section class="card"><h2><a href="/public/notices/${n.id}">${n.communityName} · ${n.year}</a></h2>
<p class="row"><span>${req.label(n.status)}</span><span>${req.t.window}：${n.opensAt.slice(0, 10)} — ${shanghaiDate(new Date(n.closesAt))}</span></p></section>`,
  )}`;
}

/** One notice: masked names, sizes, totals, the window, and the objection form while it is open. */
export function noticePage(
  req: PageRequest,
  n: Notice & { entries: NoticeEntry[]; digest: string },
  filed: string | undefined,
  errors: Record<string, string>,
): Html {
  const open = n.status === 'open' && req.now.toISOString() < n.closesAt;
  return html`<p class="row"><span>${req.label(n.status)}</span><span>${req.t.window}：${n.opensAt.slice(0, 16).replace('T', ' ')} — ${n.closesAt.slice(0, 16).replace('T', ' ')} UTC</span></p>
${filed ? html`<p class="notice" role="status">${req.t.objectionFiled} <strong data-objection-id>${filed}</strong></p>` : ''}
<div class="table-wrap"><table><thead><tr><th>${req.t.name}</th><th class="num">${req.t.memberCount}</th><th class="num">${req.t.aidTotal}</th></tr></thead>
<tbody>${n.entries.map(
    (e) =>
      html`<tr${e.underReview ? raw(' data-under-review') : ''}><td>${e.name}${e.underReview ? html`<span class="tag review">${req.t.underReview}</span>` : ''}</td><td class="num">${e.memberCount}</td><td class="num">${yuan(e.totalFen)}</td></tr>`,
  )}</tbody></table></div>
${n.entries.some((e) => e.underReview) ? html`<p class="muted">${req.t.underReviewNote}</p>` : ''}
<p class="muted digest">SHA-256 ${n.digest}</p>
${
  open
    ? html`<h2>${req.t.objection}</h2>${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : ''}
<form method="post" action="/public/notices/${n.id}/objections" class="card">${csrfField(req)}
${field(
  'entryId',
  req.t.name,
  html`<select id="entryId" name="entryId"${invalidAttrs('entryId', errors.entryId)}>${n.entries.map(
    (e) =>
      html`<option value="${e.entryId}">${e.name}（${e.memberCount} 人，${formatYuan(e.totalFen)} 元）${e.underReview ? ` · ${req.t.underReview}` : ''}</option>`,
  )}</select>`,
  errors.entryId,
)}
${field('text', req.t.objectionText, html`<textarea id="text" name="text" rows="4" required maxlength="1000"${invalidAttrs('text', errors.text)}></textarea>`, errors.text)}
<button type="submit">${req.t.submit}</button></form>`
    : html`<p class="muted">${req.t.windowClosed}</p>`
}`;
}
