import { randomUUID } from 'node:crypto';
import { shanghaiDate } from '#shared/dates.ts';
import { makeIdNumber } from './factories.ts';
import { devToken, type RunningServer } from './local-server.ts';

/** A real 1×1 PNG, as a signature pad would send it. */
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export const today = () => shanghaiDate(new Date());
export const thisYear = () => Number(today().slice(0, 4));
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function ok(p: Promise<{ status: number; json: any; text: string }>, want: number[] = [200, 201, 202]) {
  const r = await p;
  if (!want.includes(r.status)) throw new Error(`unexpected ${r.status}: ${r.text}`);
  return r.json;
}

let worlds = 0;

/**
 * One community with `households` paired households, built through the HTTP API of a running local stack,
 * with the callers a scenario needs.
 */
export async function communityWorld(server: RunningServer, households = 2) {
  const admin = await devToken(server, { sub: 'scenario-admin', groups: ['admin'] });
  // Community and unit names are unique (409 on a second use), and one server serves many worlds.
  const serial = ++worlds;
  const communityName = serial === 1 ? '核查社区' : `核查社区${serial}`;
  const communityId = (await ok(server.fetch('/communities', { token: admin, body: { name: communityName } }))).id;
  const unitId = (await ok(server.fetch('/units', { token: admin, body: { name: `核查单位${serial}` } }))).id;
  const cadreId = (await ok(server.fetch('/cadres', { token: admin, body: { name: '核查干部', unitId } }))).id;
  const names = ['欧阳明明', '张三', '李四', '王五'];
  const householdIds: string[] = [];
  for (let i = 0; i < households; i++) {
    const body = { headName: names[i % names.length], idNumber: makeIdNumber(), communityId, memberCount: 2 + i };
    const id = (await ok(server.fetch('/households', { token: admin, body }))).id;
    await ok(server.fetch('/pairings', { token: admin, body: { cadreId, householdId: id, year: thisYear() } }));
    householdIds.push(id);
  }
  const cadre = await devToken(server, { sub: `scenario-cadre-${cadreId}`, groups: ['cadre'], cadreId });
  const communityCadre = await devToken(server, {
    sub: `scenario-cc-${communityId}`,
    groups: ['communityCadre'],
    communityId,
  });
  const auditor = await devToken(server, { sub: 'scenario-auditor', groups: ['auditor'] });

  const w = {
    server,
    admin,
    cadre,
    communityCadre,
    auditor,
    communityId,
    communityName,
    unitId,
    cadreId,
    householdIds,
    /** Records cash aid and returns the entry's id. */
    async cash(householdId: string, amountFen: number, objective = 'livelihood') {
      const body = { householdId, date: today(), kind: 'cash', objective, amountFen, description: '现金帮扶' };
      return (
        await ok(server.fetch('/aid-records', { token: cadre, body, headers: { 'idempotency-key': randomUUID() } }))
      ).id as string;
    },
    /** Tries to record cash aid and returns the answer as it is, refusals included. */
    async cashAttempt(householdId: string, amountFen: number, objective = 'livelihood') {
      const body = { householdId, date: today(), kind: 'cash', objective, amountFen, description: '现金帮扶' };
      return server.fetch('/aid-records', { token: cadre, body, headers: { 'idempotency-key': randomUUID() } });
    },
    /** Records in-kind aid of one item and returns the entry's id. */
    async inKind(householdId: string, quantity: number, unitValueFen: number, objective = 'livelihood') {
      const body = {
        householdId,
        date: today(),
        kind: 'in_kind',
        objective,
        amountFen: quantity * unitValueFen,
        description: '实物帮扶',
        items: [{ name: '米面油', quantity, unitValueFen }],
      };
      return (
        await ok(server.fetch('/aid-records', { token: cadre, body, headers: { 'idempotency-key': randomUUID() } }))
      ).id as string;
    },
    /** Records the household's receipt of an entry. */
    async receipt(recordId: string) {
      return ok(
        server.fetch(`/aid-records/${recordId}/receipt`, {
          token: cadre,
          body: { method: 'signature', imagePng: PNG },
        }),
      );
    },
    /** Imports fund-ledger disbursements. */
    async fund(entries: { householdId: string; amountFen: number; objective?: string }[]) {
      const body = {
        entries: entries.map((e) => ({ reference: `F-${randomUUID()}`, date: today(), objective: 'livelihood', ...e })),
      };
      return ok(server.fetch('/fund-ledger', { token: admin, body }));
    },
    /** A household that passes every check: ¥1,000 cash matched by the fund ledger. */
    async clean(householdId: string) {
      await w.cash(householdId, 100_000);
      await w.fund([{ householdId, amountFen: 100_000 }]);
    },
    async start() {
      return ok(server.fetch('/verifications', { token: admin, body: { communityId, year: thisYear() } }));
    },
    async get(id: string) {
      return ok(server.fetch(`/verifications/${id}`, { token: admin }));
    },
    /** Polls until the verification reaches `status` (or fails after `ms`). */
    async until(id: string, status: string, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const v = await w.get(id);
        if (v.status === status) return v;
        if (Date.now() > deadline) throw new Error(`still ${v.status}, waited for ${status}`);
        await sleep(100);
      }
    },
    /** Confirms the packet as the page does: with the digest the community cadre saw, problems acknowledged. */
    async confirm(id: string, extra: Record<string, unknown> = {}) {
      const { digest } = await w.get(id);
      return server.fetch(`/verifications/${id}/decision`, {
        token: communityCadre,
        body: {
          decision: 'confirm',
          signaturePng: PNG,
          sealId: 'SEAL-0001',
          digest,
          acknowledgeProblems: true,
          ...extra,
        },
      });
    },
    /**
     * Starts a round of this community and takes it to its public notice: waits for the packet, confirms it
     * (which must succeed), and returns the round as it stands in its objection window.
     */
    async confirmedRound() {
      const v = await w.start();
      await w.until(v.id, 'awaiting_confirmation');
      const decided = await w.confirm(v.id);
      if (decided.status !== 200) throw new Error(`confirm: ${decided.status} ${decided.text}`);
      return w.until(v.id, 'objection_window');
    },
    /** The states the local runner entered for an execution, in this server process. */
    async states(id: string): Promise<string[]> {
      return (await ok(server.fetch(`/_local/executions/${id}`))).states;
    },
    async execution(id: string) {
      return ok(server.fetch(`/_local/executions/${id}`));
    },
    /** The execution once it has ended: a round's status moves inside its last step, a moment before the end. */
    async ended(id: string, ms = 5_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        const e = await w.execution(id);
        if (e.status !== 'RUNNING' || Date.now() > deadline) return e;
        await sleep(50);
      }
    },
  };
  return w;
}

/** The states of the happy path, in order, from snapshot to final. */
export const HAPPY_PATH = [
  'Freeze',
  'SettleWrites',
  'Snapshot',
  'CheckHouseholds',
  'CheckBatch',
  'Summarize',
  'PrepareDecisionWait',
  'AwaitDecision',
  'Decided',
  'StoreConfirmation',
  'PublishNotice',
  'ObjectionWindow',
  'CheckObjections',
  'ObjectionsSettled',
  'Finalize',
];
