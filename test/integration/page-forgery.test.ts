import { randomBytes, randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import * as fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as adminPages } from '#functions/admin-pages.ts';
import { handler as evidencePages } from '#functions/evidence-pages.ts';
import { handler as householdPages } from '#functions/household-pages.ts';
import { handler as importPages } from '#functions/import-pages.ts';
import { LOCAL_ACCOUNTS } from '#functions/lib/accounts.ts';
import { db } from '#functions/lib/clients.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import type { ApiResult } from '#functions/lib/http.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { csrfToken, registerLocalSession } from '#functions/lib/session.ts';
import { handler as pages } from '#functions/pages.ts';
import { handler as publicPages } from '#functions/public-pages.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as registryPages } from '#functions/registry-pages.ts';
import { handler as reportPages } from '#functions/report-pages.ts';
import { PAGE_LAMBDAS, PAGE_ROUTES } from '#functions/routes.ts';
import { handler as verificationPages } from '#functions/verification-pages.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { localExportRunner } from '#infra/local/exports.ts';
import { type DevTokenRequest, signDevToken, verifyDevToken } from '#infra/local/tokens.ts';
import { inviteUser, setUserEnabled } from '#shared/accounts/index.ts';
import { startExport } from '#shared/exports/job.ts';
import { fileObjection } from '#shared/notice/index.ts';
import { admin, cadreUser, communityCadreUser, makeAid, makeIdNumber } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { pageRouteOf } from '../support/page-routing.ts';
import {
  confirmedRound,
  finalRound,
  type RecordingWorkflow,
  roundAwaitingDecision,
  useRecordingWorkflow,
} from '../support/rounds.ts';
import { thisYear, today } from '../support/scenario.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pairedWorld } from '../support/world.ts';

/**
 * Issue #11, item 5: every form post of the pages carries a token bound to the browser's session (or, signed
 * out, to its `la_csrf` cookie), and is refused 403 `auth.csrf` before its handler runs, with nothing written,
 * when the token is missing or another session's, or when `Origin` / `Sec-Fetch-Site` say another site sent it.
 * The routes come from the one table of pages (`PAGE_ROUTES` in functions/routes.ts): a new form route fails the first test until it is
 * given a fixture here, and is then put through every case. "Nothing written" is the whole table, scanned
 * before and after, plus the workflow engine's starts and signals and the cookies the answer sets.
 */

const HOST = '127.0.0.1:8787';
const SELF = `http://${HOST}`;
const DEMO = { sub: 'forgery-demo-admin', groups: ['admin'] } satisfies DevTokenRequest;
const key = randomBytes(32);

let workflow: RecordingWorkflow;
/** Export jobs run in-process; the table is read only when none is running (a job writes its progress). */
const exportRunner = localExportRunner();
registerLocalExportRunner(exportRunner);

