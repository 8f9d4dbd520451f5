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
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { checkCharacter } from '#shared/household/resident-id.ts';

const HOUSEHOLDS = 75_952;
const COMMUNITIES = 400;
const UNITS = 60;
const HOUSEHOLDS_PER_CADRE = 4;
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
const { putAll, inParallel } = await import('#shared/db.ts');
const { keys, TABLE_DESIGN } = await import('#shared/table.ts');
const { floorReport, floorCsvChunks } = await import('#shared/floor/report.ts');
const { unitAssessment } = await import('#shared/reports/units.ts');
const { campaignSummary } = await import('#shared/reports/summary.ts');
const { reportCommunities, REPORT_ATTRIBUTES, REPORT_CONCURRENCY } = await import('#shared/reports/community-year.ts');
const { OBJECTIVES } = await import('#shared/aid/rules.ts');
const { handler: floorHandler } = await import('#functions/floor-report.ts');
const { buildApiEvent } = await import('#infra/local/event.ts');
const { toApiGatewayClaims } = await import('#infra/local/tokens.ts');

// ---------------------------------------------------------------------------------------------------------
// The data set, deterministic (a seeded generator), written with the key builders.
// ---------------------------------------------------------------------------------------------------------
let seed = 0x2f6b_1a3d;
/** mulberry32: a small seeded generator, so every run loads the same city. */
function random(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
const uuid = () => {
  const h = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
};
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '欧阳'];
const GIVEN = ['建国', '秀英', '桂兰', '志强', '玉兰', '海燕', '明', '伟', '芳', '军', '丽', '强', '敏', '静', '磊'];
const name = () => pick(SURNAMES) + pick(GIVEN);

const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() - 1;
const at = new Date().toISOString();
const units = Array.from({ length: UNITS }, (_, i) => ({ id: uuid(), name: `第${i + 1}帮扶单位` }));
// Community sizes vary (120–260) and add up to exactly 75,952.
const sizes = Array.from({ length: COMMUNITIES }, () => int(120, 260));
let excess = sizes.reduce((a, b) => a + b, 0) - HOUSEHOLDS;
for (let i = 0; excess !== 0; i = (i + 1) % COMMUNITIES) {
  const step = Math.sign(excess);
  if (sizes[i]! - step >= 100 && sizes[i]! - step <= 280) {
    sizes[i]! -= step;
    excess -= step;
  }
}
const communities = sizes.map((size, i) => ({ id: uuid(), name: `第${i + 1}社区`, size }));

let itemsLoaded = 0;
let partitionItems = 0;
let households = 0;
let cadres = 0;
let idSeq = 0;

