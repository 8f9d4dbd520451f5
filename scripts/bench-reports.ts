/**
 * `npm run bench:reports`: the auditor reports at the source city's scale. Loads 75,952 households in 400
 * communities, 60 units and ~19,000 cadres with ~4 aid entries each straight into the embedded table (BatchWrite
 * of items built with the key builders, not through handlers), then times, in the same run and in alternating
 * rounds: the bare read of the items the reports need (plain parallel Query of the same community-year
 * partitions), the city-wide floor report, its CSV stream, the unit assessment, the summary, and per-community
 * reports through the handler. Peak RSS of the city-wide CSV is measured in child processes, streamed and
 * (for contrast) built whole.
 *
 * BENCH_ROUNDS (3), BENCH_COMMUNITY_RUNS (40), BENCH_MEMORY=1 (in-memory dynalite instead of on disk).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context } from 'aws-lambda';

const HOUSEHOLDS = 75_952;
const COMMUNITIES = 400;
const UNITS = 60;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const COMMUNITY_RUNS = Number(process.env.BENCH_COMMUNITY_RUNS ?? 40);
const SELF = fileURLToPath(import.meta.url);

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

// ---------------------------------------------------------------------------------------------------------
// Child mode: peak RSS of the city-wide CSV in a fresh process (dynalite stays in the parent).
// ---------------------------------------------------------------------------------------------------------
if (process.argv[2] === 'child') {
  const [, , , mode, year] = process.argv as [string, string, string, string, string];
  const { createDb } = await import('#shared/db.ts');
  const { floorCsvChunks, floorReport, FLOOR_CSV_COLUMNS, floorCsvRecord, floorXlsxRows, FLOOR_XLSX_COLUMNS } =
    await import('#shared/floor/report.ts');
  const { toCsv } = await import('#shared/csv.ts');
  const { toXlsx } = await import('#shared/reports/export.ts');
  const db = createDb({ table: process.env.TABLE_NAME!, endpoint: process.env.DYNAMODB_ENDPOINT });
  const q = { year: Number(year) };
  const gc = (globalThis as { gc?: () => void }).gc!;
  gc();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const baseline = peak;
  const baselineHeap = process.memoryUsage().heapUsed;
  // Live heap: what is still reachable after a full collection, sampled while the export is under way.
  let liveHeap = baselineHeap;
  const live = () => {
    gc();
    liveHeap = Math.max(liveHeap, process.memoryUsage().heapUsed);
  };
  const started = performance.now();
  let bytes = 0;
  let jsonBytes: number | undefined;
  let chunks = 0;
  if (mode === 'stream') {
    // What a streaming sink sees: chunks written on and dropped (a file, an S3 upload part, a socket).
    for await (const chunk of floorCsvChunks(db, q)) {
      bytes += Buffer.byteLength(chunk, 'utf8');
      if (++chunks % 10 === 0) live();
    }
  } else if (mode === 'whole') {
    const report = await floorReport(db, q);
    const text = toCsv(FLOOR_CSV_COLUMNS, report.rows.map(floorCsvRecord));
    bytes = Buffer.byteLength(text, 'utf8');
    live();
    jsonBytes = Buffer.byteLength(JSON.stringify(report), 'utf8');
  } else {
    const report = await floorReport(db, q);
    const book = await toXlsx('达标情况', FLOOR_XLSX_COLUMNS, await floorXlsxRows(db, report.rows));
    bytes = book.byteLength;
    live();
  }
  const ms = performance.now() - started;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(
    JSON.stringify({
      mode,
      bytes,
      ...(jsonBytes ? { jsonBytes } : {}),
      ms: Math.round(ms),
      baselineRssMB: mb(baseline),
      peakRssMB: mb(peak),
      liveHeapAboveBaselineMB: Number(((liveHeap - baselineHeap) / 1024 / 1024).toFixed(1)),
    }),
  );
  process.exit(0);
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

// ---------------------------------------------------------------------------------------------------------
// Setup: dynalite (on disk unless BENCH_MEMORY=1) and the table.
// ---------------------------------------------------------------------------------------------------------
const { ensureTable, startDynalite } = await import('#infra/local/dynamo.ts');
const onDisk = process.env.BENCH_MEMORY !== '1';
const dir = mkdtempSync(join(tmpdir(), 'bench-reports-'));
const dynamo = await startDynalite(onDisk ? join(dir, 'dynamodb') : undefined);
process.env.TABLE_NAME = 'bench';
process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
process.env.ID_HASH_KEY = randomBytes(32).toString('base64');
await ensureTable(dynamo.endpoint, 'bench');

const { db } = await import('#functions/lib/clients.ts');
const { inParallel } = await import('#shared/db.ts');
const { floorReport, floorCsvChunks } = await import('#shared/floor/report.ts');
const { unitAssessment } = await import('#shared/reports/units.ts');
const { campaignSummary } = await import('#shared/reports/summary.ts');
const { reportCommunities, REPORT_CONCURRENCY } = await import('#shared/reports/community-year.ts');
const { handler: floorHandler } = await import('#functions/floor-report.ts');
const { buildApiEvent } = await import('#infra/local/event.ts');
const { toApiGatewayClaims } = await import('#infra/local/tokens.ts');

// ---------------------------------------------------------------------------------------------------------
// The data set: the source city (scripts/bench-city.ts), deterministic.
// ---------------------------------------------------------------------------------------------------------
const { loadCity, bareQuery: bareCommunityQuery } = await import('./bench-city.ts');
const city = await loadCity(db);
const { year, communities, households, cadres, partitionItems, itemsLoaded, loadSeconds } = city;
console.error(`loaded ${itemsLoaded} items in ${loadSeconds.toFixed(0)} s (${households} households)`);

// ---------------------------------------------------------------------------------------------------------
// The bare baseline: plain Query of the same community-year partitions, same concurrency, items counted.
// ---------------------------------------------------------------------------------------------------------

const bareQuery = (communityId: string, projected: boolean) => bareCommunityQuery(db, communityId, year, projected);

/** The bare city-wide read: the community listing, then every partition, REPORT_CONCURRENCY at a time. */
async function bareCityRead(projected: boolean): Promise<number> {
  const ids = await reportCommunities(db);
  let total = 0;
  await inParallel(ids, REPORT_CONCURRENCY, async (id) => {
    const n = await bareQuery(id, projected);
    total += n;
  });
  return total;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await fn();
  return { ms: performance.now() - started, value };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

const cases = {
  bareFull: () => bareCityRead(false),
  bareProjected: () => bareCityRead(true),
  floorReport: async () => (await floorReport(db, { year })).households,
  floorCsv: async () => {
    let bytes = 0;
    for await (const chunk of floorCsvChunks(db, { year })) bytes += chunk.length;
    return bytes;
  },
  unitAssessment: async () => (await unitAssessment(db, year)).rows.length,
  summary: async () => (await campaignSummary(db, year)).householdsPaired,
};
type Case = keyof typeof cases;

// Warm-up: JIT, connection pool, LevelDB block cache; and the checks that the reports saw every household.
const check = {
  bareItems: await cases.bareFull(),
  floorHouseholds: await cases.floorReport(),
  summaryHouseholds: await cases.summary(),
};
if (
  check.bareItems !== partitionItems ||
  check.floorHouseholds !== HOUSEHOLDS ||
  check.summaryHouseholds !== HOUSEHOLDS
) {
  throw new Error(`reports disagree with the data set: ${JSON.stringify({ check, partitionItems })}`);
}

// Per-community reports through the handler (event → middy → zod → Query → JSON), beside a bare Query.
const claims = toApiGatewayClaims({ sub: 'bench-auditor', 'cognito:groups': ['auditor'] });
const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
const perCommunity = {
  handler: [] as number[],
  bare: [] as number[],
  bareProjected: [] as number[],
  xlsx: [] as number[],
  rows: [] as number[],
};
console.error('per-community reports');
for (let i = 0; i < COMMUNITY_RUNS; i++) {
  const c = communities[(i * 37) % COMMUNITIES]!;
  await bareQuery(c.id, false); // untimed: every case then meets the partition equally warm
  const bare = (await timed(() => bareQuery(c.id, false))).ms;
  perCommunity.bareProjected.push((await timed(() => bareQuery(c.id, true))).ms);
  for (const format of i % 2 ? (['xlsx', 'json'] as const) : (['json', 'xlsx'] as const)) {
    const event = buildApiEvent({
      method: 'GET',
      routePath: '/reports/floor',
      rawPath: '/reports/floor',
      query: { year: String(year), communityId: c.id, format },
      claims,
    });
    const { ms, value } = await timed(() => floorHandler(event, context));
    if (value.statusCode !== 200) throw new Error(`handler answered ${value.statusCode}: ${value.body}`);
    if (format === 'json') {
      perCommunity.handler.push(ms);
      perCommunity.rows.push(JSON.parse(value.body).households);
    } else perCommunity.xlsx.push(ms);
  }
  perCommunity.bare.push(bare);
}

const times: Record<Case, number[]> = {
  bareFull: [],
  bareProjected: [],
  floorReport: [],
  floorCsv: [],
  unitAssessment: [],
  summary: [],
};
const ratios: Record<string, number[]> = {};
const addRatio = (key: string, value: number) => {
  ratios[key] = [...(ratios[key] ?? []), value];
};
for (let r = 0; r < ROUNDS; r++) {
  console.error(`city-wide round ${r + 1} of ${ROUNDS}`);
  const round: Partial<Record<Case, number>> = {};
  // Alternate the order, so caches warmed by one case and garbage left by another hit every case alike.
  const order = Object.keys(cases) as Case[];
  for (const name of r % 2 ? order.reverse() : order) {
    const { ms } = await timed(cases[name]);
    times[name].push(ms);
    round[name] = ms;
  }
  for (const name of ['floorReport', 'floorCsv', 'unitAssessment', 'summary'] as const) {
    addRatio(`${name}/bareFull`, round[name]! / round.bareFull!);
    addRatio(`${name}/bareProjected`, round[name]! / round.bareProjected!);
  }
}

// Peak RSS of the city-wide CSV, in fresh processes that read from this process's dynalite.
async function child(mode: 'stream' | 'whole' | 'xlsx') {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn(process.execPath, ['--expose-gc', SELF, 'child', mode, String(year)], {
      env: { ...process.env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let text = '';
    p.stdout.on('data', (d: Buffer) => {
      text += d.toString();
    });
    p.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`child ${mode} exited ${code}`))));
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as {
    mode: string;
    bytes: number;
    ms: number;
    baselineRssMB: number;
    peakRssMB: number;
    liveHeapAboveBaselineMB: number;
  };
}
console.error('memory of the city-wide exports');
const memory = [await child('stream'), await child('whole'), await child('xlsx')];

