import { randomBytes, randomUUID } from 'node:crypto';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler as createPairing } from '#functions/create-pairing.ts';
import { handler as decideVerification } from '#functions/decide-verification.ts';
import { getFieldCipher, registerLocalFieldCipher } from '#functions/lib/cipher.ts';
import { db } from '#functions/lib/clients.ts';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { logger, redactForLog } from '#functions/lib/logger.ts';
import { registerLocalWorkflow } from '#functions/lib/workflow.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as registerHousehold } from '#functions/register-household.ts';
import { handler as awaitDecision } from '#functions/verify-await-decision.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { getVerification } from '#shared/verification/index.ts';
import { admin, cadreUser, communityCadreUser, makeAid, makeIdNumber, newKey } from '../support/factories.ts';
import { claimsOf } from '../support/invoke.ts';
import { roundAwaitingDecision, useRecordingWorkflow } from '../support/rounds.ts';
import { PNG } from '../support/scenario.ts';
import { newCadre, newCommunity, newUnit, pairedWorld } from '../support/world.ts';

/**
 * What the functions write to their logs, captured whole: every byte the Powertools logger writes (through its
 * own Console on process.stdout/stderr) and everything written through the global console, while real handlers
 * serve registrations (good, bad, duplicate), aid, a workflow step and a decision carrying a task token, and
 * fail unexpectedly. Every line must be JSON with the id of the request it served, and no line may hold a
 * resident ID number (whole or its 17-digit body) or a task token.
 */

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

const today = () => shanghaiDate(new Date());
const year = () => Number(today().slice(0, 4));
const context = (awsRequestId: string) =>
  ({ awsRequestId, functionName: 'test', getRemainingTimeInMillis: () => 30_000 }) as unknown as Context;

/** The request ids the test sent, in order: every log line must name one of them. */
const sent: string[] = [];

/** Calls a real handler with a request id of our own, so log lines can be matched to requests. */
async function call(
  handler: Handler,
  routeKey: string,
  opts: { as?: typeof admin; body?: unknown; params?: Record<string, string>; headers?: Record<string, string> },
) {
  const [method, routePath] = routeKey.split(' ') as [string, string];
  const requestId = `req-${sent.length}-${randomUUID()}`;
  sent.push(requestId);
  const event = buildApiEvent({
    method,
    routePath,
    rawPath: routePath.replace(/\{(\w+)\}/g, (_m, n: string) => opts.params?.[n] ?? ''),
    headers: { 'content-type': 'application/json', ...opts.headers },
    params: opts.params,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    claims: opts.as ? claimsOf(opts.as) : undefined,
    requestId,
  });
  const res = await handler(event, context(`lambda-${requestId}`));
  return { status: res.statusCode, json: JSON.parse(res.body) };
}

/** A task token as Step Functions mints them: long, opaque, base64. */
const TASK_TOKEN = `AQCEAAAAKgAAAAMAAAAAAAAAA${randomBytes(240).toString('base64')}`;

const captured: string[] = [];
const idNumbers: string[] = [];

beforeAll(async () => {
  // Everything the scenario needs before capture starts, so the capture holds only what the requests log.
  useRecordingWorkflow();
  logger.setLogLevel('INFO');
  const write =
    (stream: NodeJS.WriteStream) =>
    (chunk: unknown): boolean => {
      captured.push(String(chunk));
      return stream === process.stdout || stream === process.stderr;
    };
  vi.spyOn(process.stdout, 'write').mockImplementation(write(process.stdout) as never);
  vi.spyOn(process.stderr, 'write').mockImplementation(write(process.stderr) as never);
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    vi.spyOn(console, m).mockImplementation((...args: unknown[]) => {
      captured.push(`${args.map(String).join(' ')}\n`);
    });
  }
});

afterAll(() => {
  logger.setLogLevel('SILENT');
  vi.restoreAllMocks();
  registerLocalWorkflow(undefined);
});

