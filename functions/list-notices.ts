import { listNotices } from '#shared/notice/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /notices: the public notice board. No login. */
export const handler = apiHandler({}, async () => ({ json: { notices: await listNotices(db) } }));
