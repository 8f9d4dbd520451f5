import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import * as z from 'zod';
import { zhCN } from 'zod/locales';
import type { AuditDetail } from '#shared/audit/index.ts';
import { type Caller, callerFromClaims, type Role } from '#shared/caller.ts';
import { AppError, type ErrorCode, type FieldIssue, RateLimitedError } from '#shared/errors.ts';
import { parseInput } from '#shared/validate.ts';
import { ROUTES, type RouteDef } from '../routes.ts';
import type { ApiEvent, ApiResult } from './api-event.ts';
import { auditTrail, setAuditDetail } from './audit.ts';
import { authorizeRoles } from './authorize.ts';
import { enterRequestScope, logger } from './logger.ts';

export type { ApiEvent, ApiResult } from './api-event.ts';

// Validation messages the schemas do not spell out themselves (unknown keys, wrong types) in Chinese too.
z.config(zhCN());

/** The largest JSON body accepted: 1 MiB leaves room for a signature image and refuses abuse early. */
export const MAX_BODY_BYTES = 1024 * 1024;

import { statusOf } from './status.ts';

export { STATUS_OF, statusOf } from './status.ts';

/** What a handler receives: the caller and the validated parts of the request. */
export interface ApiRequest<B, Q, P> {
  caller: Caller;
  body: B;
  query: Q;
  params: P;
  headers: Record<string, string | undefined>;
  /** The client's address as API Gateway saw it (`requestContext.http.sourceIp`): for rate limits, never stored. */
  sourceIp: string;
  requestId: string;
  now: Date;
}

/**
 * What a handler returns: a JSON body, raw text with its own content type (CSV), or bytes (an XLSX workbook),
 * which API Gateway needs base64-encoded with `isBase64Encoded` set.
 */
export type Reply = (
  | { status?: number; json: unknown }
  | { status?: number; text: string; contentType: string; fileName?: string }
  | { status?: number; bytes: Uint8Array; contentType: string; fileName?: string }
) & {
  /** What the write changed, for its audit entry (before and after, a reason); never an ID number. */
  audit?: AuditDetail;
};

export interface RouteSpec<B, Q, P> {
  body?: z.ZodType<B>;
  /** Also accept `text/csv`, read into the body's JSON shape by this function before validation. */
  csv?: (text: string) => unknown;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
}

const JSON_TYPE = 'application/json; charset=utf-8';

function errorReply(
  status: number,
  code: ErrorCode,
  message: string,
  issues?: FieldIssue[],
  headers: Record<string, string> = {},
): ApiResult {
  return {
    statusCode: status,
    headers: { 'content-type': JSON_TYPE, ...headers },
    body: JSON.stringify({ error: { code, message, ...(issues ? { issues } : {}) } }),
  };
}

/** Reads the body: 415 unless JSON (or CSV where the route takes it), 413 over the limit, 400 when unreadable. */
function readBody(event: ApiEvent, csv?: (text: string) => unknown): unknown {
  const type = (event.headers?.['content-type'] ?? '').toLowerCase();
  const isCsv = !!csv && /^text\/csv\s*(;|$)/.test(type);
  if (!/^application\/json\s*(;|$)/.test(type) && !isCsv) {
    throw new AppError(
      'request.content_type',
      csv
        ? '请求体必须是 JSON 或 CSV（Content-Type: application/json 或 text/csv）'
        : '请求体必须是 JSON（Content-Type: application/json）',
    );
  }
  const raw = event.body ?? '';
  const text = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  if (Buffer.byteLength(text, 'utf8') > MAX_BODY_BYTES) {
    throw new AppError('request.too_large', '请求体过大');
  }
  if (text.trim() === '') throw new AppError('request.body_required', '缺少请求体');
  let body: unknown;
  if (csv && isCsv) {
    try {
      body = csv(text);
    } catch {
      throw new AppError('request.malformed_csv', '请求体不是合法的 CSV');
    }
  } else {
    try {
      body = JSON.parse(text);
    } catch {
      throw new AppError('request.malformed_json', '请求体不是合法的 JSON');
    }
  }
  refuseUnreadable(body);
  return body;
}

/** No body the API takes nests more than a few levels; a limit well above that bounds every later walk of it. */
const MAX_BODY_DEPTH = 32;
// C0 controls but tab, LF and CR (free text keeps its line breaks), DEL and C1 controls: no field means them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** Half of a UTF-16 surrogate pair without the other: no character at all, and not encodable as UTF-8. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Refuses (400, naming the field) what no schema should have to consider: strings with control characters or
 * lone surrogates, which JSON escapes (`\u0000`, `\ud800`) carry past the parser and would otherwise be stored
 * and shown as names, and nesting deeper than any body needs. Iterative, so a body nested as deep as 1 MiB
 * allows cannot exhaust the stack here.
 */
function refuseUnreadable(body: unknown): void {
  const stack: [value: unknown, path: string, depth: number][] = [[body, '', 0]];
  while (stack.length) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value === 'string') {
      const problem = CONTROL.test(value)
        ? '不能包含控制字符'
        : LONE_SURROGATE.test(value)
          ? '包含无效的 Unicode 字符'
          : undefined;
      if (problem) throw new AppError('request.invalid', `请求内容有误：${problem}`, [{ path, message: problem }]);
    } else if (value !== null && typeof value === 'object') {
      if (depth >= MAX_BODY_DEPTH) {
        throw new AppError('request.too_deep', '请求内容嵌套过深', [{ path, message: '嵌套过深' }]);
      }
      for (const [k, v] of Object.entries(value)) stack.push([v, path ? `${path}.${k}` : k, depth + 1]);
    }
  }
}

