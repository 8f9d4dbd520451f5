import { checkBatchStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "CheckBatch" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('CheckBatch', checkBatchStep);
