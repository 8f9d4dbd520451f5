/**
 * Domain errors carry a stable dotted code (part of the API contract) and a kind. The kind, not the class
 * name, decides the HTTP status, and that mapping lives in one place: `functions/lib/http.ts`.
 * Messages are Chinese because they are shown to cadres next to the field they concern.
 */
export type ErrorKind =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'rate_limited';

/** One problem with one field of the input; `path` is dotted (`items.0.quantity`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An error the caller can act on. Anything that is not an AppError is a defect and becomes a 500. */
export class AppError extends Error {
  readonly code: string;
  readonly kind: ErrorKind;
  readonly issues: FieldIssue[] | undefined;

  constructor(kind: ErrorKind, code: string, message: string, issues?: FieldIssue[]) {
    super(message);
    this.name = 'AppError';
    this.kind = kind;
    this.code = code;
    this.issues = issues;
  }
}

/** Bad input: a field is missing, malformed or breaks a rule. */
export const invalid = (code: string, message: string, issues?: FieldIssue[]) =>
  new AppError('invalid', code, message, issues);
/** The caller is not allowed to do this to this entity. */
export const forbidden = (code: string, message: string) => new AppError('forbidden', code, message);
/** The entity named in the request does not exist. */
export const notFound = (code: string, message: string) => new AppError('not_found', code, message);
/** The request clashes with what is already recorded (a duplicate, a second reversal, a locked year). */
export const conflict = (code: string, message: string) => new AppError('conflict', code, message);

/** Too many attempts from one client in a window; `retryAfterSeconds` says when the window ends (`Retry-After`). */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('rate_limited', 'rate.limited', '提交过于频繁，请稍后再试');
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
