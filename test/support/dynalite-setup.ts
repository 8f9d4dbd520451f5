import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { LOCAL_ACCOUNTS, registerLocalAccounts } from '#functions/lib/accounts.ts';
import { registerLocalFieldCipher } from '#functions/lib/cipher.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import { registerLocalObjectStore } from '#functions/lib/objects.ts';
import { ensureTable, startDynalite } from '#infra/local/dynamo.ts';
import { localExportRunner } from '#infra/local/exports.ts';
import { LocalObjectStore } from '#infra/local/objects.ts';
import { envelopeCipher, localDataKeySource } from '#shared/crypto/index.ts';

/**
 * Integration setup: an in-memory dynalite for this test file, with the table created from the shared design.
 * The environment is set before the test file imports any handler, because handlers read it at import
 * (as on Lambda).
 */
const dynamo = await startDynalite();
process.env.TABLE_NAME = 'linkage-aid-test';
process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
process.env.ID_HASH_KEY = randomBytes(32).toString('base64');
await ensureTable(dynamo.endpoint, process.env.TABLE_NAME);
// Handlers that store images use the local object store, in a temporary directory of this test file.
registerLocalObjectStore(new LocalObjectStore(mkdtempSync(join(tmpdir(), 'objects-')), randomBytes(32)));
// ID numbers are sealed under a master key of this test file, as the local stack seals them under keys.json's.
registerLocalFieldCipher(envelopeCipher(localDataKeySource(randomBytes(32))));

// Export jobs run in-process, as in the local stack (a test may register its own runner).
registerLocalExportRunner(localExportRunner());

// Accounts have no directory locally, as in the local stack (a test of the Cognito path removes it).
registerLocalAccounts(LOCAL_ACCOUNTS);

afterAll(() => dynamo.close());
