import * as z from 'zod';
import { AppError, forbidden } from './errors.ts';

/** The roles of the campaign (Cognito groups). The public has no role and no login. */
export const Role = z.enum(['admin', 'cadre', 'communityCadre', 'auditor']);
export type Role = z.infer<typeof Role>;

/** Who is calling, as read from verified JWT claims. Scope ids are present only for the roles that use them. */
export interface Caller {
  sub: string;
  /** The directory's username (`cognito:username`), when the token carries one (Cognito's and invited local users'). */
  username?: string | undefined;
  roles: ReadonlySet<Role>;
  cadreId?: string | undefined;
  communityId?: string | undefined;
  unitId?: string | undefined;
}

/**
 * API Gateway's JWT authorizer flattens array claims into a string such as `[admin cadre]`; a locally
 * verified token keeps the array. Both, and a comma or space separated string, are read the same way.
 */
function readGroups(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value !== 'string') return [];
  const text = value.trim();
  if (text.startsWith('[') && text.includes('"')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (Array.isArray(parsed)) return parsed.map(String);
    } catch {
      // not JSON: fall through to the bracketed list form
    }
  }
  return text
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

const optionalClaim = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** Builds the caller from the claims of a verified token; unknown groups are ignored. */
export function callerFromClaims(claims: Record<string, unknown> | undefined): Caller {
  const sub = optionalClaim(claims?.sub);
  if (!claims || !sub) throw new AppError('auth.required', '请先登录');
  const roles = new Set<Role>();
  for (const g of readGroups(claims['cognito:groups'])) {
    const r = Role.safeParse(g);
    if (r.success) roles.add(r.data);
  }
  return {
    sub,
    username: optionalClaim(claims['cognito:username']),
    roles,
    cadreId: optionalClaim(claims['custom:cadreId']),
    communityId: optionalClaim(claims['custom:communityId']),
    unitId: optionalClaim(claims['custom:unitId']),
  };
}

/** True when the caller holds any of the roles. */
export function hasRole(caller: Caller, ...roles: Role[]): boolean {
  return roles.some((r) => caller.roles.has(r));
}

/** Refuses the request unless the caller holds one of the roles. */
export function requireRole(caller: Caller, ...roles: Role[]): void {
  if (!hasRole(caller, ...roles)) throw forbidden('auth.role', '您的角色无权执行此操作');
}
