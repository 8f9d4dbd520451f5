import type { ImportRunner } from '#shared/imports/index.ts';

/**
 * The local stand-in for the import worker's asynchronous invocations (imports and carry-overs): chunks run in this process, one job at a
 * time per call, each chunk checkpointed as on AWS. `idle()` waits for every started job (tests, benchmarks).
 */
export function localImportRunner(opts: { chunkRows?: number; onError?: (e: unknown) => void } = {}) {
  const inFlight = new Set<Promise<void>>();
  const runner: ImportRunner & { idle(): Promise<void> } = {
    async continue(importId) {
      const run = (async () => {
        // Yield first, so the request that started the job answers before its chunks run.
        await new Promise((r) => setImmediate(r));
        // Loaded here, not at the top: the table's client reads TABLE_NAME when loaded, which the local stack
        // sets only as it starts (infra/local/stack.ts imports this module before that).
        const { runJob } = await import('#functions/lib/background-jobs.ts');
        while ((await runJob(importId, { chunkRows: opts.chunkRows })) === 'more');
      })().catch((e) => opts.onError?.(e));
      inFlight.add(run);
      void run.finally(() => inFlight.delete(run));
    },
    async idle() {
      while (inFlight.size) await Promise.all([...inFlight]);
    },
  };
  return runner;
}
