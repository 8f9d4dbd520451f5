/**
 * `npm run bench:load`: the local stack (`npm start`'s code path, on-disk dynalite) under a bounded mixed workload
 * of writes and reads over 20 keep-alive connections for 30 s, then `GET /health` alone over the same 20
 * connections for as long, in the same run, as the bare baseline. Prints throughput, p50, p99 and errors of each
 * and the ratio of the p99s. Loopback only (127.0.0.1); it stops by itself after LOAD_SECONDS (default 30) per
 * phase or MAX_REQUESTS per phase, whichever comes first. Exits 1 when either phase saw an error.
 *
 * The world: community A (50 households, confirmed, its notice open for objections) and community B (200
 * households, 20 cadres of 10 each, one cash entry each), where the cadres go on recording aid.
 * Objections all come from one client (127.0.0.1), so past OBJECTION_RATE_LIMIT they are refused with 429: those
 * refusals are expected and counted apart from errors.
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { inParallel } from '#shared/db.ts';
import { checkCharacter } from '#shared/household/resident-id.ts';
import { devToken, type RunningServer, startServer } from '../test/support/local-server.ts';

const CONNECTIONS = 20;
const SECONDS = Number(process.env.LOAD_SECONDS ?? 30);
const MAX_REQUESTS = Number(process.env.MAX_REQUESTS ?? 200_000);
const PUBLISHED_HOUSEHOLDS = 50;
/** Households of community B; LOAD_HOUSEHOLDS makes the world smaller for the bench's own smoke test. */
const WORKING_HOUSEHOLDS = Number(process.env.LOAD_HOUSEHOLDS ?? 200);
const CADRES = 20;
// Resident ID numbers of the seed are unique by their last three digits (A uses 000–049, B 500 onwards).
if (!(WORKING_HOUSEHOLDS >= 1 && WORKING_HOUSEHOLDS <= 500)) throw new Error('LOAD_HOUSEHOLDS must be 1–500');

const server = await startServer({ DEMO_DATA: 'off', OBJECTION_WINDOW: 'PT1H', POWERTOOLS_LOG_LEVEL: 'SILENT' });
const url = new URL(server.url);
if (url.hostname !== '127.0.0.1') throw new Error(`loopback only, got ${url.hostname}`);
const shanghaiNow = () => new Date(Date.now() + 8 * 3600_000);
const year = shanghaiNow().getUTCFullYear();
const today = shanghaiNow().toISOString().slice(0, 10);

/** One request over the pool of 20 keep-alive connections. */
interface Req {
  op: string;
  method: 'GET' | 'POST';
  path: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Statuses that are the expected answer besides 2xx/3xx (429 for objections past the limit). */
  expected?: number[];
}

const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, maxFreeSockets: CONNECTIONS });

