import { finalizeStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "Finalize" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('Finalize', finalizeStep);
