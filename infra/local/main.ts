import { DEMO_USERS } from './demo-data.ts';
import { optionsFromEnv, startLocalStack } from './stack.ts';

/** `npm start`: the local stack in the foreground until Ctrl-C. */
// Local writes answer in milliseconds and are fenced at WRITE_FENCE_MS (1 s), so a short settle is enough here;
// on AWS the default covers an API function's 30 s.
process.env.FREEZE_SETTLE ||= 'PT2S';
const opts = optionsFromEnv();
const stack = await startLocalStack(opts);
console.log(
  JSON.stringify({
    level: 'INFO',
    message: 'linkage-aid local stack listening',
    url: stack.url,
    dataDir: opts.dataDir,
    dynamodb: opts.dynamodbEndpoint ?? 'embedded dynalite',
    table: opts.tableName,
    demoDataLoaded: stack.demoLoaded,
    resumedVerifications: stack.resumed,
    demoUsers: Object.keys(DEMO_USERS),
  }),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stack.close().then(() => process.exit(0));
  });
}
