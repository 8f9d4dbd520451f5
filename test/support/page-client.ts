import { randomBytes } from 'node:crypto';
import type { Context } from 'aws-lambda';
import type { ApiEvent, ApiResult } from '#functions/lib/http.ts';
import { registerLocalSession } from '#functions/lib/session.ts';
import { buildApiEvent } from '#infra/local/event.ts';
import { type DevTokenRequest, signDevToken, verifyDevToken } from '#infra/local/tokens.ts';
import { pageRouteOf } from './page-routing.ts';

type Handler = (event: ApiEvent, context: Context) => Promise<ApiResult>;

const HOST = '127.0.0.1:8787';
const key = randomBytes(32);
let registered = false;

/** The page Lambda API Gateway routes a request to (functions/routes.ts). */
async function lambdaFor(method: string, path: string): Promise<Handler> {
  const name = pageRouteOf(method, path).handler;
  return ((await import(`#functions/${name}.ts`)) as { handler: Handler }).handler;
}

/**
 * A signed-in browser for page tests through the real page Lambdas: it opens pages and posts their forms the way
 * a browser does (same origin, the `_csrf` the page gave it). Session keys are the test's own.
 */
export class PageClient {
  private readonly token: string;

  private constructor(token: string) {
    this.token = token;
  }

  static async as(user: DevTokenRequest): Promise<PageClient> {
    if (!registered) {
      registerLocalSession({
        verify: (token) => verifyDevToken(key, token),
        signDemo: async () => undefined,
        demoUsers: [],
      });
      registered = true;
    }
    return new PageClient(await signDevToken(key, user));
  }

  async request(method: string, path: string, body?: string): Promise<ApiResult> {
    const [rawPath, query] = path.split('?') as [string, string | undefined];
    const event = buildApiEvent({
      method,
      routePath: pageRouteOf(method, rawPath).routePath,
      rawPath,
      headers: {
        host: HOST,
        cookie: `la_token=${encodeURIComponent(this.token)}`,
        ...(body === undefined
          ? {}
          : {
              origin: `http://${HOST}`,
              'sec-fetch-site': 'same-origin',
              'content-type': 'application/x-www-form-urlencoded',
            }),
      },
      query: Object.fromEntries(new URLSearchParams(query ?? '')),
      body,
    });
    return (await lambdaFor(method, rawPath))(event, {} as Context);
  }

  get(path: string): Promise<ApiResult> {
    return this.request('GET', path);
  }

  /** Posts `fields` to `action` with the form token the page at `page` carries (any form of it: one session). */
  async post(page: string, action: string, fields: Record<string, string>): Promise<ApiResult> {
    const shown = await this.get(page);
    const token = /<input type="hidden" name="_csrf" value="([\w-]{43})">/.exec(shown.body)?.[1];
    if (!token) throw new Error(`no form token on ${page}: ${shown.statusCode} ${shown.body.slice(0, 200)}`);
    return this.request('POST', action, new URLSearchParams({ _csrf: token, ...fields }).toString());
  }
}
