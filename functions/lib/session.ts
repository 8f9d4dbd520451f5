import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type Caller, callerFromClaims } from '#shared/caller.ts';
import { getOptionalFromEnv, getStringFromEnv } from './env.ts';
import { type LocalSession, localPort, registerLocalPort } from './local-ports.ts';

/**
 * Sign-in for the pages. API routes sit behind API Gateway's JWT authorizer and read a bearer header; a browser
 * navigating pages sends a cookie instead, so the page Lambda verifies that cookie's token itself: with
 * aws-jwt-verify against the Cognito user pool on AWS, with the local stack's key here.
 */
export const TOKEN_COOKIE = 'la_token';
export const LANG_COOKIE = 'la_lang';

export type { LocalSession };

/** Registers the local session provider (local stack only). */
export function registerLocalSession(session: LocalSession | undefined): void {
  registerLocalPort('session', session);
}

/** The local session provider, when running locally. */
export function localSession(): LocalSession | undefined {
  return localPort('session');
}

let cognitoVerifier: Promise<{ verify(token: string): Promise<Record<string, unknown>> }> | undefined;
function cognito() {
  // The subpath, not the package's index: the index also brings the ALB verifier (~2.7 KB) no page needs.
  cognitoVerifier ??= import('aws-jwt-verify/cognito-verifier').then(({ CognitoJwtVerifier }) =>
    CognitoJwtVerifier.create({
      userPoolId: getStringFromEnv('USER_POOL_ID'),
      clientId: getStringFromEnv('USER_POOL_CLIENT_ID'),
      tokenUse: 'id',
    }),
  );
  return cognitoVerifier;
}

/** Parses a Cookie header (API Gateway v2 also passes them as `event.cookies`). */
export function parseCookies(cookies: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (cookies ?? []).flatMap((c) => c.split(';'))) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    try {
      out[part.slice(0, i).trim()] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      // A malformed cookie (`la_token=%ZZ`) is not ours to read: skipped, as if absent, never a 500.
    }
  }
  return out;
}

/** The signed-in caller of a page request, or undefined (no cookie, or a token that does not verify). */
export async function pageCaller(token: string | undefined): Promise<Caller | undefined> {
  if (!token) return undefined;
  try {
    const local = localSession();
    const claims = local ? await local.verify(token) : await (await cognito()).verify(token);
    return claims ? callerFromClaims(claims) : undefined;
  } catch {
    return undefined;
  }
}

/** A cookie carrying the token: HttpOnly, SameSite=Lax (a cross-site form post does not carry it), Secure on https. */
export function tokenCookie(token: string, secure: boolean, maxAgeSeconds = 8 * 3600): string {
  return `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
}

/**
 * Cross-site request forgery (issue #11). `SameSite=Lax` keeps the sign-in cookie off a cross-site form post in
 * today's browsers, but not in every browser, not from a sibling site (same-site is not same-origin), and not
 * for the public objection form, which needs no cookie at all. So every form post also carries a token in the
 * `_csrf` field, checked before any handler runs (`servePages`, functions/pages/kit.ts). The token is a hash of
 * a secret only this browser and this server know (OWASP's synchronizer token, stateless):
 *
 * - signed in, the secret is the session cookie itself: an attacker cannot read an HttpOnly cookie, so cannot
 *   compute its token, and a token from another session does not match this one. Nothing is stored, no key is
 *   needed (the pages Lambda has none it could use), and the token dies with the session;
 * - signed out (the public objection form, local sign-in), a random `la_csrf` cookie set when a form is shown
 *   (double-submit): HttpOnly, SameSite=Lax, and on https named `__Host-la_csrf`, which a browser accepts only
 *   with Secure, Path=/ and no Domain, so a sibling subdomain cannot plant one of its own choosing.
 *
 * The field holds the hash, not the secret, so a page that leaks (a cache, a screenshot) gives away neither the
 * session nor the cookie.
 */
export const CSRF_FIELD = '_csrf';
const CSRF_COOKIE = 'la_csrf';
const CSRF_SECRET = /^[\w-]{43}$/;

/** The name of the signed-out forms' cookie: `__Host-` prefixed on https (a browser refuses the prefix on http). */
export const csrfCookieName = (secure: boolean) => (secure ? `__Host-${CSRF_COOKIE}` : CSRF_COOKIE);

/** The signed-out forms' secret from the request's cookies, when it has a well-formed one. */
export function csrfCookieSecret(cookies: Record<string, string>, secure: boolean): string | undefined {
  const value = cookies[csrfCookieName(secure)];
  return value && CSRF_SECRET.test(value) ? value : undefined;
}

/** A new secret for the signed-out forms and the cookie that carries it (a browser session's life). */
export function newCsrfCookie(secure: boolean): { secret: string; cookie: string } {
  const secret = randomBytes(32).toString('base64url');
  return {
    secret,
    cookie: `${csrfCookieName(secure)}=${secret}; Path=/; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`,
  };
}

/** The form token for a secret (the session cookie's value, or the signed-out cookie's). */
export const csrfToken = (secret: string) => createHash('sha256').update(`csrf\n${secret}`).digest('base64url');

/** Whether a posted token is the one for this secret; in constant time. */
export function csrfTokenMatches(secret: string | undefined, posted: string | null): boolean {
  if (!secret || !posted) return false;
  const expected = Buffer.from(csrfToken(secret));
  const given = Buffer.from(posted);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Cognito's hosted sign-in, when deployed (COGNITO_DOMAIN, USER_POOL_CLIENT_ID). */
export function hostedSignInUrl(redirectUri: string): string | undefined {
  const domain = getOptionalFromEnv('COGNITO_DOMAIN');
  const clientId = getOptionalFromEnv('USER_POOL_CLIENT_ID');
  if (!domain || !clientId) return undefined;
  const q = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: redirectUri,
  });
  return `${domain}/oauth2/authorize?${q}`;
}

/** Exchanges the hosted sign-in's code for an ID token (authorization code grant, public client). */
export async function exchangeCode(code: string, redirectUri: string): Promise<string | undefined> {
  const domain = getOptionalFromEnv('COGNITO_DOMAIN');
  const clientId = getOptionalFromEnv('USER_POOL_CLIENT_ID');
  // No hosted sign-in (the local stack) or no code (a bare visit): nothing to exchange, and no call made.
  if (!domain || !clientId || !code) return undefined;
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    client_id: clientId,
    code,
    redirect_uri: redirectUri,
  });
  const res = await fetch(`${domain}/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (!res.ok) return undefined;
  return ((await res.json()) as { id_token?: string }).id_token;
}