/** One browser: its cookies, kept as a browser keeps them from the answers it gets. */
class Browser {
  cookies = new Map<string, string>();
  user: DevTokenRequest | undefined;
  constructor(user?: DevTokenRequest) {
    this.user = user;
  }
  async signIn() {
    if (this.user) this.cookies.set('la_token', encodeURIComponent(await signDevToken(key, this.user)));
    return this;
  }
  header() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
  keep(res: ApiResult) {
    for (const c of res.cookies ?? []) {
      const [pair] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i);
      const value = pair!.slice(i + 1);
      if (/Max-Age=0/.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

interface Request {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

async function send(browser: Browser, r: Request): Promise<ApiResult> {
  const [rawPath, query] = r.path.split('?') as [string, string | undefined];
  const cookie = browser.header();
  const event = buildApiEvent({
    method: r.method ?? 'GET',
    routePath: pageRouteOf(r.method ?? 'GET', rawPath).routePath,
    rawPath,
    headers: { host: HOST, ...(cookie ? { cookie } : {}), ...r.headers },
    query: Object.fromEntries(new URLSearchParams(query ?? '')),
    body: r.body,
  });
  const lambda = LAMBDAS[pageRouteOf(r.method ?? 'GET', rawPath).handler as keyof typeof LAMBDAS];
  const res = await lambda(event, {} as Context);
  browser.keep(res);
  return res;
}

const LAMBDAS = {
  pages,
  'report-pages': reportPages,
  'household-pages': householdPages,
  'evidence-pages': evidencePages,
  'admin-pages': adminPages,
  'registry-pages': registryPages,
  'verification-pages': verificationPages,
  'import-pages': importPages,
  'public-pages': publicPages,
} as const;

/** What a browser sends with a form post of this site's page. */
const SAME_ORIGIN = {
  origin: SELF,
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/x-www-form-urlencoded',
};

/** The `_csrf` of the form posting to `action` on the page at `path`, as that browser is given it. */
async function tokenFromPage(browser: Browser, path: string, action: string): Promise<string> {
  const res = await send(browser, { path });
  expect(res.statusCode, `${path}: ${res.body.slice(0, 300)}`).toBe(200);
  const form = new RegExp(
    `<form method="post" action="${action.replace(/[.?*+^$()[\]{}|\\]/g, '\\$&')}"[^>]*>(.*?)</form>`,
    's',
  ).exec(res.body);
  expect(form, `a form posting to ${action} on ${path}`).not.toBeNull();
  const token = /<input type="hidden" name="_csrf" value="([\w-]{43})">/.exec(form![1]!)?.[1];
  expect(token, `the _csrf field of the form posting to ${action}`).toBeDefined();
  return token!;
}

/** Everything stored, in a stable order. */
async function table(): Promise<string[]> {
  const items: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new ScanCommand({ TableName: db.table, ExclusiveStartKey: start }));
    for (const item of out.Items ?? []) items.push(JSON.stringify(Object.entries(item).sort()));
    start = out.LastEvaluatedKey;
  } while (start);
  return items.sort();
}

/** What the world looks like to the forgery checks: the table, the workflow engine's calls. */
const state = async () => ({
  table: await exportRunner.idle().then(table),
  started: workflow.started.length,
  signals: workflow.signals.length,
});

interface Fixture {
  /** Who posts: a signed-in user, or nobody (the public and sign-in forms). */
  user?: DevTokenRequest;
  /** Where the form is posted. */
  action: string;
  /** The page that shows the form. */
  page: string;
  /** A form that the handler accepts, without `_csrf`. */
  fields: Record<string, string>;
  /** What a successful post changes: the table, or only the sign-in cookie; `json`: nothing (a 201 JSON answer). */
  writes: 'table' | 'sign-in' | 'sign-out' | 'json';
  /** The form whose token a script's post uses, when the page has no form posting to `action` itself. */
  form?: string;
}

let FIXTURES: Record<string, Fixture>;

beforeAll(async () => {
  workflow = useRecordingWorkflow();
  registerLocalSession({
    verify: (token) => verifyDevToken(key, token),
    signDemo: async (user) => (user === 'admin' ? signDevToken(key, DEMO) : undefined),
    demoUsers: ['admin'],
  });
  const year = thisYear();
  // A cadre's household with one entry (aid, reversal); a round awaiting its decision; an open notice; and a
  // community with no round yet (starting one).
  const aid = await pairedWorld(year);
  const recorded = await invoke(recordAid, 'POST /aid-records', {
    as: cadreUser(aid.cadreId),
    body: makeAid(aid.householdId, { date: today() }),
    headers: { 'idempotency-key': `key-${randomUUID()}` },
  });
  expect(recorded.status, recorded.text).toBe(201);
  const toCorrect = await invoke(recordAid, 'POST /aid-records', {
    as: cadreUser(aid.cadreId),
    body: makeAid(aid.householdId, { date: today(), amountFen: 2_000 }),
    headers: { 'idempotency-key': `key-${randomUUID()}` },
  });
  expect(toCorrect.status, toCorrect.text).toBe(201);
  // A second entry of the same household, for its receipt (the first one is reversed by its own fixture).
  const toReceipt = await invoke(recordAid, 'POST /aid-records', {
    as: cadreUser(aid.cadreId),
    body: makeAid(aid.householdId, { date: today() }),
    headers: { 'idempotency-key': `key-${randomUUID()}` },
  });
  expect(toReceipt.status, toReceipt.text).toBe(201);
  const deciding = await pairedWorld(year);
  const verificationId = await roundAwaitingDecision(deciding.communityId, year);
  const published = await pairedWorld(year);
  const { noticeId, entryId } = await confirmedRound(published.communityId, year);
  const objection = await fileObjection(db, noticeId, { entryId, text: '伪造测试：此户情况不符' }, new Date());
  const fresh = await pairedWorld(year);
  const finished = await pairedWorld(year);
  const { verificationId: finalId } = await finalRound(finished.communityId, year);
  // Accounts: one to disable, one disabled to enable, one invited to resend to (the local directory: the list).
  const account = async (role: 'auditor', disabled = false) => {
    const username = `forge${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    const deps = { db, directory: LOCAL_ACCOUNTS };
    await inviteUser(deps, 'forgery-setup', { username, email: `${username}@example.cn`, role }, new Date());
    if (disabled) await setUserEnabled(deps, 'forgery-setup', username, false, new Date());
    return username;
  };
  const [toDisable, toEnable, toResend] = [
    await account('auditor'),
    await account('auditor', true),
    await account('auditor'),
  ];
  // Pairings: an unpaired household to pair, a pairing to hand over, one to end; a file to dry-run.
  const pairing = await pairedWorld(year);
  const unpaired = await newHousehold(pairing.communityId);
  const successor = await newCadre(pairing.unitId);
  const ending = await pairedWorld(year);
  const importKey = `uploads/import/forgery/${randomUUID()}.csv`;
  await getObjectStore().put(
    importKey,
    new TextEncoder().encode(`单位名称\r\n伪造测试单位${randomUUID().slice(0, 8)}\r\n`),
    'text/csv',
  );
  // The registry pages: one entity of each kind to edit, to deactivate, and a household to correct.
  const registry = {
    communities: await newCommunity(),
    units: await newUnit(),
    cadres: await newCadre(await newUnit()),
    households: await newHousehold(await newCommunity()),
  };
  const unitForCadres = await newUnit();
  const communityForHouseholds = await newCommunity();
  const registryFixtures = (
    kind: keyof typeof registry,
    create: Record<string, string>,
    edit: Record<string, string>,
  ) =>
    ({
      [`POST /app/admin/${kind}`]: {
        user: admin,
        action: `/app/admin/${kind}`,
        page: `/app/admin/${kind}`,
        fields: create,
        writes: 'table',
      },
      [`POST /app/admin/${kind}/{id}`]: {
        user: admin,
        action: `/app/admin/${kind}/${registry[kind]}`,
        page: `/app/admin/${kind}/${registry[kind]}`,
        fields: edit,
        writes: 'table',
      },
      [`POST /app/admin/${kind}/{id}/active`]: {
        user: admin,
        action: `/app/admin/${kind}/${registry[kind]}/active`,
        page: `/app/admin/${kind}/${registry[kind]}`,
        fields: { active: 'false' },
        writes: 'table',
      },
    }) satisfies Record<string, Fixture>;
  const forged = `伪造${randomUUID().slice(0, 8)}`;
  // A finished export: its page has the form that exports the same again (and the English crawl opens it).
  const exported = await startExport(
    db,
    exportRunner,
    { sub: admin.sub, roles: new Set(['admin'] as const) },
    { report: 'units', format: 'csv', filters: { year: String(year) } },
    new Date(),
  );
  await exportRunner.idle();

  FIXTURES = {
    'POST /app/dev-login': {
      action: '/app/dev-login',
      page: '/app/dev-login',
      fields: { user: 'admin' },
      writes: 'sign-in',
    },
    'POST /app/sign-out': {
      user: admin,
      action: '/app/sign-out',
      page: '/app/sign-out',
      fields: {},
      writes: 'sign-out',
    },
    'POST /app/households/{id}/aid': {
      user: cadreUser(aid.cadreId),
      action: `/app/households/${aid.householdId}/aid`,
      page: `/app/households/${aid.householdId}/aid/new`,
      fields: {
        idempotencyKey: randomUUID(),
        kind: 'cash',
        objective: 'livelihood',
        date: today(),
        amountYuan: '120',
        description: '跨站伪造测试',
      },
      writes: 'table',
    },
    'POST /app/aid/{id}/reverse': {
      user: cadreUser(aid.cadreId),
      action: `/app/aid/${recorded.json.id}/reverse`,
      // The one-step post kept for forms still open before 更正 had its page: no page shows it any longer, so its
      // token comes from the correction page's form (one token per session).
      page: `/app/aid/${recorded.json.id}/correction`,
      form: `/app/aid/${recorded.json.id}/correction`,
      fields: { householdId: aid.householdId, reason: '登记错误' },
      writes: 'table',
    },
    'POST /app/aid/{id}/correction': {
      user: cadreUser(aid.cadreId),
      action: `/app/aid/${toCorrect.json.id}/correction`,
      page: `/app/aid/${toCorrect.json.id}/correction`,
      fields: { reason: '登记错误', confirm: 'yes' },
      writes: 'table',
    },
    'POST /app/aid/{id}/receipt': {
      user: cadreUser(aid.cadreId),
      action: `/app/aid/${toReceipt.json.id}/receipt`,
      page: `/app/aid/${toReceipt.json.id}/receipt`,
      fields: { method: 'thumbprint' },
      writes: 'table',
    },
    'POST /app/households/{id}/outcomes': {
      user: cadreUser(aid.cadreId),
      action: `/app/households/${aid.householdId}/outcomes`,
      page: `/app/households/${aid.householdId}/outcomes/new`,
      fields: { objective: 'education', date: today(), description: '孩子已复学' },
      writes: 'table',
    },
    'POST /app/households/{id}/visits': {
      user: cadreUser(aid.cadreId),
      action: `/app/households/${aid.householdId}/visits`,
      page: `/app/households/${aid.householdId}/visits/new`,
      fields: { idempotencyKey: randomUUID(), date: today(), note: '入户走访，了解近况' },
      writes: 'table',
    },
    'POST /app/households/{id}/uploads': {
      user: cadreUser(aid.cadreId),
      action: `/app/households/${aid.householdId}/uploads`,
      form: `/app/households/${aid.householdId}/visits`,
      page: `/app/households/${aid.householdId}/visits/new`,
      fields: { contentType: 'image/jpeg', bytes: '20480' },
      writes: 'json',
    },
    'POST /app/verifications': {
      user: admin,
      action: '/app/verifications',
      page: '/app/verifications',
      fields: { communityId: fresh.communityId, year: String(year) },
      writes: 'table',
    },
    'POST /app/verifications/{id}/decision': {
      user: communityCadreUser(deciding.communityId),
      action: `/app/verifications/${verificationId}/decision`,
      page: `/app/verifications/${verificationId}`,
      fields: { decision: 'reject', comment: '请重新核对' },
      writes: 'table',
    },
    'POST /app/verifications/{id}/reopen': {
      user: admin,
      action: `/app/verifications/${finalId}/reopen`,
      page: `/app/verifications/${finalId}`,
      fields: { reason: '审计发现漏登一笔' },
      writes: 'table',
    },
    'POST /app/admin/objections/{id}/resolution': {
      user: admin,
      action: `/app/admin/objections/${objection.id}/resolution`,
      page: '/app/admin/objections',
      fields: { upheld: 'no', note: '经核实情况属实' },
      writes: 'table',
    },
    'POST /app/admin/users': {
      user: admin,
      action: '/app/admin/users',
      page: '/app/admin/users',
      fields: {
        username: `forge${randomUUID().replaceAll('-', '').slice(0, 10)}`,
        email: 'forge@example.cn',
        role: 'auditor',
      },
      writes: 'table',
    },
    'POST /app/admin/users/{id}/disable': {
      user: admin,
      action: `/app/admin/users/${toDisable}/disable`,
      page: '/app/admin/users',
      fields: {},
      writes: 'table',
    },
    'POST /app/admin/users/{id}/enable': {
      user: admin,
      action: `/app/admin/users/${toEnable}/enable`,
      page: '/app/admin/users',
      fields: {},
      writes: 'table',
    },
    'POST /app/admin/users/{id}/resend': {
      user: admin,
      action: `/app/admin/users/${toResend}/resend`,
      page: '/app/admin/users',
      fields: {},
      writes: 'table',
    },
    'POST /app/admin/pairings': {
      user: admin,
      action: `/app/admin/pairings?year=${year}`,
      page: '/app/admin/pairings',
      fields: { householdId: unpaired, year: String(year), cadreId: pairing.cadreId },
      writes: 'table',
    },
    'POST /app/admin/pairings/reassignment': {
      user: admin,
      action: `/app/admin/pairings/reassignment?year=${year}`,
      page: '/app/admin/pairings',
      fields: { householdId: pairing.householdId, year: String(year), cadreId: successor, from: today() },
      writes: 'table',
    },
    'POST /app/admin/pairings/end': {
      user: admin,
      action: `/app/admin/pairings/end?year=${year}`,
      page: '/app/admin/pairings',
      fields: { householdId: ending.householdId, year: String(year), on: today() },
      writes: 'table',
    },
    'POST /app/admin/pairings/carry-over': {
      user: admin,
      action: `/app/admin/pairings/carry-over?year=${year}`,
      page: '/app/admin/pairings',
      fields: { fromYear: String(year), toYear: String(year + 1), action: 'commit' },
      writes: 'table',
    },
    'POST /app/admin/imports': {
      user: admin,
      action: '/app/admin/imports',
      page: '/app/admin/imports',
      fields: { kind: 'units', key: importKey, dryRun: '1' },
      writes: 'table',
    },
    'POST /app/admin/imports/uploads': {
      user: admin,
      action: '/app/admin/imports/uploads',
      form: '/app/admin/imports',
      page: '/app/admin/imports',
      fields: { contentType: 'text/csv', bytes: '1024' },
      writes: 'json',
    },
    ...registryFixtures(
      'communities',
      { name: `${forged}社区`, township: '伪造街道', district: '伪造区' },
      { name: `${forged}改名社区`, township: '', district: '' },
    ),
    ...registryFixtures('units', { name: `${forged}单位` }, { name: `${forged}改名单位` }),
    ...registryFixtures(
      'cadres',
      { name: '伪造干部', unitId: unitForCadres, code: 'F001', phone: '' },
      { name: '伪造改名干部', unitId: unitForCadres, code: '', phone: '' },
    ),
    ...registryFixtures(
      'households',
      { headName: '伪造户主', idNumber: makeIdNumber(), communityId: communityForHouseholds, memberCount: '2' },
      { headName: '伪造改名户主', communityId: communityForHouseholds, memberCount: '3' },
    ),
    'POST /app/admin/households/{id}/id-number': {
      user: admin,
      action: `/app/admin/households/${registry.households}/id-number`,
      page: `/app/admin/households/${registry.households}`,
      fields: { newIdNumber: makeIdNumber('19590909'), reason: '伪造测试：核对户籍' },
      writes: 'table',
    },
    'POST /app/admin/calendar': {
      user: admin,
      action: '/app/admin/calendar',
      page: '/app/admin/calendar',
      fields: { date: '2031-05-06', working: 'false', note: '伪造测试：本地放假' },
      writes: 'table',
    },
    'POST /app/exports': {
      user: admin,
      action: '/app/exports',
      page: `/app/exports/${exported.id}`,
      fields: { report: 'floor', format: 'csv', year: String(year) },
      writes: 'table',
    },
    'POST /public/notices/{id}/objections': {
      action: `/public/notices/${noticeId}/objections`,
      page: `/public/notices/${noticeId}`,
      fields: { entryId, text: '此户情况与实际不符' },
      writes: 'table',
    },
  };
});

const FORM_ROUTES = PAGE_ROUTES.filter((r) => PAGE_LAMBDAS.has(r.handler) && r.method !== 'GET');
const keyOf = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

it('has a fixture for every page route that is not a GET, and every such route is a POST', () => {
  expect(FORM_ROUTES.map(keyOf).sort()).toStrictEqual(Object.keys(FIXTURES).sort());
  for (const r of FORM_ROUTES) expect(r.method).toBe('POST');
});

it('puts the token first in every form that posts, in every page source', () => {
  const sources = [
    'functions/pages.ts',
    'functions/admin-pages.ts',
    'functions/registry-pages.ts',
    ...readdirSync('functions/registry-pages').map((f) => `functions/registry-pages/${f}`),
    'functions/verification-pages.ts',
    ...readdirSync('functions/verification-pages').map((f) => `functions/verification-pages/${f}`),
    ...readdirSync('functions/pages').map((f) => `functions/pages/${f}`),
    'functions/household-pages.ts',
    'functions/evidence-pages.ts',
    'functions/report-pages.ts',
    ...readdirSync('functions/report-pages').map((f) => `functions/report-pages/${f}`),
    ...readdirSync('functions/household-pages').map((f) => `functions/household-pages/${f}`),
    ...readdirSync('functions/admin-pages').map((f) => `functions/admin-pages/${f}`),
    'functions/import-pages.ts',
    ...readdirSync('functions/import-pages').map((f) => `functions/import-pages/${f}`),
    'functions/public-pages.ts',
    ...readdirSync('functions/public-pages').map((f) => `functions/public-pages/${f}`),
  ];
  let forms = 0;
  for (const file of sources) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/<form method="post"[^>]*>(.{0,20})/g)) {
      // The registry pages' forms are one template for the four kinds (`/app/admin/${kind}…`).
      forms += m[0].includes('/app/admin/${kind}') ? 4 : 1;
      expect(m[1], `${file}: ${m[0]}`).toMatch(/^\$\{csrfField\(req\)\}/);
    }
    expect(text, file).not.toMatch(/<form(?![^>]*method="(post|get)")[^>]*>/i);
  }
  // A route a page's script posts to (its fixture names the form whose token it uses) has no form of its own.
  expect(forms).toBeGreaterThanOrEqual(FORM_ROUTES.filter((r) => !FIXTURES[keyOf(r)]?.form).length);
});

/** The answer of a refused post: 403 `auth.csrf` as an error page, no sign-in cookie set or cleared. */
function expectRefused(res: ApiResult, status = 403) {
  expect(res.statusCode, res.body.slice(0, 400)).toBe(status);
  expect(res.headers?.['content-type']).toMatch(/^text\/html/);
  expect(res.body).toContain('role="alert"');
  expect((res.cookies ?? []).some((c) => c.startsWith('la_token='))).toBe(false);
}

describe.each(FORM_ROUTES.map((r) => [keyOf(r)] as const))('%s', (source) => {
  const fixture = () => FIXTURES[source]!;
  /** A browser that has the form's page open, and the token that page gave it. */
  async function withForm() {
    const f = fixture();
    const browser = await new Browser(f.user).signIn();
    const token = await tokenFromPage(browser, f.page, f.form ?? f.action);
    return { browser, token, f };
  }
  const body = (fields: Record<string, string>, token?: string) =>
    new URLSearchParams({ ...fields, ...(token === undefined ? {} : { _csrf: token }) }).toString();

  it('refuses it from another site, with its own valid token, whichever header says so (403, nothing written)', async () => {
    const { browser, token, f } = await withForm();
    const before = await state();
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'null' },
      { origin: `https://${HOST}` },
      { origin: SELF, 'sec-fetch-site': 'cross-site' },
      { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    ];
    for (const headers of crossSite) {
      const res = await send(browser, {
        method: 'POST',
        path: f.action,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: body(f.fields, token),
      });
      expectRefused(res);
      expect(res.body, JSON.stringify(headers)).toContain('其他网站');
    }
    expect(await state()).toStrictEqual(before);
  });

  it('refuses it from another site when the browser sent no cookie (as SameSite=Lax does), 403, nothing written', async () => {
    const { token, f } = await withForm();
    const before = await state();
    const crossSite: Record<string, string>[] = [
      { origin: 'https://evil.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const res = await send(new Browser(), {
        method: 'POST',
        path: f.action,
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: body(f.fields, token),
      });
      expectRefused(res);
    }
    expect(await state()).toStrictEqual(before);
  });

  it('refuses it without a _csrf field, or with an empty or altered one, from this very site (403, nothing written)', async () => {
    const { browser, token, f } = await withForm();
    const before = await state();
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    for (const sent of [undefined, '', altered, `${token}x`, token.slice(0, 20)]) {
      expectRefused(
        await send(browser, { method: 'POST', path: f.action, headers: SAME_ORIGIN, body: body(f.fields, sent) }),
      );
    }
    // The token in the query string, where a link could carry it, is not the form's field.
    expectRefused(
      await send(browser, {
        method: 'POST',
        path: `${f.action}?_csrf=${token}`,
        headers: SAME_ORIGIN,
        body: body(f.fields),
      }),
    );
    expect(await state()).toStrictEqual(before);
  });

  it('refuses the _csrf of another session or another browser (403, nothing written)', async () => {
    const { browser, f } = await withForm();
    // Another browser, which opened the same page: another user signed in, or a stranger signed out.
    const other = await new Browser(f.user && { ...f.user, sub: `${f.user.sub}-other` }).signIn();
    const othersToken = await tokenFromPage(other, f.page, f.form ?? f.action);
    const before = await state();
    expectRefused(
      await send(browser, { method: 'POST', path: f.action, headers: SAME_ORIGIN, body: body(f.fields, othersToken) }),
    );
    // The other way round: the other browser cannot use a token lifted from this one's page.
    const mine = await tokenFromPage(browser, f.page, f.form ?? f.action);
    expect(mine).not.toBe(othersToken);
    expectRefused(
      await send(other, { method: 'POST', path: f.action, headers: SAME_ORIGIN, body: body(f.fields, mine) }),
    );
    expect(await state()).toStrictEqual(before);
  });

  it('refuses a body that is not a urlencoded form, token and all (415, nothing written)', async () => {
    const { browser, token, f } = await withForm();
    const before = await state();
    const boundary = 'x-boundary';
    const multipart = Object.entries({ ...f.fields, _csrf: token })
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('')
      .concat(`--${boundary}--\r\n`);
    for (const [type, text] of [
      [`multipart/form-data; boundary=${boundary}`, multipart],
      ['text/plain', body(f.fields, token)],
      ['application/json', JSON.stringify({ ...f.fields, _csrf: token })],
    ] as const) {
      const res = await send(browser, {
        method: 'POST',
        path: f.action,
        headers: { ...SAME_ORIGIN, 'content-type': type },
        body: text,
      });
      expectRefused(res, 415);
    }
    expect(await state()).toStrictEqual(before);
  });

  it('accepts the page’s own form: its token, from this site (and from a client that sends no fetch metadata)', async () => {
    const { browser, token, f } = await withForm();
    const before = await state();
    // No Origin and no Sec-Fetch-Site (an older browser): the token alone decides.
    const headers = f.writes === 'table' ? SAME_ORIGIN : { 'content-type': 'application/x-www-form-urlencoded' };
    const res = await send(browser, { method: 'POST', path: f.action, headers, body: body(f.fields, token) });
    expect(res.statusCode, res.body.slice(0, 400)).toBe(f.writes === 'json' ? 201 : 303);
    const after = await state();
    if (f.writes === 'json') {
      expect(after).toStrictEqual(before);
    } else if (f.writes === 'table') {
      expect(after.table).not.toStrictEqual(before.table);
    } else {
      expect(after).toStrictEqual(before);
      const set = (res.cookies ?? []).find((c) => c.startsWith('la_token='));
      expect(set).toBeDefined();
      expect(/Max-Age=0/.test(set!)).toBe(f.writes === 'sign-out');
    }
  });
});

