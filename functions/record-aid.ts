import { recordAid } from '#shared/aid/ledger.ts';
import { IdempotencyKey, NewAidRecord } from '#shared/aid/rules.ts';
import { AppError } from '#shared/errors.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /aid-records: a paired cadre records aid; `Idempotency-Key` makes a retried form record once. */
export const handler = apiHandler({ body: NewAidRecord }, async ({ caller, body, headers, now, requestId }) => {
  const key = IdempotencyKey.safeParse(headers['idempotency-key']);
  if (!key.success) {
    const message = key.error.issues[0]?.message ?? '缺少 Idempotency-Key 请求头';
    throw new AppError('aid.idempotency_key', message, [{ path: 'Idempotency-Key', message }]);
  }
  const { record, created } = await recordAid(db, caller, key.data, body, now, { requestId });
  return { status: created ? 201 : 200, json: record };
});
