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
 * Every error code the API, the pages and the local server answer with, and its kind (which alone decides the
 * HTTP status, in `functions/lib/status.ts`). A code not listed here does not compile. What each means is in
 * `error-meanings.ts` (kept out of the functions' bundles); the README's table is checked against both.
 */
export const ERROR_CODES = {
  // The request itself
  'request.invalid': 'invalid',
  'request.body_required': 'invalid',
  'request.malformed_json': 'invalid',
  'request.malformed_csv': 'invalid',
  'request.too_deep': 'invalid',
  'request.invalid_path': 'invalid',
  'request.malformed': 'invalid',
  'request.content_type': 'unsupported_media_type',
  'request.too_large': 'too_large',
  'request.headers_too_large': 'headers_too_large',
  'request.timeout': 'request_timeout',
  'route.not_found': 'not_found',
  'rate.limited': 'rate_limited',
  internal: 'internal',
  // Sign-in and authorization
  'auth.required': 'unauthenticated',
  'auth.invalid_token': 'unauthenticated',
  'auth.sign_in_failed': 'unauthenticated',
  'auth.role': 'forbidden',
  'auth.route': 'forbidden',
  'auth.local_only': 'forbidden',
  'auth.csrf': 'forbidden',
  'auth.account_disabled': 'forbidden',
  'auth.local_sign_in_off': 'not_found',
  'auth.unconfigured': 'not_found',
  // The ledger
  'aid.idempotency_key': 'invalid',
  'aid.idempotency_mismatch': 'conflict',
  'aid.not_cadre': 'forbidden',
  'aid.not_paired': 'forbidden',
  'aid.date_future': 'invalid',
  'aid.not_found': 'not_found',
  'aid.not_recorder': 'forbidden',
  'aid.reversal_of_reversal': 'conflict',
  'aid.already_reversed': 'conflict',
  'ledger.locked': 'conflict',
  'ledger.under_verification': 'conflict',
  'receipt.not_allowed': 'forbidden',
  'receipt.for_reversal': 'conflict',
  'receipt.exists': 'conflict',
  'outcome.not_cadre': 'forbidden',
  'outcome.not_paired': 'forbidden',
  'outcome.date_future': 'invalid',
  'visit.not_cadre': 'forbidden',
  'visit.not_paired': 'forbidden',
  'visit.date_future': 'invalid',
  'visit.idempotency_key': 'invalid',
  'visit.idempotency_mismatch': 'conflict',
  'photo.not_own_upload': 'invalid',
  'photo.not_uploaded': 'invalid',
  'photo.not_image': 'invalid',
  'photo.not_found': 'not_found',
  'photo.mismatch': 'conflict',
  'fund.invalid_entries': 'invalid',
  // The registry
  'community.not_found': 'not_found',
  'unit.not_found': 'not_found',
  'cadre.not_found': 'not_found',
  'cadre.unit_unknown': 'invalid',
  'household.not_found': 'not_found',
  'household.not_yours': 'forbidden',
  'household.id_format': 'invalid',
  'household.id_region': 'invalid',
  'household.id_birth_date': 'invalid',
  'household.id_checksum': 'invalid',
  'household.id_registered': 'conflict',
  'community.name_taken': 'conflict',
  'community.inactive': 'invalid',
  'unit.name_taken': 'conflict',
  'unit.inactive': 'invalid',
  'cadre.code_taken': 'conflict',
  'cadre.unit_has_pairings': 'conflict',
  'household.reason_required': 'invalid',
  'household.move_has_entries': 'conflict',
  'registry.nothing_to_change': 'invalid',
  'pairing.year_future': 'invalid',
  'pairing.household_unknown': 'invalid',
  'pairing.exists': 'conflict',
  'pairing.not_found': 'not_found',
  'pairing.ended': 'conflict',
  'pairing.cadre_unknown': 'invalid',
  'pairing.cadre_inactive': 'invalid',
  'pairing.date_out_of_range': 'invalid',
  'pairing.carry_over_years': 'invalid',
  'pairing.carry_over_not_found': 'not_found',
  // Verification and publication
  'verification.not_found': 'not_found',
  'verification.not_yours': 'forbidden',
  'verification.not_your_community': 'forbidden',
  'verification.no_households': 'invalid',
  'verification.final': 'conflict',
  'verification.not_final': 'conflict',
  'verification.not_awaiting': 'conflict',
  'verification.decided': 'conflict',
  'verification.expired': 'conflict',
  'verification.failed': 'conflict',
  'verification.stale': 'conflict',
  'verification.problems_unacknowledged': 'invalid',
  'verification.unknown_households': 'invalid',
  'verification.not_confirmed': 'conflict',
  'signature.not_found': 'not_found',
  'signature.mismatch': 'conflict',
  'notice.not_found': 'not_found',
  'notice.entry_unknown': 'invalid',
  'notice.closed': 'conflict',
  'objection.not_found': 'not_found',
  'objection.resolved': 'conflict',
  'calendar.not_covered': 'conflict',
  // Accounts
  'user.scope_invalid': 'invalid',
  'user.exists': 'conflict',
  'user.not_found': 'not_found',
  'user.not_invited': 'conflict',
  // Reports, the audit trail and uploads
  'report.too_large': 'too_large',
  'audit.range': 'invalid',
  'audit.range_required': 'invalid',
  'audit.range_too_long': 'invalid',
  'upload.denied': 'forbidden',
  'execution.not_found': 'not_found',
  'upload.purpose_forbidden': 'forbidden',
  // Bulk import
  'import.not_found': 'not_found',
  'import.file_not_found': 'not_found',
  'import.encoding': 'invalid',
  'import.unreadable': 'invalid',
  'import.empty': 'invalid',
  'import.columns_missing': 'invalid',
  'import.rows_invalid': 'invalid',
  // Export jobs
  'export.not_found': 'not_found',
} as const satisfies Record<string, ErrorKind>;

/** A stable error code of the API's contract. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The codes of one kind, so a helper cannot throw a code under another kind's status. */
export type CodeOf<K extends ErrorKind> = {
  [C in ErrorCode]: (typeof ERROR_CODES)[C] extends K ? C : never;
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
    this.kind = ERROR_CODES[code];
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
