/**
 * `npm run bench:exports`: the city-wide floor export at the source city's size (75,952 households, the
 * `bench:reports` city from scripts/bench-city.ts), as CSV and as XLSX, from request (`POST /exports` through the
 * real handler) to file ready (the job `done`, the file complete in the local object store), against the bare
 * projected read of the same partitions (the community listing, then a plain Query of each community-year
 * partition with the row source's projection, 16 in flight: the queries the export's row source makes, with no
 * folding, naming, encoding or writing). Each measurement runs in a fresh child process that reads the parent's
 * dynalite over HTTP, so the child's peak RSS (the kernel's VmHWM, and a sampled peak) is that of
 * the process writing the file alone. Rounds alternate the order; ratios are medians of per-round ratios. A
 * quarter city in a second table shows whether memory grows with the city.
 *
 * BENCH_ROUNDS (3), BENCH_SCALE (1: the full city; the small city is a quarter of it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const SELF = fileURLToPath(import.meta.url);
const MODES = ['bare', 'csv', 'xlsx'] as const;
type Mode = (typeof MODES)[number];

interface Measurement {
  mode: Mode;
  table: string;
  ms: number;
  /** Rows in the file (export) or items read (bare). */
  rows: number;
  bytes: number;
  baselineRssMB: number;
  peakRssMB: number;
  maxRssMB: number;
}

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

// ---------------------------------------------------------------------------------------------------------
// Child: one measurement in a fresh process (dynalite stays in the parent).
// ---------------------------------------------------------------------------------------------------------
if (process.argv[2] === 'child') {
  const [, , , mode, year] = process.argv as [string, string, string, Mode, string];
  const { db } = await import('#functions/lib/clients.ts');
  const { inParallel } = await import('#shared/db.ts');
  const { reportCommunities, REPORT_CONCURRENCY } = await import('#shared/reports/community-year.ts');
  const { bareQuery: bareCommunityQuery } = await import('./bench-city.ts');

  // The row source's projection, as the export reads it (scripts/bench-city.ts).
  const bareQuery = (communityId: string) => bareCommunityQuery(db, communityId, Number(year), true);
  const bareRead = async (ids: readonly string[]) => {
    let total = 0;
    await inParallel(ids, REPORT_CONCURRENCY, async (id) => {
      const n = await bareQuery(id);
      total += n;
    });
    return total;
  };

  const { LocalObjectStore } = await import('#infra/local/objects.ts');
  const { registerLocalObjectStore } = await import('#functions/lib/objects.ts');
  const { registerLocalExportRunner } = await import('#functions/lib/export-jobs.ts');
  const { localExportRunner } = await import('#infra/local/exports.ts');
  const { readExportJob } = await import('#shared/exports/job.ts');
  const { handler } = await import('#functions/exports.ts');
  const { buildApiEvent } = await import('#infra/local/event.ts');
  const { toApiGatewayClaims } = await import('#infra/local/tokens.ts');
  const objects = process.env.BENCH_OBJECTS!;
  registerLocalObjectStore(new LocalObjectStore(objects, new Uint8Array(32)));
  let failure: unknown;
  const runner = localExportRunner({
    onError: (e) => {
      failure = e;
    },
  });
  registerLocalExportRunner(runner);
  const claims = toApiGatewayClaims({ sub: 'bench-auditor', 'cognito:groups': ['auditor'] });
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 900_000 } as unknown as Context;
  const call = async (method: string, routePath: string, body?: unknown, id?: string) => {
    const res = await handler(
      buildApiEvent({
        method,
        routePath,
        rawPath: id ? routePath.replace('{id}', id) : routePath,
        headers: body ? { 'content-type': 'application/json' } : {},
        body: body ? JSON.stringify(body) : undefined,
        ...(id ? { params: { id } } : {}),
        claims,
      }),
      context,
    );
    return { status: res.statusCode, json: JSON.parse(res.body) };
  };
  /** Request to file ready: POST /exports, the in-process worker until idle, GET /exports/{id} says done. */
  const exportFile = async (format: 'csv' | 'xlsx', filters: Record<string, string>) => {
    const started = await call('POST', '/exports', { report: 'floor', format, filters });
    if (started.status !== 202) throw new Error(`POST /exports: ${JSON.stringify(started.json)}`);
    await runner.idle();
    const got = await call('GET', '/exports/{id}', undefined, started.json.id);
    if (got.json.status !== 'done') throw new Error(`export: ${JSON.stringify(got.json)} ${String(failure)}`);
    const job = (await readExportJob(db, started.json.id))!;
    return { rows: got.json.rowsDone as number, bytes: statSync(join(objects, job.key)).size };
  };

  // Warm-up, untimed and alike for every mode: the connection pool, the JIT of the read and (for the exports)
  // of the encoder, on one chunk's worth of partitions and one community's file.
  const ids = await reportCommunities(db);
  await bareRead(ids.slice(0, REPORT_CONCURRENCY));
  if (mode !== 'bare') await exportFile(mode, { year, communityId: ids[0]! });

  (globalThis as { gc?: () => void }).gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 10);
  const started = performance.now();
  let out: { rows: number; bytes: number };
  if (mode === 'bare') {
    // The same listing the row source reads first, then the partitions.
    const all = await reportCommunities(db);
    out = { rows: await bareRead(all), bytes: 0 };
  } else {
    out = await exportFile(mode, { year });
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const m: Measurement = {
    mode,
    table: db.table,
    ms: Math.round(ms),
    ...out,
    baselineRssMB: mb(baseline),
    peakRssMB: mb(peak),
    // The kernel's high-water mark of this process's memory since exec (VmHWM). Not resourceUsage().maxRSS:
    // on Linux getrusage keeps the forked parent's peak across exec, and the parent holds dynalite and the city.
    maxRssMB: Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024),
  };
  console.log(JSON.stringify(m));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------------------
