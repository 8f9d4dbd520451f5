import { apiHandler } from './lib/http.ts';

/** GET /health: liveness for load balancers and the local stack; no table access, so it is the bare baseline. */
export const handler = apiHandler({ access: 'public' }, async () => ({ json: { ok: true, service: 'linkage-aid' } }));
