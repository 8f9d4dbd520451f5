import { listCalendarDays, setCalendarDay } from '#shared/calendar/days.ts';
import { CALENDAR_FIRST_YEAR, calendarLastYear } from '#shared/calendar/index.ts';
import { beijingTime, shanghaiDate } from '#shared/dates.ts';
import { AppError } from '#shared/errors.ts';
import { html, raw } from '#shared/web/html.ts';
import { db } from '../lib/clients.ts';
import { csrfField, field, fieldErrors, invalidAttrs, type PageResult } from '../pages/kit.ts';
import type { Req } from './list.ts';

/*
 * GET/POST /app/admin/calendar: the working-day calendar's override table (issue #13, item 6) as a page, over the
 * same commands as `GET /calendar/days` and `PUT /calendar/days/{date}`. A working-day objection window
 * (`OBJECTION_WORKING_DAYS`) counts days by the State Council's calendar; a local holiday or a correction of that
 * calendar is one row here. In this Lambda (not `admin-pages`) for the bundle budget.
 */

interface CalendarForm {
  errors: Record<string, string>;
  values: { date: string; working: string; note: string };
  status: number;
}

const yearOf = (req: Req) => {
  const y = Number(req.query.get('year') ?? '');
  return Number.isInteger(y) && y >= 2000 && y <= 2100 ? y : Number(shanghaiDate(req.now).slice(0, 4));
};

const officialWord = (req: Req, working: boolean | null) =>
  working === null ? req.t.calendarNotCovered : working ? req.t.calendarWorking : req.t.calendarRestDay;

/** GET /app/admin/calendar?year=: the year's overrides beside the official calendar, and the form to add one. */
export async function calendarPage(req: Req, _m?: RegExpExecArray, form?: CalendarForm): Promise<PageResult> {
  const year = form ? Number(form.values.date.slice(0, 4)) || yearOf(req) : yearOf(req);
  const { items } = await listCalendarDays(db, { year });
  const last = calendarLastYear();
  const v = form?.values ?? { date: '', working: '', note: '' };
  const e = form?.errors ?? {};
  const saved = req.query.get('saved');
  const checked = (w: string) => (v.working === w ? raw(' checked') : raw(''));
  return {
    status: form?.status ?? 200,
    title: req.t.calendarTitle,
    body: html`<p class="muted">${req.t.calendarIntro(CALENDAR_FIRST_YEAR, last)}</p>
${saved ? html`<p class="notice" role="status">${req.t.calendarSaved(saved)}</p>` : ''}
${year > last ? html`<p class="alert">${req.t.calendarBeyond(year, last)}</p>` : ''}
<form method="get" action="/app/admin/calendar" class="filters card calendar-year">
${field('year', req.t.year, html`<input id="year" name="year" type="number" min="2000" max="2100" value="${year}">`)}
<div class="filter-actions"><button type="submit" class="secondary">${req.t.show}</button></div></form>
<div class="edit-grid"><section class="card"><h2>${req.t.calendarOverrides(year)}</h2>${
      items.length
        ? html`<div class="table-wrap"><table><thead><tr><th>${req.t.date}</th><th>${req.t.calendarOfficial}</th><th>${req.t.calendarHere}</th><th>${req.t.calendarNote}</th><th>${req.t.changeAt}</th></tr></thead><tbody>${items.map(
            (d) =>
              html`<tr><td>${d.date}</td><td>${officialWord(req, d.officialWorking)}</td><td><strong>${
                d.working ? req.t.calendarWorking : req.t.calendarRestDay
              }</strong></td><td>${d.note}</td><td>${beijingTime(d.updatedAt)}</td></tr>`,
          )}</tbody></table></div>`
        : html`<p class="muted">${req.t.calendarNone}</p>`
    }</section>
<section class="card"><h2>${req.t.calendarSet}</h2>
${e._ ? html`<div class="alert" role="alert">${e._}</div>` : ''}
<form method="post" action="/app/admin/calendar">${csrfField(req)}
${field('date', req.t.date, html`<input id="date" name="date" type="date" value="${v.date}" required${invalidAttrs('date', e.date)}>`, e.date)}
<fieldset${invalidAttrs('working', e.working)}><legend>${req.t.calendarHere}</legend>
<label><input type="radio" name="working" value="true"${checked('true')}> ${req.t.calendarWorking}</label>
<label><input type="radio" name="working" value="false"${checked('false')}> ${req.t.calendarRestDay}</label>
${e.working ? html`<p class="error" id="working-error" role="alert">${e.working}</p>` : ''}</fieldset>
${field('note', req.t.calendarNote, html`<input id="note" name="note" maxlength="200" value="${v.note}" placeholder="${req.t.calendarNoteHint}"${invalidAttrs('note', e.note)}>`, e.note)}
<p class="muted">${req.t.calendarSetHint}</p>
<button type="submit">${req.t.calendarRecord}</button></form></section></div>`,
  };
}

/** POST /app/admin/calendar: adds or corrects one day; audited with the day before and after. */
export async function setDayFromPage(req: Req): Promise<PageResult> {
  const values = {
    date: (req.form.get('date') ?? '').trim(),
    working: req.form.get('working') ?? '',
    note: req.form.get('note') ?? '',
  };
  // An unchosen radio is a missing answer, said beside the question (the command's schema says the same of a bad one).
  const working = values.working === 'true' ? true : values.working === 'false' ? false : undefined;
  try {
    const { before, after } = await setCalendarDay(
      db,
      values.date,
      { working, note: values.note },
      req.caller!.sub,
      req.now,
    );
    const fields = (d: { working: boolean; note: string }) => ({ working: d.working, note: d.note });
    return {
      redirect: `/app/admin/calendar?year=${after.date.slice(0, 4)}&saved=${after.date}`,
      audited: after.date,
      auditDetail: { ...(before ? { before: fields(before) } : {}), after: fields(after) },
    };
  } catch (e) {
    if (!(e instanceof AppError) || e.kind !== 'invalid') throw e;
    const errors = fieldErrors(e, { '': '_' });
    // The schema's message names the API's field; the page asks its own question.
    if (errors.working) errors.working = req.t.calendarChoose;
    return calendarPage(req, undefined, { errors, values, status: 400 });
  }
}
