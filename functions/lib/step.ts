import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Db } from '#shared/db.ts';
import { db } from './clients.ts';
import { inRequestScope, logger } from './logger.ts';

/**
 * A workflow step Lambda: Step Functions invokes it with the state's Payload and gets back its result. Errors
 * propagate, so the state's Retry and Catch apply. The local runner calls the very same handler.
 */
export function stepHandler<I extends { verificationId: string }, O>(
  name: string,
  step: (db: Db, input: I) => Promise<O>,
) {
  return middy<I, O, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((input, context) =>
    // A step's lines carry its invocation's id, never its input (the decision task's input holds a task token).
    inRequestScope(context.awsRequestId, async () => {
      const started = Date.now();
      const out = await step(db, input);
      logger.info('step', { step: name, verificationId: input.verificationId, ms: Date.now() - started });
      return out;
    }),
  );
}