function send(r: Req): Promise<number> {
  return new Promise((resolve, reject) => {
    const body = r.body === undefined ? undefined : JSON.stringify(r.body);
    const headers: Record<string, string> = { ...r.headers };
    if (r.token) headers.authorization = `Bearer ${r.token}`;
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = request(
      { agent, host: url.hostname, port: url.port, method: r.method, path: r.path, headers },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function ok(p: Promise<{ status: number; json: any; text: string }>) {
  const r = await p;
  if (r.status >= 300) throw new Error(`setup: ${r.status} ${r.text}`);
  return r.json;
}

/** A community with households paired to the given cadres in turn, each with one cash entry matched by finance. */
async function seedCommunity(
  s: RunningServer,
  admin: string,
  name: string,
  households: number,
  cadres: { id: string; token: string }[],
  amountFen: number,
  idSerial: number,
) {
  const communityId = (await ok(s.fetch('/communities', { token: admin, body: { name } }))).id as string;
  const seeded: { householdId: string; cadre: { id: string; token: string } }[] = [];
  const fund: unknown[] = [];
  await inParallel(
    Array.from({ length: households }, (_, i) => i),
    8,
    async (i) => {
      const n = idSerial + i;
      const first17 = `3209021980${String(1 + (n % 12)).padStart(2, '0')}${String(1 + (n % 28)).padStart(2, '0')}${String(n % 1000).padStart(3, '0')}`;
      const body = { headName: `户主${n}`, idNumber: first17 + checkCharacter(first17), communityId, memberCount: 3 };
      const householdId = (await ok(s.fetch('/households', { token: admin, body }))).id as string;
      const cadre = cadres[i % cadres.length]!;
      await ok(s.fetch('/pairings', { token: admin, body: { cadreId: cadre.id, householdId, year } }));
      await ok(
        s.fetch('/aid-records', {
          token: cadre.token,
          body: { householdId, date: today, kind: 'cash', objective: 'livelihood', amountFen, description: '慰问金' },
          headers: { 'idempotency-key': randomUUID() },
        }),
      );
      fund.push({ reference: randomUUID(), householdId, date: today, objective: 'livelihood', amountFen });
      seeded.push({ householdId, cadre });
    },
  );
  await ok(s.fetch('/fund-ledger', { token: admin, body: { entries: fund } }));
  return { communityId, households: seeded };
}

/** Latencies (ms) and outcomes of one phase, overall and per operation. */
class Tally {
  readonly all: number[] = [];
  readonly byOp = new Map<string, number[]>();
  errors = 0;
  expected = 0;
  readonly errorSamples: string[] = [];
  record(op: string, ms: number, outcome: 'ok' | 'expected' | string) {
    this.all.push(ms);
    const list = this.byOp.get(op) ?? [];
    if (!this.byOp.has(op)) this.byOp.set(op, list);
    list.push(ms);
    if (outcome === 'expected') this.expected++;
    else if (outcome !== 'ok') {
      this.errors++;
      if (this.errorSamples.length < 10) this.errorSamples.push(`${op}: ${outcome}`);
    }
  }
}

const percentile = (sorted: number[], p: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : Number.NaN;

/** Runs `next()` requests over 20 concurrent loops until the time or the request budget is spent. */
async function phase(next: () => Req): Promise<{ tally: Tally; seconds: number }> {
  const tally = new Tally();
  let issued = 0;
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < deadline && issued < MAX_REQUESTS) {
        issued++;
        const r = next();
        const t = performance.now();
        let outcome: string;
        try {
          const status = await send(r);
          outcome = status >= 200 && status < 400 ? 'ok' : r.expected?.includes(status) ? 'expected' : `HTTP ${status}`;
        } catch (e) {
          outcome = `network ${(e as Error).message}`;
        }
        tally.record(r.op, performance.now() - t, outcome);
      }
    }),
  );
  return { tally, seconds: (performance.now() - started) / 1000 };
}

try {
  // --- Seed -------------------------------------------------------------------------------------------------
  const seedStarted = performance.now();
  const admin = await devToken(server, { sub: 'load-admin', groups: ['admin'] });
  const unitId = (await ok(server.fetch('/units', { token: admin, body: { name: '负载单位' } }))).id as string;
  const cadres: { id: string; token: string }[] = [];
  for (let c = 0; c < CADRES; c++) {
    const id = (await ok(server.fetch('/cadres', { token: admin, body: { name: `干部${c}`, unitId } }))).id as string;
    cadres.push({ id, token: await devToken(server, { sub: id, groups: ['cadre'], cadreId: id, unitId }) });
  }
  const published = await seedCommunity(server, admin, '公示社区', PUBLISHED_HOUSEHOLDS, cadres, 100_000, 0);
  const working = await seedCommunity(server, admin, '帮扶社区', WORKING_HOUSEHOLDS, cadres, 60_000, 500);
  const v = await ok(
    server.fetch('/verifications', { token: admin, body: { communityId: published.communityId, year } }),
  );
  const communityCadre = await devToken(server, {
    sub: 'load-cc',
    groups: ['communityCadre'],
    communityId: published.communityId,
  });
  const until = async (status: string) => {
    for (;;) {
      const r = await ok(server.fetch(`/verifications/${v.id}`, { token: admin }));
      if (r.status === status) return r;
      await new Promise((res) => setTimeout(res, 100));
    }
  };
  await until('awaiting_confirmation');
  const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
  await ok(
    server.fetch(`/verifications/${v.id}/decision`, {
      token: communityCadre,
      body: {
        decision: 'confirm',
        signaturePng: png,
        sealId: 'SEAL-LOAD',
        digest: (await ok(server.fetch(`/verifications/${v.id}`, { token: admin }))).digest,
        acknowledgeProblems: true,
      },
    }),
  );
  const noticeId = (await until('objection_window')).noticeId as string;
  const entries = (await ok(server.fetch(`/notices/${noticeId}`))).entries as { entryId: string }[];
  const auditor = await devToken(server, { sub: 'load-auditor', groups: ['auditor'] });
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  // --- The mixed workload: weights out of 100 -------------------------------------------------------------
  let n = 0;
  const pick = <T>(list: readonly T[]) => list[Math.floor(Math.random() * list.length)]!;
  const MIX: [number, () => Req][] = [
    [
      30,
      () => {
        const h = pick(working.households);
        return {
          op: 'POST /aid-records (cadre)',
          method: 'POST',
          path: '/aid-records',
          token: h.cadre.token,
          headers: { 'idempotency-key': `load-${randomUUID()}` },
          body: {
            householdId: h.householdId,
            date: today,
            kind: 'cash',
            objective: pick(['livelihood', 'education', 'medical']),
            amountFen: 1_000 + (n++ % 50) * 100,
            description: '负载测试帮扶',
          },
        };
      },
    ],
    [
      25,
      () => {
        const h = pick(working.households);
        const path = `/households/${h.householdId}/aid?year=${year}`;
        return { op: 'GET /households/{id}/aid (cadre)', method: 'GET', path, token: h.cadre.token };
      },
    ],
    [
      8,
      () => ({
        op: 'GET /reports/floor, one community (auditor)',
        method: 'GET',
        path: `/reports/floor?year=${year}&communityId=${working.communityId}`,
        token: auditor,
      }),
    ],
    [20, () => ({ op: 'GET /notices (public)', method: 'GET', path: '/notices' })],
    [5, () => ({ op: 'GET /notices/{id} (public)', method: 'GET', path: `/notices/${noticeId}` })],
    [
      5,
      () => ({
        op: 'POST /notices/{id}/objections (public)',
        method: 'POST',
        path: `/notices/${noticeId}/objections`,
        body: { entryId: pick(entries).entryId, text: '负载测试异议' },
        expected: [429],
      }),
    ],
    [
      7,
      () => ({
        op: 'GET /verifications/{id} packet (community cadre)',
        method: 'GET',
        path: `/verifications/${v.id}`,
        token: communityCadre,
      }),
    ],
  ];
  const total = MIX.reduce((s, [w]) => s + w, 0);
  const mixed = () => {
    let r = Math.random() * total;
    for (const [w, make] of MIX) {
      r -= w;
      if (r < 0) return make();
    }
    return MIX[0]![1]();
  };

  // Warm-up: every handler module loaded and every connection open before anything is timed.
  await Promise.all(MIX.map(([, make]) => send(make())));
  await Promise.all(Array.from({ length: CONNECTIONS }, () => send({ op: 'warm', method: 'GET', path: '/health' })));

  const load = await phase(mixed);
  const health = await phase(() => ({ op: 'GET /health', method: 'GET', path: '/health' }));

  // --- Report ---------------------------------------------------------------------------------------------
  const line = (name: string, t: Tally, seconds: number) => {
    const s = [...t.all].sort((a, b) => a - b);
    return `| ${name} | ${t.all.length} | ${(t.all.length / seconds).toFixed(0)} | ${percentile(s, 50).toFixed(1)} | ${percentile(s, 99).toFixed(1)} | ${t.errors} | ${t.expected} |`;
  };
  const p99 = (t: Tally) =>
    percentile(
      [...t.all].sort((a, b) => a - b),
      99,
    );
  console.log(
    `Seeded in ${seedSeconds.toFixed(1)} s: ${PUBLISHED_HOUSEHOLDS} + ${WORKING_HOUSEHOLDS} households, ${CADRES} cadres; ` +
      `${CONNECTIONS} connections, ${SECONDS} s per phase, loopback.\n`,
  );
  console.log('| phase | requests | req/s | p50 ms | p99 ms | errors | expected 429 |\n|---|---|---|---|---|---|---|');
  console.log(line('mixed workload', load.tally, load.seconds));
  console.log(line('GET /health alone', health.tally, health.seconds));
  console.log(`\nmixed p99 ÷ health p99 = ${(p99(load.tally) / p99(health.tally)).toFixed(1)}×\n`);
  console.log('| operation (mixed phase) | requests | p50 ms | p99 ms |\n|---|---|---|---|');
  for (const [op, list] of [...load.tally.byOp].sort((a, b) => b[1].length - a[1].length)) {
    const s = [...list].sort((a, b) => a - b);
    console.log(`| ${op} | ${s.length} | ${percentile(s, 50).toFixed(1)} | ${percentile(s, 99).toFixed(1)} |`);
  }
  const errors = [...load.tally.errorSamples, ...health.tally.errorSamples];
  if (errors.length) console.log(`\nFirst errors:\n${errors.join('\n')}`);
  process.exitCode = load.tally.errors + health.tally.errors ? 1 : 0;
} finally {
  agent.destroy();
  await server.stop();
}
