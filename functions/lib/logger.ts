import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';

/** The logger of the request a piece of work serves, for as long as its async flow lasts. */
const requestScope = new AsyncLocalStorage<Logger>();

/** A logger for one request: the base logger's child, with `requestId` as a persistent key. */
function loggerFor(requestId: string): Logger {
  const child = base.createChild();
  child.appendPersistentKeys({ requestId });
  return child;
}

/**
 * Marks the rest of the current async flow as serving `requestId`: every line logged in it carries
 * `requestId`. API handlers enter it with API Gateway's request id (the one in the access log and the audit
 * trail), workflow steps with the Lambda invocation's. Each flow gets a child logger of its own (rather than
 * keys appended to the one logger), because the local server serves many requests at once in one process.
 */
export function enterRequestScope(requestId: string): void {
  requestScope.enterWith(loggerFor(requestId));
}

/** Runs `fn` as serving `requestId` (see `enterRequestScope`), without touching the caller's flow. */
export function inRequestScope<T>(requestId: string, fn: () => Promise<T>): Promise<T> {
  return requestScope.run(loggerFor(requestId), fn);
}

/** A resident ID number, or its 17-digit body, anywhere in a string. */
const RESIDENT_ID = /\d{17}[\dXx]?/g;

/**
 * The last line of defence, applied to every value of every line: nothing that looks like a resident ID
 * number is written (an error message from a dependency could echo one), nor any value of a field named like
 * a token (task tokens complete workflow steps). Code never logs either on purpose.
 */
export function redactForLog(key: string, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (/token/i.test(key)) return '[redacted]';
  return value.replace(RESIDENT_ID, '[redacted id]');
}

/**
 * One structured JSON logger for every function. Request bodies are never logged: they carry resident ID
 * numbers and names; nor are task tokens. The level comes from POWERTOOLS_LOG_LEVEL (tests set SILENT).
 */
const base = new Logger({
  serviceName: 'linkage-aid',
  jsonReplacerFn: redactForLog,
  // The functions of a stack share one log group (infra/functions.ts): each line names the function it came from.
  ...(process.env.AWS_LAMBDA_FUNCTION_NAME
    ? { persistentKeys: { function: process.env.AWS_LAMBDA_FUNCTION_NAME } }
    : {}),
});

/** The logger of the current request's flow (see `enterRequestScope`), or the base logger outside one. */
export const logger: Logger = new Proxy(base, {
  get(target, prop) {
    const current = requestScope.getStore() ?? target;
    const value = Reflect.get(current, prop, current);
    return typeof value === 'function' ? value.bind(current) : value;
  },
});
