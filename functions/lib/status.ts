import { ERROR_CODES, type ErrorCode, type ErrorKind } from '#shared/errors.ts';

/** The one mapping from error kinds to HTTP statuses. */
export const STATUS_OF: Record<ErrorKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  request_timeout: 408,
  too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  headers_too_large: 431,
  internal: 500,
};

/** The HTTP status of an error code: its kind's, from the one catalogue (`ERROR_CODES`). */
export function statusOf(code: ErrorCode): number {
  return STATUS_OF[ERROR_CODES[code]];
}
