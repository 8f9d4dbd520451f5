import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Context } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { MAX_BODY_BYTES } from '#functions/lib/http.ts';
import { statusOf } from '#functions/lib/status.ts';
import { ROUTES, type RouteDef } from '#functions/routes.ts';
import type { ErrorCode } from '#shared/errors.ts';
import { attachmentDisposition, MAX_IMPORT_UPLOAD_BYTES } from '#shared/objects.ts';
import { buildApiEvent } from './event.ts';
import type { LocalObjectStore } from './objects.ts';
import {
  hasControlCharacter,
  isJsonContentType,
  isLoopbackHostHeader,
  isLoopbackOriginOrNone,
  type LocalSignInDecision,
  safeNextPath,
} from './sign-in.ts';
import { DevTokenRequest, signDevToken, toApiGatewayClaims, verifyDevToken } from './tokens.ts';

/**
 * The local stand-in for API Gateway: matches a request to a route of `functions/routes.ts`, checks the
 * bearer token as the JWT authorizer would (401 on none or invalid), builds an API Gateway v2 event and
 * calls the same handler Lambda runs. It adds one route that is never deployed: `POST /auth/dev-token`.
 *
 * It is safe to leave running: local sign-in (`POST /auth/dev-token`, `/app/dev-login`) answers only requests
 * addressed to a loopback host (`sign-in.ts`); a path that does not decode is 400 `request.invalid_path`, never a
 * 500; a body over the limit is 413 and its connection closed once the client has finished sending (so the
 * answer is read, and the client's next request goes out on a fresh connection).
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

/** The most the server reads of a body it has refused before it cuts the connection, and how long it waits. */
const DRAIN_BYTES = 16 * 1024 * 1024;
const DRAIN_MS = 5_000;

/**
 * Reads a request body, keeping at most `limit` bytes. Over the limit it answers `too_large` at once and lets
 * the rest flow by unbuffered (`refuseTooLarge` decides how long), without destroying the request: a destroyed
 * request resets the socket, and the client may lose the answer with it.
 */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) return resolve('too_large');
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (over) return;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        resolve('too_large');
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.once('error', () => resolve('aborted'));
    req.once('close', () => {
      if (!req.complete) resolve('aborted');
    });
  });
}

/**
 * 413, then a clean close: the answer goes out whole with `Connection: close`, the rest of the body is read and
 * dropped (up to DRAIN_BYTES or DRAIN_MS), and only then does the response end and Node close the socket. Closing
 * with unread bytes would send a reset, which can cost the client the answer; keeping the connection would let a
 * client's next request meet the tail of this body. A client that keeps sending past the bounds is cut off.
 */
