import * as z from 'zod';

/**
 * The page size of every listing (registry, pairings, objections, accounts): 1–200. Coerced, so the query
 * string's text and an already-parsed number both pass (the command parses again what the edge parsed).
 */
export const PageLimit = z.coerce
  .number({ error: 'limit 应为 1–200' })
  .int('limit 应为 1–200')
  .min(1, 'limit 应为 1–200')
  .max(200, 'limit 应为 1–200');
