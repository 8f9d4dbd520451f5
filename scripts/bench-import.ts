/**
 * `npm run bench:import`: the source city imported from XLSX files through the real import path (an upload of
 * purpose import, the file in the local object store, a dry run, a commit, the background job until done),
 * against a bare BatchWrite of the same items, on the same on-disk dynalite. Prints times, the ratio, the dry
 * runs' times, file sizes and the peak RSS while importing. BENCH_SCALE (default 1) shrinks the city.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import ExcelJS from 'exceljs';
import { buildApiEvent } from '#infra/local/event.ts';
import { toApiGatewayClaims } from '#infra/local/tokens.ts';
import { startBenchTable } from './bench-table.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const CITY = {
  communities: Math.round(400 * SCALE),
  units: Math.max(1, Math.round(60 * SCALE)),
  cadres: Math.round(19_133 * SCALE),
  households: Math.round(75_952 * SCALE),
};
const TOWNSHIPS = 40;
const DISTRICTS = 6;

const bench = await startBenchTable('bench-import');
const { registerLocalFieldCipher } = await import('#functions/lib/cipher.ts');
const { registerLocalObjectStore, getObjectStore } = await import('#functions/lib/objects.ts');
const { registerLocalImportRunner } = await import('#functions/lib/import-jobs.ts');
const { LocalObjectStore } = await import('#infra/local/objects.ts');
const { localImportRunner } = await import('#infra/local/imports.ts');
const { envelopeCipher, localDataKeySource } = await import('#shared/crypto/index.ts');
const { checkCharacter, maskResidentId, residentIdHash } = await import('#shared/household/index.ts');
const { createDb, putAll } = await import('#shared/db.ts');
const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
// DynamoDB requests by command, counted on the document client every handler uses: the profile per row.
const calls = new Map<string, number>();
const send = DynamoDBDocumentClient.prototype.send;
DynamoDBDocumentClient.prototype.send = function (this: unknown, command: { constructor: { name: string } }) {
  const name = command.constructor.name.replace(/Command$/, '');
  calls.set(name, (calls.get(name) ?? 0) + 1);
  return (send as (...a: unknown[]) => unknown).apply(this, [command]);
} as typeof send;
const takeCalls = () => {
  const out = Object.fromEntries(calls);
  calls.clear();
  return out;
};
const { keys } = await import('#shared/table.ts');
const { guardHash } = await import('#shared/registry/guard.ts');
registerLocalFieldCipher(envelopeCipher(localDataKeySource(randomBytes(32))));
registerLocalObjectStore(new LocalObjectStore(join(bench.dir, 'objects'), randomBytes(32)));
const runner = localImportRunner({ onError: (e) => console.error(e) });
registerLocalImportRunner(runner);
const { handler: uploadHandler } = await import('#functions/create-upload-url.ts');
const { handler: startHandler } = await import('#functions/start-import.ts');
const { handler: getHandler } = await import('#functions/get-import.ts');

const year = new Date().getFullYear();
const claims = toApiGatewayClaims({ sub: 'bench-admin', 'cognito:groups': ['admin'] });
const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

async function call(
  handler: typeof startHandler,
  method: string,
  path: string,
  body?: unknown,
  params?: Record<string, string>,
) {
  const rawPath = path.replace(/\{(\w+)\}/g, (_m, n: string) => params?.[n] ?? '');
  const res = await handler(
    buildApiEvent({
      method,
      routePath: path,
      rawPath,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      params,
      claims,
    }),
    context,
  );
  return { status: res.statusCode, json: JSON.parse(res.body) };
}

const idOf = (i: number) => {
  const seq = String((i % 999) + 1).padStart(3, '0');
  const day = String((Math.floor(i / 999) % 28) + 1).padStart(2, '0');
  const month = String((Math.floor(i / (999 * 28)) % 12) + 1).padStart(2, '0');
  const first17 = `32090219${80 + Math.floor(i / (999 * 28 * 12))}${month}${day}${seq}`;
  return first17 + checkCharacter(first17);
};
const community = (i: number) => ({
  name: `社区${i}`,
  township: `街道${i % TOWNSHIPS}`,
  district: `区${i % DISTRICTS}`,
});
const unitName = (u: number) => `单位${u}`;
const cadreOf = (c: number) => ({ name: `干部${c}`, unit: unitName(c % CITY.units), code: `C${c}` });

/** Writes an XLSX file with exceljs's streaming writer (the generator too stays small). */
async function writeXlsx(name: string, header: string[], rows: (i: number) => (string | number)[], n: number) {
  const path = join(bench.dir, name);
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: createWriteStream(path), useSharedStrings: true });
  const ws = wb.addWorksheet('data');
  ws.addRow(header).commit();
  for (let i = 0; i < n; i++) ws.addRow(rows(i)).commit();
  ws.commit();
  await wb.commit();
  return path;
}

