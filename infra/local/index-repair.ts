import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

/**
 * Crash repair of the embedded engine's store (dynalite 4 on LevelDB), run offline before dynalite opens it.
 *
 * dynalite writes an item in three steps, not atomically: it deletes the item's old index entries, puts the new
 * ones (each index in parallel), and only then puts the base item; the caller gets its answer after that last
 * put. A `kill -9` in between leaves index entries that disagree with the base item: an entry of an item that was
 * never stored (a put that was never acknowledged, yet a Query of the index counts it), an entry of a newer
 * version than the stored one, or no entry at all for a stored item. Every index here projects ALL attributes, so
 * an index entry is a full copy of the item and reports read it as the truth.
 *
 * The base item is the truth: it is written last, so every acknowledged write has its base item on disk (LevelDB
 * appends each write to its log before answering; a killed process loses nothing the log holds). The repair
 * makes every index exactly what the base items imply, with dynalite's own key functions: it deletes each index
 * entry no base item implies (orphan or stale key), rewrites each one whose content differs, and writes each
 * one that is missing. It never changes a base item, so its target is fixed and running it again (after being
 * killed itself) finishes the same work: it is idempotent. A table left CREATING by a kill between dynalite's two
 * writes of CreateTable is made ACTIVE, as dynalite's timer would have.
 */

const requireFromDynalite = createRequire(createRequire(import.meta.url).resolve('dynalite'));

interface AttributeValue {
  S?: string;
  N?: string;
  B?: string;
  [type: string]: unknown;
}
type Item = Record<string, AttributeValue>;

interface KeySchemaElement {
  AttributeName: string;
  KeyType: 'HASH' | 'RANGE';
}
interface IndexDescription {
  IndexName: string;
  KeySchema: KeySchemaElement[];
  Projection: { ProjectionType: string; NonKeyAttributes?: string[] };
  IndexStatus?: string;
}
/** A table definition as dynalite stores it (the CreateTable input plus its status fields). */
export interface StoredTable {
  TableName: string;
  TableStatus: string;
  KeySchema: KeySchemaElement[];
  AttributeDefinitions: { AttributeName: string; AttributeType: string }[];
  GlobalSecondaryIndexes?: IndexDescription[];
  LocalSecondaryIndexes?: IndexDescription[];
}

/** The pure key functions of dynalite's `db` module: the repair builds keys exactly as dynalite does. */
export interface DynaliteDb {
  createKey(item: Item, table: StoredTable): string;
  getIndexActions(
    indexes: IndexDescription[],
    existingItem: Item | null,
    item: Item | null,
    table: StoredTable,
  ): { puts: { index: string; key: string; item: Item }[]; deletes: { index: string; key: string }[] };
}

/** The slice of abstract-level's API the repair uses (classic-level 3, through `level` 10). */
export interface LevelStore {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: string): Promise<string | undefined>;
  batch(ops: ({ type: 'put'; key: string; value: string } | { type: 'del'; key: string })[]): Promise<void>;
  iterator(range: { gte: string; lt: string; highWaterMarkBytes?: number }): AsyncIterable<[string, string]>;
}

export const dynaliteDb = requireFromDynalite('./db') as DynaliteDb;
const dynaliteVersion = (requireFromDynalite('./package.json') as { version: string }).version;

/** Opens dynalite's LevelDB with dynalite's own `level`, values as raw JSON text. */
export function openLevel(path: string): LevelStore {
  const { Level } = requireFromDynalite('level') as {
    Level: new (path: string, options: { valueEncoding: string }) => LevelStore;
  };
  return new Level(path, { valueEncoding: 'utf8' });
}

/**
 * dynalite 4's layout in its one LevelDB (db/index.js, `getSubDb`): a prefix per "sublevel", `~` after it.
 * Table names cannot contain `~`, so one table's prefix is never the start of another's.
 */
export const layout = {
  tables: 'table~',
  items: (table: string) => `item-${table}~`,
  index: (kind: 'global' | 'local', table: string, index: string) => `index-${kind}~${table}~${index}~`,
};
/**
 * Everything under a prefix (dynalite itself bounds its ranges with `\xFF`; its keys are ASCII after the prefix),
 * read ahead 1 MB at a time (classic-level's default, 16 KB, doubles the time of a full pass).
 */
const under = (prefix: string) => ({ gte: prefix, lt: `${prefix}\xFF`, highWaterMarkBytes: 1 << 20 });

