import { failStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "MarkFailed": the round gave up after its retries (see the ASL file). */
export const handler = stepHandler('MarkFailed', failStep);
