import type { Role } from '#shared/caller.ts';

/**
 * The API's routes and who may call them: the authorization matrix, in one table. Each route is served by one
 * Lambda (one file in `functions/`); `infra/` builds API Gateway routes and functions from this list, the local
 * server dispatches with it, and `apiHandler` refuses every role the route's `allow` does not name (deny by
 * default). `auth: 'jwt'` routes sit behind the JWT authorizer; `public` ones do not.
 */
/** The registry's kinds that have pages of their own Lambda (`registry-pages`) under `/app/admin/<kind>`. */
export type RegistryPageKind = 'communities' | 'units' | 'cadres' | 'households';

export interface RouteDef {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT';
  path: string;
  /** Handler file under `functions/`, without extension. */
  handler: string;
  auth: 'jwt' | 'public';
  /** Route × role → allowed, with the scope the domain checks against the data (see `Scope`). */
  allow: 'public' | Partial<Record<Role, Scope>>;
}

/**
 * How far an allowed role reaches. Roles are checked by `apiHandler` from this table; scopes need the data, so
 * the domain function checks them, and `test/integration/authorization-matrix.test.ts` proves both from here.
 * - `any`: every entity of the kind (admins, auditors).
 * - `paired-cadre`: only households the cadre is paired with that year.
 * - `recording-cadre`: only entries the cadre recorded.
 * - `own-community`: only the community in the caller's `custom:communityId`.
 */
export type Scope = 'any' | 'paired-cadre' | 'recording-cadre' | 'own-community';

