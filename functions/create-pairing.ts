import { createPairing, NewPairing } from '#shared/pairing/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** POST /pairings: an admin pairs a cadre with a household for a year; repeating it is harmless. */
export const handler = apiHandler({ body: NewPairing }, async ({ body, now }) => {
  const { pairing, created } = await createPairing(db, body, now);
  return { status: created ? 201 : 200, json: pairing };
});
