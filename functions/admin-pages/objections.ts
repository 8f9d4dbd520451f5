import { beijingTime } from '#shared/dates.ts';
import { AppError, invalid } from '#shared/errors.ts';
import { resolveObjection } from '#shared/notice/index.ts';
import { listObjections, type ObjectionSubject, objectionSubjects } from '#shared/notice/objections.ts';
import type { AdminWords } from '#shared/web/admin-words.ts';
import { type Html, html } from '#shared/web/html.ts';
import { db } from '../lib/clients.ts';
import { getWorkflow } from '../lib/workflow.ts';
import { csrfField, field, fieldErrors, invalidAttrs, type PageRequest, type PageResult, yuan } from '../pages/kit.ts';

type Req = PageRequest<AdminWords>;
type Listed = Awaited<ReturnType<typeof listObjections>>['items'][number];

const STATUS_WORD = { open: 'statusOpen', upheld: 'statusUpheld', dismissed: 'statusDismissed' } as const;

/** The form's errors for one objection, shown on its own card (the page lists many). */
interface CardErrors {
  id: string;
  errors: Record<string, string>;
  values: { upheld?: string; note?: string };
}

function subjectLine(req: Req, o: Listed, s: ObjectionSubject | undefined): Html {
  const n = s?.notice;
  const e = s?.entry;
  return html`<p class="row muted"><span>${req.t.notice}${req.t.colon}<a href="/public/notices/${o.noticeId}">${
    n ? `${n.communityName} · ${n.year} · #${n.round}` : o.noticeId
  }</a></span>${
    e
      ? html`<span>${req.t.entry}${req.t.colon}${req.t.entrySummary(e.name, e.memberCount, yuan(e.totalFen))}</span>`
      : ''
  }${n ? html`<span><a href="/app/verifications/${n.verificationId}">${req.t.packet}</a></span>` : ''}</p>`;
}

function openCard(req: Req, o: Listed, s: ObjectionSubject | undefined, err?: CardErrors): Html {
  const errors = err?.errors ?? {};
  const values = err?.values ?? {};
  const choice = (value: string, label: string) =>
    html`<label><input type="radio" name="upheld" value="${value}"${value === values.upheld ? html` checked` : ''}${invalidAttrs(`upheld-${o.id}`, errors.upheld)}>${label}</label>`;
  return html`<section class="card objection" id="objection-${o.id}" data-reference="${o.reference ?? ''}">
<h2>${req.t.reference} ${o.reference ?? '—'} <span class="tag review">${req.t.statusOpen}</span></h2>
<p class="muted">${req.t.filedAt}${req.t.colon}${beijingTime(o.filedAt)}${req.t.openParen}${req.t.beijingTime}${req.t.closeParen}</p>
${subjectLine(req, o, s)}
<blockquote class="objection-text">${o.text}</blockquote>
${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : ''}
<form method="post" action="/app/admin/objections/${o.id}/resolution">${csrfField(req)}
<fieldset class="${errors.upheld ? 'field-error' : ''}"><legend>${req.t.resolve}</legend>
${choice('yes', req.t.upheld)}${choice('no', req.t.dismissed)}
${errors.upheld ? html`<p class="error" id="upheld-${o.id}-error" role="alert">${errors.upheld}</p>` : ''}</fieldset>
${field(
  `note-${o.id}`,
  req.t.resolutionNote,
  html`<textarea id="note-${o.id}" name="note" rows="2" maxlength="1000"${invalidAttrs(`note-${o.id}`, errors.note)}>${values.note ?? ''}</textarea>`,
  errors.note,
)}
<button type="submit">${req.t.resolve}</button></form></section>`;
}

function resolvedRow(req: Req, o: Listed, s: ObjectionSubject | undefined): Html {
  const r = o.resolution;
  return html`<section class="card objection" data-reference="${o.reference ?? ''}">
<h2>${req.t.reference} ${o.reference ?? '—'} <span class="tag">${req.t[STATUS_WORD[o.status as keyof typeof STATUS_WORD]]}</span></h2>
<p class="muted">${req.t.filedAt}${req.t.colon}${beijingTime(o.filedAt)}${
    r ? html` · ${req.t.resolvedAt}${req.t.colon}${beijingTime(r.resolvedAt)}` : ''
  }（${req.t.beijingTime}）</p>
${subjectLine(req, o, s)}
<blockquote class="objection-text">${o.text}</blockquote>
${r ? html`<p><strong>${req.t.resolutionNote}${req.t.colon}</strong>${r.note}</p>` : ''}</section>`;
}

/**
 * GET /app/admin/objections: the open objections first (oldest first: they have waited longest), each with its
 * text, notice, entry and a form to resolve it; then the resolved ones a page at a time (`?cursor=`).
 */
export async function objectionsPage(req: Req, cardErrors?: CardErrors): Promise<PageResult> {
  const cursor = req.query.get('cursor') || undefined;
  const open = cursor ? { items: [], nextCursor: null } : await listObjections(db, { status: 'open', limit: 200 });
  const resolved = await listObjections(db, { status: 'resolved', limit: 50, ...(cursor ? { cursor } : {}) });
  const subjects = await objectionSubjects(db, [...open.items, ...resolved.items]);
  const done = req.query.get('resolved');
  return {
    status: cardErrors ? 400 : 200,
    title: req.t.objections,
    body: html`${done ? html`<p class="notice" role="status">${req.t.resolvedOk} ${done}</p>` : ''}
${
  cursor
    ? ''
    : html`<h2>${req.t.openObjections}${req.t.openParen}${open.items.length}${open.nextCursor ? '+' : ''}${req.t.closeParen}</h2>${
        open.items.length
          ? open.items.map((o) =>
              openCard(req, o, subjects.get(o.id), cardErrors?.id === o.id ? cardErrors : undefined),
            )
          : html`<p>${req.t.noOpenObjections}</p>`
      }`
}
<h2>${req.t.resolvedObjections}</h2>
${
  resolved.items.length
    ? [...resolved.items].reverse().map((o) => resolvedRow(req, o, subjects.get(o.id)))
    : html`<p>${req.t.noResolvedObjections}</p>`
}
${resolved.nextCursor ? html`<p><a href="/app/admin/objections?cursor=${resolved.nextCursor}">${req.t.more}</a></p>` : ''}`,
  };
}

/** POST /app/admin/objections/{id}/resolution: uphold or dismiss, with a note; errors beside the card's fields. */
export async function resolveFromPage(req: Req, m: RegExpExecArray): Promise<PageResult> {
  const id = m[1]!;
  const choice = req.form.get('upheld');
  const note = req.form.get('note') ?? '';
  try {
    if (choice !== 'yes' && choice !== 'no') {
      throw invalid('request.invalid', req.t.chooseOutcome, [{ path: 'upheld', message: req.t.chooseOutcome }]);
    }
    const done = await resolveObjection(
      { db, workflow: getWorkflow() },
      req.caller!.sub,
      id,
      { upheld: choice === 'yes', note },
      req.now,
    );
    return { redirect: `/app/admin/objections?resolved=${encodeURIComponent(done.reference ?? done.id)}`, audited: id };
  } catch (e) {
    // Not found or already resolved: the whole page says so; a bad field: beside the field on its card.
    if (e instanceof AppError && e.kind !== 'invalid') throw e;
    return objectionsPage(req, { id, errors: fieldErrors(e), values: { upheld: choice ?? undefined, note } });
  }
}
