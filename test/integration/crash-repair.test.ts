import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDemoData } from '#infra/local/demo-data.ts';
import { cleanShutdownMarker, type EmbeddedDynamo, ensureTable, startDynalite } from '#infra/local/dynamo.ts';
import {
  dynaliteDb,
  type LevelStore,
  layout,
  openLevel,
  repairIndexes,
  type StoredTable,
} from '#infra/local/index-repair.ts';
import { listHouseholdYearRecords, reverseAid } from '#shared/aid/ledger.ts';
import { envelopeCipher, localDataKeySource } from '#shared/crypto/index.ts';
import { createDb, type Db } from '#shared/db.ts';
import { TABLE_DESIGN } from '#shared/table.ts';

/**
 * The embedded store after a `kill -9`: dynalite writes an item's index entries before the item itself, so a
 * killed run can leave index entries that disagree with the stored items. These tests build a real data
 * directory, cut dynalite's writes exactly where a kill would (index entries written or deleted, base item not),
 * and check that the next start finds every such entry and makes each index what the stored items imply.
 */

const TABLE = 'linkage-aid';
type Raw = Record<string, any>;
type Line = Record<string, unknown>;

const dirs: string[] = [];
const running: EmbeddedDynamo[] = [];
afterEach(async () => {
  for (const d of running.splice(0)) await d.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(path: string, options: Parameters<typeof startDynalite>[1] = {}) {
  const logs: Line[] = [];
  const dynamo = await startDynalite(path, { log: (l) => logs.push(l), ...options });
  running.push(dynamo);
  const db = createDb({ table: TABLE, endpoint: dynamo.endpoint });
  const close = async () => {
    running.splice(running.indexOf(dynamo), 1);
    await dynamo.close();
  };
  return { dynamo, db, logs, close };
}

/** A data directory with the demo data (communities, households, pairings, aid), shut down cleanly. */
async function dataDirectory(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'crash-repair-'));
  dirs.push(dir);
  const path = join(dir, 'dynamodb');
  const { dynamo, db, close } = await open(path);
  await ensureTable(dynamo.endpoint, TABLE);
  const cipher = envelopeCipher(localDataKeySource(randomBytes(32)));
  await loadDemoData(db, { idHashKey: randomBytes(32), cipher }, new Date());
  await close();
  expect(existsSync(cleanShutdownMarker(path))).toBe(true);
  return path;
}

