import { MAX_WORKING_DAYS } from '#shared/calendar/working-days.ts';
import { durationSeconds } from '#shared/dates.ts';
import type { VerificationConfig } from '#shared/verification/index.ts';

function seconds(name: string, fallback: string): number {
  const text = process.env[name] || fallback;
  const s = durationSeconds(text);
  if (s === undefined || s < 1)
    throw new Error(`${name} must be an ISO-8601 duration of at least one second, got ${text}`);
  return s;
}

function workingDays(): number | undefined {
  const text = process.env.OBJECTION_WORKING_DAYS?.trim();
  if (!text) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > MAX_WORKING_DAYS)
    throw new Error(
      `OBJECTION_WORKING_DAYS must be a whole number of working days from 1 to ${MAX_WORKING_DAYS}, got ${text}`,
    );
  return n;
}

/**
 * Timings of a new verification round, from the environment: OBJECTION_WINDOW (default P7D), or
 * OBJECTION_WORKING_DAYS (unset by default; when set it replaces OBJECTION_WINDOW, see `shared/calendar`),
 * CONFIRMATION_TIMEOUT (P14D), OBJECTION_RECHECK (PT6H, how often open objections are looked at again after the
 * window), CONFIRMATION_REMINDERS (3), VERIFY_BATCH_SIZE (50 households per check task) and FREEZE_SETTLE
 * (PT35S: the wait between freezing a community-year and reading its snapshot; longer than the 30 s an API
 * function may run, so every write that passed its freeze check before the freeze has landed or died by then).
 */
export function verificationConfig(): VerificationConfig {
  const working = workingDays();
  return {
    objectionWindowSeconds: seconds('OBJECTION_WINDOW', 'P7D'),
    ...(working === undefined ? {} : { objectionWorkingDays: working }),
    confirmationTimeoutSeconds: seconds('CONFIRMATION_TIMEOUT', 'P14D'),
    recheckSeconds: seconds('OBJECTION_RECHECK', 'PT6H'),
    maxReminders: Number(process.env.CONFIRMATION_REMINDERS ?? 3),
    batchSize: Number(process.env.VERIFY_BATCH_SIZE ?? 50),
    settleSeconds: seconds('FREEZE_SETTLE', 'PT35S'),
  };
}
