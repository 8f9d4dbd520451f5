import { freezeStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "Freeze" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('Freeze', freezeStep);