const round1 = (x: number) => Math.round(x);
const r2 = (x: number) => Number(x.toFixed(2));
const result = {
  node: process.version,
  engine: onDisk ? 'dynalite on disk' : 'dynalite in memory',
  dataSet: {
    households,
    communities: COMMUNITIES,
    units: UNITS,
    cadres,
    partitionItems,
    itemsLoaded,
    loadSeconds: round1(loadSeconds),
    year,
  },
  rounds: ROUNDS,
  concurrency: REPORT_CONCURRENCY,
  cityWideMs: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, round1(median(v))])),
  ratios: Object.fromEntries(
    Object.entries(ratios).map(([k, v]) => [
      k,
      { median: r2(median(v)), range: [r2(Math.min(...v)), r2(Math.max(...v))] },
    ]),
  ),
  perCommunity: {
    runs: COMMUNITY_RUNS,
    households: { min: Math.min(...perCommunity.rows), max: Math.max(...perCommunity.rows) },
    bareQueryMs: { median: r2(median(perCommunity.bare)), p95: r2(p95(perCommunity.bare)) },
    bareProjectedQueryMs: { median: r2(median(perCommunity.bareProjected)), p95: r2(p95(perCommunity.bareProjected)) },
    handlerJsonMs: { median: r2(median(perCommunity.handler)), p95: r2(p95(perCommunity.handler)) },
    handlerXlsxMs: { median: r2(median(perCommunity.xlsx)), p95: r2(p95(perCommunity.xlsx)) },
  },
  memory,
};
console.log(JSON.stringify(result, null, 2));

console.log('\n| report (city-wide) | median ms | ÷ bare Query (whole items) | ÷ bare Query (projected) |');
console.log('|---|---|---|---|');
console.log(`| bare Query, whole items | ${result.cityWideMs.bareFull} | 1 | — |`);
console.log(`| bare Query, projected | ${result.cityWideMs.bareProjected} | — | 1 |`);
for (const name of ['floorReport', 'floorCsv', 'unitAssessment', 'summary'] as const) {
  const a = result.ratios[`${name}/bareFull`]!;
  const b = result.ratios[`${name}/bareProjected`]!;
  console.log(
    `| ${name} | ${result.cityWideMs[name]} | ${a.median} (${a.range[0]}–${a.range[1]}) | ${b.median} (${b.range[0]}–${b.range[1]}) |`,
  );
}
await dynamo.close();
rmSync(dir, { recursive: true, force: true });
