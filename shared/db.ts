import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandInput,
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { type IndexName, TABLE_DESIGN } from './table.ts';

/** The table handle every repository function takes: a document client and the table's name. */
export interface Db {
  doc: DynamoDBDocumentClient;
  table: string;
}

/** Connection settings; `endpoint` points at dynalite or DynamoDB Local instead of AWS. */
export interface DbConfig {
  table: string;
  endpoint?: string | undefined;
  region?: string | undefined;
}

/** Creates the table handle. Local endpoints get dummy credentials, since dynalite ignores them. */
export function createDb(config: DbConfig): Db {
  const client = new DynamoDBClient(
    config.endpoint
      ? {
          endpoint: config.endpoint,
          region: config.region ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : { region: config.region },
  );
  const doc = DynamoDBDocumentClient.from(client, {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
  return { doc, table: config.table };
}

/**
 * Every item of the table that matches a filter, page by page. For one-off maintenance of a local table (data
 * migrations) only: a Scan reads the whole table, and no deployed function is granted it.
 */
export async function* scanPages(
  db: Db,
  filter: { expression: string; names: Record<string, string>; values?: Record<string, unknown> },
): AsyncGenerator<Record<string, unknown>[]> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(
      new ScanCommand({
        TableName: db.table,
        FilterExpression: filter.expression,
        ExpressionAttributeNames: filter.names,
        ExpressionAttributeValues: filter.values,
        ExclusiveStartKey: start,
      }),
    );
    yield page.Items ?? [];
    start = page.LastEvaluatedKey;
  } while (start);
}

/** Puts an item only if no item with its key exists. Returns false when one already did. */
export async function putIfAbsent(db: Db, item: Record<string, unknown>): Promise<boolean> {
  try {
    await db.doc.send(
      new PutCommand({ TableName: db.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/**
 * Puts an item only when a condition on the item it would replace holds (taking over a released or abandoned
 * guard, say). Returns false when the condition failed.
 */
export async function putIf(
  db: Db,
  item: Record<string, unknown>,
  condition: { expression: string; names?: Record<string, string>; values?: Record<string, unknown> },
): Promise<boolean> {
  try {
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: item,
        ConditionExpression: condition.expression,
        ExpressionAttributeNames: condition.names,
        ExpressionAttributeValues: condition.values,
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/** Reads one item by key with a strongly consistent read. */
export async function getItem<T = Record<string, unknown>>(
  db: Db,
  key: { pk: string; sk: string },
): Promise<T | undefined> {
  const out = await db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true }));
  return out.Item as T | undefined;
}

/** Options of a query over one partition of the table or of an index. */
export interface QueryOptions {
  index?: IndexName;
  partition: string;
  /** Sort-key prefix; omitted means the whole partition. */
  prefix?: string;
  /** Read only these top-level attributes (a projection); omitted means whole items. */
  attributes?: readonly string[];
}

/** Yields every item of one partition, page by page, so callers can stream without holding it all. */
export async function* queryPages(db: Db, opts: QueryOptions): AsyncGenerator<Record<string, unknown>[]> {
  const names = opts.index
    ? TABLE_DESIGN.indexes[opts.index]
    : { partitionKey: TABLE_DESIGN.partitionKey, sortKey: TABLE_DESIGN.sortKey };
  const input: QueryCommandInput = {
    TableName: db.table,
    IndexName: opts.index,
    KeyConditionExpression: opts.prefix ? '#p = :p AND begins_with(#s, :s)' : '#p = :p',
    ExpressionAttributeNames: opts.prefix
      ? { '#p': names.partitionKey, '#s': names.sortKey }
      : { '#p': names.partitionKey },
    ExpressionAttributeValues: opts.prefix ? { ':p': opts.partition, ':s': opts.prefix } : { ':p': opts.partition },
  };
  if (opts.attributes?.length) {
    // Attribute names go through placeholders: several (`status`, `year`, `date`) are DynamoDB reserved words.
    input.ProjectionExpression = opts.attributes.map((_a, i) => `#a${i}`).join(', ');
    opts.attributes.forEach((a, i) => {
      input.ExpressionAttributeNames![`#a${i}`] = a;
    });
  }
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    yield (out.Items ?? []) as Record<string, unknown>[];
    start = out.LastEvaluatedKey;
  } while (start);
}

/** Collects every item of one partition. For partitions known to be small (one household, one listing page). */
export async function queryAll<T = Record<string, unknown>>(db: Db, opts: QueryOptions): Promise<T[]> {
  const all: T[] = [];
  for await (const page of queryPages(db, opts)) all.push(...(page as T[]));
  return all;
}

/**
 * Applies an update only when its condition holds. Returns false when the condition failed: the caller
 * decides whether that is a conflict (a second decision) or harmless (a step resumed after it already ran).
 */
export async function updateIf(
  db: Db,
  key: { pk: string; sk: string },
  update: { set?: Record<string, unknown>; remove?: string[]; add?: Record<string, number | Set<string>> },
  condition?: { expression: string; values?: Record<string, unknown> },
): Promise<boolean> {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ...condition?.values };
  const clauses: string[] = [];
  const sets = Object.entries(update.set ?? {}).map(([k, v], i) => {
    names[`#s${i}`] = k;
    values[`:s${i}`] = v;
    return `#s${i} = :s${i}`;
  });
  if (sets.length) clauses.push(`SET ${sets.join(', ')}`);
  const adds = Object.entries(update.add ?? {}).map(([k, v], i) => {
    names[`#a${i}`] = k;
    values[`:a${i}`] = v;
    return `#a${i} :a${i}`;
  });
  if (adds.length) clauses.push(`ADD ${adds.join(', ')}`);
  const removes = (update.remove ?? []).map((k, i) => {
    names[`#r${i}`] = k;
    return `#r${i}`;
  });
  if (removes.length) clauses.push(`REMOVE ${removes.join(', ')}`);
  // Condition expressions name attributes with `#name` placeholders; register the ones they use.
  for (const m of condition?.expression.matchAll(/#([A-Za-z]\w*)/g) ?? []) names[`#${m[1]}`] = m[1]!;
  try {
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: key,
        UpdateExpression: clauses.join(' '),
        ConditionExpression: condition?.expression,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
      }),
    );
    return true;
  } catch (e) {
    if (e instanceof ConditionalCheckFailedException) return false;
    throw e;
  }
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight: enough to hide round-trip latency, few enough not
 * to trip DynamoDB's per-partition throughput.
 */
export async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/**
 * Reads many items by key, 100 to a request and 8 requests at a time, retrying what DynamoDB leaves
 * unprocessed; `attributes` projects. Missing items are simply absent from the result, and order is not kept.
 * Eventually consistent unless `consistent` is set: a rule check (a guard, the pairing a write depends on)
 * must read consistently, as `getItem` does.
 */
export async function getMany(
  db: Db,
  keyList: readonly { pk: string; sk: string }[],
  attributes?: readonly string[],
  opts: { consistent?: boolean } = {},
): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const projection = attributes?.length
    ? {
        ProjectionExpression: attributes.map((_a, i) => `#a${i}`).join(', '),
        ExpressionAttributeNames: Object.fromEntries(attributes.map((a, i) => [`#a${i}`, a])),
      }
    : {};
  const chunks: { pk: string; sk: string }[][] = [];
  for (let i = 0; i < keyList.length; i += 100) chunks.push(keyList.slice(i, i + 100));
  await inParallel(chunks, 8, async (chunk) => {
    let request: BatchGetCommandInput['RequestItems'] = {
      [db.table]: { Keys: chunk, ...projection, ...(opts.consistent ? { ConsistentRead: true } : {}) },
    };
    for (let attempt = 0; request && Object.keys(request).length; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const out: { Responses?: Record<string, unknown[]>; UnprocessedKeys?: BatchGetCommandInput['RequestItems'] } =
        await db.doc.send(new BatchGetCommand({ RequestItems: request }));
      found.push(...((out.Responses?.[db.table] ?? []) as Record<string, unknown>[]));
      request = out.UnprocessedKeys;
    }
  });
  return found;
}

/** Writes many items, 25 to a request, retrying what DynamoDB leaves unprocessed. Unconditional puts. */
export async function putAll(db: Db, items: Record<string, unknown>[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let request: BatchWriteCommandInput['RequestItems'] = {
      [db.table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })),
    };
    for (let attempt = 0; request && Object.keys(request).length; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const out: { UnprocessedItems?: BatchWriteCommandInput['RequestItems'] } = await db.doc.send(
        new BatchWriteCommand({ RequestItems: request }),
      );
      request = out.UnprocessedItems;
    }
  }
}
