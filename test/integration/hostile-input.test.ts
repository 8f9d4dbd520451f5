import { createHash, randomUUID } from 'node:crypto';
import { DynamoDBClient, ScanCommand, type ScanCommandOutput } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import * as fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { db } from '#functions/lib/clients.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import { type ApiEvent, type ApiResult, MAX_BODY_BYTES } from '#functions/lib/http.ts';
import { PAGE_LAMBDAS, ROUTES, type RouteDef } from '#functions/routes.ts';
import { localExportRunner } from '#infra/local/exports.ts';
import type { DevTokenRequest } from '#infra/local/tokens.ts';
import { NewUser } from '#shared/accounts/index.ts';
import { NewReceipt } from '#shared/aid/receipt.ts';
import { NewAidRecord, NewReversal } from '#shared/aid/rules.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { ExportRequest } from '#shared/exports/job.ts';
import { FundImport, fundImportFromCsv } from '#shared/fund/index.ts';
import { HouseholdPatch, NewHousehold } from '#shared/household/index.ts';
import { ImportRequest } from '#shared/imports/index.ts';
import { NewObjection, ObjectionResolution } from '#shared/notice/index.ts';
import { UploadRequest } from '#shared/objects.ts';
import { NewOutcome } from '#shared/outcome/index.ts';
import { CarryOver } from '#shared/pairing/carry-over.ts';
import { NewPairing } from '#shared/pairing/index.ts';
import { PairingEnd, Reassignment } from '#shared/pairing/reassign.ts';
import { CadrePatch, CommunityPatch, NewCadre, NewCommunity, NewUnit, UnitPatch } from '#shared/registry/index.ts';
import { DecisionInput, ReopenInput, StartVerification } from '#shared/verification/index.ts';
import { NewVisit } from '#shared/visit/index.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeIdNumber, newKey } from '../support/factories.ts';
import { invoke, type Response } from '../support/invoke.ts';
import { confirmedRound, finalRound, roundAwaitingDecision, useRecordingWorkflow } from '../support/rounds.ts';
import { PNG } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Hostile input against every POST route that takes a JSON body (issue #7): malformed JSON, wrong content types,
 * bodies over the limit, deep nesting, prototype keys, huge strings, control characters and lone surrogates,
 * numbers beyond 2^53, impossible dates, arrays for objects, then fast-check over each route's schema. Every
 * answer must be a 4xx with the one error shape (a 2xx only for a body the route's schema accepts), never a
 * 5xx, and a refused request must leave the table as it was.
 */

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Path = (string | number)[];
/** One edit of a body: `pick` chooses the path (or, for `add`, the object) among those the body has. */
type Mutation =
  | { op: 'drop'; pick: number }
  | { op: 'replace'; pick: number; value: Json }
  | { op: 'add'; pick: number; name: string; value: Json };

// ---------------------------------------------------------------------------------------------------------
// The routes and a valid request for each, built on a world made in beforeAll.
// ---------------------------------------------------------------------------------------------------------

/** Ids of the fixture world. A dummy stands in at collection time, when only the bodies' shapes matter. */
interface World {
  year: number;
  today: string;
  communityId: string;
  unitId: string;
  cadreId: string;
  householdId: string;
  /** An in-kind entry recorded by the cadre: takes a receipt. */
  inKindRecordId: string;
  /** A cash entry recorded by the cadre: takes a reversal. */
  cashRecordId: string;
  roundAwaitingDecision: string;
  /** The community of `roundAwaitingDecision`. */
  roundCommunityId: string;
  roundHouseholdId: string;
  noticeId: string;
  noticeEntryId: string;
  objectionId: string;
  finalRound: string;
}

interface Fixture {
  schema: z.ZodType;
  as?: (w: World) => DevTokenRequest;
  params?: (w: World) => Record<string, string>;
  headers?: () => Record<string, string>;
  body: (w: World) => { [key: string]: Json };
  /** The route also takes `text/csv`. */
  csv?: boolean;
}

const FIXTURES: Record<string, Fixture> = {
  'PATCH /communities/{id}': {
    schema: CommunityPatch,
    as: () => admin,
    params: (w) => ({ id: w.communityId }),
    body: () => ({ township: '平江街道', district: '姑苏区' }),
  },
  'PATCH /units/{id}': {
    schema: UnitPatch,
    as: () => admin,
    params: (w) => ({ id: w.unitId }),
    body: () => ({ active: true }),
  },
  'PATCH /cadres/{id}': {
    schema: CadrePatch,
    as: () => admin,
    params: (w) => ({ id: w.cadreId }),
    body: () => ({ phone: '13800138000' }),
  },
  'PATCH /households/{id}': {
    schema: HouseholdPatch,
    as: () => admin,
    params: (w) => ({ id: w.householdId }),
    body: () => ({ memberCount: 4 }),
  },
  'POST /communities': { schema: NewCommunity, as: () => admin, body: () => ({ name: '幸福社区' }) },
  'POST /units': { schema: NewUnit, as: () => admin, body: () => ({ name: '市财政局' }) },
  'POST /cadres': { schema: NewCadre, as: () => admin, body: (w) => ({ name: '王建国', unitId: w.unitId }) },
  'POST /households': {
    schema: NewHousehold,
    as: () => admin,
    body: (w) => ({ headName: '欧阳明明', idNumber: makeIdNumber(), communityId: w.communityId, memberCount: 3 }),
  },
  'POST /pairings': {
    schema: NewPairing,
    as: () => admin,
    body: (w) => ({ cadreId: w.cadreId, householdId: w.householdId, year: w.year }),
  },
  // To the same cadre: a valid body is an unchanged reassignment, so the other fixtures' pairing stays as it is.
  'POST /pairings/reassignment': {
    schema: Reassignment,
    as: () => admin,
    body: (w) => ({ householdId: w.householdId, year: w.year, cadreId: w.cadreId, from: w.today }),
  },
  // Ended today at the earliest: entries dated today, which the other fixtures record, are still taken.
  'POST /pairings/end': {
    schema: PairingEnd,
    as: () => admin,
    body: (w) => ({ householdId: w.householdId, year: w.year, on: w.today }),
  },
  'POST /pairings/carry-over': {
    schema: CarryOver,
    as: () => admin,
    body: (w) => ({ fromYear: w.year, toYear: w.year + 1, dryRun: true }),
  },
  'POST /aid-records': {
    schema: NewAidRecord,
    as: (w) => cadreUser(w.cadreId),
    headers: () => ({ 'idempotency-key': newKey() }),
    body: (w) => ({
      householdId: w.householdId,
      date: w.today,
      kind: 'in_kind',
      objective: 'livelihood',
      amountFen: 36_000,
      description: '冬季棉被和大米',
      items: [
        { name: '棉被', quantity: 2, unitValueFen: 15_000 },
        { name: '大米', quantity: 10, unitValueFen: 600 },
      ],
    }),
  },
  'POST /aid-records/{id}/reversal': {
    schema: NewReversal,
    as: (w) => cadreUser(w.cadreId),
    params: (w) => ({ id: w.cashRecordId }),
    body: () => ({ reason: '金额登记错误' }),
  },
  'POST /households/{id}/outcomes': {
    schema: NewOutcome,
    as: (w) => cadreUser(w.cadreId),
    params: (w) => ({ id: w.householdId }),
    body: (w) => ({ objective: 'education', date: w.today, description: '孩子返校复学' }),
  },
  'POST /households/{id}/visits': {
    schema: NewVisit,
    as: (w) => cadreUser(w.cadreId),
    params: (w) => ({ id: w.householdId }),
    headers: () => ({ 'idempotency-key': newKey() }),
    body: (w) => ({ date: w.today, note: '入户走访，了解孩子上学情况' }),
  },
  'POST /fund-ledger': {
    schema: FundImport,
    as: () => admin,
    csv: true,
    body: (w) => ({
      entries: [
        {
          reference: `F-${randomUUID()}`,
          householdId: w.householdId,
          date: w.today,
          objective: 'medical',
          amountFen: 500,
        },
      ],
    }),
  },
  'POST /aid-records/{id}/receipt': {
    schema: NewReceipt,
    as: (w) => cadreUser(w.cadreId),
    params: (w) => ({ id: w.inKindRecordId }),
    body: () => ({ method: 'signature', imagePng: PNG }),
  },
  'POST /verifications': {
    schema: StartVerification,
    as: () => admin,
    body: (w) => ({ communityId: w.communityId, year: w.year }),
  },
  'POST /verifications/{id}/decision': {
    schema: DecisionInput,
    as: (w) => communityCadreUser(w.roundCommunityId),
    params: (w) => ({ id: w.roundAwaitingDecision }),
    body: (w) => ({ decision: 'reject', comment: '请核对台账', householdIds: [w.roundHouseholdId] }),
  },
  'POST /verifications/{id}/reopen': {
    schema: ReopenInput,
    as: () => admin,
    params: (w) => ({ id: w.finalRound }),
    body: () => ({ reason: '审计发现一户金额有误' }),
  },
  'POST /notices/{id}/objections': {
    schema: NewObjection,
    params: (w) => ({ id: w.noticeId }),
    body: (w) => ({ entryId: w.noticeEntryId, text: '该户家中已有稳定收入' }),
  },
  'POST /objections/{id}/resolution': {
    schema: ObjectionResolution,
    as: () => admin,
    params: (w) => ({ id: w.objectionId }),
    body: () => ({ upheld: false, note: '经核实，情况属实' }),
  },
  'POST /users': {
    schema: NewUser,
    as: () => admin,
    body: (w) => ({
      username: `h${randomUUID().replaceAll('-', '').slice(0, 12)}`,
      email: 'hostile@example.cn',
      role: 'cadre',
      cadreId: w.cadreId,
    }),
  },
  'POST /uploads': {
    schema: UploadRequest,
    as: (w) => cadreUser(w.cadreId),
    body: () => ({ purpose: 'evidence', contentType: 'application/pdf', bytes: 12_345 }),
  },
  // A well-formed import of a file never uploaded: the route's own 404, after every check of the body.
  'POST /imports': {
    schema: ImportRequest,
    as: () => admin,
    body: () => ({ kind: 'units', key: 'uploads/import/2026-01-01/nobody/none.csv', dryRun: true }),
  },
  // An export of a community's floor report: a job in the background (the local runner), 202 {id}.
  'POST /exports': {
    schema: ExportRequest,
    as: () => auditor,
    body: (w) => ({ report: 'floor', format: 'csv', filters: { year: '2026', communityId: w.communityId } }),
  },
};

const PAGE_HANDLERS = PAGE_LAMBDAS;
const routeKey = (r: RouteDef) => `${r.method} ${r.path}`;
/**
 * POST routes that read no body: an account's disable, enable and resend, whose act is all in the path. They
 * ignore whatever body comes (test/integration/accounts.test.ts checks their path and their refusals).
 */
const NO_BODY = new Set([
  'POST /users/{username}/disable',
  'POST /users/{username}/enable',
  'POST /users/{username}/resend',
]);
const POST_ROUTES: readonly RouteDef[] = ROUTES.filter(
  (r) => (r.method === 'POST' || r.method === 'PATCH') && !PAGE_HANDLERS.has(r.handler) && !NO_BODY.has(routeKey(r)),
);

const DUMMY: World = {
  year: 2026,
  today: '2026-01-01',
  communityId: 'c',
  unitId: 'u',
  cadreId: 'k',
  householdId: 'h',
  inKindRecordId: 'a',
  cashRecordId: 'b',
  roundAwaitingDecision: 'v',
  roundCommunityId: 'c',
  roundHouseholdId: 'h',
  noticeId: 'n',
  noticeEntryId: 'e',
  objectionId: 'o',
  finalRound: 'f',
};

let world: World;
const handlers = new Map<string, Handler>();
/** Export jobs run in-process: an accepted POST /exports is waited for before the next request is judged. */
const exportRunner = localExportRunner();
registerLocalExportRunner(exportRunner);

// ---------------------------------------------------------------------------------------------------------
// Proving that a refusal writes nothing, two ways: per request, every write the handlers' DynamoDB client
// completes is recorded by key (a refused request must have none); per test, a full Scan through a client of
// our own compares every item, attribute for attribute, with the test's start, and every item that changed
// must be one an accepted request wrote. The Scan is the ground truth, independent of how handlers write; the
// per-request record names the request at fault and costs nothing, so fast-check can run without a Scan per run.
// ---------------------------------------------------------------------------------------------------------

/**
 * Rate-limit counters are left out of both: counting an attempt, refused or not, is their purpose (the public
 * objection route counts each well-formed attempt before it reads anything).
 */
const COUNTS_ATTEMPTS = (key: string) => key.startsWith('RATE#');

type AttributeMap = Record<string, { S?: string }>;
const keyOf = (item: AttributeMap) => `${item.pk?.S}|${item.sk?.S}`;

/** The item keys a DynamoDB request writes, read from the low-level request the SDK sends. */
function keysWritten(target: string, body: Record<string, any>): string[] {
  switch (target.split('.').pop()) {
    case 'PutItem':
      return [keyOf(body.Item)];
    case 'UpdateItem':
    case 'DeleteItem':
      return [keyOf(body.Key)];
    case 'BatchWriteItem':
      return Object.values(body.RequestItems as Record<string, any[]>)
        .flat()
        .map((r) => keyOf(r.PutRequest?.Item ?? r.DeleteRequest?.Key));
    case 'TransactWriteItems':
      return (body.TransactItems as any[])
        .filter((t) => !t.ConditionCheck)
        .map((t) => keyOf(t.Put?.Item ?? t.Update?.Key ?? t.Delete?.Key));
    default:
      return [];
  }
}

/** Keys written by completed requests of the handlers' client since the last reset. */
let written: string[] = [];
db.doc.middlewareStack.add(
  (next) => async (args) => {
    const out = await next(args);
    const request = args.request as { headers: Record<string, string>; body?: string | Uint8Array };
    const target = request.headers['x-amz-target'] ?? '';
    const body = typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body);
    written.push(...keysWritten(target, JSON.parse(body || '{}')).filter((k) => !COUNTS_ATTEMPTS(k)));
    return out;
  },
  { step: 'finalizeRequest', name: 'hostileInputWriteRecorder' },
);

const raw = new DynamoDBClient({
  endpoint: process.env.DYNAMODB_ENDPOINT,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});

/** Every item of the table, by key, with a hash of all its attributes: a full Scan, page by page. */
async function scanTable(): Promise<Map<string, string>> {
  const items = new Map<string, string>();
  let start: ScanCommandOutput['LastEvaluatedKey'];
  do {
    const page = await raw.send(new ScanCommand({ TableName: process.env.TABLE_NAME, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      if (COUNTS_ATTEMPTS(keyOf(item))) continue;
      const canonical = JSON.stringify(item, (_k, v) =>
        v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort()) : v,
      );
      items.set(keyOf(item), createHash('sha256').update(canonical).digest('base64'));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The table at the start of the running test, and the keys its accepted requests wrote. */
let tableAtStart = new Map<string, string>();
const writtenByAccepted = new Set<string>();

/** Every item that changed since the test started was written by a request the test saw accepted. */
async function expectOnlyAcceptedWrites(): Promise<void> {
  const now = await scanTable();
  const changed = [...new Set([...tableAtStart.keys(), ...now.keys()])].filter(
    (k) => tableAtStart.get(k) !== now.get(k) && !writtenByAccepted.has(k),
  );
  tableAtStart = now;
  writtenByAccepted.clear();
  expect(changed, 'items changed that no accepted request wrote').toStrictEqual([]);
}

beforeAll(async () => {
  useRecordingWorkflow();
  for (const r of POST_ROUTES) {
    handlers.set(r.handler, ((await import(`#functions/${r.handler}.ts`)) as { handler: Handler }).handler);
  }
  const today = shanghaiDate(new Date());
  const year = Number(today.slice(0, 4));
  const a = await pairedWorld(year);
  const record = async (body: Record<string, unknown>) => {
    const r = await invoke(handlers.get('record-aid')!, 'POST /aid-records', {
      as: cadreUser(a.cadreId),
      body: { householdId: a.householdId, date: today, objective: 'livelihood', description: '帮扶', ...body },
      headers: { 'idempotency-key': newKey() },
    });
    if (r.status !== 201) throw new Error(`setup: record aid: ${r.status} ${r.text}`);
    return r.json.id as string;
  };
  const inKindRecordId = await record({
    kind: 'in_kind',
    amountFen: 30_000,
    items: [{ name: '棉被', quantity: 2, unitValueFen: 15_000 }],
  });
  const cashRecordId = await record({ kind: 'cash', amountFen: 20_000 });
  // A community of its own: a round awaiting its decision freezes the community's ledger.
  const d = await pairedWorld(year);
  const awaiting = await roundAwaitingDecision(d.communityId, year);
  const b = await pairedWorld(year);
  const notice = await confirmedRound(b.communityId, year);
  const filed = await invoke(handlers.get('file-objection')!, 'POST /notices/{id}/objections', {
    params: { id: notice.noticeId },
    body: { entryId: notice.entryId, text: '该户情况与公示不符' },
  });
  if (filed.status !== 201) throw new Error(`setup: objection: ${filed.status} ${filed.text}`);
  const c = await pairedWorld(year);
  world = {
    year,
    today,
    communityId: a.communityId,
    unitId: a.unitId,
    cadreId: a.cadreId,
    householdId: a.householdId,
    inKindRecordId,
    cashRecordId,
    roundAwaitingDecision: awaiting,
    roundCommunityId: d.communityId,
    roundHouseholdId: d.householdId,
    noticeId: notice.noticeId,
    noticeEntryId: notice.entryId,
    objectionId: filed.json.id,
    finalRound: (await finalRound(c.communityId, year)).verificationId,
  };
  tableAtStart = await scanTable();
});

afterEach(async () => {
  // No request, whatever it carried, may have reached the prototype every object shares.
  expect(Object.prototype).not.toHaveProperty('polluted');
  expect(Object.prototype).not.toHaveProperty('isAdmin');
  await expectOnlyAcceptedWrites();
});

// ---------------------------------------------------------------------------------------------------------
// Sending, and what every answer must be.
// ---------------------------------------------------------------------------------------------------------

/** The one error shape: a stable dotted code, a message, and per-field issues when there are any. */
const ErrorBody = z.strictObject({
  error: z.strictObject({
    code: z.string().regex(/^[a-z_]+(\.[a-z_]+)+$/),
    message: z.string().min(1),
    issues: z.array(z.strictObject({ path: z.string(), message: z.string().min(1) })).optional(),
  }),
});

/** Sends raw text to a route as its fixture's caller; `contentType: null` sends no content type at all. */
function send(key: string, text: string, contentType: string | null = 'application/json'): Promise<Response> {
  const route = POST_ROUTES.find((r) => routeKey(r) === key)!;
  const f = FIXTURES[key]!;
  return invoke(handlers.get(route.handler)!, key, {
    as: f.as?.(world),
    params: f.params?.(world),
    rawBody: text,
    headers: { ...f.headers?.(), ...(contentType === null ? {} : { 'content-type': contentType }) },
  });
}

// What the edge refuses in any string, before a schema sees it (functions/lib/http.ts): control characters but
// tab, CR and LF, and lone surrogates. Stated here on its own, so the fuzz's oracle does not borrow the code's.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Whether a route may accept a parsed body: its schema does, and no string in it is unreadable. */
function routeAccepts(key: string, value: unknown): boolean {
  const stack = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string' && (CONTROL.test(v) || LONE_SURROGATE.test(v))) return false;
    if (v !== null && typeof v === 'object') stack.push(...Object.values(v));
  }
  return FIXTURES[key]!.schema.safeParse(value).success;
}

/** Whether a route may accept this text as a JSON body: the oracle of every test that may see a 2xx. */
function mayAccept(key: string, text: string): boolean {
  try {
    return routeAccepts(key, JSON.parse(text));
  } catch {
    return false;
  }
}

/** How to send one request, and what may come of it. */
interface Answer {
  /** `null`: no content type at all. */
  type?: string | null;
  /** The route may accept the body (`mayAccept`), so a 2xx, and its writes, are allowed. */
  mayPass?: boolean;
}

/**
 * Sends, and checks what every answer must be: never a 5xx; a 2xx only when `mayPass`; otherwise a 4xx with the
 * one error shape, and no write at all.
 */
async function answer(key: string, text: string, how: Answer = {}): Promise<Response> {
  written = [];
  const res = await send(key, text, how.type);
  const said = `${key} ${text.slice(0, 120)} → ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, said).toBeLessThan(500);
  if (res.status >= 200 && res.status < 300) {
    expect(how.mayPass, `accepted a body its schema refuses: ${said}`).toBe(true);
    // An accepted export goes on in-process (its job's progress): its writes are this request's, not the next's.
    await exportRunner.idle();
    for (const k of written) writtenByAccepted.add(k);
    return res;
  }
  expect(res.status, said).toBeGreaterThanOrEqual(400);
  expect(res.headers['content-type'], said).toMatch(/^application\/json/);
  expect(ErrorBody.safeParse(res.json).success, said).toBe(true);
  expect(written, `a refused request wrote: ${said}`).toStrictEqual([]);
  return res;
}

/** Sends a body no route may accept: a refusal with this status (and code, when given). */
async function expectRefused(key: string, text: string, status: number, code?: string | RegExp, type?: string | null) {
  const res = await answer(key, text, { type });
  expect(res.status, `${text.slice(0, 120)} → ${res.text.slice(0, 300)}`).toBe(status);
  if (typeof code === 'string') expect(res.json.error.code).toBe(code);
  if (code instanceof RegExp) expect(res.json.error.code).toMatch(code);
  return res;
}

// ---------------------------------------------------------------------------------------------------------
// Paths in a body, and edits at a path.
// ---------------------------------------------------------------------------------------------------------

/** Every path below the root, parents before children. */
function pathsOf(value: Json, base: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const entries: [string | number, Json][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  return entries.flatMap(([k, v]) => [[...base, k], ...pathsOf(v, [...base, k])]);
}

const dotted = (p: Path) => p.map(String).join('.');

function at(value: Json, path: Path): Json {
  return path.reduce<Json>((v, k) => (v as Record<string | number, Json>)[k]!, value);
}

/** Sets a value at a path; object keys are defined as own properties, so `__proto__` is a key like any other. */
function setAt(value: Json, path: Path, next: Json): Json {
  if (path.length === 0) return next;
  const copy = structuredClone(value) as Record<string | number, Json>;
  const parent = at(copy, path.slice(0, -1)) as Record<string | number, Json>;
  Object.defineProperty(parent, path[path.length - 1]!, {
    value: next,
    enumerable: true,
    writable: true,
    configurable: true,
  });
  return copy;
}

function dropAt(value: Json, path: Path): Json {
  const copy = structuredClone(value);
  const parent = at(copy, path.slice(0, -1));
  const last = path[path.length - 1]!;
  if (Array.isArray(parent)) parent.splice(Number(last), 1);
  else delete (parent as Record<string, Json>)[last];
  return copy;
}

const MARKER = '@@raw-value@@';
/** The body's JSON with raw text at a path: tokens JSON.stringify cannot write (1e400, NaN, an unescaped surrogate). */
function rawAt(body: Json, path: Path, text: string): string {
  return JSON.stringify(setAt(body, path, MARKER)).replace(`"${MARKER}"`, text);
}

/** Paths of a route's body, from its shape (the same in the dummy world as in the real one). */
const shapePaths = (key: string) => pathsOf(FIXTURES[key]!.body(DUMMY));
const leafPaths = (key: string) =>
  shapePaths(key).filter((p) => {
    const v = at(FIXTURES[key]!.body(DUMMY), p);
    return v === null || typeof v !== 'object';
  });
const bodyOf = (key: string) => FIXTURES[key]!.body(world);

const deepArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;
const deepObject = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

// ---------------------------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------------------------

describe('the hostile-input suite', () => {
  it('has a valid request for every POST and PATCH route of the table, and no other', () => {
    expect(Object.keys(FIXTURES).sort()).toStrictEqual(POST_ROUTES.map(routeKey).sort());
  });

  it('starts from requests the routes accept', async () => {
    // A valid body that is refused would make every test below pass for the wrong reason.
    for (const key of ['POST /communities', 'POST /aid-records', 'POST /fund-ledger', 'POST /uploads']) {
      const res = await answer(key, JSON.stringify(bodyOf(key)), { mayPass: true });
      expect(res.status, `${key}: ${res.text}`).toBeLessThan(300);
      // And the write recorder sees what an accepted request writes (at least its audit entry).
      expect(written.length, key).toBeGreaterThan(0);
    }
  });

  it('survives the deepest nesting a body under the limit can carry (half a million levels)', async () => {
    const text = deepArray(Math.floor(MAX_BODY_BYTES / 2));
    expect(Buffer.byteLength(text)).toBe(MAX_BODY_BYTES);
    for (const key of ['POST /communities', 'POST /fund-ledger', 'POST /notices/{id}/objections']) {
      await expectRefused(key, text, 400, 'request.too_deep');
    }
  });

  it('accepts what looks hostile but is not: astral characters in names, line breaks in free text', async () => {
    const community = await answer('POST /communities', JSON.stringify({ name: '𠮷野社区 🏠' }), { mayPass: true });
    expect(community.status, community.text).toBe(201);
    expect(community.json.name).toBe('𠮷野社区 🏠');
    const outcome = await answer(
      'POST /households/{id}/outcomes',
      JSON.stringify({ ...bodyOf('POST /households/{id}/outcomes'), description: '第一行\r\n第二行\t（已核实）' }),
      { mayPass: true },
    );
    expect(outcome.status, outcome.text).toBe(201);
  });
});

describe.each(POST_ROUTES.map((r) => [routeKey(r)] as const))('%s', (key) => {
  const hasCsv = !!FIXTURES[key]?.csv;

  it('answers 400 to malformed JSON', async () => {
    const valid = JSON.stringify(bodyOf(key));
    const bodies = [
      valid.slice(0, -1),
      valid.slice(0, Math.floor(valid.length / 2)),
      `${valid} trailing`,
      `${valid}}`,
      `${valid}${valid}`,
      valid.replaceAll('"', "'"),
      valid.replace(/}$/, ',}'),
      '{"a":1,}',
      '{"a":NaN}',
      '{"a":Infinity}',
      '{"a":-Infinity}',
      '{"a":0x10}',
      '{"a":01}',
      '{"a":undefined}',
      '{"a":"tab\there"}',
      '{"a":"\u0000"}',
      '{a:1}',
      'NaN',
      '\uFEFF{}',
    ];
    for (const text of bodies) await expectRefused(key, text, 400, 'request.malformed_json');
    for (const text of ['', '   ', '\n']) await expectRefused(key, text, 400, 'request.body_required');
  });

  it('answers 415 to content types it does not take', async () => {
    const valid = JSON.stringify(bodyOf(key));
    const types = [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/xml',
      'text/html',
      'image/png',
      null,
    ];
    if (!hasCsv) types.push('text/csv', 'text/csv; charset=utf-8');
    for (const type of types) await expectRefused(key, valid, 415, 'request.content_type', type);
    if (hasCsv) {
      // The CSV route reads JSON sent as CSV as a CSV document: one header row, no rows, not a fund import.
      await expectRefused(key, valid, 400, /^request\./, 'text/csv');
    }
  });

  it(`answers 413 request.too_large to a body over ${MAX_BODY_BYTES} bytes`, async () => {
    const over = JSON.stringify({ ...bodyOf(key), pad: 'x'.repeat(MAX_BODY_BYTES) });
    await expectRefused(key, over, 413, 'request.too_large');
    // Bytes, not characters: fewer characters than the limit, three bytes each in UTF-8.
    const wide = JSON.stringify({ ...bodyOf(key), pad: '中'.repeat(Math.ceil(MAX_BODY_BYTES / 3) + 1) });
    expect(wide.length).toBeLessThan(MAX_BODY_BYTES);
    await expectRefused(key, wide, 413, 'request.too_large');
    if (hasCsv)
      await expectRefused(key, `reference\n${'x'.repeat(MAX_BODY_BYTES)}\n`, 413, 'request.too_large', 'text/csv');
  });

  it('refuses 10,000 levels of nesting, as the body and in every field', async () => {
    await expectRefused(key, deepArray(10_000), 400, /^request\./);
    await expectRefused(key, deepObject(10_000), 400, /^request\./);
    for (const path of shapePaths(key)) {
      await expectRefused(key, rawAt(bodyOf(key), path, deepArray(10_000)), 400, /^request\./);
      await expectRefused(key, rawAt(bodyOf(key), path, deepObject(10_000)), 400, /^request\./);
    }
  });

  it('refuses __proto__, constructor and prototype keys, and pollutes no prototype', async () => {
    const objects: Path[] = [
      [],
      ...shapePaths(key).filter((p) => !Array.isArray(at(bodyOf(key), p)) && typeof at(bodyOf(key), p) === 'object'),
    ];
    for (const path of objects) {
      for (const [name, value] of [
        ['__proto__', '{"polluted":"yes","isAdmin":true}'],
        ['constructor', '{"prototype":{"polluted":"yes"}}'],
        ['prototype', '{"polluted":"yes"}'],
      ] as const) {
        const edited = setAt(bodyOf(key), [...path, name], MARKER);
        const text = JSON.stringify(edited).replace(`"${MARKER}"`, value);
        expect(text, `${name} at ${dotted(path)}`).toContain(`"${name}":`);
        await expectRefused(key, text, 400, 'request.invalid');
      }
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a string of nearly a megabyte in every field', async () => {
    for (const path of leafPaths(key)) {
      const text = JSON.stringify(setAt(bodyOf(key), path, 'x'.repeat(MAX_BODY_BYTES - 8 * 1024)));
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      await expectRefused(key, text, 400, 'request.invalid');
    }
  });

  it('refuses control characters and lone surrogates in every string, naming the field', async () => {
    const values = [
      'a\u0000b',
      '\u0007',
      '\u001b[31m红\u001b[0m',
      'x\u007f',
      'x\u0085',
      'x\u009b',
      '\ud800',
      'x\udfff',
      '王\ud83d',
      '\udc00王',
    ];
    const strings = leafPaths(key).filter((p) => typeof at(bodyOf(key), p) === 'string');
    for (const path of strings) {
      for (const bad of values) {
        // Escaped (`\u0000`, as JSON.stringify writes it) …
        const res = await expectRefused(key, JSON.stringify(setAt(bodyOf(key), path, bad)), 400, /^request\.invalid$/);
        expect(
          res.json.error.issues.map((i: { path: string }) => i.path),
          JSON.stringify(bad),
        ).toContain(dotted(path));
      }
      // … and raw in the text: an unescaped control character is not JSON at all; a raw lone surrogate is read as one.
      await expectRefused(key, rawAt(bodyOf(key), path, '"a\u0001b"'), 400, 'request.malformed_json');
      await expectRefused(key, rawAt(bodyOf(key), path, '"a\ud800b"'), 400, 'request.invalid');
    }
  });

  it('survives numbers beyond 2^53 or a double, fractions, NaN and Infinity spelled out, in every field', async () => {
    const tokens = [
      '9007199254740993',
      '-9007199254740993',
      '1e308',
      '1e400',
      '-1e400',
      '1.5',
      '1e-400',
      '"NaN"',
      '"Infinity"',
      '"-Infinity"',
      '"9007199254740993"',
      '"1e3"',
      '[2026]',
      'true',
      'null',
    ];
    for (const path of leafPaths(key)) {
      for (const token of tokens) {
        const text = rawAt(bodyOf(key), path, token);
        // A token can still be a valid value for a field (`"1e3"` is a fine name; `[2026]` a year, coerced), so
        // the oracle decides what may pass: every amount, count or year out of range must be refused.
        await answer(key, text, { mayPass: mayAccept(key, text) });
      }
    }
  });

  it('refuses impossible dates, naming the date field', async () => {
    const dates = leafPaths(key).filter((p) => p[p.length - 1] === 'date');
    const impossible = [
      '2026-02-30',
      '2026-13-01',
      '0000-00-00',
      '2025-02-29',
      '2026-04-31',
      '2026-00-10',
      '2026-1-1',
      '20260101',
      '9999-99-99',
      '+2026-01-01',
      '-002026-01-01',
      '2026-01-01T00:00:00',
      '2026-02-30T10:00:00+08:00',
      '2026-06-01T24:00:01Z',
      '2026-06-01T12:00:00+25:00',
      '2026-06-01T12:60Z',
      '',
    ];
    for (const path of dates) {
      for (const date of impossible) {
        const res = await expectRefused(key, JSON.stringify(setAt(bodyOf(key), path, date)), 400, 'request.invalid');
        expect(
          res.json.error.issues.map((i: { path: string }) => i.path),
          date,
        ).toContain(dotted(path));
      }
    }
  });

  it('refuses arrays where objects are expected, objects where arrays are, and bare values', async () => {
    const body = bodyOf(key);
    for (const text of ['[]', `[${JSON.stringify(body)}]`, '"text"', '42', 'true', 'null', '{}']) {
      await expectRefused(key, text, 400, 'request.invalid');
    }
    for (const path of shapePaths(key)) {
      const v = at(body, path);
      if (Array.isArray(v))
        await expectRefused(key, JSON.stringify(setAt(body, path, { ...v })), 400, 'request.invalid');
      else if (v !== null && typeof v === 'object')
        await expectRefused(key, JSON.stringify(setAt(body, path, [v])), 400, 'request.invalid');
    }
  });

  // ---------------------------------------------------------------------------------------------------------
  // Property-based: arbitrary bodies, and mutations of a valid one.
  // ---------------------------------------------------------------------------------------------------------

  it('survives arbitrary bodies: JSON values, anything, raw text', async () => {
    const anyBody = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.anything({ maxDepth: 4, maxKeys: 8 }).map((v) => {
        try {
          return JSON.stringify(v) ?? 'undefined';
        } catch {
          return 'undefined';
        }
      }),
      fc.string({ unit: 'binary' }),
    );
    await fc.assert(
      fc.asyncProperty(anyBody, async (text) => {
        await answer(key, text, { mayPass: mayAccept(key, text) });
      }),
      { numRuns: 50 },
    );
  });

  it('survives mutations of a valid body: fields dropped, replaced by any JSON, unknown keys added', async () => {
    const hostileValue: fc.Arbitrary<Json> = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>,
      fc.constantFrom<Json>(
        2 ** 53 + 2,
        -1,
        0,
        1e308,
        '',
        ' ',
        '\u0000',
        '\ud800',
        '2026-02-30',
        'x'.repeat(5_000),
        [],
        {},
        null,
        true,
      ),
    );
    const keyName = fc.oneof(
      fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'),
      fc.string(),
    );
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.record({ op: fc.constant('drop' as const), pick: fc.nat() }),
      fc.record({ op: fc.constant('replace' as const), pick: fc.nat(), value: hostileValue }),
      fc.record({ op: fc.constant('add' as const), pick: fc.nat(), name: keyName, value: hostileValue }),
    );
    const apply = (body: Json, m: Mutation): Json => {
      const paths = pathsOf(body);
      if (m.op === 'add') {
        const objects: Path[] = [
          [],
          ...paths.filter((p) => {
            const v = at(body, p);
            return v !== null && typeof v === 'object' && !Array.isArray(v);
          }),
        ];
        return setAt(body, [...objects[m.pick % objects.length]!, m.name], m.value);
      }
      if (paths.length === 0) return body;
      const path = paths[m.pick % paths.length]!;
      return m.op === 'drop' ? dropAt(body, path) : setAt(body, path, m.value);
    };
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const body = mutations.reduce<Json>((b, m) => apply(b, m), bodyOf(key));
        const text = JSON.stringify(body);
        await answer(key, text, { mayPass: mayAccept(key, text) });
      }),
      { numRuns: 50 },
    );
  });

  if (hasCsv) {
    it('survives arbitrary CSV documents', async () => {
      const cell = fc.oneof(
        fc.string(),
        fc.constantFrom('', '"', '""', '9007199254740993', '2026-02-30', 'livelihood', '\u0000', '\ud800'),
      );
      const doc = fc.oneof(
        fc.string({ unit: 'binary' }),
        fc
          .array(fc.array(cell, { maxLength: 6 }), { maxLength: 5 })
          .map((rows) => `reference,householdId,date,objective,amountFen\n${rows.map((r) => r.join(',')).join('\n')}`),
      );
      await fc.assert(
        fc.asyncProperty(doc, async (text) => {
          let mayPass = false;
          try {
            mayPass = routeAccepts(key, fundImportFromCsv(text));
          } catch {
            mayPass = false;
          }
          await answer(key, text, { type: 'text/csv', mayPass });
        }),
        { numRuns: 50 },
      );
    });
  }
});
