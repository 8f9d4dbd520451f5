import { DayBody, DayPath, listCalendarDays, setCalendarDay, YearQuery } from '#shared/calendar/days.ts';
import { db } from './lib/clients.ts';
import { apiHandler, routeHandlers } from './lib/http.ts';

/**
 * The working-day calendar's override table (one Lambda for both routes):
 * `PUT /calendar/days/{date}` `{working, note}` adds or corrects a day; `GET /calendar/days?year=` lists a year's
 * overrides, each beside what the State Council's calendar says of that date.
 */
export const handler = routeHandlers({
  'PUT /calendar/days/{date}': apiHandler({ body: DayBody, params: DayPath }, async ({ caller, params, body, now }) => {
    const { before, after } = await setCalendarDay(db, params.date, body, caller.sub, now);
    const fields = (d: { working: boolean; note: string }) => ({ working: d.working, note: d.note });
    return {
      json: { id: after.date, ...after },
      audit: { ...(before ? { before: fields(before) } : {}), after: fields(after) },
    };
  }),
  'GET /calendar/days': apiHandler({ query: YearQuery }, async ({ query }) => ({
    json: await listCalendarDays(db, query),
  })),
});
