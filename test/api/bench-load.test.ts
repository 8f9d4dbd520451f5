import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs `scripts/bench-load.ts` with its environment and returns its exit code and output. */
function runBench(env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['scripts/bench-load.ts'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => resolve({ code, out }));
  });
}

/** The row of a phase in the bench's table: requests, req/s, p50, p99, errors, expected 429s. */
function row(out: string, phase: string) {
  const cells = new RegExp(`^\\| ${phase} \\|(.*)\\|$`, 'm')
    .exec(out)?.[1]
    ?.split('|')
    .map((c) => Number(c.trim()));
  if (!cells) throw new Error(`no row for ${phase} in:\n${out}`);
  const [requests, rate, p50, p99, errors, expected] = cells as [number, number, number, number, number, number];
  return { requests, rate, p50, p99, errors, expected };
}

describe('npm run bench:load', () => {
  it('drives a short mixed workload and the health baseline with no errors, objections past the limit counted apart', async () => {
    const { code, out } = await runBench({ LOAD_SECONDS: '2', LOAD_HOUSEHOLDS: '20' });
    expect(code, out).toBe(0);
    const mixed = row(out, 'mixed workload');
    const health = row(out, 'GET /health alone');
    expect(mixed.requests).toBeGreaterThan(0);
    expect(health.requests).toBeGreaterThan(0);
    expect([mixed.errors, health.errors]).toStrictEqual([0, 0]);
    expect(health.expected).toBe(0);
    expect(out).toMatch(/mixed p99 ÷ health p99 = \d+(\.\d)?×/);
    expect(out).toContain('| POST /aid-records (cadre) |');
  }, 180_000);
});
