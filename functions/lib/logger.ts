import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogItemExtraInput, LogItemMessage } from '@aws-lambda-powertools/logger/types';

/** The request a piece of work serves, for as long as its async flow lasts. */
const requestScope = new AsyncLocalStorage<{ requestId: string }>();

/**
 * Marks the rest of the current async flow as serving `requestId`: every line logged in it carries
 * `requestId`. API handlers enter it with API Gateway's request id (the one in the access log and the audit
 * trail), workflow steps with the Lambda invocation's. An AsyncLocalStorage rather than the logger's appended
 * keys, because the local server serves many requests at once through one logger.
 */
export function enterRequestScope(requestId: string): void {
  requestScope.enterWith({ requestId });
}

/** Runs `fn` as serving `requestId` (see `enterRequestScope`), without touching the caller's flow. */
export function inRequestScope<T>(requestId: string, fn: () => Promise<T>): Promise<T> {
  return requestScope.run({ requestId }, fn);
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

/** Powertools' logger, with the request id of the current flow on every line. */
class RequestLogger extends Logger {
  protected override createAndPopulateLogItem(logLevel: number, input: LogItemMessage, extra: LogItemExtraInput) {
    const requestId = requestScope.getStore()?.requestId;
    const withId = requestId ? ([...extra, { requestId }] as LogItemExtraInput) : extra;
    return super.createAndPopulateLogItem(logLevel, input, withId);
  }
}

/**
 * One structured JSON logger for every function. Request bodies are never logged: they carry resident ID
 * numbers and names; nor are task tokens. The level comes from POWERTOOLS_LOG_LEVEL (tests set SILENT).
 */
export const logger: Logger = new RequestLogger({ serviceName: 'linkage-aid', jsonReplacerFn: redactForLog });
