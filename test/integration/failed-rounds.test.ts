import { afterEach, describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { registerLocalWorkflow } from '#functions/lib/workflow.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as startVerification } from '#functions/start-verification.ts';
import { LocalWorkflow } from '#infra/local/workflow.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { findPairing } from '#shared/pairing/index.ts';
import { getVerification } from '#shared/verification/index.ts';
import { admin, cadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * A round whose execution fails after its retries, run by the local stack's runner on the real ASL file. The
 * fault is injected at the task boundary (every attempt of "CheckBatch" throws, as a Lambda that keeps failing
 * would); everything else is the real handlers on dynalite. Retries wait 1 ms instead of their seconds.
 */

const today = () => shanghaiDate(new Date());
const year = () => Number(today().slice(0, 4));

let workflow: LocalWorkflow | undefined;
afterEach(async () => {
  await workflow?.close();
  registerLocalWorkflow(undefined);
});

function run(options: ConstructorParameters<typeof LocalWorkflow>[1]) {
  workflow = new LocalWorkflow(db, options);
  registerLocalWorkflow(workflow);
  return workflow;
}

const start = (communityId: string) =>
  invoke(startVerification, 'POST /verifications', { as: admin, body: { communityId, year: year() } });

const aid = (w: { cadreId: string; householdId: string }) =>
  invoke(recordAid, 'POST /aid-records', {
    as: cadreUser(w.cadreId),
    body: makeAid(w.householdId, { date: today() }),
    headers: { 'idempotency-key': newKey() },
  });

async function until(id: string, status: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await getVerification(db, id);
    if (v.status === status) return v;
    if (Date.now() > deadline) throw new Error(`still ${v.status}, waited for ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a failed execution', () => {
  it('leaves the round failed, releases its freeze, fails the execution, and lets an admin start a new round', async () => {
    // Prepare
    const w = await pairedWorld(year());
    const failing = run({ failingStates: { CheckBatch: 'Lambda.ServiceException' }, retryIntervalMs: 1 });

    // Act
    const started = await start(w.communityId);
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    const execution = await failing.settled(id);

    // Assess: the retries ran, the round says why it failed, and the execution ended in the Fail state (on AWS
    // the failed-executions alarm counts exactly that).
    expect(execution?.status).toBe('FAILED');
    expect(execution?.retries).toBeGreaterThanOrEqual(4);
    expect(execution?.states.slice(-3)).toStrictEqual(['CheckBatch', 'MarkFailed', 'Failed']);
    expect(execution?.states).toContain('Freeze');
    const failed = await getVerification(db, id);
    expect(failed.status).toBe('failed');
    expect(failed.failure?.error).toBe('Lambda.ServiceException');
    expect((await findPairing(db, w.householdId, year()))?.frozenBy).toBeUndefined();
    expect((await aid(w)).status).toBe(201);

    // A new round, with a new execution name, runs normally.
    await failing.close();
    run({});
    const next = await start(w.communityId);
    expect(next.status).toBe(202);
    expect(next.json.id).toBe(id.replace(/-1$/, '-2'));
    const awaiting = await until(next.json.id, 'awaiting_confirmation');
    expect(awaiting.householdCount).toBe(1);
    expect((await findPairing(db, w.householdId, year()))?.frozenBy).toBe(next.json.id);
  });
});
