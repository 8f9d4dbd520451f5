/**
 * The verification workflow's Lambda tasks: the `${…}` placeholder in `infra/workflows/verification.asl.json`
 * → the handler file under `functions/` that runs it. CDK substitutes each placeholder with that function's ARN;
 * the local runner overrides the task with the same handler.
 */
export const WORKFLOW_TASKS = {
  FreezeFunction: 'verify-freeze',
  SnapshotFunction: 'verify-snapshot',
  CheckHouseholdsFunction: 'verify-check-households',
  SummarizeFunction: 'verify-summarize',
  AwaitDecisionFunction: 'verify-await-decision',
  RemindFunction: 'verify-remind',
  ExpireFunction: 'verify-expire',
  ReturnHouseholdsFunction: 'verify-return-households',
  StoreConfirmationFunction: 'verify-store-confirmation',
  PublishNoticeFunction: 'verify-publish-notice',
  CheckObjectionsFunction: 'verify-check-objections',
  AwaitResolutionFunction: 'verify-await-resolution',
  ReinvestigateFunction: 'verify-reinvestigate',
  FinalizeFunction: 'verify-finalize',
  MarkFailedFunction: 'verify-mark-failed',
} as const;

export type WorkflowTask = keyof typeof WORKFLOW_TASKS;

/** The one state machine definition, relative to the repository root. */
export const VERIFICATION_ASL = 'infra/workflows/verification.asl.json';
