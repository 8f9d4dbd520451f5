import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USERS } from '#infra/local/demo-data.ts';
import { startDynalite } from '#infra/local/dynamo.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { makeIdNumber, newKey } from '../support/factories.ts';
import { devToken, type RunningServer, startServer } from '../support/local-server.ts';

const year = Number(shanghaiDate(new Date()).slice(0, 4));

describe('the local server with demo data', () => {
  let server: RunningServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.stop());

  it('answers GET /health without a token', async () => {
    expect((await server.fetch('/health')).status).toBe(200);
  });

  it('answers 401 with the error shape to a request with no token or a forged one', async () => {
    const none = await server.fetch('/reports/floor?year=2026');
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('auth.invalid_token');
    const forged = await server.fetch('/reports/floor?year=2026', {
      token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl',
    });
    expect(forged.status).toBe(401);
  });

  it('answers 400 to a dev-token request without groups', async () => {
    expect((await server.fetch('/auth/dev-token', { body: { sub: 'x' } })).status).toBe(400);
  });

  it('starts a new data directory with the demo households in the floor report', async () => {
    const token = await devToken(server, DEMO_USERS.auditor);
    const r = await server.fetch(`/reports/floor?year=${year}`, { token });
    expect(r.status).toBe(200);
    expect(r.json.rows.length).toBe(6);
    expect(r.json.rows.some((x: { meetsFloor: boolean }) => x.meetsFloor)).toBe(true);
    expect(r.json.rows.some((x: { totalFen: number }) => x.totalFen === 0)).toBe(true);
  });

  it('lets the demo cadre record aid for a demo household, once per idempotency key', async () => {
    const token = await devToken(server, DEMO_USERS.cadreWang);
    const auditor = await devToken(server, DEMO_USERS.auditor);
    const rows = (await server.fetch(`/reports/floor?year=${year}`, { token: auditor })).json.rows;
    const household = rows.find((x: { cadreId: string }) => x.cadreId === 'demo-cadre-wang');
    const key = newKey();
    const body = {
      householdId: household.householdId,
      date: shanghaiDate(new Date()),
      kind: 'cash',
      objective: 'livelihood',
      amountFen: 1_000,
      description: '测试',
    };
    const first = await server.fetch('/aid-records', { token, body, headers: { 'idempotency-key': key } });
    const second = await server.fetch('/aid-records', { token, body, headers: { 'idempotency-key': key } });
    expect(first.status).toBe(201);
    expect(second.json.id).toBe(first.json.id);
    const after = await server.fetch(`/households/${household.householdId}/aid?year=${year}`, { token });
    expect(after.json.totalFen).toBe(household.totalFen + 1_000);
  });

  it('answers 413 to a body over the limit and 404 to an unknown route', async () => {
    const token = await devToken(server, DEMO_USERS.admin);
    const big = await server.fetch('/communities', {
      token,
      body: JSON.stringify({ name: 'x'.repeat(3 * 1024 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('request.too_large');
    expect((await server.fetch('/nowhere', { token })).status).toBe(404);
  });
});

describe('the local data directory', () => {
  it('keeps data and tokens across a restart and does not load the demo twice', async () => {
    const first = await startServer();
    const token = await devToken(first, DEMO_USERS.admin);
    const created = await first.fetch('/communities', { token, body: { name: '重启测试社区' } });
    expect(created.status).toBe(201);
    await first.stop();

    const second = await startServer({}, first.dataDir);
    try {
      const household = await second.fetch('/households', {
        token,
        body: { headName: '重启', idNumber: makeIdNumber(), communityId: created.json.id, memberCount: 1 },
      });
      expect(household.status).toBe(201);
      const auditor = await devToken(second, DEMO_USERS.auditor);
      expect((await second.fetch(`/reports/floor?year=${year}`, { token: auditor })).json.rows).toHaveLength(6);
    } finally {
      await second.stop();
    }
  });

  it('starts empty with DEMO_DATA=off', async () => {
    const server = await startServer({ DEMO_DATA: 'off' });
    try {
      const token = await devToken(server, DEMO_USERS.auditor);
      expect((await server.fetch(`/reports/floor?year=${year}`, { token })).json.rows).toStrictEqual([]);
    } finally {
      await server.stop();
    }
  });
});

describe('an external DynamoDB-compatible endpoint', () => {
  it('uses DYNAMODB_ENDPOINT instead of the embedded engine and creates TABLE_NAME there', async () => {
    const external = await startDynalite();
    const server = await startServer({ DYNAMODB_ENDPOINT: external.endpoint, TABLE_NAME: 'city-aid' });
    try {
      const client = new DynamoDBClient({
        endpoint: external.endpoint,
        region: 'local',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      });
      const tables = await client.send(new ListTablesCommand({}));
      expect(tables.TableNames).toStrictEqual(['city-aid']);
      const token = await devToken(server, DEMO_USERS.auditor);
      expect((await server.fetch(`/reports/floor?year=${year}`, { token })).json.rows).toHaveLength(6);
      client.destroy();
    } finally {
      await server.stop();
      await external.close();
    }
  });
});

describe('uploads by presigned URL (the local object store)', () => {
  it('issues a URL that accepts exactly the declared file once signed, and refuses a tampered upload', async () => {
    const server = await startServer({ DEMO_DATA: 'off' });
    try {
      const token = await devToken(server, { sub: 'uploader', groups: ['cadre'], cadreId: 'c1' });
      const file = Buffer.from('%PDF-1.4 evidence');
      const r = await server.fetch('/uploads', {
        token,
        body: { purpose: 'evidence', contentType: 'application/pdf', bytes: file.length },
      });
      expect(r.status).toBe(201);
      expect(r.json).toMatchObject({ method: 'PUT', headers: { 'content-type': 'application/pdf' } });
      expect(r.json.key).toMatch(/^uploads\/evidence\/\d{4}-\d{2}-\d{2}\/uploader\/[0-9a-f-]+\.pdf$/);

      const put = (body: Buffer, type = 'application/pdf', url: string = r.json.url) =>
        fetch(url, { method: 'PUT', headers: { 'content-type': type }, body });
      expect((await put(Buffer.from('something else, longer'))).status).toBe(403);
      expect((await put(file, 'image/png')).status).toBe(403);
      expect(
        (await put(file, 'application/pdf', r.json.url.replace(/signature=[^&]+/, 'signature=forged'))).status,
      ).toBe(403);
      expect((await put(file)).status).toBe(200);
      expect(readFileSync(join(server.dataDir, 'objects', r.json.key)).equals(file)).toBe(true);

      const tooBig = await server.fetch('/uploads', {
        token,
        body: { purpose: 'evidence', contentType: 'application/pdf', bytes: 6 * 1024 * 1024 },
      });
      expect(tooBig.status).toBe(400);
      const exe = await server.fetch('/uploads', {
        token,
        body: { purpose: 'evidence', contentType: 'application/x-msdownload', bytes: 10 },
      });
      expect(exe.status).toBe(400);
    } finally {
      await server.stop();
    }
  });
});
