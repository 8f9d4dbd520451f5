import { durationSeconds } from '#shared/dates.ts';
import type { VerificationConfig } from '#shared/verification/index.ts';

function seconds(name: string, fallback: string): number {
  const text = process.env[name] || fallback;
  const s = durationSeconds(text);
  if (s === undefined || s < 1)
    throw new Error(`${name} must be an ISO-8601 duration of at least one second, got ${text}`);
  return s;
}

/**
 * Timings of a new verification round, from the environment: OBJECTION_WINDOW (default P7D),
 * CONFIRMATION_TIMEOUT (P14D), OBJECTION_RECHECK (PT6H, how often open objections are looked at again after the
 * window), CONFIRMATION_REMINDERS (3), VERIFY_BATCH_SIZE (50 households per check task) and FREEZE_SETTLE
 * (PT35S: the wait between freezing a community-year and reading its snapshot; longer than the 30 s an API
 * function may run, so every write that passed its freeze check before the freeze has landed or died by then).
 */
export function verificationConfig(): VerificationConfig {
  return {
    objectionWindowSeconds: seconds('OBJECTION_WINDOW', 'P7D'),
    confirmationTimeoutSeconds: seconds('CONFIRMATION_TIMEOUT', 'P14D'),
    recheckSeconds: seconds('OBJECTION_RECHECK', 'PT6H'),
    maxReminders: Number(process.env.CONFIRMATION_REMINDERS ?? 3),
    batchSize: Number(process.env.VERIFY_BATCH_SIZE ?? 50),
    settleSeconds: seconds('FREEZE_SETTLE', 'PT35S'),
  };
}
