import { storeConfirmationStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "StoreConfirmation" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('StoreConfirmation', storeConfirmationStep);
