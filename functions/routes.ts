/**
 * The API's routes, each served by one Lambda (one file in `functions/`). `infra/` builds API Gateway routes
 * and functions from this list, and the local server dispatches with it, so the two cannot disagree.
 * `auth: 'jwt'` routes sit behind the JWT authorizer; `public` ones do not.
 */
export interface RouteDef {
  method: 'GET' | 'POST';
  path: string;
  /** Handler file under `functions/`, without extension. */
  handler: string;
  auth: 'jwt' | 'public';
}

export const ROUTES = [
  { method: 'GET', path: '/health', handler: 'health', auth: 'public' },
  { method: 'POST', path: '/communities', handler: 'create-community', auth: 'jwt' },
  { method: 'POST', path: '/units', handler: 'create-unit', auth: 'jwt' },
  { method: 'POST', path: '/cadres', handler: 'create-cadre', auth: 'jwt' },
  { method: 'POST', path: '/households', handler: 'register-household', auth: 'jwt' },
  { method: 'POST', path: '/pairings', handler: 'create-pairing', auth: 'jwt' },
  { method: 'POST', path: '/aid-records', handler: 'record-aid', auth: 'jwt' },
  { method: 'POST', path: '/aid-records/{id}/reversal', handler: 'reverse-aid', auth: 'jwt' },
  { method: 'GET', path: '/households/{id}/aid', handler: 'get-household-aid', auth: 'jwt' },
  { method: 'GET', path: '/reports/floor', handler: 'floor-report', auth: 'jwt' },
  { method: 'GET', path: '/reports/units', handler: 'unit-report', auth: 'jwt' },
  { method: 'GET', path: '/reports/summary', handler: 'campaign-summary', auth: 'jwt' },
  { method: 'POST', path: '/households/{id}/outcomes', handler: 'record-outcome', auth: 'jwt' },
  { method: 'GET', path: '/audit', handler: 'list-audit', auth: 'jwt' },
  { method: 'POST', path: '/fund-ledger', handler: 'import-fund-ledger', auth: 'jwt' },
  { method: 'POST', path: '/aid-records/{id}/receipt', handler: 'record-receipt', auth: 'jwt' },
  { method: 'POST', path: '/verifications', handler: 'start-verification', auth: 'jwt' },
  { method: 'GET', path: '/verifications/{id}', handler: 'get-verification', auth: 'jwt' },
  { method: 'POST', path: '/verifications/{id}/decision', handler: 'decide-verification', auth: 'jwt' },
  { method: 'POST', path: '/verifications/{id}/reopen', handler: 'reopen-verification', auth: 'jwt' },
  { method: 'GET', path: '/notices', handler: 'list-notices', auth: 'public' },
  { method: 'GET', path: '/notices/{id}', handler: 'get-notice', auth: 'public' },
  { method: 'POST', path: '/notices/{id}/objections', handler: 'file-objection', auth: 'public' },
  { method: 'POST', path: '/objections/{id}/resolution', handler: 'resolve-objection', auth: 'jwt' },
  { method: 'POST', path: '/uploads', handler: 'create-upload-url', auth: 'jwt' },
  // The pages: public to API Gateway, because a browser sends its token in a cookie, which the page Lambda verifies.
  { method: 'GET', path: '/app/downloads/{proxy+}', handler: 'page-downloads', auth: 'public' },
  { method: 'GET', path: '/app', handler: 'pages', auth: 'public' },
  { method: 'GET', path: '/app/{proxy+}', handler: 'pages', auth: 'public' },
  { method: 'POST', path: '/app/{proxy+}', handler: 'pages', auth: 'public' },
  { method: 'GET', path: '/public/{proxy+}', handler: 'pages', auth: 'public' },
  { method: 'POST', path: '/public/{proxy+}', handler: 'pages', auth: 'public' },
] as const satisfies readonly RouteDef[];

/** The handler file of a route. */
export type RouteHandler = (typeof ROUTES)[number]['handler'];
