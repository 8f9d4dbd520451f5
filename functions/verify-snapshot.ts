import { snapshotStep } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "Snapshot" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('Snapshot', snapshotStep);
