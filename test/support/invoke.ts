import type { Context } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { type DevTokenRequest, toApiGatewayClaims } from '#infra/local/tokens.ts';

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

/** Claims as API Gateway's JWT authorizer passes them, for a caller described like a dev-token request. */
export function claimsOf(user: DevTokenRequest): Record<string, string> {
  return toApiGatewayClaims({
    sub: user.sub,
    'cognito:groups': user.groups,
    ...(user.cadreId ? { 'custom:cadreId': user.cadreId } : {}),
    ...(user.communityId ? { 'custom:communityId': user.communityId } : {}),
    ...(user.unitId ? { 'custom:unitId': user.unitId } : {}),
  });
}

export interface Call {
  as?: DevTokenRequest;
  body?: unknown;
  /** Raw body text, sent as is (for malformed JSON). */
  rawBody?: string;
  headers?: Record<string, string>;
  params?: Record<string, string>;
  query?: Record<string, string>;
  /** The client's address (`requestContext.http.sourceIp`); 127.0.0.1 unless given. */
  sourceIp?: string;
}

export interface Response<T = any> {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: T;
}

const context = {
  awsRequestId: 'test',
  functionName: 'test',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** Calls a real handler with the event API Gateway would build for this request. */
export async function invoke<T = any>(handler: Handler, routeKey: string, call: Call = {}): Promise<Response<T>> {
  const [method, routePath] = routeKey.split(' ') as [string, string];
  const rawPath = routePath.replace(/\{(\w+)\}/g, (_m, n: string) => call.params?.[n] ?? '');
  const body = call.rawBody ?? (call.body === undefined ? undefined : JSON.stringify(call.body));
  const event = buildApiEvent({
    method,
    routePath,
    rawPath,
    headers: {
      ...(body !== undefined && call.rawBody === undefined ? { 'content-type': 'application/json' } : {}),
      ...call.headers,
    },
    query: call.query,
    params: call.params,
    body,
    claims: call.as ? claimsOf(call.as) : undefined,
    sourceIp: call.sourceIp,
  });
  const res = await handler(event, context);
  let json: unknown;
  try {
    json = JSON.parse(res.body);
  } catch {
    json = undefined;
  }
  return { status: res.statusCode, headers: res.headers, text: res.body, json: json as T };
}
