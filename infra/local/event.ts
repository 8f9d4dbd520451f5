import { randomUUID } from 'node:crypto';
import type { ApiEvent } from '#functions/lib/http.ts';

/** What a request is made of, before it becomes an API Gateway event. */
export interface RequestParts {
  method: string;
  /** The route's template, e.g. `/aid-records/{id}/reversal`. */
  routePath: string;
  rawPath: string;
  headers?: Record<string, string>;
  query?: Record<string, string>;
  params?: Record<string, string>;
  body?: string | undefined;
  claims?: Record<string, string> | undefined;
  sourceIp?: string;
  requestId?: string;
}

/**
 * Builds the API Gateway HTTP API (payload format 2.0) event for a request, as API Gateway would: lower-case
 * header names, no empty maps, claims under `requestContext.authorizer.jwt`.
 */
export function buildApiEvent(parts: RequestParts): ApiEvent {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts.headers ?? {})) headers[k.toLowerCase()] = v;
  const query = parts.query ?? {};
  const now = new Date();
  const routeKey = `${parts.method} ${parts.routePath}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: parts.rawPath,
    rawQueryString: new URLSearchParams(query).toString(),
    headers,
    // API Gateway hands cookies over as their own list.
    cookies: headers.cookie ? headers.cookie.split(';').map((c) => c.trim()) : undefined,
    queryStringParameters: Object.keys(query).length ? query : undefined,
    pathParameters: parts.params && Object.keys(parts.params).length ? parts.params : undefined,
    body: parts.body || undefined,
    isBase64Encoded: false,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: parts.method,
        path: parts.rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: parts.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: parts.requestId ?? randomUUID(),
      routeKey,
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
      authorizer: { jwt: { claims: parts.claims ?? {}, scopes: [] }, principalId: '', integrationLatency: 0 },
    },
  } as ApiEvent;
}
