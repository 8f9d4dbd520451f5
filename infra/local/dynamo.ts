import { existsSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join } from 'node:path';
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceNotFoundException,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
// dynalite ships no types (see dynalite.d.ts); it is a factory returning a node http.Server.
import dynalite from 'dynalite';
import { TABLE_DESIGN } from '#shared/table.ts';
import { type RepairReport, repairIndexes, repairLogLine } from './index-repair.ts';

/** CreateTable input derived from the shared table design (the same design CDK deploys). */
export function createTableInput(tableName: string): CreateTableCommandInput {
  const attrs = new Set<string>([TABLE_DESIGN.partitionKey, TABLE_DESIGN.sortKey]);
  for (const ix of Object.values(TABLE_DESIGN.indexes)) {
    attrs.add(ix.partitionKey);
    attrs.add(ix.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [...attrs].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE_DESIGN.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_DESIGN.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: Object.entries(TABLE_DESIGN.indexes).map(([name, ix]) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: ix.partitionKey, KeyType: 'HASH' },
        { AttributeName: ix.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}

/** Creates the table when it is missing. Returns true when it was created (a new data directory). */
export async function ensureTable(endpoint: string, tableName: string): Promise<boolean> {
  const client = new DynamoDBClient({
    endpoint,
    region: process.env.AWS_REGION ?? 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return false;
  } catch (e) {
    if (!(e instanceof ResourceNotFoundException)) throw e;
  }
  await client.send(new CreateTableCommand(createTableInput(tableName)));
  // CreateTable answers while the table is still CREATING (dynalite flips it to ACTIVE on a timer, DynamoDB
  // within seconds); a query before then fails with ResourceNotFoundException.
  await waitUntilTableExists({ client, maxWaitTime: 120, minDelay: 1 }, { TableName: tableName });
  client.destroy();
  return true;
}

/** A running embedded dynalite. */
export interface EmbeddedDynamo {
  endpoint: string;
  /** The crash repair run before the store was opened, if one ran. */
  repair: RepairReport | undefined;
  /**
   * Stops the engine: waits for the requests it is serving, closes the store, and marks the shutdown clean
   * (so the next start skips the repair). A store closed while a request was still being served is not marked.
   */
  close(): Promise<void>;
}

export interface DynaliteOptions {
  /**
   * When to run the crash repair of an on-disk store before opening it: `auto` (default) when the previous run
   * did not shut down cleanly, `always` at every start.
   */
  repair?: 'auto' | 'always';
  /** Where the repair's log line goes (one JSON object); stdout by default, like the rest of the local stack. */
  log?: (line: Record<string, unknown>) => void;
}

/** The file that says the store at `storePath` was closed cleanly; it sits beside the store, in the data directory. */
export function cleanShutdownMarker(storePath: string): string {
  return `${storePath}.clean-shutdown`;
}

const logToStdout = (line: Record<string, unknown>) => console.log(JSON.stringify(line));

/**
 * Before dynalite opens an on-disk store: repairs it when the last run was killed (no clean-shutdown marker) or
 * when asked to, after removing the marker, so that a run killed from here on (this repair included) is not
 * taken for a clean one. A new data directory has no store yet and nothing to repair.
 */
async function prepareStore(path: string, options: DynaliteOptions): Promise<RepairReport | undefined> {
  const marker = cleanShutdownMarker(path);
  const hasStore = existsSync(join(path, 'CURRENT'));
  const wasClean = existsSync(marker);
  rmSync(marker, { force: true });
  if (!hasStore) return undefined;
  let reason: string;
  if (options.repair === 'always') reason = 'asked for (REPAIR_INDEXES=always)';
  else if (!wasClean) reason = 'the previous run did not shut down cleanly';
  else return undefined;
  const report = await repairIndexes(path);
  (options.log ?? logToStdout)(repairLogLine(report, reason));
  return report;
}

/**
 * Counts the requests dynalite is serving. A request counts from its arrival until dynalite answers it (it
 * answers a write only after the write's last LevelDB put), or until its client goes away before sending the
 * whole body (dynalite then never starts it).
 */
function countRequests(server: Server): () => number {
  let inFlight = 0;
  const handlers = server.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    inFlight++;
    let done = false;
    const finish = () => {
      if (!done) inFlight--;
      done = true;
    };
    const end = res.end;
    res.end = function (this: ServerResponse, ...args: unknown[]) {
      finish();
      return (end as (...a: unknown[]) => ServerResponse).apply(this, args);
    } as ServerResponse['end'];
    req.once('close', () => {
      if (!req.complete) finish();
    });
    for (const handler of handlers) handler.call(server, req, res);
  });
  return () => inFlight;
}

/** How long a close waits for the requests being served before it cuts them off (and marks nothing clean). */
const DRAIN_MS = 5_000;

/**
 * Starts dynalite on loopback, on disk when `path` is given (in memory otherwise). Tables become ACTIVE at
 * once (`createTableMs: 0`), or a write right after CreateTable would fail. An on-disk store is repaired first
 * when the previous run was killed (see `index-repair.ts`).
 */
export async function startDynalite(path?: string, options: DynaliteOptions = {}): Promise<EmbeddedDynamo> {
  const repair = path ? await prepareStore(path, options) : undefined;
  const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const inFlight = countRequests(server);
  // Port 0: the kernel picks a free port atomically, so parallel test processes cannot race for one.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    repair,
    close: async () => {
      // dynalite's close stops listening, waits until every connection is gone, then closes the store.
      const closed = new Promise<Error | undefined>((resolve) => server.close((err) => resolve(err ?? undefined)));
      const deadline = Date.now() + DRAIN_MS;
      while (inFlight() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      // Checked and cut in one tick: no request can start in between, so a drained store is closed between writes.
      const cut = inFlight();
      server.closeAllConnections?.();
      const err = await closed;
      if (!path) return;
      if (cut === 0 && !err) {
        writeFileSync(cleanShutdownMarker(path), `${JSON.stringify({ closedAt: new Date() })}\n`);
      } else {
        (options.log ?? logToStdout)({
          level: 'WARN',
          message: 'embedded store closed with writes possibly cut: the next start checks it',
          requestsCut: cut,
          error: err?.message,
        });
      }
    },
  };
}
