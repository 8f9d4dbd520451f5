import { expireStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "Expire" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('Expire', expireStep);
