import type { ExportRunner } from '#shared/exports/job.ts';
import type { RunOptions } from '#shared/exports/run.ts';

/**
 * The local stand-in for the export worker's asynchronous invocations: runs in this process, handing over after
 * every `handOverEvery` chunks when asked (tests force the checkpoint and continuation AWS goes through), as the
 * worker does when its time runs short. `idle()` waits for every started job (tests, benchmarks).
 */
export function localExportRunner(
  opts: Omit<RunOptions, 'shouldStop'> & { handOverEvery?: number; onError?: (e: unknown) => void } = {},
) {
  const inFlight = new Set<Promise<void>>();
  const runner: ExportRunner & { idle(): Promise<void> } = {
    async continue(exportId) {
      const run = (async () => {
        // Yield first, so the request that started the job answers before its chunks run.
        await new Promise((r) => setImmediate(r));
        // Loaded here: the table's client reads TABLE_NAME when loaded, which the local stack sets as it starts.
        const [{ runExport }, { db }, { getObjectStore }] = await Promise.all([
          import('#shared/exports/run.ts'),
          import('#functions/lib/clients.ts'),
          import('#functions/lib/objects.ts'),
        ]);
        for (;;) {
          let chunks = 0;
          const shouldStop = opts.handOverEvery ? () => ++chunks >= opts.handOverEvery! : undefined;
          const result = await runExport(db, getObjectStore(), exportId, {
            ...opts,
            ...(shouldStop ? { shouldStop } : {}),
          });
          if (result !== 'more') break;
        }
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
