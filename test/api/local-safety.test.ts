import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '#infra/local/demo-data.ts';
import { decideLocalSignIn, isLoopbackHostHeader, parseLocalSignIn, safeNextPath } from '#infra/local/sign-in.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';

/**
 * Issue #11, item 6: the local stack is safe to leave running. Local sign-in answers only this machine, redirects
 * stay on the site, bad paths are 400 and never 500, an oversized body does not spoil the connection after it,
 * tokens must expire, and `npm start` leaves no process behind when it is stopped.
 */

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

/** One request with full control of the headers (`Host` included) and no redirect following. */
function send(
  base: string,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: Agent } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      base + path,
      { method: init.method ?? (init.body === undefined ? 'GET' : 'POST'), headers: init.headers, agent: init.agent },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const ADMIN = JSON.stringify(DEMO_USERS.admin);
const json = { 'content-type': 'application/json' };

function expectErrorShape(r: Reply, status: number, code: string) {
  expect(r.status).toBe(status);
  expect(r.headers['content-type']).toMatch(/^application\/json/);
  expect(r.json).toStrictEqual({ error: { code, message: expect.any(String) } });
  expect(r.json.error.message).toMatch(/\p{Script=Han}/u);
}

describe('local sign-in on a running local stack', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('issues no token to a request whose Host is not this machine (DNS rebinding), nor signs in on the page', async () => {
    const port = new URL(server.url).port;
    for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, '10.0.0.1']) {
      const r = await send(server.url, '/auth/dev-token', { headers: { ...json, host }, body: ADMIN });
      expectErrorShape(r, 403, 'auth.local_only');
      expect(r.text).not.toMatch(/token"/);
    }
    const page = await send(server.url, '/app/dev-login', { headers: { host: `evil.example:${port}` } });
    expectErrorShape(page, 403, 'auth.local_only');
    const form = await send(server.url, '/app/dev-login', {
      headers: { host: 'evil.example', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=admin',
    });
    expectErrorShape(form, 403, 'auth.local_only');
    expect(form.headers['set-cookie']).toBeUndefined();
  });

  it('issues no token to a page of another origin, even through a loopback Host', async () => {
    const r = await send(server.url, '/auth/dev-token', {
      headers: { ...json, origin: 'https://evil.example' },
      body: ADMIN,
    });
    expectErrorShape(r, 403, 'auth.local_only');
    const form = await send(server.url, '/app/dev-login', {
      headers: { origin: 'null', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user=admin',
    });
    expectErrorShape(form, 403, 'auth.local_only');
    expect(form.headers['set-cookie']).toBeUndefined();
  });

  it('signs in requests to localhost, 127.0.0.0/8 and [::1], with any port', async () => {
    const port = new URL(server.url).port;
    for (const host of ['localhost', `localhost:${port}`, `127.0.0.1:${port}`, '127.1.2.3:1', `[::1]:${port}`]) {
      const r = await send(server.url, '/auth/dev-token', { headers: { ...json, host }, body: ADMIN });
      expect(r.status, host).toBe(200);
      expect(r.json.token).toEqual(expect.any(String));
    }
    // The form as the sign-in page gives it: its cookie and its token.
    const page = await send(server.url, '/app/dev-login');
    const cookie = String((page.headers['set-cookie'] as string[])[0]).split(';')[0]!;
    const csrf = /name="_csrf" value="([\w-]+)"/.exec(page.text)![1]!;
    const form = await send(server.url, '/app/dev-login', {
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: server.url, cookie },
      body: `user=admin&_csrf=${csrf}`,
    });
    expect(form.status).toBe(303);
    expect(String(form.headers['set-cookie'])).toMatch(/^la_token=/);
  });

  it('issues no token for a dev-token body that is not JSON', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const r = await send(server.url, '/auth/dev-token', { headers: { 'content-type': type }, body: ADMIN });
      expectErrorShape(r, 415, 'request.content_type');
    }
    const none = await send(server.url, '/auth/dev-token', { method: 'POST', body: ADMIN });
    expectErrorShape(none, 415, 'request.content_type');
  });

  it('sends the browser only to a path on this site after sign-in: next=https://evil.example/ and //evil.example go to /app/', async () => {
    const token = await devToken(server, DEMO_USERS.admin);
    const login = (next: string) =>
      send(server.url, `/app/dev-login?token=${encodeURIComponent(token)}&next=${encodeURIComponent(next)}`);
    for (const next of [
      'https://evil.example/',
      '//evil.example',
      '//evil.example/app/',
      '/\\evil.example',
      '/\t/evil.example',
      'javascript:alert(1)',
      'evil.example',
      '',
    ]) {
      const r = await login(next);
      expect(r.status, next).toBe(303);
      expect(r.headers.location, next).toBe('/app/');
    }
    const ok = await login('/app/reports/floor?year=2026&lang=en');
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe('/app/reports/floor?year=2026&lang=en');
  });

  it('refuses a token that does not expire (no exp) with 401, on the API and the pages', async () => {
    const keys = JSON.parse(readFileSync(join(server.dataDir, 'keys.json'), 'utf8')) as { jwtKey: string };
    const forever = await new SignJWT({ 'cognito:groups': ['admin'], token_use: 'id' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('demo-admin')
      .setIssuer('linkage-aid-local')
      .setAudience('linkage-aid')
      .setIssuedAt()
      .sign(Buffer.from(keys.jwtKey, 'base64'));
    const api = await send(server.url, '/reports/summary?year=2026', {
      headers: { authorization: `Bearer ${forever}` },
    });
    expectErrorShape(api, 401, 'auth.invalid_token');
    const page = await send(server.url, '/app/reports/floor', { headers: { cookie: `la_token=${forever}` } });
    expect(page.status).toBe(303);
    expect(page.headers.location).toBe('/app/sign-in');
    const viaLogin = await send(server.url, `/app/dev-login?token=${forever}`);
    expect(viaLogin.headers['set-cookie']).toBeUndefined();
    // The same claims with an expiry are accepted: it is the missing exp that is refused.
    const expiring = await new SignJWT({ 'cognito:groups': ['admin'], token_use: 'id' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('demo-admin')
      .setIssuer('linkage-aid-local')
      .setAudience('linkage-aid')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(Buffer.from(keys.jwtKey, 'base64'));
    const good = await send(server.url, '/reports/summary?year=2026', {
      headers: { authorization: `Bearer ${expiring}` },
    });
    expect(good.status).toBe(200);
  });

  it('answers a malformed percent-encoding in the path (%ZZ) with 400 and the error shape, on API and page routes', async () => {
    const token = await devToken(server, DEMO_USERS.admin);
    for (const path of [
      '/households/%ZZ/aid?year=2026',
      '/households/%E4',
      '/verifications/%ZZ',
      '/notices/%ZZ',
      '/app/households/%ZZ',
      '/app/households/%ZZ/aid/new',
      '/public/notices/%ZZ',
      '/app/downloads/%ZZ',
      '/households/%00/aid',
    ]) {
      const callers: Record<string, string>[] = [{}, { authorization: `Bearer ${token}` }];
      for (const headers of callers) {
        const r = await send(server.url, path, { headers });
        expect(r.status, path).toBe(400);
        expectErrorShape(r, 400, 'request.invalid_path');
      }
    }
    const post = await send(server.url, '/aid-records/%ZZ/reversal', {
      headers: { ...json, authorization: `Bearer ${token}` },
      body: JSON.stringify({ reason: 'x' }),
    });
    expectErrorShape(post, 400, 'request.invalid_path');
    const form = await send(server.url, '/app/aid/%ZZ/reverse', {
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'reason=x',
    });
    expectErrorShape(form, 400, 'request.invalid_path');
    expect((await send(server.url, '/health')).status).toBe(200);
  });

  it('reads a malformed cookie (la_token=%ZZ) as no sign-in, never as a 500', async () => {
    const r = await send(server.url, '/app/', { headers: { cookie: 'la_token=%ZZ; la_lang=en' } });
    expect(r.status).toBe(303);
    expect(r.headers.location).toBe('/app/sign-in');
  });

  it('answers a body over the limit with 413 and closes that connection, so the next request on the same keep-alive agent succeeds', async () => {
    const token = await devToken(server, DEMO_USERS.admin);
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const warm = await send(server.url, '/health', { agent });
      expect(warm.status).toBe(200);
      const big = Buffer.from(JSON.stringify({ name: 'x'.repeat(5 * 1024 * 1024) }));
      // Declared length over the limit, then a chunked body with no length that crosses it while being read.
      const declared = await send(server.url, '/communities', {
        agent,
        headers: { ...json, authorization: `Bearer ${token}`, 'content-length': String(big.length) },
        body: big,
      });
      expectErrorShape(declared, 413, 'request.too_large');
      expect(declared.headers.connection).toBe('close');
      const next = await send(server.url, '/communities', {
        agent,
        headers: { ...json, authorization: `Bearer ${token}` },
        body: JSON.stringify({ name: '超限之后的社区' }),
      });
      expect(next.status).toBe(201);

      const chunked = await send(server.url, '/communities', {
        agent,
        headers: { ...json, authorization: `Bearer ${token}`, 'transfer-encoding': 'chunked' },
        body: big,
      });
      expectErrorShape(chunked, 413, 'request.too_large');
      for (let i = 0; i < 3; i++) expect((await send(server.url, '/health', { agent })).status).toBe(200);
    } finally {
      agent.destroy();
    }
    // And with fetch's own pooled connections.
    const viaFetch = await server.fetch('/communities', {
      token,
      body: JSON.stringify({ name: 'y'.repeat(5 * 1024 * 1024) }),
    });
    expect(viaFetch.status).toBe(413);
    expect((await server.fetch('/health')).status).toBe(200);
  });
});

describe('local sign-in switched off', () => {
  it('answers 404 with the error shape and issues no token with LOCAL_SIGN_IN=off', async () => {
    const server = await startServer({ LOCAL_SIGN_IN: 'off', DEMO_DATA: 'off' });
    try {
      const r = await send(server.url, '/auth/dev-token', { headers: json, body: ADMIN });
      expectErrorShape(r, 404, 'auth.local_sign_in_off');
      const page = await send(server.url, '/app/dev-login');
      expectErrorShape(page, 404, 'auth.local_sign_in_off');
      const form = await send(server.url, '/app/dev-login', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'user=admin',
      });
      expectErrorShape(form, 404, 'auth.local_sign_in_off');
      expect(form.headers['set-cookie']).toBeUndefined();
      // The sign-in page says sign-in is off, rather than sending the browser to a page that is gone.
      const signIn = await send(server.url, '/app/sign-in');
      expect(signIn.status).toBe(404);
      expect(signIn.text).toContain('本地登录已关闭');
      expect((await send(server.url, '/health')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  it('is off by default when DYNAMODB_ENDPOINT points anywhere but this machine, and on only when forced', () => {
    for (const endpoint of [
      'http://10.0.0.1:8000',
      'https://dynamodb.eu-west-1.amazonaws.com',
      'http://localhost.evil.example:8000',
      'http://0.0.0.0:8000',
      'not a url',
    ]) {
      const decision = decideLocalSignIn({ DYNAMODB_ENDPOINT: endpoint });
      expect(decision.enabled, endpoint).toBe(false);
      expect(decision.remoteEndpoint).toBe(true);
      expect(decision.reason).toContain('LOCAL_SIGN_IN=on');
      expect(decideLocalSignIn({ DYNAMODB_ENDPOINT: endpoint, LOCAL_SIGN_IN: 'on' }).enabled).toBe(true);
      expect(decideLocalSignIn({ DYNAMODB_ENDPOINT: endpoint, LOCAL_SIGN_IN: 'off' }).enabled).toBe(false);
    }
    for (const endpoint of [undefined, '', 'http://localhost:8000', 'http://127.0.0.1:4567', 'http://[::1]:8000']) {
      expect(decideLocalSignIn({ DYNAMODB_ENDPOINT: endpoint }).enabled, String(endpoint)).toBe(true);
      expect(decideLocalSignIn({ DYNAMODB_ENDPOINT: endpoint, LOCAL_SIGN_IN: 'off' }).enabled).toBe(false);
    }
    expect(() => parseLocalSignIn('yes')).toThrow(/LOCAL_SIGN_IN/);
  });

  it('decides from the environment at start, before any connection is made', async () => {
    const { optionsFromEnv } = await import('#infra/local/stack.ts');
    expect(optionsFromEnv({ DYNAMODB_ENDPOINT: 'http://10.0.0.1:8000' }).localSignIn?.enabled).toBe(false);
    expect(optionsFromEnv({}).localSignIn?.enabled).toBe(true);
    expect(() => optionsFromEnv({ LOCAL_SIGN_IN: 'maybe' })).toThrow(/LOCAL_SIGN_IN/);
  });

  it('tells loopback Host headers and safe next paths apart', () => {
    expect(
      ['localhost', 'LOCALHOST:3000', '127.0.0.1', '127.255.0.9:80', '[::1]', '[::1]:3000'].map(isLoopbackHostHeader),
    ).toStrictEqual(Array(6).fill(true));
    expect(
      [
        undefined,
        '',
        'evil.example',
        '128.0.0.1',
        '127.0.0.256',
        'localhost:99999',
        '[::2]',
        'a@localhost',
        'localhost/x',
      ].map(isLoopbackHostHeader),
    ).toStrictEqual(Array(9).fill(false));
    expect(safeNextPath('/app/households/h1?lang=en')).toBe('/app/households/h1?lang=en');
    for (const next of ['https://evil.example/', '//evil.example', '/\\evil', '/\n/evil', 'http:/evil', null]) {
      expect(safeNextPath(next)).toBe('/app/');
    }
  });
});

describe('stopping npm start', () => {
  /** Every descendant of `root`, from `ps`. */
  function descendants(root: number): number[] {
    const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).map(Number) as [number, number]);
    const found: number[] = [];
    const queue = [root];
    while (queue.length) {
      const p = queue.shift()!;
      for (const [pid, ppid] of rows) {
        if (ppid === p && !found.includes(pid)) {
          found.push(pid);
          queue.push(pid);
        }
      }
    }
    return found;
  }

  /** Alive and not a zombie waiting to be reaped. */
  function alive(pid: number): boolean {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return existsSync(`/proc/${pid}`);
    }
  }

  async function startNpm(detached: boolean): Promise<{ npm: ChildProcess; url: string; dataDir: string }> {
    const dataDir = mkdtempSync(join(tmpdir(), 'linkage-aid-stop-'));
    const npm = spawn('npm', ['start'], {
      env: { ...process.env, PORT: '0', DATA_DIR: dataDir, DEMO_DATA: 'off', POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached,
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not start:\n${output}`)), 45_000);
      npm.stdout!.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /"url":"(http:[^"]+)"/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      npm.stderr!.on('data', (d: Buffer) => {
        output += d.toString();
      });
      npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    });
    return { npm, url, dataDir };
  }

  async function expectAllGone(pids: number[], withinMs: number) {
    const deadline = Date.now() + withinMs;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toStrictEqual([]);
  }

  it('SIGTERM to npm start leaves no process: the server closes its store and exits', async () => {
    const { npm, url, dataDir } = await startNpm(false);
    const tree = [npm.pid!, ...descendants(npm.pid!)];
    expect(tree.length).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    npm.kill('SIGTERM');
    await expectAllGone(tree, 8_000);
    expect(existsSync(join(dataDir, 'dynamodb.clean-shutdown'))).toBe(true);
    await expect(fetch(`${url}/health`)).rejects.toThrow();
  });

  it('SIGINT to the whole process group (Ctrl-C) leaves no process either', async () => {
    const { npm, url, dataDir } = await startNpm(true);
    const tree = [npm.pid!, ...descendants(npm.pid!)];
    expect((await fetch(`${url}/health`)).status).toBe(200);
    process.kill(-npm.pid!, 'SIGINT');
    await expectAllGone(tree, 8_000);
    expect(existsSync(join(dataDir, 'dynamodb.clean-shutdown'))).toBe(true);
  });
});
