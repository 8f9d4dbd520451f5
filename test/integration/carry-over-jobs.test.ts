import { afterEach, describe, expect, it } from 'vitest';
import { handler as carryOver } from '#functions/carry-over-pairings.ts';
import { handler as getCarryOver } from '#functions/get-carry-over.ts';
import { db } from '#functions/lib/clients.ts';
import { registerLocalImportRunner } from '#functions/lib/import-jobs.ts';
import { localImportRunner } from '#infra/local/imports.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { getItem } from '#shared/db.ts';
import { resumeStaleImports } from '#shared/imports/index.ts';
import { carryOverPairings } from '#shared/pairing/carry-over.ts';
import { runCarryOverUnits } from '#shared/pairing/carry-over-jobs.ts';
import { findPairing } from '#shared/pairing/index.ts';
import { keys } from '#shared/table.ts';
import { admin, cadreUser } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

/**
 * A carry-over commit too large for one API call goes on in the background, on the imports' runner and
 * checkpoints: forced here by a small inline limit (CARRY_OVER_INLINE_PAIRINGS), it must end with exactly what an
 * inline commit answers (the preview's figures), and stay idempotent.
 */

const thisYear = Number(shanghaiDate(new Date()).slice(0, 4));
const fromYear = thisYear - 1;
const runner = localImportRunner();
registerLocalImportRunner(runner);
const carry = (body: Record<string, unknown>, as = admin) =>
  invoke(carryOver, 'POST /pairings/carry-over', { as, body });
const progress = (id: string, as = admin) =>
  invoke(getCarryOver, 'GET /pairings/carry-over/{id}', { as, params: { id } });

/** Three units, each with a few pairings last year; one cadre deactivated, so one pairing is skipped. */
async function city() {
  const community = await newCommunity('后台结转社区');
  const households: string[] = [];
  for (let u = 0; u < 3; u++) {
    const unit = await newUnit(`后台结转单位${u}`);
    const cadre = await newCadre(unit, `干部${u}`);
    for (let i = 0; i < 3; i++) {
      const h = await newHousehold(community, `后台${u}-${i}`);
      await pair(cadre, h, fromYear);
      households.push(h);
    }
  }
  return households;
}

afterEach(() => {
  delete process.env.CARRY_OVER_INLINE_PAIRINGS;
  registerLocalImportRunner(runner);
});

describe('a carry-over commit beyond the inline limit', () => {
  it('runs in the background, ends with the inline answer, and a second commit changes nothing', async () => {
    const households = await city();
    const body = { fromYear, toYear: thisYear };
    const preview = await carry({ ...body, dryRun: true });
    expect(preview.status, preview.text).toBe(200);
    expect(preview.json).toMatchObject({ pairings: 9, created: 9 });

    process.env.CARRY_OVER_INLINE_PAIRINGS = '1';
    const started = await carry({ ...body, dryRun: false });
    expect(started.status, started.text).toBe(200);
    expect(started.json).toMatchObject({ status: 'running', unitsTotal: 3, unitsDone: 1, pairings: 3, created: 3 });
    const jobId = started.json.jobId as string;
    expect(jobId).toMatch(/^carry-over-/);

    await runner.idle();
    const done = await progress(jobId);
    expect(done.status).toBe(200);
    expect(done.json).toMatchObject({ status: 'done', unitsDone: 3, ...preview.json, dryRun: false });
    for (const h of households) expect(await findPairing(db, h, thisYear)).toMatchObject({ carriedFrom: fromYear });

    delete process.env.CARRY_OVER_INLINE_PAIRINGS;
    const again = await carry({ ...body, dryRun: false });
    expect(again.json).toStrictEqual({
      ...preview.json,
      dryRun: false,
      created: 0,
      unchanged: 9,
      digest: '0'.repeat(64),
    });
  });

  it('counts a unit once when its run is repeated or its checkpoint was lost, and the restart finishes the job', async () => {
    await city();
    const body = { fromYear, toYear: thisYear };
    const preview = await carry({ ...body, dryRun: true });
    // A process that stops right after answering: nothing runs the rest.
    registerLocalImportRunner({ continue: async () => {} });
    process.env.CARRY_OVER_INLINE_PAIRINGS = '1';
    const started = await carry({ ...body, dryRun: false });
    const jobId = started.json.jobId as string;
    expect(started.json).toMatchObject({ status: 'running', unitsDone: 1 });

    // The next unit run twice at once (a retried invocation): one checkpoint lands.
    const stop = { shouldStop: () => true };
    const twice = await Promise.all([runCarryOverUnits(db, jobId, stop), runCarryOverUnits(db, jobId, stop)]);
    expect(twice.sort()).toStrictEqual(['more', 'not-running']);
    const stored = await getItem<{ unitIds: string[]; unitsTotal: number }>(db, keys.carryOverJob(jobId));
    expect((await progress(jobId)).json).toMatchObject({ status: 'running', unitsDone: 2 });

    // The next unit written by a run whose checkpoint was lost (a crash): its pairings carry the job's id.
    await carryOverPairings(db, { ...body, dryRun: false, unitId: stored!.unitIds[2] }, new Date(), { runId: jobId });
    // The restart finds the job in the running listing and finishes it.
    registerLocalImportRunner(runner);
    expect(await resumeStaleImports(db, runner, new Date(), 0)).toContain(jobId);
    await runner.idle();
    const done = await progress(jobId);
    expect(done.json).toMatchObject({ status: 'done', unitsDone: stored!.unitsTotal, ...preview.json, dryRun: false });
  });

  it('is for admins only, and an unknown job is a 404', async () => {
    expect((await progress('carry-over-nope')).status).toBe(404);
    expect((await progress('nope')).json.error.code).toBe('pairing.carry_over_not_found');
    expect((await progress('carry-over-nope', cadreUser('c1'))).status).toBe(403);
  });
});
