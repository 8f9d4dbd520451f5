import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import ExcelJS from 'exceljs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handler as createPairing } from '#functions/create-pairing.ts';
import { setAuditSink } from '#functions/lib/audit.ts';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { handler as listAudit } from '#functions/list-audit.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as recordOutcome } from '#functions/record-outcome.ts';
import { handler as registerHousehold } from '#functions/register-household.ts';
import { handler as reverseAid } from '#functions/reverse-aid.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { parseCsv } from '#shared/csv.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeAid, makeIdNumber } from '../support/factories.ts';
import { claimsOf, invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newUnit, pairedWorld } from '../support/world.ts';

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;
const context = { awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;

/** Calls a handler with a known request id, as API Gateway would send it. */
async function call(
  handler: Handler,
  route: string,
  opts: { as: Parameters<typeof claimsOf>[0]; body?: unknown; params?: Record<string, string>; headers?: object },
) {
  const requestId = randomUUID();
  const [method, routePath] = route.split(' ') as [string, string];
  const event = buildApiEvent({
    method,
    routePath,
    rawPath: routePath.replace('{id}', opts.params?.id ?? ''),
    headers: { 'content-type': 'application/json', ...opts.headers },
    params: opts.params,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    claims: claimsOf(opts.as),
    requestId,
  });
  const res = await handler(event, context);
  return { requestId, status: res.statusCode, json: JSON.parse(res.body) };
}

const trail = (query: Record<string, string>, as = auditor) => invoke(listAudit, 'GET /audit', { as, query });

/** The entries of an entity's trail made by one route (households also carry their registration and pairing). */
async function entriesOf(entityId: string, action: string) {
  const r = await trail({ entityId });
  return r.json.entries.filter((e: { action: string }) => e.action === action);
}

afterEach(() => setAuditSink(undefined));

describe('the audit trail', () => {
  it('records a write with who, what, which entity, when and the request id, and nothing of the body', async () => {
    const w = await pairedWorld(2026);
    const before = new Date().toISOString();
    const aid = await call(recordAid, 'POST /aid-records', {
      as: cadreUser(w.cadreId),
      body: makeAid(w.householdId, { description: '慰问金，户主张三' }),
      headers: { 'idempotency-key': `key-${randomUUID()}` },
    });
    expect(aid.status).toBe(201);
    const r = await trail({ entityId: aid.json.id });
    expect(r.status).toBe(200);
    expect(r.json).toStrictEqual({
      entries: [
        {
          at: expect.any(String),
          actor: `user-${w.cadreId}`,
          roles: ['cadre'],
          action: 'POST /aid-records',
          entityId: aid.json.id,
          requestId: aid.requestId,
          status: 201,
        },
      ],
      truncated: false,
    });
    expect(r.json.entries[0].at >= before).toBe(true);
    expect(r.text).not.toContain('张三');
    expect(r.text).not.toContain('10000');
  });

  it('names the entity by the path id, else the created id, else the household of a pairing', async () => {
    const w = await pairedWorld(2026);
    const aid = await call(recordAid, 'POST /aid-records', {
      as: cadreUser(w.cadreId),
      body: makeAid(w.householdId),
      headers: { 'idempotency-key': `key-${randomUUID()}` },
    });
    const reversal = await call(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: admin,
      params: { id: aid.json.id },
      body: { reason: '金额登记错误' },
    });
    expect(reversal.status).toBe(201);
    const entries = (await trail({ entityId: aid.json.id })).json.entries;
    expect(entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toStrictEqual([
      ['POST /aid-records', `user-${w.cadreId}`],
      ['POST /aid-records/{id}/reversal', 'test-admin'],
    ]);

    const outcome = await call(recordOutcome, 'POST /households/{id}/outcomes', {
      as: cadreUser(w.cadreId),
      params: { id: w.householdId },
      body: { objective: 'education', date: '2026-09-01', description: '孩子返校' },
    });
    expect(outcome.status).toBe(201);
    const community = await newCommunity();
    const unit = await newUnit();
    const cadre = await newCadre(unit);
    const household = await call(registerHousehold, 'POST /households', {
      as: admin,
      body: { headName: '王某', idNumber: makeIdNumber(), communityId: community, memberCount: 2 },
    });
    const pairing = await call(createPairing, 'POST /pairings', {
      as: admin,
      body: { cadreId: cadre, householdId: household.json.id, year: 2026 },
    });
    expect(await entriesOf(w.householdId, 'POST /households/{id}/outcomes')).toMatchObject([
      { entityId: w.householdId, requestId: outcome.requestId, status: 201 },
    ]);
    const householdTrail = (await trail({ entityId: household.json.id })).json.entries;
    expect(householdTrail).toMatchObject([
      { action: 'POST /households', actor: 'test-admin', roles: ['admin'], requestId: household.requestId },
      { action: 'POST /pairings', requestId: pairing.requestId },
    ]);
    expect(JSON.stringify(householdTrail)).not.toContain('王某');
  });

  it('records nothing for reads and refused writes', async () => {
    const w = await pairedWorld(2026);
    const refused = await call(recordOutcome, 'POST /households/{id}/outcomes', {
      as: cadreUser('someone-else'),
      params: { id: w.householdId },
      body: { objective: 'education', date: '2026-09-01', description: '孩子返校' },
    });
    expect(refused.status).toBe(403);
    const invalid = await call(recordOutcome, 'POST /households/{id}/outcomes', {
      as: cadreUser(w.cadreId),
      params: { id: w.householdId },
      body: { objective: 'education' },
    });
    expect(invalid.status).toBe(400);
    await trail({ entityId: w.householdId });
    const actions = (await trail({ entityId: w.householdId })).json.entries.map((e: { action: string }) => e.action);
    expect(actions).toStrictEqual(['POST /households', 'POST /pairings']);
  });

  it('narrows an entity’s trail to a time range, and lists every entity’s writes within a range', async () => {
    const w = await pairedWorld(2026);
    const write = await call(recordOutcome, 'POST /households/{id}/outcomes', {
      as: cadreUser(w.cadreId),
      params: { id: w.householdId },
      body: { objective: 'housing', date: '2026-09-01', description: '危房改造完成' },
    });
    const [entry] = await entriesOf(w.householdId, 'POST /households/{id}/outcomes');
    const at = Date.parse(entry.at);
    const iso = (ms: number) => new Date(ms).toISOString();
    expect((await trail({ entityId: w.householdId, from: iso(at + 1) })).json.entries).toStrictEqual([]);
    const untilJustBefore = (await trail({ entityId: w.householdId, to: iso(at - 1) })).json.entries;
    expect(untilJustBefore.map((e: { action: string }) => e.action)).not.toContain('POST /households/{id}/outcomes');
    expect((await trail({ entityId: w.householdId, from: iso(at), to: iso(at) })).json.entries).toMatchObject([
      { requestId: write.requestId },
    ]);

    const all = await trail({ from: iso(at - 60_000), to: iso(at + 60_000) });
    expect(all.status).toBe(200);
    expect(all.json.entries.map((e: { requestId: string }) => e.requestId)).toContain(write.requestId);
    const ats = all.json.entries.map((e: { at: string }) => e.at);
    expect(ats).toStrictEqual([...ats].sort());
    // A Shanghai date covers its whole day.
    const today = new Date(at + 8 * 3600_000).toISOString().slice(0, 10);
    const byDate = await trail({ from: today, to: today });
    expect(byDate.json.entries.map((e: { requestId: string }) => e.requestId)).toContain(write.requestId);
  });

  it('needs a range when no entity is named, of at most 31 days, the right way round', async () => {
    expect((await trail({})).status).toBe(400);
    expect((await trail({ from: '2026-01-01' })).json.error.code).toBe('audit.range_required');
    expect((await trail({ from: '2026-01-01', to: '2026-03-01' })).json.error.code).toBe('audit.range_too_long');
    expect((await trail({ from: '2026-03-01', to: '2026-01-01' })).json.error.code).toBe('audit.range');
    expect((await trail({ from: 'yesterday', to: '2026-01-01' })).status).toBe(400);
  });

  it('exports the trail as CSV and XLSX', async () => {
    const w = await pairedWorld(2026);
    const write = await call(recordOutcome, 'POST /households/{id}/outcomes', {
      as: cadreUser(w.cadreId),
      params: { id: w.householdId },
      body: { objective: 'medical', date: '2026-09-01', description: '大病救助' },
    });
    const csv = await trail({ entityId: w.householdId, format: 'csv' });
    expect(csv.text.startsWith('\uFEFF时间（UTC）,操作人,角色,操作,对象编号,请求编号,状态码\r\n')).toBe(true);
    const rows = parseCsv(csv.text).filter((x) => x[3] === 'POST /households/{id}/outcomes');
    expect(rows[0]!.slice(1)).toStrictEqual([
      `user-${w.cadreId}`,
      'cadre',
      'POST /households/{id}/outcomes',
      w.householdId,
      write.requestId,
      '201',
    ]);
    const xlsx = await trail({ entityId: w.householdId, format: 'xlsx' });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(xlsx.text, 'base64') as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toStrictEqual([
      '时间（UTC）',
      '操作人',
      '角色',
      '操作',
      '对象编号',
      '请求编号',
      '状态码',
    ]);
    expect(ws.getRow(2).getCell(7).value).toBe(201);
    expect(ws.rowCount).toBe(4);
  });

  it('is for admins and auditors: cadres and community cadres get 403', async () => {
    const w = await pairedWorld(2026);
    expect((await trail({ entityId: w.householdId }, admin)).status).toBe(200);
    expect((await trail({ entityId: w.householdId }, cadreUser(w.cadreId))).status).toBe(403);
    expect((await trail({ entityId: w.householdId }, communityCadreUser(w.communityId))).status).toBe(403);
  });

  it('still answers a successful write when its audit entry cannot be stored', async () => {
    const w = await pairedWorld(2026);
    setAuditSink(() => Promise.reject(new Error('table unavailable')));
    const printed: string[] = [];
    // The embedded metric is a line on the process's stdout (functions/lib/audit.ts).
    const write = process.stdout.write.bind(process.stdout);
    const log = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown, ...rest: unknown[]) => {
      if (String(chunk).includes('_aws')) {
        printed.push(String(chunk));
        return true;
      }
      return write(chunk as string, ...(rest as []));
    });
    const r = await call(recordOutcome, 'POST /households/{id}/outcomes', {
      as: cadreUser(w.cadreId),
      params: { id: w.householdId },
      body: { objective: 'education', date: '2026-09-01', description: '孩子返校' },
    });
    log.mockRestore();
    expect(r.status).toBe(201);
    // The alarm's metric, published as an embedded metric: namespace, name and the one dimension it names.
    const emf = printed.map((l) => JSON.parse(l)).find((l) => l._aws?.CloudWatchMetrics);
    expect(printed).toHaveLength(1);
    expect(emf?._aws.CloudWatchMetrics).toStrictEqual([
      { Namespace: 'LinkageAid', Dimensions: [['service']], Metrics: [{ Name: 'AuditWriteFailed', Unit: 'Count' }] },
    ]);
    expect([emf?.service, emf?.AuditWriteFailed]).toStrictEqual(['linkage-aid', 1]);
    setAuditSink(undefined);
    expect(await entriesOf(w.householdId, 'POST /households/{id}/outcomes')).toStrictEqual([]);
  });
});
