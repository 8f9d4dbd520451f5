import type { ExportRunner } from '#shared/exports/job.ts';
import { getStringFromEnv } from './env.ts';
import { localPort, registerLocalPort } from './local-ports.ts';

/**
 * The engine that runs export jobs. On AWS: an asynchronous invocation (`Event`) of the export-worker function
 * (EXPORT_WORKER_FUNCTION), which writes chunks until its time runs short and then invokes itself for the rest;
 * the imports' sweep continues a job whose heartbeat has gone stale. Locally: the in-process runner.
 */
export function getExportRunner(): ExportRunner {
  return localPort('exports') ?? lambdaRunner();
}

/** Registers the local runner (local stack, tests and scripts only). */
export function registerLocalExportRunner(runner: ExportRunner | undefined): void {
  registerLocalPort('exports', runner);
}

/** The AWS runner, on a given client (tests pass one whose `send` is intercepted at the SDK boundary). */
export function lambdaExportRunner(client?: { send(command: unknown): Promise<unknown> }): ExportRunner {
  const sdk = import('@aws-sdk/client-lambda');
  return {
    async continue(exportId) {
      const { LambdaClient, InvokeCommand } = await sdk;
      const send = client ?? new LambdaClient({});
      const name = getStringFromEnv('EXPORT_WORKER_FUNCTION');
      await send.send(
        new InvokeCommand({
          // The worker names itself `self` (its own name would make the function depend on itself in CDK).
          FunctionName: name === 'self' ? getStringFromEnv('AWS_LAMBDA_FUNCTION_NAME') : name,
          InvocationType: 'Event',
          Payload: new TextEncoder().encode(JSON.stringify({ exportId })),
        }),
      );
    },
  };
}

let runner: ExportRunner | undefined;
function lambdaRunner(): ExportRunner {
  runner ??= lambdaExportRunner();
  return runner;
}