// Parent: dynalite on disk with the full city and the quarter city, each in its own table.
// ---------------------------------------------------------------------------------------------------------
const { startBenchTable } = await import('./bench-table.ts');
const bench = await startBenchTable('bench-exports');
const { ensureTable } = await import('#infra/local/dynamo.ts');
const { createDb } = await import('#shared/db.ts');
const { loadCity } = await import('./bench-city.ts');

const cities = [
  { table: 'bench', scale: SCALE },
  { table: 'bench-quarter', scale: SCALE / 4 },
];
const loaded = [];
for (const c of cities) {
  if (c.table !== 'bench') await ensureTable(bench.endpoint, c.table);
  const city = await loadCity(createDb({ table: c.table, endpoint: bench.endpoint }), { scale: c.scale });
  console.error(
    `${c.table}: ${city.households} households, ${city.itemsLoaded} items in ${city.loadSeconds.toFixed(0)} s`,
  );
  loaded.push({ ...c, city });
}
const year = loaded[0]!.city.year;
const objects = mkdtempSync(join(tmpdir(), 'bench-exports-objects-'));

async function child(mode: Mode, table: string): Promise<Measurement> {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', SELF, 'child', mode, String(year)], {
      env: { ...process.env, TABLE_NAME: table, BENCH_OBJECTS: objects },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    p.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child ${mode} exited ${code}`))));
  });
  const m = JSON.parse(out.trim().split('\n').at(-1)!) as Measurement;
  console.error(JSON.stringify(m));
  return m;
}

const full = loaded[0]!;
const runs: Record<Mode, Measurement[]> = { bare: [], csv: [], xlsx: [] };
const ratios: Record<'csv' | 'xlsx', number[]> = { csv: [], xlsx: [] };
for (let r = 0; r < ROUNDS; r++) {
  console.error(`round ${r + 1} of ${ROUNDS}`);
  const round: Partial<Record<Mode, Measurement>> = {};
  for (const mode of r % 2 ? [...MODES].reverse() : MODES) {
    const m = await child(mode, full.table);
    const expected = mode === 'bare' ? full.city.partitionItems : full.city.households;
    if (m.rows !== expected) throw new Error(`${mode} saw ${m.rows} rows, expected ${expected}`);
    runs[mode].push(m);
    round[mode] = m;
  }
  ratios.csv.push(round.csv!.ms / round.bare!.ms);
  ratios.xlsx.push(round.xlsx!.ms / round.bare!.ms);
}
const quarter = loaded[1]!;
console.error('the quarter city');
const small = {
  bare: await child('bare', quarter.table),
  csv: await child('csv', quarter.table),
  xlsx: await child('xlsx', quarter.table),
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const r2 = (x: number) => x.toFixed(2);
const at = (mode: Mode) => median(runs[mode].map((m) => m.ms));
const rss = (ms: Measurement[]) => Math.max(...ms.map((m) => m.maxRssMB));
const base = (ms: Measurement[]) => median(ms.map((m) => m.baselineRssMB));
const range = (xs: number[]) => `${r2(Math.min(...xs))}–${r2(Math.max(...xs))}`;
console.log(
  JSON.stringify(
    {
      node: process.version,
      year,
      cities: loaded.map((l) => ({
        table: l.table,
        ...l.city,
        units: undefined,
        communities: l.city.communities.length,
      })),
      runs,
      small,
    },
    null,
    2,
  ),
);
const f = full.city;
console.log(
  `\nfull city: ${f.households} households in ${f.communities.length} communities, ${f.partitionItems} items in their partitions; ${ROUNDS} rounds`,
);
console.log(
  '\n| city-wide floor, request → file ready | median ms | ÷ bare projected read (median, range) | file | peak RSS (VmHWM) | RSS before the timed part |',
);
console.log('|---|---|---|---|---|---|');
console.log(
  `| bare projected read of the partitions | ${at('bare')} | 1 | — | ${rss(runs.bare)} MB | ${base(runs.bare)} MB |`,
);
for (const mode of ['csv', 'xlsx'] as const) {
  console.log(
    `| export as ${mode.toUpperCase()} | ${at(mode)} | ${r2(median(ratios[mode]))} (${range(ratios[mode])}) | ${(runs[mode][0]!.bytes / 1e6).toFixed(1)} MB | ${rss(runs[mode])} MB | ${base(runs[mode])} MB |`,
  );
}
const q = quarter.city;
console.log(`\n| peak RSS (VmHWM), sampled peak | ${q.households} households | ${f.households} households |`);
console.log('|---|---|---|');
for (const mode of MODES)
  console.log(
    `| ${mode} | ${small[mode].maxRssMB} MB, ${small[mode].peakRssMB} MB | ${rss(runs[mode])} MB, ${Math.max(...runs[mode].map((m) => m.peakRssMB))} MB |`,
  );
rmSync(objects, { recursive: true, force: true });
await bench.close();
process.exit(0);