function lowerCaseHeaders(headers: Record<string, string | undefined> | undefined) {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k.toLowerCase()] = v;
  return out;
}

/** Turns a domain error into its response; anything else is a defect, logged, and a bare 500. */
function errorMapper(): middy.MiddlewareObj<ApiEvent, ApiResult> {
  return {
    onError: (request) => {
      const e = request.error;
      if (e instanceof AppError) {
        const retry = e instanceof RateLimitedError ? { 'retry-after': String(e.retryAfterSeconds) } : undefined;
        request.response = errorReply(statusOf(e.code), e.code, e.message, e.issues, retry);
        return;
      }
      logger.error('unhandled error', { error: e as Error, routeKey: request.event.routeKey });
      request.response = errorReply(statusOf('internal'), 'internal', '服务器内部错误，请稍后重试');
    },
  };
}

/** One structured line per request: route, status, caller, duration. Never the body. */
function accessLog(): middy.MiddlewareObj<ApiEvent, ApiResult> {
  let started = 0;
  const done = (request: middy.Request<ApiEvent, ApiResult>) => {
    logger.info('request', {
      routeKey: request.event.routeKey,
      status: request.response?.statusCode,
      requestId: request.event.requestContext?.requestId,
      sub: request.event.requestContext?.authorizer?.jwt?.claims?.sub,
      ms: Date.now() - started,
    });
  };
  return {
    before: (request) => {
      started = Date.now();
      // Every line logged while serving this request carries its id (functions/lib/logger.ts).
      enterRequestScope(request.event.requestContext?.requestId ?? 'local');
    },
    after: done,
    onError: (request) => {
      if (request.response) done(request);
    },
  };
}

function toResult(reply: Reply): ApiResult {
  const status = reply.status ?? 200;
  if ('json' in reply) {
    return { statusCode: status, headers: { 'content-type': JSON_TYPE }, body: JSON.stringify(reply.json) };
  }
  const headers: Record<string, string> = { 'content-type': reply.contentType };
  if (reply.fileName) headers['content-disposition'] = `attachment; filename="${reply.fileName}"`;
  if ('bytes' in reply) {
    return { statusCode: status, headers, body: Buffer.from(reply.bytes).toString('base64'), isBase64Encoded: true };
  }
  return { statusCode: status, headers, body: reply.text };
}

/** Each route's allowed roles, from the one authorization table (`functions/routes.ts`). */
const ALLOW = new Map<string, RouteDef['allow']>(ROUTES.map((r) => [`${r.method} ${r.path}`, r.allow]));

/**
 * Who is calling, and whether their role may call this route at all (the data-dependent scope is the domain's
 * to check). A route missing from the table is refused: deny by default.
 */
export function authorize(event: ApiEvent): Caller {
  const allow = ALLOW.get(event.routeKey);
  if (allow === 'public') return { sub: 'public', roles: new Set<Role>() };
  const caller = callerFromClaims(event.requestContext?.authorizer?.jwt?.claims);
  if (!allow) throw new AppError('auth.route', '此接口不对外开放');
  authorizeRoles(allow, caller);
  return caller;
}

/**
 * Builds an API handler: the role check from the authorization table, validation of body, query and path against zod schemas, then the
 * domain call in `fn`, then one error mapping. The handler itself stays glue: parse, call, shape.
 */
export function apiHandler<B = undefined, Q = undefined, P = undefined>(
  spec: RouteSpec<B, Q, P>,
  fn: (req: ApiRequest<B, Q, P>) => Promise<Reply>,
) {
  const core = async (event: ApiEvent, _context: Context): Promise<ApiResult> => {
    const headers = lowerCaseHeaders(event.headers);
    const caller = authorize(event);
    const req: ApiRequest<B, Q, P> = {
      caller,
      headers,
      body: (spec.body ? parseInput(spec.body, readBody({ ...event, headers }, spec.csv), '请求内容') : undefined) as B,
      query: (spec.query ? parseInput(spec.query, event.queryStringParameters ?? {}, '查询参数') : undefined) as Q,
      params: (spec.params ? parseInput(spec.params, event.pathParameters ?? {}, '路径参数') : undefined) as P,
      sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
      requestId: event.requestContext?.requestId ?? 'local',
      now: new Date(),
    };
    const reply = await fn(req);
    if (reply.audit) setAuditDetail(event, reply.audit);
    return toResult(reply);
  };
  return middy<ApiEvent, ApiResult>({ timeoutEarlyInMillis: 0 })
    .use(accessLog())
    .use(errorMapper())
    .use(auditTrail())
    .handler(core);
}

/**
 * One Lambda for several routes of one concern (the registry's lists): each route keeps its own `apiHandler`
 * (its schemas), chosen by the route key. A route key not in the map goes to the first handler, whose role
 * check refuses it (deny by default). Fewer functions keep the stack under CloudFormation's 500 resources.
 */
export function routeHandlers(
  byRoute: Record<string, (event: ApiEvent, context: Context) => Promise<ApiResult>>,
): (event: ApiEvent, context: Context) => Promise<ApiResult> {
  const first = Object.values(byRoute)[0]!;
  return (event, context) => (byRoute[event.routeKey] ?? first)(event, context);
}
