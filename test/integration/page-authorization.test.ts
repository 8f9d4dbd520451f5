import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { csrfToken, registerLocalSession } from '#functions/lib/session.ts';
import { PAGE_ROUTES, type PageRouteDef } from '#functions/routes.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { type DevTokenRequest, signDevToken, verifyDevToken } from '#infra/local/tokens.ts';
import { Role } from '#shared/caller.ts';
import { useRecordingWorkflow } from '../support/rounds.ts';

/**
 * The authorization matrix of the pages, proven from the same table as the API's (`PAGE_ROUTES` in
 * functions/routes.ts, the same `allow` column): every page is opened (or posted, with a valid form token) by
 * every role and by nobody, through the real page Lambda. A role the page's `allow` does not name gets 403 with
 * the role refusal before the page runs; a named role never does; nobody is sent to sign in, except on public
 * pages. Scopes narrower than `any` are the domain's, shown against data by the API matrix and the page tests.
 */

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

const HOST = '127.0.0.1:8787';
const key = randomBytes(32);
/** The message `requireRole` refuses with: the page shows it, with status 403. */
const ROLE_REFUSAL = '您的角色无权执行此操作';

const CALLERS: Record<Role, DevTokenRequest> = {
  admin: { sub: 'page-matrix-admin', groups: ['admin'] },
  cadre: { sub: 'page-matrix-cadre', groups: ['cadre'], cadreId: 'page-matrix-cadre' },
  communityCadre: { sub: 'page-matrix-cc', groups: ['communityCadre'], communityId: 'page-matrix-community' },
  auditor: { sub: 'page-matrix-auditor', groups: ['auditor'] },
};

const handlers = new Map<string, Handler>();

beforeAll(async () => {
  useRecordingWorkflow();
  registerLocalSession({
    verify: (token) => verifyDevToken(key, token),
    signDemo: async () => undefined,
    demoUsers: [],
  });
  for (const name of new Set(PAGE_ROUTES.map((r) => r.handler))) {
    handlers.set(name, ((await import(`#functions/${name}.ts`)) as { handler: Handler }).handler);
  }
});

/** A concrete path for a page's template: ids that name nothing, a format that exists. */
const pathOf = (r: PageRouteDef) => r.path.replace('{format}', 'csv').replace(/\{\w+\}/g, 'matrix-missing');

/** Opens (GET) or posts (same origin, with the session's form token and no other field) a page as `who`. */
async function visit(r: PageRouteDef, who?: DevTokenRequest): Promise<ApiResult> {
  const token = who ? encodeURIComponent(await signDevToken(key, who)) : undefined;
  const post = r.method === 'POST';
  const event = buildApiEvent({
    method: r.method,
    routePath: pathOf(r).startsWith('/public/') ? '/public/{proxy+}' : '/app/{proxy+}',
    rawPath: pathOf(r),
    headers: {
      host: HOST,
      ...(token ? { cookie: `la_token=${token}` } : {}),
      ...(post
        ? {
            origin: `http://${HOST}`,
            'sec-fetch-site': 'same-origin',
            'content-type': 'application/x-www-form-urlencoded',
          }
        : {}),
    },
    query: {},
    body: post && token ? `_csrf=${csrfToken(decodeURIComponent(token))}` : undefined,
  });
  return handlers.get(r.handler)!(event, {} as Context);
}

const allowedRoles = (r: PageRouteDef): Role[] => (r.allow === 'public' ? [] : (Object.keys(r.allow) as Role[]));
const refusedForRole = (res: ApiResult) => res.statusCode === 403 && res.body.includes(ROLE_REFUSAL);

describe('the page table', () => {
  it('names a page Lambda for every page and gives every page that is not public a list of roles', () => {
    for (const r of PAGE_ROUTES) {
      expect([
        'pages',
        'household-pages',
        'evidence-pages',
        'report-pages',
        'page-downloads',
        'admin-pages',
        'registry-pages',
        'verification-pages',
        'import-pages',
        'import-downloads',
        'public-pages',
      ]).toContain(r.handler);
      if (r.allow !== 'public') expect(allowedRoles(r).length, `${r.method} ${r.path}`).toBeGreaterThan(0);
    }
  });
});

describe.each(PAGE_ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_key, route) => {
  it.each(Role.options)('as %s: refused for the role exactly when the table does not name it', async (role) => {
    const res = await visit(route, CALLERS[role]);
    const named = route.allow === 'public' || allowedRoles(route).includes(role);
    expect(res.statusCode, res.body.slice(0, 200)).toBeLessThan(500);
    expect(refusedForRole(res), `${role}: ${res.statusCode}`).toBe(!named);
  });

  it('signed out: sent to sign in before a page that is not public runs; a public page runs', async () => {
    const res = await visit(route);
    expect(res.statusCode).toBeLessThan(500);
    expect(refusedForRole(res)).toBe(false);
    // A public page may itself send to sign in (the sign-in callback without a code does); others always do.
    if (route.allow !== 'public') expect([res.statusCode, res.headers.location]).toStrictEqual([303, '/app/sign-in']);
  });
});
