import { returnHouseholdsStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "ReturnHouseholds" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('ReturnHouseholds', returnHouseholdsStep);
