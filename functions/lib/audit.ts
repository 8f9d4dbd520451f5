import type middy from '@middy/core';
import { type AuditDetail, type AuditEntry, recordAudit } from '#shared/audit/index.ts';
import { type Caller, callerFromClaims } from '#shared/caller.ts';
import type { ApiEvent, ApiResult } from './api-event.ts';
import { logger } from './logger.ts';

/**
 * The audit trail's alarm metric (namespace `LinkageAid`, dimension `service`, what infra/monitoring.ts alarms on),
 * as one embedded-metric log line: CloudWatch's EMF, a JSON line with an `_aws` block, which CloudWatch turns into
 * a metric without an API call. Written here rather than with Powertools Metrics, which would add ~14 KB to every
 * Lambda that audits (each page Lambda is near its 250 KB budget) for this single line.
 */
function publishAuditWriteFailed(): void {
  const line = {
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [
        { Namespace: 'LinkageAid', Dimensions: [['service']], Metrics: [{ Name: 'AuditWriteFailed', Unit: 'Count' }] },
      ],
    },
    service: 'linkage-aid',
    AuditWriteFailed: 1,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/**
 * The audit trail's one writer: a middy middleware that `apiHandler` registers for every API handler. After a
 * write (any method but GET/HEAD/OPTIONS) is answered with a 2xx, it appends an entry: who (token subject and
 * roles), which route, which entity, when, and the request id. It never reads the request body, so no names,
 * ID numbers or amounts reach the trail.
 *
 * Which entity: the path's `id` (or an account's `username`) when the route has one (`POST
 * /aid-records/{id}/reversal` → the entry reversed); else the id of what the write created, from the JSON answer
 * (`id`, then `householdId` for a pairing, then `key` for an upload, then `username` for an invited account); else
 * the route's collection (`fund-ledger` for an import).
 *
 * A failed audit write does not fail the request: by then the write it describes has happened (the ledger
 * entry is stored), and a 500 would make the client retry a write that succeeded. It is logged as an error
 * with an embedded CloudWatch metric (`LinkageAid/AuditWriteFailed`), which `infra/monitoring.ts` alarms on.
 */

/** Methods that change nothing, never audited. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Routes whose one write is an append-only ledger entry that carries its own audit facts (request id, actor,
 * route) and sits in the day's audit listing: a second write here would double the cost of recording aid.
 */
const SELF_AUDITED = new Set(['POST /aid-records', 'POST /aid-records/{id}/reversal']);

/** Where entries go; the table by default, replaceable in tests. */
export type AuditSink = (entry: AuditEntry) => Promise<void>;

async function tableSink(entry: AuditEntry): Promise<void> {
  // Loaded on first write, so functions that never write (`health` has no table at all) need no TABLE_NAME.
  const { db } = await import('./clients.ts');
  await recordAudit(db, entry);
}

let sink: AuditSink = tableSink;

/** Replaces where audit entries go (tests that make the write fail); `undefined` restores the table. */
export function setAuditSink(next: AuditSink | undefined): void {
  sink = next ?? tableSink;
}

/** Who made the request, from the JWT authorizer's claims; `public` when there are none. */
export function callerOf(event: ApiEvent): Pick<Caller, 'sub' | 'roles'> {
  try {
    return callerFromClaims(event.requestContext?.authorizer?.jwt?.claims);
  } catch {
    return { sub: 'public', roles: new Set() };
  }
}

/** The entity a write concerns; see the module comment for the order. */
export function entityIdOf(event: ApiEvent, response: ApiResult): string {
  const fromPath = event.pathParameters?.id ?? event.pathParameters?.username;
  if (fromPath) return fromPath;
  if (response.headers?.['content-type']?.startsWith('application/json')) {
    try {
      const body = JSON.parse(response.body) as Record<string, unknown>;
      for (const field of ['id', 'householdId', 'key', 'username']) {
        if (typeof body[field] === 'string' && body[field]) return body[field];
      }
    } catch {
      // not JSON after all: fall back to the collection
    }
  }
  const path = event.routeKey?.split(' ')[1] ?? event.rawPath ?? '';
  return path.split('/').find(Boolean) ?? 'root';
}

/** An entry of the trail: the one shape every writer (the API middleware, the pages) appends. */
export function auditEntry(fields: {
  caller: Pick<Caller, 'sub' | 'roles'>;
  action: string;
  entityId: string;
  requestId: string | undefined;
  status: number;
  at: Date;
  detail?: AuditDetail | undefined;
}): AuditEntry {
  return {
    at: fields.at.toISOString(),
    actor: fields.caller.sub,
    roles: [...fields.caller.roles].sort(),
    action: fields.action,
    entityId: fields.entityId,
    requestId: fields.requestId ?? 'local',
    status: fields.status,
    ...fields.detail,
  };
}

/**
 * What handlers said about their writes (an edit's before and after, a reason), by request event: the handler
 * knows what it changed, the middleware writes the entry, and the body still never reaches the trail.
 */
const details = new WeakMap<object, AuditDetail>();

/** Adds a handler's detail to the audit entry of the request it is serving (`Reply.audit` in http.ts). */
export function setAuditDetail(event: ApiEvent, detail: AuditDetail): void {
  details.set(event, detail);
}

/** The audit entry of an answered write, or undefined when the request is not an audited write. */
export function auditEntryOf(
  event: ApiEvent,
  response: ApiResult | undefined,
  at: Date,
  who: (event: ApiEvent) => Pick<Caller, 'sub' | 'roles'> = callerOf,
): AuditEntry | undefined {
  const method = (event.requestContext?.http?.method ?? event.routeKey?.split(' ')[0] ?? 'GET').toUpperCase();
  if (!response || READS.has(method) || response.statusCode < 200 || response.statusCode > 299) return undefined;
  if (SELF_AUDITED.has(event.routeKey)) return undefined;
  return auditEntry({
    caller: who(event),
    action: event.routeKey,
    entityId: entityIdOf(event, response),
    requestId: event.requestContext?.requestId,
    status: response.statusCode,
    at,
    detail: details.get(event),
  });
}

/** Appends an entry; a failure is logged with its alarm metric, never thrown (see the module comment). */
export async function appendAudit(entry: AuditEntry): Promise<void> {
  try {
    await sink(entry);
  } catch (e) {
    logger.error('audit write failed', {
      error: e as Error,
      action: entry.action,
      entityId: entry.entityId,
      requestId: entry.requestId,
    });
    // Published as an embedded metric (a log line CloudWatch turns into a metric; no API call), which
    // infra/monitoring.ts alarms on.
    publishAuditWriteFailed();
  }
}

/**
 * The middleware. Registered innermost, so its `after` runs first, on the handler's own answer. A handler whose
 * callers are not in the JWT claims (the pages read a cookie) passes `callerOf` to name them.
 */
export function auditTrail(
  opts: { callerOf?: (event: ApiEvent) => Pick<Caller, 'sub' | 'roles'> } = {},
): middy.MiddlewareObj<ApiEvent, ApiResult> {
  return {
    after: async (request) => {
      const entry = auditEntryOf(request.event, request.response ?? undefined, new Date(), opts.callerOf);
      if (entry) await appendAudit(entry);
    },
  };
}

/**
 * The page Lambdas' audit writer (`PageSite.audit`): a page's successful form post, as the same entry the API's
 * middleware writes (status 303, the post/redirect/get answer), under the public caller when nobody signed in.
 */
export function appendPageAudit(write: {
  caller: Pick<Caller, 'sub' | 'roles'> | undefined;
  action: string;
  entityId: string;
  requestId: string;
  detail?: AuditDetail | undefined;
}): Promise<void> {
  return appendAudit(
    auditEntry({
      caller: write.caller ?? { sub: 'public', roles: new Set() },
      action: write.action,
      entityId: write.entityId,
      requestId: write.requestId,
      status: 303,
      at: new Date(),
      ...(write.detail ? { detail: write.detail } : {}),
    }),
  );
}