describe.each(FORM_ROUTES.map((r) => [keyOf(r)] as const))('%s with hostile fields', (source) => {
  // Hostile input through the pages, as the API suite does for its routes: the form's own fields with hostile
  // values, or unknown fields, or fields repeated, all with a valid token from this site. Never a 5xx; and a
  // post that is not answered with the redirect of success writes nothing.
  const hostileValue = fc.oneof(
    fc.constantFrom('', ' ', '-1', '0', '1e309', '9007199254740993', 'NaN', '2026-02-30', '__proto__', '%ZZ'),
    fc.constantFrom('\u0000', '\u202e逆序', '𠮷'.repeat(600), 'x'.repeat(20_000), '<script>alert(1)</script>'),
    fc.string({ maxLength: 40 }),
  );
  it('never answers 5xx, and writes nothing unless it succeeds', async () => {
    const f = FIXTURES[source]!;
    const names = [...Object.keys(f.fields), 'extra', '_csrf2'];
    const browser = await new Browser(f.user).signIn();
    // Signed in, the token follows from the session (earlier tests may have used the form up: a reversed entry
    // shows no reversal form); signed out, it comes with the form's page.
    const session = browser.cookies.get('la_token');
    const token = session
      ? csrfToken(decodeURIComponent(session))
      : await tokenFromPage(browser, f.page, f.form ?? f.action);
    // The objection rate limit counts refusals of the domain on purpose: its counter is not the data.
    const data = async () => {
      const now = await state();
      return { ...now, table: now.table.filter((item) => !item.includes('"RATE#')) };
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...names), hostileValue), { minLength: 1, maxLength: 8 }),
        async (pairs) => {
          const form = new URLSearchParams([['_csrf', token], ...pairs]);
          const before = await data();
          const res = await send(browser, {
            method: 'POST',
            path: f.action,
            headers: SAME_ORIGIN,
            body: form.toString(),
          });
          expect(res.statusCode, res.body.slice(0, 300)).toBeLessThan(500);
          if (res.statusCode !== 303) expect(await data()).toStrictEqual(before);
        },
      ),
      { numRuns: 12 },
    );
  });
});