function refuseTooLarge(req: IncomingMessage, res: ServerResponse) {
  const body = JSON.stringify({ error: { code: 'request.too_large', message: '请求体过大' } });
  res.writeHead(statusOf('request.too_large'), {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.write(body);
  let drained = 0;
  const finish = () => {
    clearTimeout(timer);
    if (!res.writableEnded) res.end();
  };
  const cut = () => {
    clearTimeout(timer);
    req.socket.destroy();
  };
  const timer = setTimeout(cut, DRAIN_MS);
  timer.unref();
  if (req.complete) return finish();
  req.on('data', (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > DRAIN_BYTES) cut();
  });
  req.once('end', finish);
  req.once('close', () => clearTimeout(timer));
  req.resume();
}

/** Answers a request Node could not parse (a bad request line or headers) with the error shape, and closes. */
function refuseUnparseable(err: Error & { code?: string }, socket: Duplex) {
  if (err.code === 'ECONNRESET' || !socket.writable) return socket.destroy();
  const [code, message]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['request.headers_too_large', '请求头过大']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['request.timeout', '请求超时']
        : err.code === 'HPE_INVALID_URL'
          ? ['request.invalid_path', '请求路径无效']
          : ['request.malformed', '请求格式有误'];
  const status = statusOf(code);
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/**
 * The request's path, or undefined when it is not a usable path: not origin-form (`/…`), percent-encoding that
 * does not decode (`%ZZ`, a lone `%E4`), or a control character once decoded. Parsed against a fixed origin
 * with the path appended, so `//host/x` stays a path rather than naming a host.
 */
export function parseRequestPath(target: string | undefined): URL | undefined {
  if (!target?.startsWith('/')) return undefined;
  let url: URL;
  try {
    url = new URL(`http://local${target}`);
  } catch {
    return undefined;
  }
  if (url.host !== 'local') return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
  return hasControlCharacter(decoded) ? undefined : url;
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: string) {
  res.writeHead(status, { ...headers, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** Answers with the error shape; the status is the code's, from the one catalogue. */
function sendError(res: ServerResponse, code: ErrorCode, message: string) {
  send(
    res,
    statusOf(code),
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
  /** Whether `POST /auth/dev-token` and `/app/dev-login` are served (`sign-in.ts`); on when not given. */
  localSignIn?: LocalSignInDecision;
}

const DEV_LOGIN = /^\/app\/dev-login\/*$/;

/**
 * The guard of local sign-in, in the order it answers: switched off → 404 `auth.local_sign_in_off`; a `Host`
 * that is not loopback, or a foreign `Origin` → 403 `auth.local_only`; for the token, a body that is not JSON →
 * 415 `request.content_type`. Undefined when the request may go on.
 */
function signInRefusal(req: IncomingMessage, enabled: boolean, needsJson: boolean): [ErrorCode, string] | undefined {
  if (!enabled) return ['auth.local_sign_in_off', '本地登录已关闭'];
  if (!isLoopbackHostHeader(req.headers.host) || !isLoopbackOriginOrNone(req.headers.origin)) {
    return ['auth.local_only', '本地登录只接受发往本机地址（localhost、127.0.0.1 或 [::1]）的请求'];
  }
  if (needsJson && !isJsonContentType(req.headers['content-type'])) {
    return ['request.content_type', '请求体必须是 JSON（Content-Type: application/json）'];
  }
  return undefined;
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

  const signInEnabled = opts.localSignIn?.enabled ?? true;
  const server = createServer(async (req, res) => {
    try {
      const method = (req.method ?? 'GET').toUpperCase();
      // Room for base64 or JSON framing above the handler's own limit; the handler answers precisely. An upload
      // to a presigned URL may be an import file (its signature binds its exact size, checked on receipt).
      const isUpload = method === 'PUT' && (req.url ?? '').startsWith('/_local/objects/');
      const body = await readBody(req, isUpload ? MAX_IMPORT_UPLOAD_BYTES : MAX_BODY_BYTES * 2);
      if (body === 'aborted') return;
      if (body === 'too_large') return refuseTooLarge(req, res);
      const url = parseRequestPath(req.url);
      if (!url) return sendError(res, 'request.invalid_path', '请求路径无效：含有无法解码的编码或控制字符');

      if (method === 'POST' && url.pathname === '/auth/dev-token') {
        const refused = signInRefusal(req, signInEnabled, true);
        if (refused) return sendError(res, ...refused);
        return await devToken(res, opts.jwtKey, body);
      }
      if (DEV_LOGIN.test(url.pathname)) {
        const refused = signInRefusal(req, signInEnabled, false);
        if (refused) return sendError(res, ...refused);
        // Where the page sends the browser after signing in: a path on this site, or `/app/`.
        if (url.searchParams.has('next')) url.searchParams.set('next', safeNextPath(url.searchParams.get('next')));
      }
      if (method === 'GET' && url.pathname.startsWith('/_local/objects/') && opts.objects) {
        // A presigned download (an export's file): streamed, named by the signed file name.
        const served = await opts.objects.serve(url);
        if (served === 403) return sendError(res, 'upload.denied', '下载链接无效或已过期');
        if (served === 404) return sendError(res, 'route.not_found', '文件不存在');
        res.writeHead(200, {
          'content-type': 'application/octet-stream',
          'content-disposition': attachmentDisposition(served.fileName),
        });
        for await (const chunk of served.stream) res.write(chunk);
        return res.end();
      }
      if (method === 'PUT' && url.pathname.startsWith('/_local/objects/') && opts.objects) {
        const status = await opts.objects.receive(req, url, body);
        return status === 200 ? send(res, 200, {}, '') : sendError(res, 'upload.denied', '上传链接无效或已过期');
      }
      const inspect = /^\/_local\/executions\/([\w-]+)$/.exec(url.pathname);
      if (method === 'GET' && inspect && opts.inspectExecution) {
        const execution = opts.inspectExecution(inspect[1]!);
        if (!execution) return sendError(res, 'execution.not_found', '本进程中没有该执行');
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
      if (!route) return sendError(res, 'route.not_found', `没有这个接口：${method} ${url.pathname}`);

      let claims: Record<string, string> | undefined;
      if (route.auth === 'jwt') {
        const auth = req.headers.authorization ?? '';
        const token = /^Bearer\s+(.+)$/i.exec(auth)?.[1];
        const payload = token ? await verifyDevToken(opts.jwtKey, token) : undefined;
        if (!payload) return sendError(res, 'auth.invalid_token', '未登录或登录已失效');
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
      if (!res.headersSent) sendError(res, 'internal', '服务器内部错误');
    }
  });
  server.on('clientError', refuseUnparseable);
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
    return sendError(res, 'request.malformed_json', '请求体不是合法的 JSON');
  }
  const parsed = DevTokenRequest.safeParse(json);
  if (!parsed.success) return sendError(res, 'request.invalid', parsed.error.issues[0]?.message ?? '参数有误');
  const token = await signDevToken(key, parsed.data);
  send(res, 200, { 'content-type': 'application/json; charset=utf-8' }, JSON.stringify({ token }));
}