/** Every item of one community: its households and cadres, this year's pairings, entries and outcomes. */
function communityItems(c: (typeof communities)[number], index: number): Record<string, unknown>[] {
  const items: Record<string, unknown>[] = [
    {
      ...keys.entity('community', c.id),
      ...keys.entityListing('community', c.id),
      entity: 'community',
      id: c.id,
      name: c.name,
      createdAt: at,
    },
  ];
  // 40 % of community-years are final, 10 % confirmed and in their objection window, the rest not yet verified.
  const state = index % 10 < 4 ? 'final' : index % 10 === 4 ? 'objection_window' : undefined;
  const verificationId = `verify-${year}-${c.id}-1`;
  if (state) {
    items.push({
      ...keys.verification(verificationId),
      ...keys.entityListing('verification', verificationId),
      entity: 'verification',
      id: verificationId,
      communityId: c.id,
      year,
      round: 1,
      status: state,
      startedBy: 'bench',
      startedAt: at,
    });
  }
  let cadre: { id: string; unitId: string } | undefined;
  for (let n = 0; n < c.size; n++) {
    if (n % HOUSEHOLDS_PER_CADRE === 0) {
      cadre = { id: uuid(), unitId: pick(units).id };
      items.push({
        ...keys.entity('cadre', cadre.id),
        ...keys.entityListing('cadre', cadre.id, cadre.unitId),
        entity: 'cadre',
        id: cadre.id,
        name: name(),
        unitId: cadre.unitId,
        createdAt: at,
      });
      cadres++;
    }
    const householdId = uuid();
    const headName = name();
    const memberCount = int(1, 6);
    const seq = String(idSeq++ % 1000).padStart(3, '0');
    const first17 = `320902${1950 + (idSeq % 50)}0${1 + (idSeq % 9)}1${idSeq % 10}${seq}`;
    items.push({
      ...keys.entity('household', householdId),
      ...keys.entityListing('household', householdId, c.id),
      entity: 'household',
      id: householdId,
      headName,
      idNumber: first17 + checkCharacter(first17),
      communityId: c.id,
      memberCount,
      createdAt: at,
    });
    const pairing = {
      householdId,
      cadreId: cadre!.id,
      unitId: cadre!.unitId,
      communityId: c.id,
      year,
      headName,
      memberCount,
      pairedAt: at,
      ...(state ? { lockedBy: verificationId } : {}),
    };
    items.push({ ...keys.pairing(householdId, year), ...keys.pairingIndexes(pairing), entity: 'pairing', ...pairing });
    partitionItems++;
    households++;

    // ~85 % reach the floor; entries split the household's total into 2–6 parts (about 4).
    const target = random() < 0.85 ? int(100_000, 220_000) : int(0, 99_999);
    const parts = int(2, 6);
    let left = target;
    for (let p = 0; p < parts; p++) {
      const amountFen = p === parts - 1 ? left : Math.floor((left * int(20, 60)) / 100);
      left -= amountFen;
      if (amountFen <= 0) continue;
      const id = `a${createHash('sha256').update(`${householdId}/${p}`).digest('base64url').slice(0, 26)}`;
      const date = `${year}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`;
      const inKind = random() < 0.3;
      const record = {
        id,
        householdId,
        communityId: c.id,
        unitId: cadre!.unitId,
        cadreId: cadre!.id,
        year,
        date,
        kind: inKind ? 'in_kind' : 'cash',
        objective: pick(OBJECTIVES),
        amountFen,
        description: inKind ? '米面油等生活物资' : '生活补助金',
        ...(inKind ? { items: [{ name: '米面油', quantity: 1, unitValueFen: amountFen }] } : {}),
        recordedBy: `cadre-${cadre!.id}`,
        recordedAt: at,
        requestHash: createHash('sha256').update(id).digest('hex'),
      };
      items.push({ ...keys.aidRecord(id), ...keys.aidRecordIndexes(record), entity: 'aid', ...record });
      partitionItems++;
      // About one entry in forty was a mistake, corrected by a reversal and a new entry.
      if (random() < 0.025) {
        const wrong = { ...record, id: `${id}x`, amountFen: amountFen * 10 };
        const reversal = {
          ...wrong,
          id: `${id}x-r`,
          amountFen: -wrong.amountFen,
          reverses: wrong.id,
          reason: '金额多录一位',
        };
        for (const r of [wrong, reversal]) {
          items.push({ ...keys.aidRecord(r.id), ...keys.aidRecordIndexes(r), entity: 'aid', ...r });
          partitionItems++;
        }
      }
    }
    // A third of households have an outcome; one in ten a job found.
    if (random() < 0.33) {
      const id = `o${uuid()}`;
      const outcome = {
        id,
        householdId,
        communityId: c.id,
        unitId: cadre!.unitId,
        cadreId: cadre!.id,
        year,
        date: `${year}-09-01`,
        objective: random() < 0.3 ? 'employment' : pick(OBJECTIVES),
        description: '帮扶成效',
        recordedBy: `cadre-${cadre!.id}`,
        recordedAt: at,
      };
      items.push({
        ...keys.outcome(householdId, year, id),
        ...keys.outcomeIndexes(outcome),
        entity: 'outcome',
        ...outcome,
      });
      partitionItems++;
    }
  }
  return items;
}

const loadStarted = performance.now();
await putAll(
  db,
  units.map((u) => ({
    ...keys.entity('unit', u.id),
    ...keys.entityListing('unit', u.id),
    entity: 'unit',
    ...u,
    createdAt: at,
  })),
);
await inParallel(
  communities.map((c, i) => [c, i] as const),
  4,
  async ([c, i]) => {
    const items = communityItems(c, i);
    await putAll(db, items);
    itemsLoaded += items.length;
  },
);
const loadSeconds = (performance.now() - loadStarted) / 1000;
console.error(`loaded ${itemsLoaded + UNITS} items in ${loadSeconds.toFixed(0)} s (${households} households)`);

// ---------------------------------------------------------------------------------------------------------
// The bare baseline: plain Query of the same community-year partitions, same concurrency, items counted.
// ---------------------------------------------------------------------------------------------------------

/** One partition read with plain QueryCommand pages; whole items, or the report's projection. */
async function bareQuery(communityId: string, projected: boolean): Promise<number> {
  const names = TABLE_DESIGN.indexes.byCommunityYear;
  const input: QueryCommandInput = {
    TableName: db.table,
    IndexName: 'byCommunityYear',
    KeyConditionExpression: '#p = :p AND begins_with(#s, :s)',
    ExpressionAttributeNames: { '#p': names.partitionKey, '#s': names.sortKey },
    ExpressionAttributeValues: { ':p': keys.communityYear(communityId, year).gsi1pk, ':s': 'HOUSEHOLD#' },
  };
  if (projected) {
    input.ProjectionExpression = REPORT_ATTRIBUTES.map((_a, i) => `#a${i}`).join(', ');
    REPORT_ATTRIBUTES.forEach((a, i) => {
      input.ExpressionAttributeNames![`#a${i}`] = a;
    });
  }
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    count += out.Items?.length ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}

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
    itemsLoaded: itemsLoaded + UNITS,
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
