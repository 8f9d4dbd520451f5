import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Context } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { MAX_BODY_BYTES } from '#functions/lib/http.ts';
import { ROUTES, type RouteDef } from '#functions/routes.ts';
import { buildApiEvent } from './event.ts';
import type { LocalObjectStore } from './objects.ts';
import { DevTokenRequest, signDevToken, toApiGatewayClaims, verifyDevToken } from './tokens.ts';

/**
 * The local stand-in for API Gateway: matches a request to a route of `functions/routes.ts`, checks the
 * bearer token as the JWT authorizer would (401 on none or invalid), builds an API Gateway v2 event and
 * calls the same handler Lambda runs. It adds one route that is never deployed: `POST /auth/dev-token`.
 */

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

interface CompiledRoute extends RouteDef {
  pattern: RegExp;
  names: string[];
}

function compile(route: RouteDef): CompiledRoute {
  const names: string[] = [];
  // `{name+}` is API Gateway's greedy parameter (the rest of the path); `{name}` one segment.
  const source = route.path.replace(/\{(\w+)(\+?)\}/g, (_m, name: string, greedy: string) => {
    names.push(name);
    return greedy ? '(.*)' : '([^/]+)';
  });
  return { ...route, pattern: new RegExp(`^${source}/?$`), names };
}

/** Reads a request body, refusing more than `limit` bytes without buffering the rest. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return 'too_large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string) {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: ServerResponse, status: number, code: string, message: string) {
  send(
    res,
    status,
    { 'content-type': 'application/json; charset=utf-8' },
    JSON.stringify({ error: { code, message } }),
  );
}

function lambdaContext(requestId: string, functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Options of the local API server. */
export interface LocalServerOptions {
  port: number;
  host?: string;
  jwtKey: Uint8Array;
  /** Serves `GET /_local/executions/{name}`: what the local workflow runner did (local only, for tests). */
  inspectExecution?: (name: string) => unknown;
  /** Receives uploads to the local object store's presigned URLs (`PUT /_local/objects/<key>`). */
  objects?: LocalObjectStore;
}

/** Starts the HTTP server. Handlers are imported on first use, after the environment is set. */
export async function startLocalServer(opts: LocalServerOptions): Promise<{ server: Server; url: string }> {
  const routes = ROUTES.map(compile);
  const handlers = new Map<string, Promise<Handler>>();
  const load = (name: string) => {
    let h = handlers.get(name);
    if (!h) {
      h = import(`#functions/${name}.ts`).then((m: { handler: Handler }) => m.handler);
      handlers.set(name, h);
    }
    return h;
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const method = (req.method ?? 'GET').toUpperCase();
      // Room for base64 or JSON framing above the handler's own limit; the handler answers precisely.
      const body = await readBody(req, MAX_BODY_BYTES * 2);
      if (body === 'too_large') return sendError(res, 413, 'request.too_large', '请求体过大');

      if (method === 'POST' && url.pathname === '/auth/dev-token') return await devToken(res, opts.jwtKey, body);
      if (method === 'PUT' && url.pathname.startsWith('/_local/objects/') && opts.objects) {
        const status = await opts.objects.receive(req, url, body);
        return status === 200
          ? send(res, 200, {}, '')
          : sendError(res, status, 'upload.denied', '上传链接无效或已过期');
      }
      const inspect = /^\/_local\/executions\/([\w-]+)$/.exec(url.pathname);
      if (method === 'GET' && inspect && opts.inspectExecution) {
        const execution = opts.inspectExecution(inspect[1]!);
        if (!execution) return sendError(res, 404, 'execution.not_found', '本进程中没有该执行');
        return send(res, 200, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify(execution));
      }

      let params: Record<string, string> | undefined;
      const route = routes.find((r) => {
        if (r.method !== method) return false;
        const m = r.pattern.exec(url.pathname);
        if (!m) return false;
        params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1] ?? '')]));
        return true;
      });
      if (!route) return sendError(res, 404, 'route.not_found', `没有这个接口：${method} ${url.pathname}`);

      let claims: Record<string, string> | undefined;
      if (route.auth === 'jwt') {
        const auth = req.headers.authorization ?? '';
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
        const payload = token ? await verifyDevToken(opts.jwtKey, token) : undefined;
        if (!payload) return sendError(res, 401, 'auth.invalid_token', '未登录或登录已失效');
        claims = toApiGatewayClaims(payload);
      }

      const requestId = randomUUID();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(',') : v;
      }
      // API Gateway joins repeated query parameters with commas.
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) query[k] = k in query ? `${query[k]},${v}` : v;
      const event = buildApiEvent({
        method,
        routePath: route.path,
        rawPath: url.pathname,
        headers,
        query,
        params,
        body: body.length ? body.toString('utf8') : undefined,
        claims,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        requestId,
      });
      const handler = await load(route.handler);
      const result = await handler(event, lambdaContext(requestId, route.handler));
      const outHeaders: Record<string, string | string[]> = { ...result.headers };
      if (result.cookies?.length) outHeaders['set-cookie'] = result.cookies;
      const out = result.isBase64Encoded ? Buffer.from(result.body, 'base64') : Buffer.from(result.body ?? '');
      res.writeHead(result.statusCode, { ...outHeaders, 'content-length': out.length });
      res.end(out);
    } catch (e) {
      console.error(JSON.stringify({ level: 'ERROR', message: 'local server error', error: String(e) }));
      if (!res.headersSent) sendError(res, 500, 'internal', '服务器内部错误');
    }
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return { server, url: `http://${host}:${port}` };
}

async function devToken(res: ServerResponse, key: Uint8Array, body: Buffer) {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return sendError(res, 400, 'request.malformed_json', '请求体不是合法的 JSON');
  }
  const parsed = DevTokenRequest.safeParse(json);
  if (!parsed.success) return sendError(res, 400, 'request.invalid', parsed.error.issues[0]?.message ?? '参数有误');
  const token = await signDevToken(key, parsed.data);
  send(res, 200, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ token }));
}
