import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { STATUS_OF, statusOf } from '#functions/lib/status.ts';
import { ERROR_MEANINGS } from '#shared/error-meanings.ts';
import { AppError, ERROR_CODES, type ErrorCode } from '#shared/errors.ts';

describe('the error catalogue', () => {
  it('is listed in the README, every code with its status, and nothing else', () => {
    const readme = readFileSync('README.md', 'utf8');
    const listed = [...readme.matchAll(/^\| `([a-z_.]+)` \| (\d{3}) \| .+ \|$/gm)].map((m) => [m[1], Number(m[2])]);
    const catalogue = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => [code, statusOf(code)]);
    expect(listed).toStrictEqual(catalogue);
  });

  it('gives every kind a status, and an error its kind from its code alone', () => {
    for (const kind of Object.values(ERROR_CODES)) expect(STATUS_OF[kind]).toBeGreaterThanOrEqual(400);
    expect(Object.keys(ERROR_MEANINGS)).toStrictEqual(Object.keys(ERROR_CODES));
    const e = new AppError('ledger.under_verification', '核查中');
    expect([e.kind, e.code, statusOf(e.code)]).toStrictEqual(['conflict', 'ledger.under_verification', 409]);
  });
});
