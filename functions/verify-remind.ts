import { remindStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "Remind" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('Remind', remindStep);
