/**
 * Times a carry-over at the source city's size (60 units, 19,133 cadres, 75,952 households and their pairings)
 * on in-process dynalite: the dry run, the commit and a second commit (all unchanged), through the domain
 * function the handler calls. A quick measurement for docs/PERFORMANCE.md, not a test.
 *
 *   node scripts/measure-carry-over.ts            (MEASURE_HOUSEHOLDS=… for a smaller run; MEASURE_DISK=1 on disk)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTable, startDynalite } from '#infra/local/dynamo.ts';
import { createDb, putAll } from '#shared/db.ts';
import { carryOverPairings } from '#shared/pairing/carry-over.ts';
import { keys } from '#shared/table.ts';

const UNITS = 60;
const CADRES = 19_133;
const HOUSEHOLDS = Number(process.env.MEASURE_HOUSEHOLDS ?? 75_952);
const COMMUNITIES = 400;
const FROM = Number(new Date().toISOString().slice(0, 4)) - 1;

const dir = process.env.MEASURE_DISK ? mkdtempSync(join(tmpdir(), 'carry-')) : undefined;
const dynamo = await startDynalite(dir);
await ensureTable(dynamo.endpoint, 'measure');
const db = createDb({ table: 'measure', endpoint: dynamo.endpoint });

const at = new Date().toISOString();
const seed: Record<string, unknown>[] = [];
const flush = async (force = false) => {
  if (seed.length >= 5_000 || (force && seed.length)) await putAll(db, seed.splice(0));
};
const t0 = performance.now();
for (let u = 0; u < UNITS; u++) {
  const id = `u${String(u).padStart(3, '0')}`;
  seed.push({
    ...keys.entity('unit', id),
    ...keys.entityListing('unit', id),
    entity: 'unit',
    id,
    name: id,
    createdAt: at,
  });
}
for (let c = 0; c < CADRES; c++) {
  const id = `c${c}`;
  const unitId = `u${String(c % UNITS).padStart(3, '0')}`;
  seed.push({
    ...keys.entity('cadre', id),
    ...keys.entityListing('cadre', id),
    entity: 'cadre',
    id,
    unitId,
    name: id,
    createdAt: at,
  });
  await flush();
}
for (let h = 0; h < HOUSEHOLDS; h++) {
  const id = `h${h}`;
  const communityId = `m${h % COMMUNITIES}`;
  const cadreId = `c${h % CADRES}`;
  const unitId = `u${String((h % CADRES) % UNITS).padStart(3, '0')}`;
  seed.push({
    ...keys.entity('household', id),
    ...keys.entityListing('household', id),
    entity: 'household',
    id,
    headName: `户${h}`,
    communityId,
    memberCount: 3,
    createdAt: at,
    idNumberMasked: '110101********0000',
  });
  const pairing = {
    householdId: id,
    cadreId,
    unitId,
    communityId,
    year: FROM,
    headName: `户${h}`,
    memberCount: 3,
    pairedAt: at,
  };
  seed.push({ ...keys.pairing(id, FROM), ...keys.pairingIndexes(pairing), entity: 'pairing', ...pairing });
  await flush();
}
await flush(true);
console.log(`seeded ${HOUSEHOLDS} households and pairings in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

for (const [label, dryRun] of [
  ['dry run', true],
  ['commit', false],
  ['second commit', false],
] as const) {
  const start = performance.now();
  const r = await carryOverPairings(db, { fromYear: FROM, toYear: FROM + 1, dryRun }, new Date());
  const s = (performance.now() - start) / 1000;
  console.log(
    `${label}: ${s.toFixed(1)} s; pairings ${r.pairings}, created ${r.created}, unchanged ${r.unchanged}, skipped ${r.skipped.length}; peak RSS ${Math.round(process.memoryUsage().rss / 2 ** 20)} MB`,
  );
}
await dynamo.close();
if (dir) rmSync(dir, { recursive: true, force: true });
