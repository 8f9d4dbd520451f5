import { jwtVerify, SignJWT } from 'jose';
import * as z from 'zod';
import { Role } from '#shared/caller.ts';

/**
 * Local sign-in only: tokens shaped like Cognito ID tokens (`sub`, `cognito:groups`, `custom:*`), signed with
 * a key kept in the data directory. Never deployed: on AWS, Cognito issues tokens and API Gateway checks them.
 */
const ISSUER = 'linkage-aid-local';
const AUDIENCE = 'linkage-aid';

export const DevTokenRequest = z.strictObject({
  sub: z.string().trim().min(1, 'sub 不能为空').max(128),
  groups: z.array(Role).max(4),
  cadreId: z.string().min(1).max(64).optional(),
  communityId: z.string().min(1).max(64).optional(),
  unitId: z.string().min(1).max(64).optional(),
});
export type DevTokenRequest = z.infer<typeof DevTokenRequest>;

/**
 * Signs a 12-hour token for a local user. A user of the account list also gets `cognito:username`, as Cognito's
 * ID tokens carry it, so the local session can check at every page that the account is not disabled.
 */
export async function signDevToken(key: Uint8Array, req: DevTokenRequest, username?: string): Promise<string> {
  const claims: Record<string, unknown> = { 'cognito:groups': req.groups, token_use: 'id' };
  if (username) claims['cognito:username'] = username;
  if (req.cadreId) claims['custom:cadreId'] = req.cadreId;
  if (req.communityId) claims['custom:communityId'] = req.communityId;
  if (req.unitId) claims['custom:unitId'] = req.unitId;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(req.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('12h')
    .sign(key);
}

/**
 * Verifies a token and returns its claims, or undefined for anything invalid or expired. A token must say when
 * it expires (`exp`): one without would be valid for ever, and this server never issues one.
 */
export async function verifyDevToken(key: Uint8Array, token: string): Promise<Record<string, unknown> | undefined> {
  try {
    const { payload } = await jwtVerify(token, key, {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
      requiredClaims: ['exp', 'sub'],
    });
    return payload as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * The claims as API Gateway's JWT authorizer hands them to a Lambda: every value a string, arrays flattened
 * to `[a b]`. The local server passes them in that form so handlers meet exactly what they meet on AWS.
 */
export function toApiGatewayClaims(payload: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload)) {
    out[k] = Array.isArray(v) ? `[${v.join(' ')}]` : String(v);
  }
  return out;
}
