import * as z from 'zod';
import { getCarryOver, resultOf } from '#shared/pairing/carry-over-jobs.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.strictObject({ id: z.string().regex(/^[\w-]{1,64}$/, '结转任务编号无效') });

/**
 * GET /pairings/carry-over/{id}: a background carry-over's progress (`unitsDone` of `unitsTotal`, counts so far);
 * once done, the same body an inline commit answers, with the job's id and status.
 */
export const handler = apiHandler({ params: Params }, async ({ params }) => {
  const job = await getCarryOver(db, params.id);
  const { unitIds: _ids, ...view } = job as typeof job & { unitIds?: string[] };
  return { json: job.status === 'done' ? { ...view, ...resultOf(job) } : view };
});
