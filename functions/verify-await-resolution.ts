import { registerResolutionToken } from '#shared/notice/index.ts';
import { stepHandler } from './lib/step.ts';
import { getWorkflow } from './lib/workflow.ts';

/**
 * Workflow task of the state "AwaitResolution" (`.waitForTaskToken`): stores the token for the resolution
 * route. If no objection is pending any more, completes the task at once.
 */
export const handler = stepHandler(
  'AwaitResolution',
  async (db, input: { verificationId: string; taskToken: string }) => {
    const settled = await registerResolutionToken(db, input);
    if (settled) await getWorkflow().sendTaskSuccess(input.taskToken, settled);
    return {};
  },
);