export const ROUTES = [
  { method: 'GET', path: '/health', handler: 'health', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/communities', handler: 'create-community', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'POST', path: '/units', handler: 'create-unit', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'POST', path: '/cadres', handler: 'create-cadre', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'POST', path: '/households', handler: 'register-household', auth: 'jwt', allow: { admin: 'any' } },
  // The registry's lists and edits (#12). Lists are for readers; edits, like registration, for admins.
  { method: 'GET', path: '/regions', handler: 'list-registry', auth: 'jwt', allow: { admin: 'any', auditor: 'any' } },
  {
    method: 'GET',
    path: '/communities',
    handler: 'list-registry',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  { method: 'GET', path: '/units', handler: 'list-registry', auth: 'jwt', allow: { admin: 'any', auditor: 'any' } },
  { method: 'GET', path: '/cadres', handler: 'list-registry', auth: 'jwt', allow: { admin: 'any', auditor: 'any' } },
  {
    method: 'GET',
    path: '/households',
    handler: 'list-registry',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  { method: 'PATCH', path: '/communities/{id}', handler: 'update-registry', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'PATCH', path: '/units/{id}', handler: 'update-registry', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'PATCH', path: '/cadres/{id}', handler: 'update-registry', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'PATCH', path: '/households/{id}', handler: 'update-household', auth: 'jwt', allow: { admin: 'any' } },
  {
    method: 'GET',
    path: '/households/{id}',
    handler: 'get-household',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  { method: 'POST', path: '/pairings', handler: 'create-pairing', auth: 'jwt', allow: { admin: 'any' } },
  {
    method: 'GET',
    path: '/pairings',
    handler: 'list-pairings',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  {
    method: 'POST',
    path: '/pairings/reassignment',
    handler: 'reassign-pairing',
    auth: 'jwt',
    allow: { admin: 'any' },
  },
  { method: 'POST', path: '/pairings/end', handler: 'end-pairing', auth: 'jwt', allow: { admin: 'any' } },
  {
    method: 'POST',
    path: '/pairings/carry-over',
    handler: 'carry-over-pairings',
    auth: 'jwt',
    allow: { admin: 'any' },
  },
  {
    method: 'GET',
    path: '/pairings/carry-over/{id}',
    handler: 'get-carry-over',
    auth: 'jwt',
    allow: { admin: 'any' },
  },
  { method: 'POST', path: '/aid-records', handler: 'record-aid', auth: 'jwt', allow: { cadre: 'paired-cadre' } },
  {
    method: 'POST',
    path: '/aid-records/{id}/reversal',
    handler: 'reverse-aid',
    auth: 'jwt',
    allow: { admin: 'any', cadre: 'recording-cadre' },
  },
  {
    method: 'GET',
    path: '/households/{id}/aid',
    handler: 'get-household-aid',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any', cadre: 'paired-cadre', communityCadre: 'own-community' },
  },
  {
    method: 'GET',
    path: '/reports/floor',
    handler: 'floor-report',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  {
    method: 'GET',
    path: '/reports/units',
    handler: 'unit-report',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  {
    method: 'GET',
    path: '/reports/summary',
    handler: 'campaign-summary',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  {
    method: 'POST',
    path: '/households/{id}/outcomes',
    handler: 'record-outcome',
    auth: 'jwt',
    allow: { cadre: 'paired-cadre' },
  },
  {
    method: 'POST',
    path: '/households/{id}/visits',
    handler: 'record-visit',
    auth: 'jwt',
    allow: { cadre: 'paired-cadre' },
  },
  {
    method: 'GET',
    path: '/households/{id}/visits',
    handler: 'list-visits',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any', cadre: 'paired-cadre', communityCadre: 'own-community' },
  },
  { method: 'GET', path: '/audit', handler: 'list-audit', auth: 'jwt', allow: { admin: 'any', auditor: 'any' } },
  { method: 'POST', path: '/fund-ledger', handler: 'import-fund-ledger', auth: 'jwt', allow: { admin: 'any' } },
  {
    method: 'POST',
    path: '/aid-records/{id}/receipt',
    handler: 'record-receipt',
    auth: 'jwt',
    allow: { cadre: 'recording-cadre', communityCadre: 'own-community' },
  },
  { method: 'POST', path: '/verifications', handler: 'start-verification', auth: 'jwt', allow: { admin: 'any' } },
  {
    method: 'GET',
    path: '/verifications/{id}',
    handler: 'get-verification',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any', communityCadre: 'own-community' },
  },
  {
    method: 'POST',
    path: '/verifications/{id}/decision',
    handler: 'decide-verification',
    auth: 'jwt',
    allow: { communityCadre: 'own-community' },
  },
  {
    method: 'GET',
    path: '/verifications/{id}/integrity',
    handler: 'verification-integrity',
    auth: 'jwt',
    allow: { admin: 'any', auditor: 'any' },
  },
  {
    method: 'POST',
    path: '/verifications/{id}/reopen',
    handler: 'reopen-verification',
    auth: 'jwt',
    allow: { admin: 'any' },
  },
  { method: 'GET', path: '/notices', handler: 'list-notices', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/notices/{id}', handler: 'get-notice', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/notices/{id}/objections', handler: 'file-objection', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/objections', handler: 'list-objections', auth: 'jwt', allow: { admin: 'any' } },
  // The working-day calendar's overrides (#13): days an admin adds or corrects for working-day windows.
  { method: 'PUT', path: '/calendar/days/{date}', handler: 'calendar-days', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'GET', path: '/calendar/days', handler: 'calendar-days', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'GET', path: '/objections/status', handler: 'objection-status', auth: 'public', allow: 'public' },
  {
    method: 'POST',
    path: '/objections/{id}/resolution',
    handler: 'resolve-objection',
    auth: 'jwt',
    allow: { admin: 'any' },
  },
  { method: 'POST', path: '/users', handler: 'create-user', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'GET', path: '/users', handler: 'list-users', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'POST', path: '/users/{username}/disable', handler: 'disable-user', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'POST', path: '/users/{username}/enable', handler: 'enable-user', auth: 'jwt', allow: { admin: 'any' } },
  {
    method: 'POST',
    path: '/users/{username}/resend',
    handler: 'resend-invitation',
    auth: 'jwt',
    allow: { admin: 'any' },
  },
  {
    method: 'POST',
    path: '/uploads',
    handler: 'create-upload-url',
    auth: 'jwt',
    allow: { admin: 'any', cadre: 'any', communityCadre: 'any' },
  },
  { method: 'POST', path: '/imports', handler: 'start-import', auth: 'jwt', allow: { admin: 'any' } },
  // Export jobs (#14): a report of any size written to the object store in the background; one Lambda.
  { method: 'POST', path: '/exports', handler: 'exports', auth: 'jwt', allow: { admin: 'any', auditor: 'any' } },
  { method: 'GET', path: '/exports', handler: 'exports', auth: 'jwt', allow: { admin: 'any', auditor: 'any' } },
  { method: 'GET', path: '/exports/{id}', handler: 'exports', auth: 'jwt', allow: { admin: 'any', auditor: 'any' } },
  { method: 'GET', path: '/imports/{id}', handler: 'get-import', auth: 'jwt', allow: { admin: 'any' } },
  { method: 'GET', path: '/imports/{id}/errors', handler: 'import-errors', auth: 'jwt', allow: { admin: 'any' } },
  {
    method: 'GET',
    path: '/imports/templates/{kind}',
    handler: 'import-template',
    auth: 'jwt',
    allow: { admin: 'any' },
  },
  // The pages: public to API Gateway, because a browser sends its token in a cookie, which the page Lambda verifies.
  {
    method: 'GET',
    path: '/app/downloads/imports/{proxy+}',
    handler: 'import-downloads',
    auth: 'public',
    allow: 'public',
  },
  { method: 'GET', path: '/app/downloads/{proxy+}', handler: 'page-downloads', auth: 'public', allow: 'public' },
  // The imports' pages (and above, their files): Lambdas of their own, the import's readers and rules and the
  // workbook writer being too heavy for admin-pages and page-downloads (docs/ARCHITECTURE.md, the pages). Before
  // the wider proxy routes: API Gateway picks the most specific, the local server the first match.
  { method: 'GET', path: '/app/admin/imports', handler: 'import-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/imports', handler: 'import-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin/imports/{proxy+}', handler: 'import-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/imports/{proxy+}', handler: 'import-pages', auth: 'public', allow: 'public' },
  // The registry pages' own Lambda: more specific than `/app/admin/{proxy+}`, so these win (literal entries: a
  // call here would keep this table in every page bundle, which otherwise drops it).
  { method: 'GET', path: '/app/admin/communities', handler: 'registry-pages', auth: 'public', allow: 'public' },
  {
    method: 'GET',
    path: '/app/admin/communities/{proxy+}',
    handler: 'registry-pages',
    auth: 'public',
    allow: 'public',
  },
  { method: 'POST', path: '/app/admin/communities', handler: 'registry-pages', auth: 'public', allow: 'public' },
  {
    method: 'POST',
    path: '/app/admin/communities/{proxy+}',
    handler: 'registry-pages',
    auth: 'public',
    allow: 'public',
  },
  { method: 'GET', path: '/app/admin/units', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin/units/{proxy+}', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/units', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/units/{proxy+}', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin/cadres', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin/cadres/{proxy+}', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/cadres', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/cadres/{proxy+}', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin/households', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin/households/{proxy+}', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/households', handler: 'registry-pages', auth: 'public', allow: 'public' },
  {
    method: 'POST',
    path: '/app/admin/households/{proxy+}',
    handler: 'registry-pages',
    auth: 'public',
    allow: 'public',
  },
  { method: 'GET', path: '/app/admin/calendar', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/calendar', handler: 'registry-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin', handler: 'admin-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/admin/{proxy+}', handler: 'admin-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/admin/{proxy+}', handler: 'admin-pages', auth: 'public', allow: 'public' },
  // The verification pages' own Lambda: more specific than `/app/{proxy+}`, so these win (literal, as above).
  { method: 'GET', path: '/app/verifications', handler: 'verification-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/verifications', handler: 'verification-pages', auth: 'public', allow: 'public' },
  {
    method: 'GET',
    path: '/app/verifications/{proxy+}',
    handler: 'verification-pages',
    auth: 'public',
    allow: 'public',
  },
  {
    method: 'POST',
    path: '/app/verifications/{proxy+}',
    handler: 'verification-pages',
    auth: 'public',
    allow: 'public',
  },
  // The field evidence's own Lambda (receipts, outcomes, visits, photos): more specific than the household pages'
  // proxies below, so these win on API Gateway; before them, as the local server takes the first match.
  { method: 'GET', path: '/app/aid/{id}/receipt', handler: 'evidence-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/aid/{id}/receipt', handler: 'evidence-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/aid/{id}/receipt/image', handler: 'evidence-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/aid/{id}/photos/{n}', handler: 'evidence-pages', auth: 'public', allow: 'public' },
  {
    method: 'GET',
    path: '/app/households/{id}/outcomes/new',
    handler: 'evidence-pages',
    auth: 'public',
    allow: 'public',
  },
  { method: 'POST', path: '/app/households/{id}/outcomes', handler: 'evidence-pages', auth: 'public', allow: 'public' },
  {
    method: 'GET',
    path: '/app/households/{id}/visits/{proxy+}',
    handler: 'evidence-pages',
    auth: 'public',
    allow: 'public',
  },
  { method: 'POST', path: '/app/households/{id}/visits', handler: 'evidence-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/households/{id}/uploads', handler: 'evidence-pages', auth: 'public', allow: 'public' },
  // The cadre's field pages (a household's page, its aid form, corrections, receipts, outcomes, visits and their
  // photos): a Lambda of their own, the phone pages being too heavy to share one with the sign-in and reports.
  {
    method: 'GET',
    path: '/app/households/{proxy+}',
    handler: 'household-pages',
    auth: 'public',
    allow: 'public',
  },
  {
    method: 'POST',
    path: '/app/households/{proxy+}',
    handler: 'household-pages',
    auth: 'public',
    allow: 'public',
  },
  { method: 'GET', path: '/app/aid/{proxy+}', handler: 'household-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/aid/{proxy+}', handler: 'household-pages', auth: 'public', allow: 'public' },
  // The auditor's report pages: a Lambda of their own (literal rows, as above).
  { method: 'GET', path: '/app/reports/{proxy+}', handler: 'report-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/exports', handler: 'report-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/exports', handler: 'report-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/exports/{proxy+}', handler: 'report-pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app', handler: 'pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/app/{proxy+}', handler: 'pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/app/{proxy+}', handler: 'pages', auth: 'public', allow: 'public' },
  { method: 'GET', path: '/public/{proxy+}', handler: 'public-pages', auth: 'public', allow: 'public' },
  { method: 'POST', path: '/public/{proxy+}', handler: 'public-pages', auth: 'public', allow: 'public' },
] as const satisfies readonly RouteDef[];

/** The handler file of a route. */
export type RouteHandler = (typeof ROUTES)[number]['handler'];

/**
 * The pages, each with the same `allow` column as the API routes. API Gateway passes them through the proxy routes
 * above (a browser sends its token in a cookie, so the authorizer cannot see it); `servePages` finds the page here
 * and checks its roles with the same `requireRole` before the page runs: a signed-out caller of a page that is not
 * public is sent to sign in, a role the page's `allow` does not name gets 403 `auth.role`. Scopes narrower than
 * `any` are the domain's to check, as for the API. `{…}` segments are ids (`[\w-]{1,128}`).
 */
export type PageLambda =
  | 'pages'
  | 'household-pages'
  | 'evidence-pages'
  | 'report-pages'
  | 'page-downloads'
  | 'admin-pages'
  | 'registry-pages'
  | 'verification-pages'
  | 'import-pages'
  | 'import-downloads'
  | 'public-pages';

export interface PageRouteDef<H extends PageLambda = PageLambda> {
  method: 'GET' | 'POST';
  path: string;
  handler: H;
  allow: RouteDef['allow'];
}

const SIGNED_IN = { admin: 'any', cadre: 'any', communityCadre: 'any', auditor: 'any' } as const;
const READERS = { admin: 'any', auditor: 'any' } as const;
/** Who may see a household (each scope checked by the domain), who may add its receipts, who its visits. */
const HOUSEHOLD_READERS = { ...READERS, cadre: 'paired-cadre', communityCadre: 'own-community' } as const;
const FIELD_WRITERS = { cadre: 'paired-cadre', communityCadre: 'own-community' } as const;
const PAIRED = { cadre: 'paired-cadre' } as const;

/*
 * The page table, one list per page Lambda: each Lambda's kit reads its own list (`pageServer`), so its bundle
 * carries its own rows only, not every page's (literal rows, no spreads or calls: those esbuild cannot drop).
 */
export const APP_PAGE_ROUTES = [
  { method: 'GET', path: '/app', handler: 'pages', allow: SIGNED_IN },
  { method: 'GET', path: '/app/sign-in', handler: 'pages', allow: 'public' },
  { method: 'GET', path: '/app/dev-login', handler: 'pages', allow: 'public' },
  { method: 'POST', path: '/app/dev-login', handler: 'pages', allow: 'public' },
  { method: 'GET', path: '/app/callback', handler: 'pages', allow: 'public' },
  { method: 'GET', path: '/app/sign-out', handler: 'pages', allow: 'public' },
  { method: 'POST', path: '/app/sign-out', handler: 'pages', allow: 'public' },
] as const satisfies readonly PageRouteDef<'pages'>[];

/** The auditor's report pages (`functions/report-pages.ts`): admins and auditors. */
export const REPORT_PAGE_ROUTES = [
  { method: 'GET', path: '/app/reports/floor', handler: 'report-pages', allow: READERS },
  { method: 'GET', path: '/app/reports/units', handler: 'report-pages', allow: READERS },
  { method: 'GET', path: '/app/reports/summary', handler: 'report-pages', allow: READERS },
  { method: 'GET', path: '/app/reports/verifications', handler: 'report-pages', allow: READERS },
  { method: 'GET', path: '/app/reports/audit', handler: 'report-pages', allow: READERS },
  // Export jobs from the report pages: the download forms start one, its page shows progress and the link.
  { method: 'POST', path: '/app/exports', handler: 'report-pages', allow: READERS },
  { method: 'GET', path: '/app/exports', handler: 'report-pages', allow: READERS },
  { method: 'GET', path: '/app/exports/{id}', handler: 'report-pages', allow: READERS },
] as const satisfies readonly PageRouteDef<'report-pages'>[];

export const HOUSEHOLD_PAGE_ROUTES = [
  {
    method: 'GET',
    path: '/app/households/{id}',
    handler: 'household-pages',
    allow: { admin: 'any', auditor: 'any', cadre: 'paired-cadre', communityCadre: 'own-community' },
  },
  { method: 'GET', path: '/app/households/{id}/aid/new', handler: 'household-pages', allow: { cadre: 'paired-cadre' } },
  { method: 'POST', path: '/app/households/{id}/aid', handler: 'household-pages', allow: { cadre: 'paired-cadre' } },
  {
    method: 'POST',
    path: '/app/aid/{id}/reverse',
    handler: 'household-pages',
    allow: { admin: 'any', cadre: 'recording-cadre' },
  },
  {
    method: 'GET',
    path: '/app/aid/{id}/correction',
    handler: 'household-pages',
    allow: { admin: 'any', cadre: 'recording-cadre' },
  },
  {
    method: 'POST',
    path: '/app/aid/{id}/correction',
    handler: 'household-pages',
    allow: { admin: 'any', cadre: 'recording-cadre' },
  },
] as const satisfies readonly PageRouteDef<'household-pages'>[];

/**
 * The field evidence (issue 13): receipts, outcomes, visits and their photos, `functions/evidence-pages.ts`; the
 * household's page that lists them is `household-pages`. The domain checks each scope.
 */
export const EVIDENCE_PAGE_ROUTES = [
  { method: 'GET', path: '/app/aid/{id}/receipt', handler: 'evidence-pages', allow: HOUSEHOLD_READERS },
  { method: 'POST', path: '/app/aid/{id}/receipt', handler: 'evidence-pages', allow: FIELD_WRITERS },
  { method: 'GET', path: '/app/aid/{id}/receipt/image', handler: 'evidence-pages', allow: HOUSEHOLD_READERS },
  { method: 'GET', path: '/app/aid/{id}/photos/{n}', handler: 'evidence-pages', allow: HOUSEHOLD_READERS },
  { method: 'GET', path: '/app/households/{id}/outcomes/new', handler: 'evidence-pages', allow: PAIRED },
  { method: 'POST', path: '/app/households/{id}/outcomes', handler: 'evidence-pages', allow: PAIRED },
  { method: 'GET', path: '/app/households/{id}/visits/new', handler: 'evidence-pages', allow: PAIRED },
  { method: 'POST', path: '/app/households/{id}/visits', handler: 'evidence-pages', allow: PAIRED },
  {
    method: 'GET',
    path: '/app/households/{id}/visits/{visitId}/photos/{n}',
    handler: 'evidence-pages',
    allow: HOUSEHOLD_READERS,
  },
  { method: 'POST', path: '/app/households/{id}/uploads', handler: 'evidence-pages', allow: FIELD_WRITERS },
] as const satisfies readonly PageRouteDef<'evidence-pages'>[];

export const VERIFICATION_PAGE_ROUTES = [
  { method: 'GET', path: '/app/verifications', handler: 'verification-pages', allow: READERS },
  { method: 'POST', path: '/app/verifications', handler: 'verification-pages', allow: { admin: 'any' } },
  {
    method: 'GET',
    path: '/app/verifications/{id}',
    handler: 'verification-pages',
    allow: { ...READERS, communityCadre: 'own-community' },
  },
  {
    method: 'GET',
    path: '/app/verifications/{id}/signature',
    handler: 'verification-pages',
    allow: { ...READERS, communityCadre: 'own-community' },
  },
  {
    method: 'POST',
    path: '/app/verifications/{id}/decision',
    handler: 'verification-pages',
    allow: { communityCadre: 'own-community' },
  },
  { method: 'POST', path: '/app/verifications/{id}/reopen', handler: 'verification-pages', allow: { admin: 'any' } },
] as const satisfies readonly PageRouteDef<'verification-pages'>[];

export const DOWNLOAD_PAGE_ROUTES = [
  { method: 'GET', path: '/app/downloads/floor.{format}', handler: 'page-downloads', allow: READERS },
] as const satisfies readonly PageRouteDef<'page-downloads'>[];

export const ADMIN_PAGE_ROUTES = [
  { method: 'GET', path: '/app/admin', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/objections', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/objections/{id}/resolution', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/users', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/users', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/users/{id}/disable', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/users/{id}/enable', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/users/{id}/resend', handler: 'admin-pages', allow: { admin: 'any' } },
  // Pairings and imports (issue #12, items 3 and 4).
  { method: 'GET', path: '/app/admin/pairings', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/pairings', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/pairings/reassignment', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/pairings/end', handler: 'admin-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/pairings/carry-over', handler: 'admin-pages', allow: { admin: 'any' } },
] as const satisfies readonly PageRouteDef<'admin-pages'>[];

export const IMPORT_PAGE_ROUTES = [
  { method: 'GET', path: '/app/admin/imports', handler: 'import-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/imports/uploads', handler: 'import-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/imports', handler: 'import-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/imports/{id}', handler: 'import-pages', allow: { admin: 'any' } },
] as const satisfies readonly PageRouteDef<'import-pages'>[];

export const IMPORT_DOWNLOAD_ROUTES = [
  {
    method: 'GET',
    path: '/app/downloads/imports/templates/{kind}.{format}',
    handler: 'import-downloads',
    allow: { admin: 'any' },
  },
  {
    method: 'GET',
    path: '/app/downloads/imports/{id}/errors.{format}',
    handler: 'import-downloads',
    allow: { admin: 'any' },
  },
] as const satisfies readonly PageRouteDef<'import-downloads'>[];

/**
 * The registry pages, five of each kind (`functions/registry-pages/`): `GET/POST /app/admin/<kind>` (list,
 * register), `GET/POST /app/admin/<kind>/{id}` (edit page, save), `POST /app/admin/<kind>/{id}/active`
 * (deactivate, re-activate); a household's ID-number correction; the working-day calendar. The admin's only.
 */
export const REGISTRY_PAGE_ROUTES = [
  { method: 'GET', path: '/app/admin/communities', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/communities', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/communities/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/communities/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/communities/{id}/active', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/units', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/units', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/units/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/units/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/units/{id}/active', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/cadres', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/cadres', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/cadres/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/cadres/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/cadres/{id}/active', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/households', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/households', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/households/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/households/{id}', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/households/{id}/active', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/households/{id}/id-number', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'GET', path: '/app/admin/calendar', handler: 'registry-pages', allow: { admin: 'any' } },
  { method: 'POST', path: '/app/admin/calendar', handler: 'registry-pages', allow: { admin: 'any' } },
] as const satisfies readonly PageRouteDef<'registry-pages'>[];

export const PUBLIC_PAGE_ROUTES = [
  { method: 'GET', path: '/public/notices', handler: 'public-pages', allow: 'public' },
  { method: 'GET', path: '/public/notices/{id}', handler: 'public-pages', allow: 'public' },
  { method: 'POST', path: '/public/notices/{id}/objections', handler: 'public-pages', allow: 'public' },
  { method: 'GET', path: '/public/objections/status', handler: 'public-pages', allow: 'public' },
] as const satisfies readonly PageRouteDef<'public-pages'>[];

/** Every page, whichever Lambda serves it. */
export type PageRoute =
  | (typeof APP_PAGE_ROUTES)[number]
  | (typeof REPORT_PAGE_ROUTES)[number]
  | (typeof HOUSEHOLD_PAGE_ROUTES)[number]
  | (typeof EVIDENCE_PAGE_ROUTES)[number]
  | (typeof VERIFICATION_PAGE_ROUTES)[number]
  | (typeof DOWNLOAD_PAGE_ROUTES)[number]
  | (typeof ADMIN_PAGE_ROUTES)[number]
  | (typeof IMPORT_PAGE_ROUTES)[number]
  | (typeof IMPORT_DOWNLOAD_ROUTES)[number]
  | (typeof REGISTRY_PAGE_ROUTES)[number]
  | (typeof PUBLIC_PAGE_ROUTES)[number];

/**
 * The whole table (the tests, the local server and the stack read it). A page Lambda's bundle carries only its own
 * rows: it imports its own list, and this concatenation is marked pure so esbuild drops it (and the other lists).
 */
export const PAGE_ROUTES: readonly PageRoute[] = /* @__PURE__ */ concatRoutes(
  APP_PAGE_ROUTES,
  REPORT_PAGE_ROUTES,
  HOUSEHOLD_PAGE_ROUTES,
  EVIDENCE_PAGE_ROUTES,
  VERIFICATION_PAGE_ROUTES,
  DOWNLOAD_PAGE_ROUTES,
  ADMIN_PAGE_ROUTES,
  IMPORT_PAGE_ROUTES,
  IMPORT_DOWNLOAD_ROUTES,
  REGISTRY_PAGE_ROUTES,
  PUBLIC_PAGE_ROUTES,
);

function concatRoutes(...lists: readonly (readonly PageRoute[])[]): readonly PageRoute[] {
  return lists.flat();
}

/** A page's key (`GET /app/households/{id}`), by the Lambda that serves it. */
export type PageKey<H extends PageRouteDef['handler']> =
  Extract<PageRoute, { handler: H }> extends infer R
    ? R extends { method: infer M extends string; path: infer P extends string }
      ? `${M} ${P}`
      : never
    : never;

/** The Lambdas that serve pages: signed in by cookie, public to API Gateway, checked by the page kit. */
export const PAGE_LAMBDAS: ReadonlySet<string> = /* @__PURE__ */ handlersOf(PAGE_ROUTES);

// A call of our own, marked pure above: a pure `new Set(…)` would still evaluate its argument's `.map`, which
// esbuild must then keep, and with it every page's row.
function handlersOf(routes: readonly PageRoute[]): ReadonlySet<string> {
  return new Set(routes.map((r) => r.handler));
}
