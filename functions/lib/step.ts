import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Db } from '#shared/db.ts';
import { db } from './clients.ts';
import { logger } from './logger.ts';

/**
 * A workflow step Lambda: Step Functions invokes it with the state's Payload and gets back its result. Errors
 * propagate, so the state's Retry and Catch apply. The local runner calls the very same handler.
 */
export function stepHandler<I extends { verificationId: string }, O>(
  name: string,
  step: (db: Db, input: I) => Promise<O>,
) {
  return middy<I, O, Error, Context>({ timeoutEarlyInMillis: 0 }).handler(async (input) => {
    const started = Date.now();
    const out = await step(db, input);
    logger.info('step', { step: name, verificationId: input.verificationId, ms: Date.now() - started });
    return out;
  });
}
