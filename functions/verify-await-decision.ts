import { registerDecisionToken } from '#shared/verification/index.ts';
import { stepHandler } from './lib/step.ts';
import { getWorkflow } from './lib/workflow.ts';

/**
 * Workflow task of the state "AwaitDecision" (`.waitForTaskToken`): stores the token for the decision route.
 * If the decision was recorded already, completes the task at once.
 */
export const handler = stepHandler(
  'AwaitDecision',
  async (db, input: { verificationId: string; taskToken: string }) => {
    const decision = await registerDecisionToken(db, input);
    if (decision) await getWorkflow().sendTaskSuccess(input.taskToken, decision);
    return {};
  },
);
