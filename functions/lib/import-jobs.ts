import type { ImportRunner } from '#shared/imports/index.ts';
import { INLINE_LIMIT, type InlineLimit } from '#shared/pairing/carry-over-jobs.ts';
import { getStringFromEnv } from './env.ts';
import { localPort, registerLocalPort } from './local-ports.ts';

/**
 * The engine that runs an import's chunks in the background. On AWS: an asynchronous invocation (`Event`) of
 * the import-worker function (IMPORT_WORKER_FUNCTION), which processes chunks until its time runs short and
 * then invokes itself for the rest, so no job depends on one invocation's 15 minutes. Lambda retries a failed
 * asynchronous invocation twice; the sweep (`resume-imports`) continues a job whose checkpoint has gone stale.
 * In the local stack: the in-process runner registered by `infra/local/` (and tests).
 */
export function getImportRunner(): ImportRunner {
  return localPort('imports') ?? lambdaRunner();
}

/** Registers the local runner (local stack, tests and scripts only). */
export function registerLocalImportRunner(runner: ImportRunner | undefined): void {
  registerLocalPort('imports', runner);
}

let runner: ImportRunner | undefined;

/** The AWS runner, on a given client (tests pass one whose `send` is intercepted at the SDK boundary). */
export function lambdaImportRunner(client?: { send(command: unknown): Promise<unknown> }): ImportRunner {
  const sdk = import('@aws-sdk/client-lambda');
  return {
    async continue(importId) {
      const { LambdaClient, InvokeCommand } = await sdk;
      const send = client ?? new LambdaClient({});
      await send.send(
        new InvokeCommand({
          // The worker names itself `self` (its own name would make the function depend on itself in CDK).
          FunctionName: workerName(),
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ importId })),
        }),
      );
    },
  };
}

function workerName(): string {
  const name = getStringFromEnv('IMPORT_WORKER_FUNCTION');
  return name === 'self' ? getStringFromEnv('AWS_LAMBDA_FUNCTION_NAME') : name;
}

function lambdaRunner(): ImportRunner {
  runner ??= lambdaImportRunner();
  return runner;
}

/**
 * How much of a carry-over commit runs inside the request (the API's and the pairings page's alike);
 * CARRY_OVER_INLINE_PAIRINGS lowers it (tests force a small commit into the background).
 */
export function carryOverInlineLimit(): InlineLimit {
  const pairings = Number(process.env.CARRY_OVER_INLINE_PAIRINGS);
  return Number.isInteger(pairings) && pairings > 0 ? { ...INLINE_LIMIT, pairings } : INLINE_LIMIT;
}
