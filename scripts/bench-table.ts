import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureTable, startDynalite } from '#infra/local/dynamo.ts';

/**
 * The table a benchmark runs on: a fresh on-disk dynalite, the environment the handlers read at import (set
 * before any of them is imported), and the table created from the shared design. `close()` removes it all.
 */
export async function startBenchTable(name: string) {
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  const dir = mkdtempSync(join(tmpdir(), `${name}-`));
  const dynamo = await startDynalite(join(dir, 'dynamodb'));
  process.env.TABLE_NAME = 'bench';
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.ID_HASH_KEY = randomBytes(32).toString('base64');
  await ensureTable(dynamo.endpoint, 'bench');
  return {
    dir,
    endpoint: dynamo.endpoint,
    close: async () => {
      await dynamo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
