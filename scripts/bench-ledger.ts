/**
 * `npm run bench:ledger`: aid recorded through the full handler path (API Gateway event → middy → zod →
 * pairing check → conditional put) against bare conditional PutItem of the same item shape, on the same
 * on-disk dynalite, in alternating rounds so machine noise hits both alike. Prints rates and their ratio.
 */
import { randomBytes } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { buildApiEvent } from '#infra/local/event.ts';
import { toApiGatewayClaims } from '#infra/local/tokens.ts';
import { startBenchTable } from './bench-table.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PER_ROUND = Number(process.env.BENCH_PER_ROUND ?? 400);
const CONCURRENCY = [1, 8];

const bench = await startBenchTable('bench-ledger');
const _dir = bench.dir;

const { db, idHashKey } = await import('#functions/lib/clients.ts');
const { handler } = await import('#functions/record-aid.ts');
const { createCommunity, createUnit, createCadre } = await import('#shared/registry/index.ts');
const { registerHousehold, checkCharacter } = await import('#shared/household/index.ts');
const { envelopeCipher, localDataKeySource } = await import('#shared/crypto/index.ts');
const cipher = envelopeCipher(localDataKeySource(randomBytes(32)));
const { createPairing } = await import('#shared/pairing/index.ts');
const { keys } = await import('#shared/table.ts');
const { shanghaiDate } = await import('#shared/dates.ts');

const now = new Date();
const today = shanghaiDate(now);
const year = Number(today.slice(0, 4));
const community = await createCommunity(db, { name: `基准社区${Date.now()}` }, now);
const unit = await createUnit(db, { name: `基准单位${Date.now()}` }, now);
const cadre = await createCadre(db, { name: '基准干部', unitId: unit.id }, now);
const households: string[] = [];
for (let i = 0; i < 50; i++) {
  const first17 = `32090219800101${String(i).padStart(3, '0')}`;
  const h = await registerHousehold(
    { db, now, idHashKey: await idHashKey(), cipher },
    { headName: `户${i}`, idNumber: first17 + checkCharacter(first17), communityId: community.id, memberCount: 2 },
  );
  await createPairing(db, { cadreId: cadre.id, householdId: h.id, year }, now);
  households.push(h.id);
}

const claims = toApiGatewayClaims({ sub: 'bench', 'cognito:groups': ['cadre'], 'custom:cadreId': cadre.id });
const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
let seq = 0;

async function viaHandler(): Promise<void> {
  const n = seq++;
  const body = JSON.stringify({
    householdId: households[n % households.length],
    date: today,
    kind: 'cash',
    objective: 'livelihood',
    amountFen: 1_000 + (n % 500),
    description: '基准测试',
  });
  const event = buildApiEvent({
    method: 'POST',
    routePath: '/aid-records',
    rawPath: '/aid-records',
    headers: { 'content-type': 'application/json', 'idempotency-key': `bench-handler-${n}` },
    body,
    claims,
  });
  const res = await handler(event, context);
  if (res.statusCode !== 201) throw new Error(`handler answered ${res.statusCode}: ${res.body}`);
}

async function bare(): Promise<void> {
  const n = seq++;
  const id = `bare${n}`;
  const householdId = households[n % households.length]!;
  const item = {
    ...keys.aidRecord(id),
    ...keys.aidRecordIndexes({ householdId, communityId: community.id, year, date: today, id }),
    entity: 'aid',
    id,
    householdId,
    communityId: community.id,
    unitId: unit.id,
    cadreId: cadre.id,
    year,
    date: today,
    kind: 'cash',
    objective: 'livelihood',
    amountFen: 1_000 + (n % 500),
    description: '基准测试',
    recordedBy: 'bench',
    recordedAt: now.toISOString(),
    requestHash: 'x'.repeat(64),
  };
  await db.doc.send(
    new PutCommand({ TableName: db.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
  );
}

async function rate(op: () => Promise<void>, count: number, concurrency: number): Promise<number> {
  let left = count;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left-- > 0) await op();
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await rate(viaHandler, 200, 4); // warm-up: JIT, connection pool, LevelDB caches
await rate(bare, 200, 4);

const results = [];
for (const concurrency of CONCURRENCY) {
  const bareRates: number[] = [];
  const handlerRates: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const b = await rate(bare, PER_ROUND, concurrency);
    const h = await rate(viaHandler, PER_ROUND, concurrency);
    bareRates.push(b);
    handlerRates.push(h);
    ratios.push(h / b);
  }
  results.push({
    concurrency,
    bareWritesPerSecond: Math.round(median(bareRates)),
    handlerWritesPerSecond: Math.round(median(handlerRates)),
    ratio: Number(median(ratios).toFixed(2)),
    ratioRange: [Number(Math.min(...ratios).toFixed(2)), Number(Math.max(...ratios).toFixed(2))],
  });
}

console.log(JSON.stringify({ rounds: ROUNDS, perRound: PER_ROUND, node: process.version, results }, null, 2));
console.log('\n| concurrency | bare conditional PutItem /s | handler path /s | ratio (median of rounds) | range |');
console.log('|---|---|---|---|---|');
for (const r of results) {
  console.log(
    `| ${r.concurrency} | ${r.bareWritesPerSecond} | ${r.handlerWritesPerSecond} | ${r.ratio} | ${r.ratioRange[0]}–${r.ratioRange[1]} |`,
  );
}
await bench.close();