/** Every stored item, as GetItem and Scan see them. */
async function baseItems(db: Db): Promise<Raw[]> {
  const items: Raw[] = [];
  let start: Raw | undefined;
  do {
    const page = await db.doc.send(new ScanCommand({ TableName: TABLE, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

const byKey = (a: Raw, b: Raw) => `${a.pk}\u0000${a.sk}`.localeCompare(`${b.pk}\u0000${b.sk}`);

/**
 * For each index: what Query returns, partition by partition (every partition the stored items imply, and every
 * partition the index holds, found by a Scan of the index), next to what the stored items imply.
 */
async function indexesAgainstItems(db: Db) {
  const items = await baseItems(db);
  const out: Record<string, { queried: Raw[]; implied: Raw[] }> = {};
  for (const [name, ix] of Object.entries(TABLE_DESIGN.indexes)) {
    const implied = items.filter((i) => i[ix.partitionKey] !== undefined && i[ix.sortKey] !== undefined);
    const scanned = (await db.doc.send(new ScanCommand({ TableName: TABLE, IndexName: name }))).Items ?? [];
    const partitions = new Set<string>([...implied, ...scanned].map((i) => i[ix.partitionKey]));
    const queried: Raw[] = [];
    for (const p of partitions) {
      const r = await db.doc.send(
        new QueryCommand({
          TableName: TABLE,
          IndexName: name,
          KeyConditionExpression: '#p = :p',
          ExpressionAttributeNames: { '#p': ix.partitionKey },
          ExpressionAttributeValues: { ':p': p },
        }),
      );
      queried.push(...(r.Items ?? []));
    }
    out[name] = { queried: queried.sort(byKey), implied: implied.sort(byKey) };
  }
  return out;
}

// ---- Cutting dynalite's writes where a kill would: its index actions applied, its base put not. ----

async function storedTable(level: LevelStore): Promise<StoredTable> {
  return JSON.parse((await level.get(layout.tables + TABLE))!);
}

async function storedItems(level: LevelStore): Promise<Raw[]> {
  const prefix = layout.items(TABLE);
  const out: Raw[] = [];
  for await (const [, v] of level.iterator({ gte: prefix, lt: `${prefix}\xFF` })) out.push(JSON.parse(v));
  return out;
}

/**
 * What dynalite's `updateIndexes` does for a write from `existing` to `next`, then stops (the kill): `deletes`
 * and `puts` say how far it got; `onlyIndex` keeps one index's puts (they run in parallel, so one can land alone).
 */
async function killedWrite(
  level: LevelStore,
  table: StoredTable,
  existing: Raw | null,
  next: Raw | null,
  stage: { deletes: boolean; puts: boolean; onlyIndex?: string },
) {
  const actions = dynaliteDb.getIndexActions(table.GlobalSecondaryIndexes!, existing, next, table);
  const prefix = (index: string) => layout.index('global', TABLE, index);
  const ops: Parameters<LevelStore['batch']>[0] = [];
  if (stage.deletes) for (const d of actions.deletes) ops.push({ type: 'del', key: prefix(d.index) + d.key });
  if (stage.puts) {
    for (const p of actions.puts) {
      if (stage.onlyIndex && p.index !== stage.onlyIndex) continue;
      ops.push({ type: 'put', key: prefix(p.index) + p.key, value: JSON.stringify(p.item) });
    }
  }
  await level.batch(ops);
}

const S = (s: string) => ({ S: s });

/** The five shapes a kill leaves, made in one store. Returns what the test needs to look them up. */
async function crash(path: string) {
  const level = openLevel(path);
  await level.open();
  const table = await storedTable(level);
  const items = await storedItems(level);
  const aid = items.find((i) => i.pk.S.startsWith('AID#') && i.sk.S === 'AID' && !i.reverses)!;
  const pairings = items.filter((i) => i.pk.S.startsWith('HOUSEHOLD#') && i.sk.S.startsWith('PAIRING#'));
  const household = items.find((i) => i.sk.S === 'HOUSEHOLD')!;

  // 1. A new aid entry whose put was never acknowledged: both index entries written, the item not.
  const ghostId = 'ghost-entry-1';
  const ghost = {
    ...aid,
    pk: S(`AID#${ghostId}`),
    id: S(ghostId),
    amountFen: { N: '70000' },
    gsi1sk: S(aid.gsi1sk.S.replace(aid.id.S, ghostId)),
    gsi3sk: S(`${aid.gsi3sk.S}-ghost`),
  };
  await killedWrite(level, table, null, ghost, { deletes: true, puts: true });
  // ... and one where only the community-year entry landed (the index puts run in parallel).
  const ghost2Id = 'ghost-entry-2';
  const ghost2 = {
    ...ghost,
    pk: S(`AID#${ghost2Id}`),
    id: S(ghost2Id),
    gsi1sk: S(aid.gsi1sk.S.replace(aid.id.S, ghost2Id)),
  };
  await killedWrite(level, table, null, ghost2, { deletes: true, puts: true, onlyIndex: 'byCommunityYear' });

  // 2. An update killed before the item: the pairing locked in both its indexes, the item still unlocked.
  const locked = pairings[0]!;
  await killedWrite(level, table, locked, { ...locked, lockedBy: S('verification-x') }, { deletes: true, puts: true });

  // 3. An update that moves an index key, killed before the item: the pairing under another cadre in byCadreYear.
  const moved = pairings[1]!;
  const otherCadre = {
    ...moved,
    cadreId: S('demo-cadre-other'),
    gsi2pk: S(moved.gsi2pk.S.replace(/CADRE#[^#]+/, 'CADRE#demo-cadre-other')),
  };
  await killedWrite(level, table, moved, otherCadre, { deletes: true, puts: true });

  // 4. The same kind of update killed between its deletes and its puts: the old entry gone, no new one.
  const halfway = pairings[2]!;
  const halfwayNext = { ...halfway, gsi2pk: S(halfway.gsi2pk.S.replace(/CADRE#[^#]+/, 'CADRE#demo-cadre-other')) };
  await killedWrite(level, table, halfway, halfwayNext, { deletes: true, puts: false });

  // 5. A delete killed after its index deletes: the household gone from its listing, the item still there.
  await killedWrite(level, table, household, null, { deletes: true, puts: false });

  await level.close();
  // A killed run leaves no clean-shutdown marker.
  rmSync(cleanShutdownMarker(path));
  return { ghost, ghost2, aid, locked, moved, halfway, household };
}

describe('the crash repair of the embedded store', () => {
  it('makes every index exactly what the stored items imply, keeping every stored item, and logs what it did', async () => {
    const path = await dataDirectory();
    const before = await (async () => {
      const { db, close } = await open(path);
      const items = await baseItems(db);
      await close();
      return items;
    })();

    const shapes = await crash(path);
    const { db, logs, close } = await open(path);

    // The index now agrees with the stored items, partition by partition, in every index.
    for (const [name, { queried, implied }] of Object.entries(await indexesAgainstItems(db))) {
      expect(queried, name).toStrictEqual(implied);
    }
    // Every stored item is still there, unchanged; the never-acknowledged entries are not.
    const after = await baseItems(db);
    expect(after.sort(byKey)).toStrictEqual(before.sort(byKey));
    for (const item of before) {
      const got = await db.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk } }));
      expect(got.Item).toStrictEqual(item);
    }
    for (const g of [shapes.ghost, shapes.ghost2]) {
      const got = await db.doc.send(new GetCommand({ TableName: TABLE, Key: { pk: g.pk.S, sk: 'AID' } }));
      expect(got.Item).toBeUndefined();
    }

    // The household's entries (what its total is summed from) are the stored ones, and each can be reversed.
    const aid = before.find((i) => i.pk === shapes.aid.pk.S)!;
    const records = await listHouseholdYearRecords(db, aid.householdId, aid.communityId, aid.year);
    expect(records.map((r) => r.id).sort()).toStrictEqual(
      before
        .filter((i) => i.entity === 'aid' && i.householdId === aid.householdId && i.year === aid.year)
        .map((i) => i.id)
        .sort(),
    );
    const cadre = { sub: aid.cadreId, roles: new Set(['cadre'] as const), cadreId: aid.cadreId };
    for (const r of records) await reverseAid(db, cadre as any, r.id, { reason: '测试冲正' }, new Date());

    // One WARN line: the counts, and the repaired items by pk/sk only.
    expect(logs).toHaveLength(1);
    const line = logs[0]!;
    expect(line).toMatchObject({
      level: 'WARN',
      message: 'repaired half-written index entries',
      reason: 'the previous run did not shut down cleanly',
      removedWithoutBaseItem: 3,
      // A pairing sits in three indexes (community-year, cadre-year, and its unit-year listing in byKind).
      rewrittenStaleContent: 5,
      removedStaleKey: 1,
      restoredMissing: 3,
      repairedNotListed: 0,
    });
    const repaired = line.repaired as Raw[];
    for (const r of repaired) expect(Object.keys(r).sort()).toStrictEqual(['fix', 'index', 'pk', 'sk', 'table']);
    const keyOf = (i: Raw) => ({ pk: i.pk.S, sk: i.sk.S });
    expect(
      repaired
        .map(({ index, pk, sk, fix }) => ({ index, pk, sk, fix }))
        .sort((a, b) => a.fix.localeCompare(b.fix) || a.index.localeCompare(b.index) || a.pk.localeCompare(b.pk)),
    ).toStrictEqual(
      [
        { index: 'byCommunityYear', ...keyOf(shapes.ghost), fix: 'removed: no base item' },
        { index: 'byCommunityYear', ...keyOf(shapes.ghost2), fix: 'removed: no base item' },
        { index: 'byKind', ...keyOf(shapes.ghost), fix: 'removed: no base item' },
        { index: 'byCadreYear', ...keyOf(shapes.moved), fix: 'removed: stale key' },
        { index: 'byCadreYear', ...keyOf(shapes.halfway), fix: 'restored: missing' },
        { index: 'byCadreYear', ...keyOf(shapes.moved), fix: 'restored: missing' },
        { index: 'byKind', ...keyOf(shapes.household), fix: 'restored: missing' },
        { index: 'byCadreYear', ...keyOf(shapes.locked), fix: 'rewritten: stale content' },
        { index: 'byCommunityYear', ...keyOf(shapes.locked), fix: 'rewritten: stale content' },
        { index: 'byCommunityYear', ...keyOf(shapes.moved), fix: 'rewritten: stale content' },
        { index: 'byKind', ...keyOf(shapes.locked), fix: 'rewritten: stale content' },
        { index: 'byKind', ...keyOf(shapes.moved), fix: 'rewritten: stale content' },
      ].sort((a, b) => a.fix.localeCompare(b.fix) || a.index.localeCompare(b.index) || a.pk.localeCompare(b.pk)),
    );
    // No attribute value reaches the log: not the amount, the description, the head's name or the lock.
    const text = JSON.stringify(line);
    for (const secret of ['70000', aid.description, 'verification-x', 'demo-cadre-other', '陈桂兰']) {
      expect(text).not.toContain(secret);
    }
    await close();
  });

  it('shows the damage when the repair does not run: the proof that the check above can fail', async () => {
    const path = await dataDirectory();
    const shapes = await crash(path);
    // Pretend the killed run shut down cleanly: the store opens as it is.
    writeFileSync(cleanShutdownMarker(path), '{}');
    const { db, logs, close } = await open(path);
    expect(logs).toStrictEqual([]);
    const checked = await indexesAgainstItems(db);
    expect(checked.byCommunityYear!.queried).not.toStrictEqual(checked.byCommunityYear!.implied);
    expect(checked.byCadreYear!.queried).not.toStrictEqual(checked.byCadreYear!.implied);
    expect(checked.byKind!.queried).not.toStrictEqual(checked.byKind!.implied);
    // The unacknowledged entry counts in the household's entries but cannot be reversed.
    const aid = shapes.aid;
    const records = await listHouseholdYearRecords(db, aid.householdId.S, aid.communityId.S, Number(aid.year.N));
    expect(records.map((r) => r.id)).toContain(shapes.ghost.id.S);
    const cadre = { sub: aid.cadreId.S, roles: new Set(['cadre']), cadreId: aid.cadreId.S };
    await expect(reverseAid(db, cadre as any, shapes.ghost.id.S, { reason: 'x' }, new Date())).rejects.toThrow();
    await close();
  });

  it('runs only after an unclean shutdown (or when asked), and a second run finds nothing', async () => {
    const path = await dataDirectory();
    const clean = await open(path);
    expect(clean.dynamo.repair).toBeUndefined();
    expect(existsSync(cleanShutdownMarker(path))).toBe(false);
    await clean.close();

    const forced = await open(path, { repair: 'always' });
    expect(forced.logs).toMatchObject([{ level: 'INFO', reason: 'asked for (REPAIR_INDEXES=always)' }]);
    await forced.close();

    await crash(path);
    const first = await repairIndexes(path);
    expect(Object.values(first.counts).reduce((a, b) => a + b)).toBe(12);
    const second = await repairIndexes(path);
    expect(second.counts).toStrictEqual({
      'removed: no base item': 0,
      'removed: stale key': 0,
      'rewritten: stale content': 0,
      'restored: missing': 0,
    });
    expect(second.items).toBe(first.items);
  });

  it('completes a table a kill left CREATING', async () => {
    const path = await dataDirectory();
    const level = openLevel(path);
    await level.open();
    const table = await storedTable(level);
    await level.batch([
      { type: 'put', key: layout.tables + TABLE, value: JSON.stringify({ ...table, TableStatus: 'CREATING' }) },
    ]);
    await level.close();
    rmSync(cleanShutdownMarker(path));
    const { db, logs, close } = await open(path);
    expect(logs[0]).toMatchObject({ level: 'WARN', tablesActivated: [TABLE] });
    expect((await baseItems(db)).length).toBeGreaterThan(0);
    await close();
  });

  it('marks a close clean only after the writes it was serving are whole', async () => {
    const path = await dataDirectory();
    const { db, dynamo } = await open(path);
    const aidLike = (i: number) => ({
      pk: `AID#burst-${i}`,
      sk: 'AID',
      gsi1pk: 'COMMUNITY#burst#YEAR#2026',
      gsi1sk: `HOUSEHOLD#h#AID#2026-01-01#burst-${i}`,
      gsi3pk: 'AUDIT#2026-01-01',
      gsi3sk: `2026-01-01T00:00:00.000Z#${i}`,
      amountFen: 100,
    });
    // Widen dynalite's gap between a write's index entries and its item, so a close that did not wait would land
    // in it (dynalite's own close only waits for LevelDB calls already made, and the gap has none).
    const updateIndexes = (dynaliteDb as any).updateIndexes;
    (dynaliteDb as any).updateIndexes = (...args: any[]) => {
      const cb = args.pop();
      updateIndexes(...args, (err: unknown) => setTimeout(() => cb(err), 20));
    };
    let acknowledged = 0;
    const writes = Array.from({ length: 300 }, (_, i) =>
      db.doc.send(new PutCommand({ TableName: TABLE, Item: aidLike(i) })).then(
        () => acknowledged++,
        () => undefined,
      ),
    );
    try {
      // Closed in the middle of the burst: some writes answered, others being served or not yet sent.
      while (acknowledged < 20) await new Promise((r) => setTimeout(r, 1));
      running.splice(running.indexOf(dynamo), 1);
      await dynamo.close();
    } finally {
      (dynaliteDb as any).updateIndexes = updateIndexes;
    }
    await Promise.all(writes);
    expect(existsSync(cleanShutdownMarker(path))).toBe(true);
    const report = await repairIndexes(path);
    expect(Object.values(report.counts).reduce((a, b) => a + b)).toBe(0);
    expect(acknowledged).toBeGreaterThan(0);
  });
});