describe('the signed-out forms’ cookie', () => {
  it('is set with the page that shows a form, HttpOnly and SameSite=Lax, and kept while the browser has it', async () => {
    const browser = new Browser();
    const first = await send(browser, { path: '/app/dev-login' });
    const cookie = (first.cookies ?? []).find((c) => c.startsWith('la_csrf='));
    expect(cookie).toMatch(/^la_csrf=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    const again = await send(browser, { path: '/app/dev-login' });
    expect((again.cookies ?? []).some((c) => c.startsWith('la_csrf='))).toBe(false);
    // A page without a form sets none.
    const none = await send(new Browser(), { path: '/public/notices' });
    expect((none.cookies ?? []).some((c) => c.includes('csrf'))).toBe(false);
  });

  it('is named __Host-la_csrf and Secure on https, so a sibling subdomain cannot plant one', async () => {
    const browser = new Browser();
    const res = await send(browser, { path: '/app/dev-login', headers: { 'x-forwarded-proto': 'https' } });
    const cookie = (res.cookies ?? []).find((c) => c.includes('la_csrf='));
    expect(cookie).toMatch(/^__Host-la_csrf=[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax; Secure$/);
    // On https, a plain la_csrf cookie (as a sibling could set) is not the secret: its token is refused.
    const planted = new Browser();
    planted.cookies.set('la_csrf', 'a'.repeat(43));
    const { csrfToken } = await import('#functions/lib/session.ts');
    const res2 = await send(planted, {
      method: 'POST',
      path: '/app/dev-login',
      headers: { ...SAME_ORIGIN, origin: `https://${HOST}`, 'x-forwarded-proto': 'https' },
      body: new URLSearchParams({ user: 'admin', _csrf: csrfToken('a'.repeat(43)) }).toString(),
    });
    expectRefused(res2);
  });

  it('keeps the session cookie as it was: HttpOnly, SameSite=Lax', async () => {
    const browser = new Browser();
    const token = await tokenFromPage(browser, '/app/dev-login', '/app/dev-login');
    const res = await send(browser, {
      method: 'POST',
      path: '/app/dev-login',
      headers: SAME_ORIGIN,
      body: new URLSearchParams({ user: 'admin', _csrf: token }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.cookies?.find((c) => c.startsWith('la_token='))).toMatch(
      /^la_token=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=28800$/,
    );
    // Signed in now, the forms carry the session's token, not the signed-out cookie's.
    const signedIn = await tokenFromPage(browser, '/app/verifications', '/app/verifications');
    expect(signedIn).not.toBe(token);
  });
});

describe('a post of this site after its session ended', () => {
  it('is sent to sign in, not refused as forged, and writes nothing', async () => {
    const f = FIXTURES['POST /app/households/{id}/aid']!;
    const browser = await new Browser(f.user).signIn();
    const token = await tokenFromPage(browser, f.page, f.form ?? f.action);
    browser.cookies.delete('la_token');
    const before = await state();
    const res = await send(browser, {
      method: 'POST',
      path: f.action,
      headers: SAME_ORIGIN,
      body: new URLSearchParams({ ...f.fields, _csrf: token }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers?.location).toBe('/app/sign-in');
    expect(await state()).toStrictEqual(before);
  });
});

describe('signing out', () => {
  it('is a form post: a link (GET) shows the button and signs nobody out', async () => {
    const browser = await new Browser(admin).signIn();
    const res = await send(browser, { path: '/app/sign-out' });
    expect(res.statusCode).toBe(200);
    expect(res.cookies ?? []).toStrictEqual([]);
    expect(browser.cookies.has('la_token')).toBe(true);
    // Every page a signed-in user sees has the sign-out form in its header, with the token.
    const home = await send(browser, { path: '/app/verifications' });
    expect(home.body).toMatch(
      /<header>.*<form method="post" action="\/app\/sign-out" class="inline"><input type="hidden" name="_csrf" value="[\w-]{43}">/s,
    );
  });
});

describe('in English', () => {
  // Issue #13, item 7: every page and every refused form reads in English with `?lang=en`. Driven by the same
  // table and fixtures as the forgery checks, so a new page is checked as soon as it has a fixture. Chinese a
  // person typed (names, descriptions, notes, as stored in the table) may show, and Chinese marked lang="zh-CN";
  // any other Han character is a word or a domain message with no English (see shared/web/messages-en.ts and the
  // pages' words files).
  const HAN = /\p{Script=Han}+/gu;
  /** Stored fields that hold what a person typed (or a fixture seeded); their Chinese is data, not the page's. */
  const TYPED = /^(name|headName|township|district|description|text|note|reason|comment|unit|community|cadre)$/;

  async function typedData(): Promise<string[]> {
    const found = new Set<string>();
    const walk = (value: unknown, key = '') => {
      if (typeof value === 'string') {
        if (TYPED.test(key) && /\p{Script=Han}/u.test(value)) found.add(value);
      } else if (Array.isArray(value)) for (const v of value) walk(v, key);
      else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, k);
    };
    let start: Record<string, unknown> | undefined;
    do {
      const out = await db.doc.send(new ScanCommand({ TableName: db.table, ExclusiveStartKey: start }));
      for (const item of out.Items ?? []) walk(item);
      start = out.LastEvaluatedKey;
    } while (start);
    // Longest first, so a name is not cut by a shorter one inside it; masked names (张*) as the notice shows them.
    return [...found].sort((a, b) => b.length - a.length);
  }

  /** What a person reads on a page: text and the attributes read aloud or shown, without scripts and styles. */
  function visibleText(body: string): string {
    const attrs = [...body.matchAll(/\b(?:aria-label|title|placeholder|alt)="([^"]*)"/g)].map((m) => m[1]);
    const text = body
      .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/g, ' ')
      // Chinese marked as Chinese: the language switch (中文), and what an import file must hold as it is.
      .replace(/<(\w+)\b[^>]*\blang="zh-CN"[^>]*>[\s\S]*?<\/\1>/g, ' ')
      .replace(/<[^>]+>/g, ' ');
    return `${text} ${attrs.join(' ')}`
      .replace(/&[#\w]+;/g, ' ')
      .replace(/\s+/g, ' ')
      .trim();
  }

  /** The Han characters on a page that are not data a person typed, each with a little context. */
  async function untranslated(body: string): Promise<string[]> {
    let text = visibleText(body);
    for (const typed of await typedData()) {
      text = text.split(typed).join(' ');
      // A notice shows the head's name masked: its first character, then stars.
      text = text.split(`${[...typed][0]}*`).join(' ');
    }
    const runs = new Map<string, string>();
    for (const m of text.matchAll(HAN)) {
      runs.set(m[0], runs.get(m[0]) ?? text.slice(Math.max(0, m.index - 30), m.index + m[0].length + 30));
    }
    return [...runs.values()];
  }

  const english = (path: string) => `${path}${path.includes('?') ? '&' : '?'}lang=en`;
  const patternOf = (path: string) =>
    new RegExp(`^${path.replace(/\./g, '\\.').replace(/\{\w+\}/g, '[\\w-]{1,128}')}$`);

  /**
   * A concrete address for each GET page, with who may open it: its own path, or a fixture's page or action that
   * it matches, or one that its first segments match (`/app/verifications/{id}` for `…/{id}/signature`; a photo's
   * number after them made up).
   */
  function getPages(): { route: string; path: string; user: DevTokenRequest | undefined }[] {
    const known = Object.values(FIXTURES).flatMap((f) => [f.page, f.action.split('?')[0]!].map((p) => ({ p, f })));
    const concrete = (path: string) => {
      if (!path.includes('{')) return { path, f: undefined };
      const segments = path.split('/');
      for (let k = segments.length; k > 1; k--) {
        const head = patternOf(segments.slice(0, k).join('/'));
        // Ids past the fixture's part (a photo's number) are made up: such a page answers its 404 page, in English.
        const tail = segments.slice(k).map((s) => (s.includes('{') ? '0' : s));
        for (const { p, f } of known) {
          const start = p.split('/').slice(0, k).join('/');
          if (head.test(start)) return { path: [start, ...tail].join('/'), f };
        }
      }
      return undefined;
    };
    return PAGE_ROUTES.filter((r) => r.method === 'GET' && r.handler in LAMBDAS).map((r) => {
      const found = concrete(r.path);
      expect(found, `GET ${r.path}: no fixture's page opens it; give one a page under it`).toBeDefined();
      return {
        route: `GET ${r.path}`,
        path: found!.path,
        user: found!.f?.user ?? (r.allow === 'public' ? undefined : admin),
      };
    });
  }

  it('shows every GET page with no Chinese but what people typed', async () => {
    const problems: string[] = [];
    for (const { route, path, user } of getPages()) {
      const browser = await new Browser(user).signIn();
      const res = await send(browser, { path: english(path) });
      expect(res.statusCode, `${route}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
      if (!/^text\/html/.test(res.headers?.['content-type'] ?? '')) continue;
      for (const left of await untranslated(res.body)) problems.push(`${route} (${path}): …${left}…`);
    }
    expect(problems).toStrictEqual([]);
  });

  it('answers every form in English: its own fields (and the page it leads to), and bad input’s field errors, alerts and error pages', async () => {
    const problems: string[] = [];
    for (const [source, f] of Object.entries(FIXTURES)) {
      // The fixture's own fields first: accepted, or refused as used up by the tests before (a second reversal).
      for (const value of [undefined, '', 'x', '-1']) {
        const browser = await new Browser(f.user).signIn();
        const session = browser.cookies.get('la_token');
        const token = session
          ? csrfToken(decodeURIComponent(session))
          : await tokenFromPage(browser, english(f.page), f.form ?? f.action);
        const fields =
          value === undefined ? f.fields : Object.fromEntries(Object.keys(f.fields).map((k) => [k, value]));
        const res = await send(browser, {
          method: 'POST',
          path: english(f.action),
          headers: SAME_ORIGIN,
          body: new URLSearchParams({ ...fields, _csrf: token }).toString(),
        });
        expect(res.statusCode, `${source}: ${res.body.slice(0, 300)}`).toBeLessThan(500);
        const location = res.statusCode === 303 ? String(res.headers?.location ?? '') : '';
        const shown = location.startsWith('/') ? await send(browser, { path: english(location) }) : res;
        const json = /json/.test(shown.headers?.['content-type'] ?? '');
        const page = json ? `<p>${shown.body}</p>` : shown.body;
        for (const left of await untranslated(page))
          problems.push(`${source} with ${value ?? 'its fields'}: …${left}…`);
      }
    }
    expect(problems).toStrictEqual([]);
  });
});
