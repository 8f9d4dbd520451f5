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
  | 'request_timeout'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'headers_too_large'
  | 'rate_limited'
  | 'internal';

/**
 * Every error code the API, the pages and the local server answer with: its kind (which alone decides the HTTP
 * status, in `functions/lib/http.ts`) and what it means. A code not listed here does not compile; the README's
 * table of error codes is checked against this list by a test.
 */
export const ERROR_CODES = {
  // The request itself
  'request.invalid': ['invalid', 'the body, query or path does not match the schema; `issues` names the fields'],
  'request.body_required': ['invalid', 'the route needs a body and got none'],
  'request.malformed_json': ['invalid', 'the body is not JSON'],
  'request.malformed_csv': ['invalid', 'the body is not CSV'],
  'request.too_deep': ['invalid', 'the JSON nests deeper than any valid body'],
  'request.invalid_path': ['invalid', 'the path has malformed percent-encoding or a control character'],
  'request.malformed': ['invalid', 'the request is not well-formed HTTP'],
  'request.content_type': ['unsupported_media_type', 'the body is not of a type the route accepts (JSON, CSV)'],
  'request.too_large': ['too_large', 'the body is over the size limit'],
  'request.headers_too_large': ['headers_too_large', 'the request headers are over the size limit'],
  'request.timeout': ['request_timeout', 'the request did not arrive in time'],
  'route.not_found': ['not_found', 'no route or page at this method and path'],
  'rate.limited': ['rate_limited', 'too many attempts from one client in the window (`Retry-After` says when)'],
  internal: ['internal', 'a defect, logged with the request id; nothing the caller can fix'],
  // Sign-in and authorization
  'auth.required': ['unauthenticated', 'no valid sign-in'],
  'auth.invalid_token': ['unauthenticated', 'the token is invalid, expired or has no expiry'],
  'auth.sign_in_failed': ['unauthenticated', 'the hosted sign-in did not complete'],
  'auth.role': ['forbidden', 'the caller’s role may not use this route'],
  'auth.route': ['forbidden', 'the route is not open to callers (internal)'],
  'auth.local_only': ['forbidden', 'local sign-in answers only requests addressed to this machine'],
  'auth.csrf': ['forbidden', 'a cookie-authenticated form was posted without its session token or from another site'],
  'auth.local_sign_in_off': ['not_found', 'local sign-in is switched off'],
  'auth.unconfigured': ['not_found', 'no sign-in service is configured'],
  // The ledger
  'aid.idempotency_key': ['invalid', 'the Idempotency-Key header is missing or malformed'],
  'aid.idempotency_mismatch': ['conflict', 'the Idempotency-Key was used for a different entry'],
  'aid.not_cadre': ['forbidden', 'only a cadre records aid'],
  'aid.not_paired': ['forbidden', 'the cadre is not paired with the household in the entry’s year'],
  'aid.date_future': ['invalid', 'the aid date is after today (Beijing time)'],
  'aid.not_found': ['not_found', 'no such ledger entry'],
  'aid.not_recorder': ['forbidden', 'only the recording cadre or an admin may reverse an entry'],
  'aid.reversal_of_reversal': ['conflict', 'a reversal cannot be reversed'],
  'aid.already_reversed': ['conflict', 'the entry was reversed already'],
  'ledger.locked': ['conflict', 'the household-year is confirmed and locked until an admin reopens it'],
  'ledger.under_verification': ['conflict', 'a verification round holds the household-year: wait, or have it returned'],
  'receipt.not_allowed': ['forbidden', 'only the recording cadre or the community’s cadres record a receipt'],
  'receipt.for_reversal': ['conflict', 'a reversal takes no receipt'],
  'receipt.exists': ['conflict', 'the entry has its receipt already'],
  'outcome.not_cadre': ['forbidden', 'only a cadre records an outcome'],
  'outcome.not_paired': ['forbidden', 'the cadre is not paired with the household in the outcome’s year'],
  'outcome.date_future': ['invalid', 'the outcome date is after today (Beijing time)'],
  'fund.invalid_entries': ['invalid', 'rows of a fund-ledger import are invalid; nothing was imported'],
  // The registry
  'community.not_found': ['not_found', 'no such community'],
  'unit.not_found': ['not_found', 'no such work unit'],
  'cadre.not_found': ['not_found', 'no such cadre'],
  'cadre.unit_unknown': ['invalid', 'the cadre’s unit does not exist'],
  'household.not_found': ['not_found', 'no such household'],
  'household.not_yours': ['forbidden', 'the caller may not see this household'],
  'household.id_format': ['invalid', 'the resident ID number is not 18 characters of the right form'],
  'household.id_region': ['invalid', 'the resident ID number’s region code is unknown'],
  'household.id_birth_date': ['invalid', 'the resident ID number’s birth date is not a real past date'],
  'household.id_checksum': ['invalid', 'the resident ID number’s check character is wrong'],
  'household.id_registered': ['conflict', 'a household with this resident ID number is registered already'],
  'pairing.year_future': ['invalid', 'pairings are made for this year or the next only'],
  'pairing.household_unknown': ['invalid', 'the household to pair does not exist'],
  'pairing.exists': ['conflict', 'the household is paired with another cadre that year'],
  // Verification and publication
  'verification.not_found': ['not_found', 'no such verification round'],
  'verification.not_yours': ['forbidden', 'the caller may not see this round'],
  'verification.not_your_community': ['forbidden', 'only the community’s own cadre decides its round'],
  'verification.no_households': ['invalid', 'the community has no paired households that year'],
  'verification.final': ['conflict', 'the community-year is final: reopen it first'],
  'verification.not_final': ['conflict', 'only a final round can be reopened'],
  'verification.not_awaiting': ['conflict', 'the round is not awaiting a decision'],
  'verification.decided': ['conflict', 'the round has its decision already'],
  'verification.expired': ['conflict', 'the round expired before the decision; start a new round'],
  'verification.failed': ['conflict', 'the round failed; start a new round'],
  'verification.stale': ['conflict', 'the confirmation names another digest, or the ledger changed since the snapshot'],
  'verification.problems_unacknowledged': [
    'invalid',
    'households below the floor or failing a check need `acknowledgeProblems: true`',
  ],
  'verification.unknown_households': ['invalid', 'households sent back are not in the round'],
  'verification.not_confirmed': ['conflict', 'the round has no confirmation to check'],
  'signature.not_found': ['not_found', 'the round has no stored signature image'],
  'signature.mismatch': ['conflict', 'the stored signature image does not match its recorded hash'],
  'notice.not_found': ['not_found', 'no such notice'],
  'notice.entry_unknown': ['invalid', 'the notice has no such entry'],
  'notice.closed': ['conflict', 'the objection window has closed'],
  'objection.not_found': ['not_found', 'no such objection'],
  'objection.resolved': ['conflict', 'the objection was resolved already'],
  // Reports, the audit trail and uploads
  'report.too_large': ['too_large', 'the report is over the 6 MB an answer may carry: narrow it'],
  'audit.range': ['invalid', 'the audit range is malformed or backwards'],
  'audit.range_required': ['invalid', 'the audit listing needs an entity or a time range'],
  'audit.range_too_long': ['invalid', 'the audit range is longer than 31 days'],
  'upload.denied': ['forbidden', 'the upload URL is invalid or expired (local object store)'],
  'execution.not_found': ['not_found', 'the local runner has no such execution in this process (local only)'],
} as const satisfies Record<string, readonly [ErrorKind, string]>;

