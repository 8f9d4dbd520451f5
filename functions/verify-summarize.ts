import { summarizeStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "Summarize" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('Summarize', summarizeStep);
