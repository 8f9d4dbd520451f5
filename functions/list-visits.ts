import * as z from 'zod';
import { shanghaiDate } from '#shared/dates.ts';
import { CampaignYearParam } from '#shared/pairing/index.ts';
import { listVisits } from '#shared/visit/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.object({ id: z.string().min(1).max(64) });
const Query = z.object({ year: CampaignYearParam.optional() });

/** GET /households/{id}/visits?year=: the household-year's visits, oldest first (default: this year). */
export const handler = apiHandler({ params: Params, query: Query }, async ({ caller, params, query, now }) => ({
  json: { items: await listVisits(db, caller, params.id, query.year ?? Number(shanghaiDate(now).slice(0, 4))) },
}));
