import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { LOCAL_ACCOUNTS, registerLocalAccounts } from '#functions/lib/accounts.ts';
import { registerLocalFieldCipher } from '#functions/lib/cipher.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import { registerLocalImportRunner } from '#functions/lib/import-jobs.ts';
import { registerLocalObjectStore } from '#functions/lib/objects.ts';
import { registerLocalSession } from '#functions/lib/session.ts';
import { registerLocalWorkflow } from '#functions/lib/workflow.ts';
import { envelopeCipher, localDataKeySource } from '#shared/crypto/index.ts';
import { createDb } from '#shared/db.ts';
import { resumeStaleExports } from '#shared/exports/job.ts';
import { sealLegacyHouseholds } from '#shared/household/index.ts';
import { resumeStaleImports } from '#shared/imports/index.ts';
import { indexLegacyPairings } from '#shared/pairing/list.ts';
import { migrateRegistry } from '#shared/registry/migrate.ts';
import { loadDemoData } from './demo-data.ts';
import { type EmbeddedDynamo, ensureTable, startDynalite } from './dynamo.ts';
import { localExportRunner } from './exports.ts';
import { localImportRunner } from './imports.ts';
import { LocalObjectStore } from './objects.ts';
import { startLocalServer } from './server.ts';
import { localSignInSession } from './session.ts';
import { decideLocalSignIn, type LocalSignInDecision } from './sign-in.ts';
import { LocalWorkflow } from './workflow.ts';

/**
 * The whole product on one machine: an embedded dynalite on disk (or a DynamoDB-compatible endpoint), the
 * table, demo data for a new data directory, and the HTTP server in front of the Lambda handlers.
 * Configuration is the contract of issue #2: PORT, DATA_DIR, DYNAMODB_ENDPOINT, TABLE_NAME, DEMO_DATA; and
 * REPAIR_INDEXES=always to run the embedded store's crash repair at every start, not only after a killed run;
 * LOCAL_SIGN_IN (on, off, or unset: on unless DYNAMODB_ENDPOINT points at another machine).
 */
export interface LocalStackOptions {
  port: number;
  dataDir: string;
  tableName: string;
  dynamodbEndpoint?: string | undefined;
  demoData: boolean;
  /** When the embedded store's crash repair runs (`infra/local/index-repair.ts`); `auto` after a killed run. */
  repairIndexes?: 'auto' | 'always';
  /** Whether local sign-in is served (`sign-in.ts`); when not given, decided from `dynamodbEndpoint` alone. */
  localSignIn?: LocalSignInDecision;
}

/** Reads the options from the environment, with the documented defaults. */
export function optionsFromEnv(env = process.env): LocalStackOptions {
  return {
    port: Number(env.PORT ?? 3000),
    dataDir: resolve(env.DATA_DIR ?? '.data'),
    tableName: env.TABLE_NAME || 'linkage-aid',
    dynamodbEndpoint: env.DYNAMODB_ENDPOINT || undefined,
    demoData: env.DEMO_DATA !== 'off',
    repairIndexes: env.REPAIR_INDEXES === 'always' ? 'always' : 'auto',
    localSignIn: decideLocalSignIn(env),
  };
}

interface LocalKeys {
  jwtKey: string;
  idHashKey: string;
  /** Master key of the personal-data envelope encryption: the local stand-in for the KMS key. */
  dataKey: string;
}

/**
 * Secrets of this data directory, generated on first start and kept (tokens survive a restart). A directory
 * made before a key existed gets the missing key added; the keys it has are never replaced.
 */
export function loadKeys(dataDir: string): LocalKeys {
  const file = join(dataDir, 'keys.json');
  const found = (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}) as Partial<LocalKeys>;
  const fresh = () => randomBytes(32).toString('base64');
  const keys: LocalKeys = {
    jwtKey: found.jwtKey ?? fresh(),
    idHashKey: found.idHashKey ?? fresh(),
    dataKey: found.dataKey ?? fresh(),
  };
  if (!found.jwtKey || !found.idHashKey || !found.dataKey) {
    writeFileSync(file, JSON.stringify(keys), { mode: 0o600 });
  }
  return keys;
}

export interface LocalStack {
  url: string;
  endpoint: string;
  demoLoaded: boolean;
  workflow: LocalWorkflow;
  /** Verifications that were in flight when the stack started, and were resumed. */
  resumed: string[];
  /** Imports that were running when the stack started, continued from their checkpoints. */
  resumedImports: string[];
  close(): Promise<void>;
}

