import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { PAGE_LAMBDAS, ROUTES, type RouteDef, type Scope } from '#functions/routes.ts';
import type { DevTokenRequest } from '#infra/local/tokens.ts';
import { Role } from '#shared/caller.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { admin, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke, type Response } from '../support/invoke.ts';
import { roundAwaitingDecision, useRecordingWorkflow } from '../support/rounds.ts';
import { newCadre, newCommunity, newUnit, pairedWorld } from '../support/world.ts';

/**
 * The authorization matrix, proven from its one table (`functions/routes.ts`). Every API route is called by
 * every role and by nobody at all, through the real handler: a role the route's `allow` does not name gets
 * exactly 403 `auth.role`; a caller without claims on a non-public route 401; a named role never `auth.role`.
 * Then every scope narrower than `any` is shown against data: the caller in scope succeeds, another caller of
 * the same role gets a 403 with the domain's own code.
 */

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;
type Allow = RouteDef['allow'];

/** The page Lambdas serve HTML and read the sign-in cookie themselves; they are not API routes. */
const PAGE_HANDLERS = PAGE_LAMBDAS;
const API_ROUTES: readonly RouteDef[] = ROUTES.filter((r) => !PAGE_HANDLERS.has(r.handler));
const ROLES = Role.options;

const routeKey = (r: RouteDef) => `${r.method} ${r.path}`;
const allowed = (allow: Allow): Partial<Record<Role, Scope>> => (allow === 'public' ? {} : allow);
/** Path parameters for a route template: an id that names nothing. */
const paramsOf = (r: RouteDef) =>
  Object.fromEntries([...r.path.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, 'matrix-missing']));

/** One caller per role, each with the scope claims its role uses (pointing at nothing in the table). */
const CALLERS: Record<Role, DevTokenRequest> = {
  admin: { sub: 'matrix-admin', groups: ['admin'] },
  cadre: { sub: 'matrix-cadre', groups: ['cadre'], cadreId: 'matrix-cadre' },
  communityCadre: { sub: 'matrix-cc', groups: ['communityCadre'], communityId: 'matrix-community' },
  auditor: { sub: 'matrix-auditor', groups: ['auditor'] },
};

const handlers = new Map<string, Handler>();
const handlerOf = (r: RouteDef) => handlers.get(r.handler)!;

beforeAll(async () => {
  useRecordingWorkflow();
  for (const r of ROUTES) {
    if (handlers.has(r.handler)) continue;
    const mod = (await import(`#functions/${r.handler}.ts`)) as { handler: Handler };
    handlers.set(r.handler, mod.handler);
  }
});

/** The call a role sweep makes: no body, no query, missing ids; enough to pass or fail the role check. */
const sweep = (r: RouteDef, as?: DevTokenRequest) => invoke(handlerOf(r), routeKey(r), { as, params: paramsOf(r) });