export type Fix =
  /** An index entry of an item whose base item was never written: a put killed before its last step. */
  | 'removed: no base item'
  /** An index entry under a key the stored item no longer (or not yet) has: an update or delete killed midway. */
  | 'removed: stale key'
  /** An index entry whose content is not the stored item's: an update killed before the base item was written. */
  | 'rewritten: stale content'
  /** An index entry the stored item implies, missing: old entries deleted, new ones not yet written. */
  | 'restored: missing';

/** One repaired index entry, named by the item's table key only (never attribute values: they may be personal). */
export interface RepairedKey {
  table: string;
  index: string;
  key: Record<string, string>;
  fix: Fix;
}

export interface RepairReport {
  tables: number;
  items: number;
  indexEntries: number;
  /** Tables completed from CREATING to ACTIVE. */
  tablesActivated: string[];
  counts: Record<Fix, number>;
  /** The first `LOGGED_KEYS` repaired entries (the counts are complete). */
  repaired: RepairedKey[];
  ms: number;
}

const BATCH = 500;
/** At most this many repaired entries are named (in the report and its log line); the counts are complete. */
export const LOGGED_KEYS = 200;

/** Repairs the store at `path` (closed: dynalite must not have it open). */
export async function repairIndexes(path: string): Promise<RepairReport> {
  const major = Number(dynaliteVersion.split('.')[0]);
  if (major !== 4) {
    throw new Error(`index repair knows dynalite 4's storage layout; found dynalite ${dynaliteVersion}`);
  }
  const started = performance.now();
  const level = openLevel(path);
  await level.open();
  const report: RepairReport = {
    tables: 0,
    items: 0,
    indexEntries: 0,
    tablesActivated: [],
    counts: {
      'removed: no base item': 0,
      'removed: stale key': 0,
      'rewritten: stale content': 0,
      'restored: missing': 0,
    },
    repaired: [],
    ms: 0,
  };
  try {
    const tables: StoredTable[] = [];
    for await (const [, value] of level.iterator(under(layout.tables))) tables.push(JSON.parse(value));
    for (const table of tables) {
      report.tables++;
      if (table.TableStatus === 'CREATING') {
        table.TableStatus = 'ACTIVE';
        for (const ix of table.GlobalSecondaryIndexes ?? []) ix.IndexStatus = 'ACTIVE';
        await level.batch([{ type: 'put', key: layout.tables + table.TableName, value: JSON.stringify(table) }]);
        report.tablesActivated.push(table.TableName);
      }
      await repairTable(level, table, report);
    }
  } finally {
    await level.close();
  }
  report.ms = Math.round(performance.now() - started);
  return report;
}

/** A short, collision-safe stand-in for a string (an index key, an entry's JSON), to keep the pass's memory small. */
const digest = (text: string) => createHash('sha1').update(text).digest('base64');

type Batch = Parameters<LevelStore['batch']>[0];

