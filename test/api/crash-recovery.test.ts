import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '#infra/local/demo-data.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';

/**
 * Issue #10, part 6: the local stack killed with SIGKILL in the middle of a burst of aid writes, then started
 * again on the same data directory. Whatever the kill cut, nothing half-written may count: every household's
 * total is the sum of the entries it lists, every listed entry can be read and reversed, the floor report and a
 * verification packet agree with those totals, and every write answered 201 before the kill is there exactly
 * once.
 */

const today = () => shanghaiDate(new Date());
const year = () => Number(today().slice(0, 4));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A local stack the test may `kill -9` (`kill9`: no signal handler runs, nothing is flushed or closed). */
type KillableServer = RunningServer;

/** `infra/local/main.ts` as its own process (as `npm start` runs it), which the test may SIGKILL. */
const startKillable = (dataDir: string, env: Record<string, string> = {}): Promise<KillableServer> =>
  startServer(env, dataDir);

/** The JSON lines a server printed. */
const logLines = (output: string) =>
  output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, any>);

interface Write {
  key: string;
  cadre: 'cadreWang' | 'cadreLi';
  body: Record<string, unknown>;
  /** The answer, if one came before the kill. */
  status?: number;
  id?: string;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Kill points: after how many answered writes of the burst of 160 the SIGKILL is sent. */
const KILL_AFTER = [1, 40, 110];
const BURST = 160;

describe('the local stack killed with SIGKILL during a burst of aid writes', () => {
  it.each(KILL_AFTER)(
    'counts, after a restart, only whole entries: totals, report and packet agree; answered writes are kept once (kill after %i answers)',
    async (killAfter) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'linkage-aid-crash-'));
      dirs.push(dataDir);
      const first = await startKillable(dataDir);
      const tokens = {
        cadreWang: await devToken(first, DEMO_USERS.cadreWang),
        cadreLi: await devToken(first, DEMO_USERS.cadreLi),
        auditor: await devToken(first, DEMO_USERS.auditor),
        admin: await devToken(first, DEMO_USERS.admin),
      };
      const rows = (await first.fetch(`/reports/floor?year=${year()}`, { token: tokens.auditor })).json.rows as {
        householdId: string;
        cadreId: string;
        communityId: string;
      }[];
      const households = {
        cadreWang: rows.filter((r) => r.cadreId === 'demo-cadre-wang').map((r) => r.householdId),
        cadreLi: rows.filter((r) => r.cadreId === 'demo-cadre-li').map((r) => r.householdId),
      };
      expect(households.cadreWang.length).toBeGreaterThan(0);
      expect(households.cadreLi.length).toBeGreaterThan(0);

      // The burst: every write at once, each with its own idempotency key.
      const writes: Write[] = Array.from({ length: BURST }, (_, i) => {
        const cadre = i % 2 ? 'cadreLi' : 'cadreWang';
        const list = households[cadre];
        return {
          key: randomUUID(),
          cadre,
          body: {
            householdId: list[Math.floor(i / 2) % list.length],
            date: today(),
            kind: 'cash',
            objective: 'livelihood',
            amountFen: 100 + i,
            description: `突发写入 ${i}`,
          },
        };
      });
      let answered = 0;
      const sent = writes.map((w) =>
        first
          .fetch('/aid-records', { token: tokens[w.cadre], body: w.body, headers: { 'idempotency-key': w.key } })
          .then((r) => {
            w.status = r.status;
            w.id = r.json?.id;
            answered++;
          })
          .catch(() => undefined),
      );
      while (answered < killAfter) await sleep(1);
      await first.kill9();
      await Promise.all(sent);
      const acknowledged = writes.filter((w) => w.status !== undefined);
      for (const w of acknowledged) expect(w.status, w.key).toBe(201);

      // The restart finds that the last run was killed, and checks (and repairs) the store before serving.
      const server = await startKillable(dataDir);
      try {
        const repair = logLines(server.output()).find((l) => /half-written/.test(l.message));
        expect(repair, server.output()).toMatchObject({ reason: 'the previous run did not shut down cleanly' });
        console.log(
          JSON.stringify({
            killAfter,
            answeredBeforeKill: acknowledged.length,
            repair: {
              level: repair!.level,
              ...Object.fromEntries(
                Object.entries(repair!).filter(([k]) => /^(removed|rewritten|restored|ms)/.test(k)),
              ),
            },
          }),
        );

        const touched = [...new Set(writes.map((w) => w.body.householdId as string))];
        const summary = async (householdId: string) => {
          const r = await server.fetch(`/households/${householdId}/aid?year=${year()}`, { token: tokens.auditor });
          expect(r.status).toBe(200);
          return r.json as { totalFen: number; records: { id: string; amountFen: number; cadreId: string }[] };
        };
        const floor = async () => {
          const r = await server.fetch(`/reports/floor?year=${year()}`, { token: tokens.auditor });
          expect(r.status).toBe(200);
          return new Map(
            (r.json.rows as { householdId: string; totalFen: number }[]).map((x) => [x.householdId, x.totalFen]),
          );
        };
        const check = async () => {
          const report = await floor();
          const all: { id: string; amountFen: number; cadreId: string }[] = [];
          for (const h of touched) {
            const s = await summary(h);
            expect(s.totalFen, h).toBe(s.records.reduce((sum, r) => sum + r.amountFen, 0));
            expect(report.get(h), h).toBe(s.totalFen);
            all.push(...s.records);
          }
          return all;
        };

        // Every answered write is listed exactly once; the rest are listed at most once.
        const listed = await check();
        const count = (id: string) => listed.filter((r) => r.id === id).length;
        for (const w of acknowledged) expect(count(w.id!), w.key).toBe(1);
        expect(new Set(listed.map((r) => r.id)).size).toBe(listed.length);
        // The day's audit listing (the same entries, in another index) names each stored entry once, and no other.
        const recordedToday = async () => {
          const r = await server.fetch(`/audit?from=${today()}&to=${today()}`, { token: tokens.auditor });
          expect(r.status).toBe(200);
          return (r.json.entries as { action: string; actor: string; entityId: string }[])
            .filter((e) => e.action === 'POST /aid-records' && ['demo-cadre-wang', 'demo-cadre-li'].includes(e.actor))
            .map((e) => e.entityId)
            .sort();
        };
        expect(await recordedToday()).toStrictEqual(listed.map((r) => r.id).sort());

        // Every listed entry can be read (its own audit entry is the stored item) and reversed.
        const readAndReverse = async (r: { id: string; cadreId: string }) => {
          const audit = await server.fetch(`/audit?entityId=${encodeURIComponent(r.id)}`, { token: tokens.auditor });
          expect(audit.status).toBe(200);
          expect(
            audit.json.entries.some((e: { entityId: string }) => e.entityId === r.id),
            `entry ${r.id} is listed but cannot be read`,
          ).toBe(true);
          const token = r.cadreId === 'demo-cadre-li' ? tokens.cadreLi : tokens.cadreWang;
          const reversal = await server.fetch(`/aid-records/${r.id}/reversal`, { token, body: { reason: '测试冲正' } });
          expect(reversal.status, reversal.text).toBe(201);
        };
        for (const r of listed) await readAndReverse(r);

        // A write left unanswered by the kill, sent again with its key, is recorded once: found stored (and
        // already reversed above), or stored now.
        for (const w of writes.filter((x) => x.status === undefined)) {
          const r = await server.fetch('/aid-records', {
            token: tokens[w.cadre],
            body: w.body,
            headers: { 'idempotency-key': w.key },
          });
          expect([200, 201], r.text).toContain(r.status);
          expect(r.status === 200, w.key).toBe(count(r.json.id) === 1);
          w.id = r.json.id;
          if (r.status === 201) await readAndReverse(r.json);
        }

        // Now every write of the burst is stored once, with its reversal, and every total is zero.
        const final = await check();
        for (const w of writes) expect(final.filter((r) => r.id === w.id).length, w.key).toBe(1);
        expect(new Set(final.map((r) => r.id)).size).toBe(final.length);
        expect(final.filter((r) => r.amountFen < 0).length).toBe(final.length / 2);
        for (const h of touched) expect((await summary(h)).totalFen, h).toBe(0);
        const stored = final.filter((r) => r.amountFen > 0).map((r) => r.id);
        expect(await recordedToday()).toStrictEqual(stored.sort());

        // The verification packet (its snapshot read from the same index) agrees with the household totals.
        const communities = [...new Set(rows.filter((r) => touched.includes(r.householdId)).map((r) => r.communityId))];
        for (const communityId of communities) {
          const started = await server.fetch('/verifications', {
            token: tokens.admin,
            body: { communityId, year: year() },
          });
          expect(started.status, started.text).toBe(202);
          let packet: any;
          for (let i = 0; i < 200; i++) {
            packet = (await server.fetch(`/verifications/${started.json.id}`, { token: tokens.admin })).json;
            if (packet.status === 'awaiting_confirmation') break;
            await sleep(100);
          }
          expect(packet.status).toBe('awaiting_confirmation');
          for (const h of packet.households as { householdId: string; totalFen: number }[]) {
            expect(h.totalFen, h.householdId).toBe((await summary(h.householdId)).totalFen);
          }
        }
      } finally {
        await server.stop();
      }
    },
    120_000,
  );
});