export async function startLocalStack(opts: LocalStackOptions): Promise<LocalStack> {
  mkdirSync(opts.dataDir, { recursive: true });
  const keys = loadKeys(opts.dataDir);
  let dynamo: EmbeddedDynamo | undefined;
  if (!opts.dynamodbEndpoint) {
    dynamo = await startDynalite(join(opts.dataDir, 'dynamodb'), { repair: opts.repairIndexes ?? 'auto' });
  }
  const endpoint = opts.dynamodbEndpoint ?? dynamo!.endpoint;

  // The handlers read their configuration from the environment at import, exactly as on Lambda.
  process.env.TABLE_NAME = opts.tableName;
  process.env.DYNAMODB_ENDPOINT = endpoint;
  process.env.ID_HASH_KEY = keys.idHashKey;

  const created = await ensureTable(endpoint, opts.tableName);
  const db = createDb({ table: opts.tableName, endpoint });
  const cipher = envelopeCipher(localDataKeySource(Buffer.from(keys.dataKey, 'base64')));
  registerLocalFieldCipher(cipher);
  const secrets = { idHashKey: Buffer.from(keys.idHashKey, 'base64'), cipher };
  // A data directory from before ID numbers were encrypted holds them in plaintext: sealed here, once.
  if (!created) await sealLegacyHouseholds({ db, cipher });
  // Pairings from before the unit-year listing: indexed here, once.
  if (!created) await indexLegacyPairings(db);
  // A data directory from before regions and the registry's lists: listing keys, ID hashes and name guards, once.
  if (!created) await migrateRegistry(db);
  const demoLoaded = created && opts.demoData;
  if (demoLoaded) await loadDemoData(db, secrets, new Date());

  const workflow = new LocalWorkflow(db);
  registerLocalWorkflow(workflow);
  const objects = new LocalObjectStore(join(opts.dataDir, 'objects'), Buffer.from(keys.jwtKey, 'base64'));
  registerLocalObjectStore(objects);
  const jwtKey = Buffer.from(keys.jwtKey, 'base64');
  const localSignIn = opts.localSignIn ?? decideLocalSignIn({ DYNAMODB_ENDPOINT: opts.dynamodbEndpoint });
  // The pages verify cookies through the local session either way; sign-in (demo users, invited users) only while
  // local sign-in is on. Accounts have no directory here: the user list is the directory.
  registerLocalSession(localSignInSession({ jwtKey, db, enabled: localSignIn.enabled }));
  registerLocalAccounts(LOCAL_ACCOUNTS);
  const { server, url } = await startLocalServer({
    port: opts.port,
    jwtKey: Buffer.from(keys.jwtKey, 'base64'),
    inspectExecution: (name) => workflow.executions.get(name),
    objects,
    localSignIn,
  });
  objects.baseUrl = url;
  const resumed = await workflow.resume();
  // Imports that were running when the stack stopped continue from their last checkpoint.
  const imports = localImportRunner({
    onError: (e) => console.log(JSON.stringify({ level: 'ERROR', message: 'import chunk failed', error: String(e) })),
  });
  registerLocalImportRunner(imports);
  const resumedImports = await resumeStaleImports(db, imports, new Date(), 0);
  // Exports too: in-process, as imports run, continued from their checkpoint (or their start) at start.
  const exportRunner = localExportRunner({
    onError: (e) => console.log(JSON.stringify({ level: 'ERROR', message: 'export run failed', error: String(e) })),
  });
  registerLocalExportRunner(exportRunner);
  resumedImports.push(...(await resumeStaleExports(db, exportRunner, new Date(), 0)));
  return {
    url,
    endpoint,
    demoLoaded,
    workflow,
    resumed,
    resumedImports,
    close: async () => {
      await closeServer(server);
      await imports.idle();
      registerLocalImportRunner(undefined);
      await exportRunner.idle();
      registerLocalExportRunner(undefined);
      await workflow.close();
      registerLocalWorkflow(undefined);
      registerLocalObjectStore(undefined);
      registerLocalSession(undefined);
      registerLocalAccounts(undefined);
      registerLocalFieldCipher(undefined);
      await dynamo?.close();
    },
  };
}

/** How long a stop waits for requests being answered before it cuts their connections. */
const CLOSE_GRACE_MS = 2_000;

/** Stops listening, lets requests in progress finish (at most CLOSE_GRACE_MS), then cuts what is left. */
function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
