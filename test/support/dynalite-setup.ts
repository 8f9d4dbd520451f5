import { randomBytes } from 'node:crypto';
import { afterAll } from 'vitest';
import { ensureTable, startDynalite } from '#infra/local/dynamo.ts';

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

afterAll(() => dynamo.close());