describe('the logs', () => {
  it('carry a request id on every line and never an ID number or a task token', async () => {
    const communityId = await newCommunity();
    const unitId = await newUnit();
    const cadreId = await newCadre(unitId);
    const w = await pairedWorld(year());
    const verificationId = await roundAwaitingDecision(w.communityId, year(), 'not-the-token');
    captured.length = 0;

    // Registration: a good number, a bad one (400), the good one again (409).
    const idNumber = makeIdNumber();
    idNumbers.push(idNumber);
    const household = { headName: '陈桂兰', idNumber, communityId, memberCount: 2 };
    const registered = await call(registerHousehold, 'POST /households', { as: admin, body: household });
    expect(registered.status).toBe(201);
    const bad = `${idNumber.slice(0, 17)}${idNumber[17] === '0' ? '1' : '0'}`;
    idNumbers.push(bad);
    expect(
      (await call(registerHousehold, 'POST /households', { as: admin, body: { ...household, idNumber: bad } })).status,
    ).toBe(400);
    expect((await call(registerHousehold, 'POST /households', { as: admin, body: household })).status).toBe(409);

    // Aid for that household.
    const pairing = { cadreId, householdId: registered.json.id, year: year() };
    expect((await call(createPairing, 'POST /pairings', { as: admin, body: pairing })).status).toBe(201);
    const aid = await call(recordAid, 'POST /aid-records', {
      as: cadreUser(cadreId),
      body: makeAid(registered.json.id, { date: today() }),
      headers: { 'idempotency-key': newKey() },
    });
    expect(aid.status).toBe(201);

    // The workflow step that keeps the task token, then the decision that completes it through Step Functions,
    // which refuses the token and names it in its error, as it does for a task that timed out.
    registerLocalWorkflow(undefined);
    const send = vi
      .spyOn(SFNClient.prototype, 'send')
      .mockRejectedValue(
        Object.assign(new Error(`Task Timed Out: '${TASK_TOKEN}'`), { name: 'TaskTimedOut' }) as never,
      );
    sent.push('step-await-decision');
    await awaitDecision({ verificationId, taskToken: TASK_TOKEN }, context('step-await-decision'));
    const decided = await call(decideVerification, 'POST /verifications/{id}/decision', {
      as: communityCadreUser(w.communityId),
      params: { id: verificationId },
      body: {
        decision: 'confirm',
        signaturePng: PNG,
        sealId: 'SEAL-LOG',
        digest: (await getVerification(db, verificationId)).digest,
        acknowledgeProblems: true,
      },
    });
    expect(decided.status).toBe(200);
    expect(send).toHaveBeenCalledTimes(1);
    useRecordingWorkflow();

    // An unexpected failure whose error message carries the number (a dependency echoing its input).
    const cipher = getFieldCipher();
    registerLocalFieldCipher({
      encrypt: async (plaintext) => {
        throw new Error(`KMS refused to seal ${plaintext}`);
      },
      decrypt: async () => '',
    });
    const failing = makeIdNumber();
    idNumbers.push(failing);
    const crashed = await call(registerHousehold, 'POST /households', {
      as: admin,
      body: { ...household, idNumber: failing },
    });
    registerLocalFieldCipher(cipher);
    expect(crashed.status).toBe(500);
    expect(crashed.json.error.code).toBe('internal');

    const lines = captured
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '');
    const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // One access line per request, the step's line, the refused token's warning and the defect's error.
    expect(parsed.filter((l) => l.message === 'request')).toHaveLength(sent.length - 1);
    expect(parsed.filter((l) => l.message === 'step')).toHaveLength(1);
    expect(parsed.filter((l) => l.message === 'task token not accepted')).toHaveLength(1);
    expect(parsed.filter((l) => l.message === 'unhandled error')).toHaveLength(1);
    for (const line of parsed) {
      expect(sent, JSON.stringify(line)).toContain(line.requestId);
    }
    const crashedLine = parsed.find((l) => l.message === 'unhandled error')!;
    expect(crashedLine.requestId).toBe(sent.at(-1));
    expect(JSON.stringify(crashedLine)).toContain('[redacted id]');
    for (const line of lines) {
      for (const id of idNumbers) {
        expect(line).not.toContain(id.slice(0, 17));
        expect(line.toUpperCase()).not.toContain(id);
      }
      expect(line).not.toContain(TASK_TOKEN);
      expect(line).not.toContain(TASK_TOKEN.slice(0, 40));
    }
  });
});

describe('the request id under concurrency', () => {
  it('stays with each of many requests served at once by one logger (as the local server serves them)', async () => {
    const communityId = await newCommunity();
    const cipher = getFieldCipher();
    // Each request fails after its own random delay, so the requests' work interleaves.
    registerLocalFieldCipher({
      encrypt: async () => {
        await new Promise((r) => setTimeout(r, Math.random() * 30));
        throw new Error('KMS unavailable');
      },
      decrypt: async () => '',
    });
    captured.length = 0;
    const first = sent.length;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        call(registerHousehold, 'POST /households', {
          as: admin,
          body: { headName: `并发${i}`, idNumber: makeIdNumber(), communityId, memberCount: 1 },
        }),
      ),
    );
    registerLocalFieldCipher(cipher);
    expect(results.every((r) => r.status === 500)).toBe(true);

    const parsed = captured
      .join('')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const ids = (message: string) =>
      parsed
        .filter((l) => l.message === message)
        .map((l) => l.requestId)
        .sort();
    const mine = sent.slice(first).sort();
    expect(ids('unhandled error')).toStrictEqual(mine);
    expect(ids('request')).toStrictEqual(mine);
  });
});

describe('redaction of log values', () => {
  it('masks ID numbers inside any text and drops the values of token fields', () => {
    expect(redactForLog('message', 'bad id 32090219800101001X in row 3')).toBe('bad id [redacted id] in row 3');
    expect(redactForLog('message', 'body 32090219800101001')).toBe('body [redacted id]');
    expect(redactForLog('taskToken', 'AQCE…')).toBe('[redacted]');
    expect(redactForLog('ms', 12)).toBe(12);
  });
});