const t0 = Date.now();
const files = {
  communities: await writeXlsx(
    'communities.xlsx',
    ['社区名称', '街道/乡镇', '区/县'],
    (i) => Object.values(community(i)),
    CITY.communities,
  ),
  units: await writeXlsx('units.xlsx', ['单位名称'], (u) => [unitName(u)], CITY.units),
  cadres: await writeXlsx('cadres.xlsx', ['姓名', '所属单位', '编号'], (c) => Object.values(cadreOf(c)), CITY.cadres),
  households: await writeXlsx(
    'households.xlsx',
    ['户主姓名', '身份证号', '所属社区', '街道/乡镇', '家庭人口'],
    (h) => [
      `户主${h}`,
      idOf(h),
      community(h % CITY.communities).name,
      community(h % CITY.communities).township,
      1 + (h % 5),
    ],
    CITY.households,
  ),
  pairings: await writeXlsx(
    'pairings.xlsx',
    ['身份证号', '帮扶责任人', '所属单位', '年度'],
    (h) => [idOf(h), cadreOf(h % CITY.cadres).code, cadreOf(h % CITY.cadres).unit, year],
    CITY.households,
  ),
};
console.log(`generated the files in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

let peakRss = 0;
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 50);
const baseRss = process.memoryUsage().rss;

const results: {
  kind: string;
  rows: number;
  bytes: number;
  dryMs: number;
  commitMs: number;
  job: Record<string, unknown>;
}[] = [];
for (const kind of ['communities', 'units', 'cadres', 'households', 'pairings'] as const) {
  const bytes = readFileSync(files[kind]);
  const up = await call(uploadHandler, 'POST', '/uploads', {
    purpose: 'import',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    bytes: bytes.length,
  });
  if (up.status !== 201) throw new Error(`upload: ${JSON.stringify(up.json)}`);
  await getObjectStore().put(up.json.key, bytes, 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
  let t = Date.now();
  const dry = await call(startHandler, 'POST', '/imports', { kind, key: up.json.key, dryRun: true });
  const dryMs = Date.now() - t;
  if (dry.status !== 200 || dry.json.errorCount)
    throw new Error(`dry run of ${kind}: ${JSON.stringify(dry.json).slice(0, 500)}`);
  const dryCalls = takeCalls();
  t = Date.now();
  const started = await call(startHandler, 'POST', '/imports', { kind, key: up.json.key, dryRun: false });
  if (started.status !== 202) throw new Error(`commit of ${kind}: ${JSON.stringify(started.json).slice(0, 500)}`);
  await runner.idle();
  const commitMs = Date.now() - t;
  const job = (await call(getHandler, 'GET', '/imports/{id}', undefined, { id: started.json.id })).json;
  if (job.status !== 'done' || job.skipped) throw new Error(`job of ${kind}: ${JSON.stringify(job).slice(0, 500)}`);
  const commitCalls = takeCalls();
  results.push({ kind, rows: job.rowsTotal, bytes: statSync(files[kind]).size, dryMs, commitMs, job });
  const perRow = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${(v / job.rowsTotal).toFixed(2)}`)
      .join(', ');
  console.log(
    `${kind}: ${job.rowsTotal} rows, dry run ${(dryMs / 1000).toFixed(1)} s, commit ${(commitMs / 1000).toFixed(1)} s, created ${job.created}`,
  );
  console.log(`  requests per row: dry run {${perRow(dryCalls)}}; commit {${perRow(commitCalls)}}`);
}
clearInterval(sampler);