/** A stable error code of the API's contract. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one kind, so a helper cannot throw a code under another kind's status. */
export type CodeOf<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C][0] extends K ? C : never;
}[ErrorCode];

/** One problem with one field of the input; `path` is dotted (`items.0.quantity`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An error the caller can act on. Anything that is not an AppError is a defect and becomes a 500. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly issues: FieldIssue[] | undefined;

  constructor(code: ErrorCode, message: string, issues?: FieldIssue[]) {
    super(message);
    this.name = 'AppError';
    this.kind = ERROR_CODES[code][0];
    this.code = code;
    this.issues = issues;
  }
}

/** Bad input: a field is missing, malformed or breaks a rule. */
export const invalid = (code: CodeOf<'invalid'>, message: string, issues?: FieldIssue[]) =>
  new AppError(code, message, issues);
/** The caller is not allowed to do this to this entity. */
export const forbidden = (code: CodeOf<'forbidden'>, message: string) => new AppError(code, message);
/** The entity named in the request does not exist. */
export const notFound = (code: CodeOf<'not_found'>, message: string) => new AppError(code, message);
/** The request clashes with what is already recorded (a duplicate, a second reversal, a locked year). */
export const conflict = (code: CodeOf<'conflict'>, message: string) => new AppError(code, message);

/** Too many attempts from one client in a window; `retryAfterSeconds` says when the window ends (`Retry-After`). */
export class RateLimitedError extends AppError {
  readonly retryAfterSeconds: number;

  constructor(retryAfterSeconds: number) {
    super('rate.limited', '提交过于频繁，请稍后再试');
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
