import { apiHandler } from './lib/http.ts';

/** GET /health: liveness for load balancers and the local stack; no table access, so it is the bare baseline. */
export const handler = apiHandler({}, async () => ({ json: { ok: true, service: 'linkage-aid' } }));
