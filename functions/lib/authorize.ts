import { type Caller, type Role, requireRole } from '#shared/caller.ts';
import type { RouteDef } from '../routes.ts';

/**
 * The one role check of every door, API routes and pages alike: a route's `allow` (functions/routes.ts) against
 * the caller. A public route lets anyone through; any other refuses a role it does not name (403 `auth.role`).
 * Scopes narrower than `any` need the data, so the domain checks them.
 */
export function authorizeRoles(allow: RouteDef['allow'], caller: Caller): void {
  if (allow === 'public') return;
  requireRole(caller, ...(Object.keys(allow) as Role[]));
}
