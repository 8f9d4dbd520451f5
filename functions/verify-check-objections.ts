import { checkObjectionsStep } from '#shared/notice/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "CheckObjections" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('CheckObjections', checkObjectionsStep);