// The bare baseline: the same items (registry entities, their guards, pairings) by BatchWrite, into a second table
// name on the same engine, so nothing collides with what the import wrote.
const { ensureTable } = await import('#infra/local/dynamo.ts');
await ensureTable(bench.endpoint, 'bare');
const bare = createDb({ table: 'bare', endpoint: bench.endpoint });
const now = new Date().toISOString();
const hashKey = randomBytes(32);
const entity = (kind: 'community' | 'unit' | 'cadre' | 'household', id: string, fields: Record<string, unknown>) => ({
  ...keys.entity(kind, id),
  ...keys.entityListing(kind, id),
  entity: kind,
  id,
  ...fields,
  createdAt: now,
});
const tb = Date.now();
let items: Record<string, unknown>[] = [];
const flush = async (force = false) => {
  if (items.length >= 5_000 || force) {
    await putAll(bare, items);
    items = [];
  }
};
for (let i = 0; i < CITY.communities; i++) items.push(entity('community', `c${i}`, community(i)));
for (let u = 0; u < CITY.units; u++) items.push(entity('unit', `u${u}`, { name: unitName(u) }));
for (let c = 0; c < CITY.cadres; c++) {
  const cadre = { name: `干部${c}`, unitId: `u${c % CITY.units}`, code: `C${c}` };
  items.push(entity('cadre', `k${c}`, cadre));
  // A cadre's code is unique in its unit through a guard item, which the import writes too.
  items.push({
    ...keys.nameGuard('cadre-code', guardHash(cadre.unitId, cadre.code)),
    entity: 'nameGuard',
    ownerId: `k${c}`,
    takenAt: now,
    snapshot: { id: `k${c}`, ...cadre, createdAt: now },
  });
  await flush();
}
for (let h = 0; h < CITY.households; h++) {
  const household = {
    headName: `户主${h}`,
    communityId: `c${h % CITY.communities}`,
    memberCount: 1 + (h % 5),
    idNumberMasked: maskResidentId(idOf(h)),
    idNumberEnc: randomBytes(96).toString('base64'),
  };
  items.push(entity('household', `h${h}`, household));
  items.push({ ...keys.residentGuard(residentIdHash(idOf(h), hashKey)), householdId: `h${h}`, household });
  const cadre = h % CITY.cadres;
  const p = {
    householdId: `h${h}`,
    cadreId: `k${cadre}`,
    unitId: `u${cadre % CITY.units}`,
    communityId: `c${h % CITY.communities}`,
    year,
  };
  items.push({
    ...keys.pairing(p.householdId, year),
    ...keys.pairingIndexes(p),
    entity: 'pairing',
    ...p,
    pairedAt: now,
  });
  await flush();
}
await flush(true);
const bareMs = Date.now() - tb;

const importMs = results.reduce((s, r) => s + r.commitMs, 0);
const dryMs = results.reduce((s, r) => s + r.dryMs, 0);
const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
console.log('\n| kind | rows | XLSX MB | dry run s | commit s |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.kind} | ${r.rows} | ${mb(r.bytes)} | ${(r.dryMs / 1000).toFixed(1)} | ${(r.commitMs / 1000).toFixed(1)} |`,
  );
}
console.log(
  `\nimport (commit, all kinds): ${(importMs / 1000).toFixed(1)} s; dry runs: ${(dryMs / 1000).toFixed(1)} s`,
);
console.log(`bare BatchWrite of the same items: ${(bareMs / 1000).toFixed(1)} s`);
console.log(`ratio import / bare: ${(importMs / bareMs).toFixed(2)}×`);
console.log(`RSS before importing ${mb(baseRss)} MB, peak while importing ${mb(peakRss)} MB`);
await bench.close();
process.exit(0);