describe('the authorization table', () => {
  it('gives every route behind the JWT authorizer a list of roles, and every public route no roles', () => {
    for (const r of API_ROUTES) {
      if (r.auth === 'jwt') expect(r.allow, routeKey(r)).not.toBe('public');
      else expect(r.allow, routeKey(r)).toBe('public');
      if (r.allow !== 'public') {
        expect(Object.keys(r.allow).length, routeKey(r)).toBeGreaterThan(0);
        for (const role of Object.keys(r.allow)) expect(ROLES, routeKey(r)).toContain(role);
      }
    }
  });

  it('names each route once', () => {
    const keys = ROUTES.map(routeKey);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('refuses a route missing from the table with 403 auth.route, whatever the role (deny by default)', async () => {
    const r = await invoke(handlerOf(API_ROUTES[1]!), 'POST /not-in-the-table', { as: admin, body: {} });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('auth.route');
  });
});

describe.each(API_ROUTES.map((r) => [routeKey(r), r] as const))('%s', (key, route) => {
  const allow = allowed(route.allow);

  if (route.allow === 'public') {
    it(`serves ${key} to anyone, signed in or not`, async () => {
      for (const as of [undefined, ...ROLES.map((role) => CALLERS[role])]) {
        const r = await sweep(route, as);
        expect(r.status, as?.sub ?? 'no claims').toBeLessThan(500);
        expect(r.json?.error?.code ?? '', as?.sub ?? 'no claims').not.toMatch(/^auth\./);
      }
    });
    return;
  }

  it(`asks for sign-in on ${key} without claims (401 auth.required)`, async () => {
    const r = await sweep(route);
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('auth.required');
  });

  it(`refuses a signed-in user with no campaign role on ${key}`, async () => {
    const r = await sweep(route, { sub: 'matrix-nobody', groups: [] });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('auth.role');
  });

  for (const role of ROLES) {
    if (allow[role]) {
      it(`admits ${role} to ${key} past the role check`, async () => {
        const r = await sweep(route, CALLERS[role]);
        expect(r.status).toBeLessThan(500);
        expect(r.json?.error?.code).not.toBe('auth.role');
      });
    } else {
      it(`refuses ${role} on ${key}`, async () => {
        const r = await sweep(route, CALLERS[role]);
        expect(r.status).toBe(403);
        expect(r.json.error).toStrictEqual({ code: 'auth.role', message: expect.any(String) });
      });
    }
  }
});

// ---------------------------------------------------------------------------------------------------------
// Scopes: what each scope narrower than `any` means, shown against data.
// ---------------------------------------------------------------------------------------------------------

/** The two calls of a scope test and the code the out-of-scope one must get. */
interface ScopeCase {
  inScope: () => Promise<Response>;
  outOfScope: () => Promise<Response>;
  code: string;
}

const year = () => Number(shanghaiDate(new Date()).slice(0, 4));
const today = () => shanghaiDate(new Date());
const call = (key: string) => handlerOf(API_ROUTES.find((r) => routeKey(r) === key)!);

/** A paired household with one in-kind entry recorded by its cadre (in-kind, so it can take a receipt). */
async function worldWithEntry() {
  const w = await pairedWorld(year());
  const items = [{ name: '棉被', quantity: 2, unitValueFen: 15_000 }];
  const recorded = await invoke(call('POST /aid-records'), 'POST /aid-records', {
    as: cadreUser(w.cadreId),
    body: makeAid(w.householdId, { date: today(), kind: 'in_kind', amountFen: 30_000, items }),
    headers: { 'idempotency-key': newKey() },
  });
  if (recorded.status !== 201) throw new Error(`setup: record aid: ${recorded.status} ${recorded.text}`);
  return { ...w, recordId: recorded.json.id as string };
}

/** Another cadre, registered but paired with nobody. */
const strangerCadre = async () => cadreUser(await newCadre(await newUnit()));
/** The community cadre of another, registered community. */
const otherCommunityCadre = async () => communityCadreUser(await newCommunity('别的社区'));

/** Builds each scoped (route, role) case; keyed `<route key> <role>`. */
const SCOPE_CASES: Record<string, () => Promise<ScopeCase>> = {
  'POST /aid-records cadre': async () => {
    const w = await pairedWorld(year());
    const stranger = await strangerCadre();
    const post = (as: DevTokenRequest) => () =>
      invoke(call('POST /aid-records'), 'POST /aid-records', {
        as,
        body: makeAid(w.householdId, { date: today() }),
        headers: { 'idempotency-key': newKey() },
      });
    return { inScope: post(cadreUser(w.cadreId)), outOfScope: post(stranger), code: 'aid.not_paired' };
  },
  'POST /aid-records/{id}/reversal cadre': async () => {
    const w = await worldWithEntry();
    const stranger = await strangerCadre();
    const reverse = (as: DevTokenRequest) => () =>
      invoke(call('POST /aid-records/{id}/reversal'), 'POST /aid-records/{id}/reversal', {
        as,
        params: { id: w.recordId },
        body: { reason: '金额登记错误' },
      });
    return { inScope: reverse(cadreUser(w.cadreId)), outOfScope: reverse(stranger), code: 'aid.not_recorder' };
  },
  'GET /households/{id}/aid cadre': async () => {
    const w = await pairedWorld(year());
    const stranger = await strangerCadre();
    const read = (as: DevTokenRequest) => () =>
      invoke(call('GET /households/{id}/aid'), 'GET /households/{id}/aid', {
        as,
        params: { id: w.householdId },
        query: { year: String(year()) },
      });
    return { inScope: read(cadreUser(w.cadreId)), outOfScope: read(stranger), code: 'household.not_yours' };
  },
  'GET /households/{id}/aid communityCadre': async () => {
    const w = await pairedWorld(year());
    const other = await otherCommunityCadre();
    const read = (as: DevTokenRequest) => () =>
      invoke(call('GET /households/{id}/aid'), 'GET /households/{id}/aid', {
        as,
        params: { id: w.householdId },
        query: { year: String(year()) },
      });
    return { inScope: read(communityCadreUser(w.communityId)), outOfScope: read(other), code: 'household.not_yours' };
  },
  'POST /households/{id}/outcomes cadre': async () => {
    const w = await pairedWorld(year());
    const stranger = await strangerCadre();
    const post = (as: DevTokenRequest) => () =>
      invoke(call('POST /households/{id}/outcomes'), 'POST /households/{id}/outcomes', {
        as,
        params: { id: w.householdId },
        body: { objective: 'education', date: today(), description: '孩子返校复学' },
      });
    return { inScope: post(cadreUser(w.cadreId)), outOfScope: post(stranger), code: 'outcome.not_paired' };
  },
  'POST /households/{id}/visits cadre': async () => {
    const w = await pairedWorld(year());
    const stranger = await strangerCadre();
    const post = (as: DevTokenRequest) => () =>
      invoke(call('POST /households/{id}/visits'), 'POST /households/{id}/visits', {
        as,
        params: { id: w.householdId },
        body: { date: today(), note: '入户走访' },
        headers: { 'idempotency-key': newKey() },
      });
    return { inScope: post(cadreUser(w.cadreId)), outOfScope: post(stranger), code: 'visit.not_paired' };
  },
  'GET /households/{id}/visits cadre': async () => {
    const w = await pairedWorld(year());
    const stranger = await strangerCadre();
    const read = (as: DevTokenRequest) => () =>
      invoke(call('GET /households/{id}/visits'), 'GET /households/{id}/visits', {
        as,
        params: { id: w.householdId },
        query: { year: String(year()) },
      });
    return { inScope: read(cadreUser(w.cadreId)), outOfScope: read(stranger), code: 'household.not_yours' };
  },
  'GET /households/{id}/visits communityCadre': async () => {
    const w = await pairedWorld(year());
    const other = await otherCommunityCadre();
    const read = (as: DevTokenRequest) => () =>
      invoke(call('GET /households/{id}/visits'), 'GET /households/{id}/visits', {
        as,
        params: { id: w.householdId },
        query: { year: String(year()) },
      });
    return { inScope: read(communityCadreUser(w.communityId)), outOfScope: read(other), code: 'household.not_yours' };
  },
  'POST /aid-records/{id}/receipt cadre': async () => {
    const w = await worldWithEntry();
    const stranger = await strangerCadre();
    const receipt = (as: DevTokenRequest) => () =>
      invoke(call('POST /aid-records/{id}/receipt'), 'POST /aid-records/{id}/receipt', {
        as,
        params: { id: w.recordId },
        body: { method: 'signature' },
      });
    return { inScope: receipt(cadreUser(w.cadreId)), outOfScope: receipt(stranger), code: 'receipt.not_allowed' };
  },
  'POST /aid-records/{id}/receipt communityCadre': async () => {
    const w = await worldWithEntry();
    const other = await otherCommunityCadre();
    const receipt = (as: DevTokenRequest) => () =>
      invoke(call('POST /aid-records/{id}/receipt'), 'POST /aid-records/{id}/receipt', {
        as,
        params: { id: w.recordId },
        body: { method: 'thumbprint' },
      });
    return {
      inScope: receipt(communityCadreUser(w.communityId)),
      outOfScope: receipt(other),
      code: 'receipt.not_allowed',
    };
  },
  'GET /verifications/{id} communityCadre': async () => {
    const w = await pairedWorld(year());
    const id = await roundAwaitingDecision(w.communityId, year());
    const other = await otherCommunityCadre();
    const read = (as: DevTokenRequest) => () =>
      invoke(call('GET /verifications/{id}'), 'GET /verifications/{id}', { as, params: { id } });
    return {
      inScope: read(communityCadreUser(w.communityId)),
      outOfScope: read(other),
      code: 'verification.not_yours',
    };
  },
  'POST /verifications/{id}/decision communityCadre': async () => {
    const w = await pairedWorld(year());
    const id = await roundAwaitingDecision(w.communityId, year());
    const other = await otherCommunityCadre();
    const decide = (as: DevTokenRequest) => () =>
      invoke(call('POST /verifications/{id}/decision'), 'POST /verifications/{id}/decision', {
        as,
        params: { id },
        body: { decision: 'reject', comment: '第一户的台账与手册不符，请核对' },
      });
    return {
      inScope: decide(communityCadreUser(w.communityId)),
      outOfScope: decide(other),
      code: 'verification.not_your_community',
    };
  },
};

/** How a scope reads in a test's name: who is in it, and who of the same role is not. */
const SCOPE_WORDS: Record<Exclude<Scope, 'any'>, [inside: string, outside: string]> = {
  'paired-cadre': ['the paired cadre', 'a cadre not paired with the household'],
  'recording-cadre': ['the recording cadre', 'another cadre'],
  'own-community': ["the community's own community cadre", "another community's cadre"],
};

const SCOPED = API_ROUTES.flatMap((r) =>
  (Object.entries(allowed(r.allow)) as [Role, Scope][])
    .filter(([, scope]) => scope !== 'any')
    .map(([role, scope]) => ({ key: routeKey(r), role, scope: scope as Exclude<Scope, 'any'> })),
);

describe('scopes narrower than any', () => {
  it('has a data case for every scoped (route, role) of the table, and none for a pair the table lacks', () => {
    expect(Object.keys(SCOPE_CASES).sort()).toStrictEqual(SCOPED.map((s) => `${s.key} ${s.role}`).sort());
  });

  it.each(SCOPED.map((s) => [SCOPE_WORDS[s.scope][0], s.key, SCOPE_WORDS[s.scope][1], s] as const))(
    'lets %s call %s and refuses %s with a 403 of the domain',
    async (_inside, _key, _outside, s) => {
      const scopeCase = await SCOPE_CASES[`${s.key} ${s.role}`]!();
      // Out of scope first, so a one-time write (a receipt, a reversal, a decision) is still open to the caller in scope.
      const refused = await scopeCase.outOfScope();
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe(scopeCase.code);
      const admitted = await scopeCase.inScope();
      expect(admitted.status, admitted.text).toBeGreaterThanOrEqual(200);
      expect(admitted.status, admitted.text).toBeLessThan(300);
    },
  );
});
