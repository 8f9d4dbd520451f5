import { afterEach, describe, expect, it, vi } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { handler as recordOutcome } from '#functions/record-outcome.ts';
import { getItem, updateIf } from '#shared/db.ts';
import { keys } from '#shared/table.ts';
import { admin, cadreUser, communityCadreUser } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, pairedWorld } from '../support/world.ts';

const post = (as: ReturnType<typeof cadreUser>, householdId: string, body: unknown) =>
  invoke(recordOutcome, 'POST /households/{id}/outcomes', { as, params: { id: householdId }, body });

const outcome = (overrides: Record<string, unknown> = {}) => ({
  objective: 'employment',
  date: '2026-06-01',
  description: '户主在社区超市就业',
  ...overrides,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('recording an outcome', () => {
  it('answers 201 with the outcome, stored append-only under the household-year', async () => {
    const w = await pairedWorld(2026);
    const r = await post(cadreUser(w.cadreId), w.householdId, outcome());
    expect(r.status).toBe(201);
    expect(r.json).toStrictEqual({
      id: expect.stringMatching(/^o[0-9a-f-]{36}$/),
      householdId: w.householdId,
      communityId: w.communityId,
      unitId: w.unitId,
      cadreId: w.cadreId,
      year: 2026,
      date: '2026-06-01',
      objective: 'employment',
      description: '户主在社区超市就业',
      recordedBy: `user-${w.cadreId}`,
      recordedAt: expect.any(String),
    });
    const stored = await getItem(db, keys.outcome(w.householdId, 2026, r.json.id));
    expect(stored).toMatchObject({ entity: 'outcome', objective: 'employment', householdId: w.householdId });
  });

  it('takes the year of the Shanghai date of an instant', async () => {
    const w = await pairedWorld(2026);
    const r = await post(cadreUser(w.cadreId), w.householdId, outcome({ date: '2025-12-31T16:30:00Z' }));
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ date: '2026-01-01', year: 2026 });
  });

  it('refuses a cadre not paired with the household that year with 403', async () => {
    const w = await pairedWorld(2026);
    const other = await newCadre(w.unitId, '别的干部');
    expect((await post(cadreUser(other), w.householdId, outcome())).status).toBe(403);
    const lastYear = await post(cadreUser(w.cadreId), w.householdId, outcome({ date: '2025-06-01' }));
    expect(lastYear.status).toBe(403);
    expect(lastYear.json.error.code).toBe('outcome.not_paired');
    expect((await post(cadreUser(w.cadreId), 'no-such-household', outcome())).status).toBe(403);
  });

  it('is for cadres only: admins and community cadres get 403', async () => {
    const w = await pairedWorld(2026);
    expect((await post(admin as ReturnType<typeof cadreUser>, w.householdId, outcome())).status).toBe(403);
    expect((await post(communityCadreUser(w.communityId), w.householdId, outcome())).status).toBe(403);
  });

  it('refuses a date after today in Shanghai with 400', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-30T15:30:00Z'), toFake: ['Date'] }); // 23:30 on 30 June in Shanghai
    const w = await pairedWorld(2026);
    const r = await post(cadreUser(w.cadreId), w.householdId, outcome({ date: '2026-07-01' }));
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'outcome.date_future', issues: [{ path: 'date' }] });
    expect((await post(cadreUser(w.cadreId), w.householdId, outcome({ date: '2026-06-30' }))).status).toBe(201);
  });

  it('refuses an unknown objective, an impossible date and an empty description with 400', async () => {
    const w = await pairedWorld(2026);
    const as = cadreUser(w.cadreId);
    expect((await post(as, w.householdId, outcome({ objective: 'tourism' }))).status).toBe(400);
    expect((await post(as, w.householdId, outcome({ date: '2026-02-30' }))).status).toBe(400);
    expect((await post(as, w.householdId, outcome({ description: '  ' }))).status).toBe(400);
    expect((await post(as, w.householdId, { ...outcome(), amountFen: 100 })).status).toBe(400);
  });

  it('still accepts outcomes once the year’s figures are locked: outcomes are not part of the confirmed money', async () => {
    const w = await pairedWorld(2026);
    await updateIf(db, keys.pairing(w.householdId, 2026), { set: { lockedBy: 'verify-2026-x-1' } });
    expect((await post(cadreUser(w.cadreId), w.householdId, outcome())).status).toBe(201);
  });
});
