import { FundImport, fundImportFromCsv, importFundLedger } from '#shared/fund/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /fund-ledger: an admin imports finance's disbursements, as JSON or as CSV with the same columns. */
export const handler = apiHandler({ body: FundImport, csv: fundImportFromCsv }, async ({ body, now }) => ({
  json: await importFundLedger(db, body, now),
}));
