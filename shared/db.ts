import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
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
