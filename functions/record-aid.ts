import { recordAid } from '#shared/aid/ledger.ts';
import { NewAidRecord } from '#shared/aid/rules.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';

/** POST /aid-records: a paired cadre records aid; `Idempotency-Key` makes a retried form record once. */
export const handler = apiHandler({ body: NewAidRecord }, async ({ caller, body, headers, now, requestId }) => {
  // recordAid checks the key as part of its input (400 `aid.idempotency_key`), for the API and the aid form alike.
  const { record, created } = await recordAid(
    db,
    caller,
    headers['idempotency-key'] ?? '',
    body,
    now,
    { requestId },
    getObjectStore(),
  );
  return { status: created ? 201 : 200, json: record };
});
