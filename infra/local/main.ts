import { DEMO_USERS } from './demo-data.ts';
import { type LocalStack, optionsFromEnv, startLocalStack } from './stack.ts';

/**
 * `npm start`: the local stack in the foreground until Ctrl-C (SIGINT), SIGTERM, or the end of the npm that
 * started it. Stopping closes the server, the workflow runner and the embedded store, then exits; a stop that
 * hangs is cut after STOP_TIMEOUT_MS, and a second signal exits at once.
 */
// Local writes answer in milliseconds and are fenced at WRITE_FENCE_MS (1 s), so a short settle is enough here;
// on AWS the default covers an API function's 30 s.
process.env.FREEZE_SETTLE ||= 'PT2S';

const STOP_TIMEOUT_MS = 10_000;
const log = (level: 'INFO' | 'WARN' | 'ERROR', message: string, extra: Record<string, unknown> = {}) =>
  console.log(JSON.stringify({ level, message, ...extra }));

let started: Promise<LocalStack> | undefined;
let stopping: Promise<never> | undefined;

function stop(why: string, exitCode = 0): Promise<never> {
  if (stopping) {
    // A second signal while stopping: the person at the terminal means it.
    log('WARN', 'linkage-aid local stack stopped without waiting', { why });
    process.exit(exitCode || 130);
  }
  log('INFO', 'linkage-aid local stack stopping', { why });
  setTimeout(() => {
    log('ERROR', 'linkage-aid local stack did not stop in time; exiting', { timeoutMs: STOP_TIMEOUT_MS });
    process.exit(1);
  }, STOP_TIMEOUT_MS).unref();
  stopping = (async () => {
    try {
      // A signal during the start waits for it, so the embedded store is closed cleanly either way.
      await (await started)?.close();
      process.exit(exitCode);
    } catch (e) {
      log('ERROR', 'linkage-aid local stack stop failed', { error: String(e) });
      process.exit(1);
    }
  })();
  return stopping;
}

// Registered before the start, so a signal during it still closes the store cleanly once it is up.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => void stop(signal));
}

// `npm start` runs `sh -c "node …"`, and a SIGTERM to npm ends npm and the shell but reaches no further: the
// server would be left running with no parent. Started by npm, it stops when its parent goes away.
if (process.env.npm_lifecycle_event) {
  const parent = process.ppid;
  setInterval(() => {
    if (!stopping && process.ppid !== parent) void stop('the npm process that started it has exited');
  }, 500).unref();
}

const opts = optionsFromEnv();
const signIn = opts.localSignIn!;
if (!signIn.enabled) {
  log('WARN', `local sign-in is off (POST /auth/dev-token and /app/dev-login answer 404): ${signIn.reason}`);
} else if (signIn.remoteEndpoint) {
  log('WARN', `local sign-in is on: ${signIn.reason}`);
}
started = startLocalStack(opts);
const stack = await started;
if (stopping) await stopping;
log('INFO', 'linkage-aid local stack listening', {
  url: stack.url,
  dataDir: opts.dataDir,
  dynamodb: opts.dynamodbEndpoint ?? 'embedded dynalite',
  table: opts.tableName,
  demoDataLoaded: stack.demoLoaded,
  resumedVerifications: stack.resumed,
  resumedImports: stack.resumedImports,
  demoUsers: signIn.enabled ? Object.keys(DEMO_USERS) : [],
  localSignIn: signIn.enabled ? 'on' : 'off',
});