async function repairTable(level: LevelStore, table: StoredTable, report: RepairReport): Promise<void> {
  const kinds = [
    ['global', table.GlobalSecondaryIndexes ?? []],
    ['local', table.LocalSecondaryIndexes ?? []],
  ] as const;
  const indexes = kinds.flatMap(([kind, list]) => list.map((ix) => ({ kind, ix })));
  if (!indexes.length) return;
  const itemsPrefix = layout.items(table.TableName);
  const indexPrefix = (kind: 'global' | 'local', ix: IndexDescription) =>
    layout.index(kind, table.TableName, ix.IndexName);
  /** The entries the stored items imply, in dynalite's own shape: `{index, key, item}`. */
  const entriesOf = (item: Item) =>
    kinds.flatMap(([, list]) => dynaliteDb.getIndexActions(list, null, item, table).puts);

  // 1. What the stored items imply, index by index: digests of each entry's key and JSON. Digests, not the text:
  //    at 150,000 items the keys and copies would take hundreds of MB.
  const expected = new Map<string, Map<string, string>>(indexes.map(({ ix }) => [ix.IndexName, new Map()]));
  for await (const [, value] of level.iterator(under(itemsPrefix))) {
    report.items++;
    const item = JSON.parse(value) as Item;
    const whole = digest(value);
    for (const put of entriesOf(item)) {
      // Projection ALL gives the item itself, and dynalite stores both copies as JSON.stringify of one object:
      // the item's stored text is the entry's. Other projections are stringified as dynalite would.
      const json = put.item === item ? whole : digest(JSON.stringify(put.item));
      expected.get(put.index)!.set(digest(put.key), json);
    }
  }

  let ops: Batch = [];
  const flush = async () => {
    if (ops.length) await level.batch(ops);
    ops = [];
  };
  const push = async (op: Batch[number]) => {
    ops.push(op);
    if (ops.length >= BATCH) await flush();
  };
  const note = (index: string, item: Item, fix: Fix) => {
    report.counts[fix]++;
    if (report.repaired.length < LOGGED_KEYS) {
      report.repaired.push({ table: table.TableName, index, key: tableKeyOf(item, table), fix });
    }
  };

  // 2. Every index entry on disk: kept when a stored item implies it as it is; rewritten from its stored item
  //    when only the content differs; deleted otherwise. A LevelDB iterator reads a snapshot, so the batches
  //    written meanwhile do not disturb it.
  for (const { kind, ix } of indexes) {
    const prefix = indexPrefix(kind, ix);
    const want = expected.get(ix.IndexName)!;
    for await (const [fullKey, value] of level.iterator(under(prefix))) {
      report.indexEntries++;
      const key = fullKey.slice(prefix.length);
      const id = digest(key);
      const exp = want.get(id);
      if (exp !== undefined && digest(value) === exp) {
        want.delete(id);
        continue;
      }
      // Every entry holds its item's table key (every projection includes it): that item decides.
      const entry = JSON.parse(value) as Item;
      const storedText = await level.get(itemsPrefix + dynaliteDb.createKey(entry, table));
      const stored = storedText === undefined ? undefined : (JSON.parse(storedText) as Item);
      const put = stored && dynaliteDb.getIndexActions([ix], null, stored, table).puts[0];
      if (put && put.key === key) {
        want.delete(id);
        await push({ type: 'put', key: fullKey, value: JSON.stringify(put.item) });
        note(ix.IndexName, entry, 'rewritten: stale content');
      } else {
        await push({ type: 'del', key: fullKey });
        note(ix.IndexName, entry, stored ? 'removed: stale key' : 'removed: no base item');
      }
    }
    await flush();
  }

  // 3. What is left was implied and not found: written from the stored items, in one more pass when needed.
  if ([...expected.values()].some((want) => want.size)) {
    for await (const [, value] of level.iterator(under(itemsPrefix))) {
      const item = JSON.parse(value) as Item;
      for (const { kind, ix } of indexes) {
        const want = expected.get(ix.IndexName)!;
        if (!want.size) continue;
        const put = dynaliteDb.getIndexActions([ix], null, item, table).puts[0];
        if (!put || !want.delete(digest(put.key))) continue;
        await push({ type: 'put', key: indexPrefix(kind, ix) + put.key, value: JSON.stringify(put.item) });
        note(ix.IndexName, item, 'restored: missing');
      }
    }
    await flush();
  }
}

/** The item's table key (`pk`, `sk`) as plain strings. */
function tableKeyOf(item: Item, table: StoredTable): Record<string, string> {
  return Object.fromEntries(
    table.KeySchema.map(({ AttributeName: name }) => {
      const v = item[name];
      return [name, String(v?.S ?? v?.N ?? v?.B ?? '')];
    }),
  );
}

/**
 * The log line of a repair: WARN with the counts and the repaired items' `pk`/`sk` when anything was repaired,
 * INFO otherwise. Never attribute values.
 */
export function repairLogLine(report: RepairReport, reason: string): Record<string, unknown> {
  const fixes = Object.values(report.counts).reduce((a, b) => a + b, 0);
  const total = fixes + report.tablesActivated.length;
  const base = {
    reason,
    tables: report.tables,
    itemsChecked: report.items,
    indexEntriesChecked: report.indexEntries,
    ms: report.ms,
  };
  if (!total) return { level: 'INFO', message: 'checked the embedded store: no half-written index entries', ...base };
  return {
    level: 'WARN',
    message: 'repaired half-written index entries',
    ...base,
    removedWithoutBaseItem: report.counts['removed: no base item'],
    removedStaleKey: report.counts['removed: stale key'],
    rewrittenStaleContent: report.counts['rewritten: stale content'],
    restoredMissing: report.counts['restored: missing'],
    tablesActivated: report.tablesActivated,
    repaired: report.repaired.map((r) => ({ table: r.table, index: r.index, ...r.key, fix: r.fix })),
    repairedNotListed: fixes - report.repaired.length,
  };
}
