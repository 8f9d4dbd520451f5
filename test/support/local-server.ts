import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A local stack running as its own process, as `npm start` runs it. */
export interface RunningServer {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
  /** Kills the process outright (SIGKILL), as a crash would. */
  kill9(): Promise<void>;
  /** Everything the process printed so far. */
  output(): string;
  /** An authenticated request helper. */
  fetch(
    path: string,
    init?: { method?: string; token?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    text: string;
    json: any;
  }>;
}

/** Starts `infra/local/main.ts` on a free port; `dataDir` reuses a directory to test restarts. */
export async function startServer(env: Record<string, string> = {}, dataDir?: string): Promise<RunningServer> {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'linkage-aid-'));
  const child: ChildProcess = spawn(process.execPath, ['infra/local/main.ts'], {
    env: { ...process.env, PORT: '0', DATA_DIR: dir, POWERTOOLS_LOG_LEVEL: 'WARN', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /"url":"(http:[^"]+)"/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${output}`)));
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    url,
    dataDir: dir,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
    kill9: async () => {
      child.kill('SIGKILL');
      await exited;
    },
    fetch: async (path, init = {}) => {
      const headers: Record<string, string> = { ...init.headers };
      if (init.token) headers.authorization = `Bearer ${init.token}`;
      if (init.body !== undefined) headers['content-type'] ??= 'application/json';
      const res = await fetch(url + path, {
        method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
        headers,
        body:
          init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json };
    },
  };
}

/** Signs in a local user through the dev-token route. */
export async function devToken(server: RunningServer, body: unknown): Promise<string> {
  const r = await server.fetch('/auth/dev-token', { body });
  if (r.status !== 200) throw new Error(`dev-token failed: ${r.status} ${r.text}`);
  return r.json.token;
}
