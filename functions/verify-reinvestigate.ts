import { reinvestigateStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "Reinvestigate" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('Reinvestigate', reinvestigateStep);
