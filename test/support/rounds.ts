import { handler as decideVerification } from '#functions/decide-verification.ts';
import { db } from '#functions/lib/clients.ts';
import { registerLocalWorkflow } from '#functions/lib/workflow.ts';
import { handler as startVerification } from '#functions/start-verification.ts';
import { getNotice, publishNoticeStep } from '#shared/notice/index.ts';
import {
  checkBatchStep,
  type ExecutionInput,
  finalizeStep,
  freezeStep,
  getVerification,
  registerDecisionToken,
  snapshotStep,
  storeConfirmationStep,
  summarizeStep,
  type Workflow,
} from '#shared/verification/index.ts';
import { admin, communityCadreUser } from './factories.ts';
import { invoke } from './invoke.ts';
import { PNG } from './scenario.ts';

/** A workflow engine that only records what it was asked: executions started and task tokens completed. */
export interface RecordingWorkflow extends Workflow {
  started: { name: string; input: ExecutionInput }[];
  signals: { token: string; output: unknown }[];
}

/**
 * Registers a recording engine in place of the local runner, for handler tests that run the workflow's steps
 * themselves, in order, through the same domain functions the step Lambdas call. No engine is needed there:
 * what those tests examine (a race on a decision, a confirmed round's digest) is decided in the table.
 */
export function useRecordingWorkflow(): RecordingWorkflow {
  const workflow: RecordingWorkflow = {
    started: [],
    signals: [],
    async start(name, input) {
      workflow.started.push({ name, input });
    },
    async sendTaskSuccess(token, output) {
      workflow.signals.push({ token, output });
    },
  };
  registerLocalWorkflow(workflow);
  return workflow;
}

/**
 * Starts a round through the real handler and runs its steps up to the community cadre's decision; the
 * "AwaitDecision" task has registered `taskToken`, as it does on AWS. Returns the round's id.
 */
export async function roundAwaitingDecision(communityId: string, year: number, taskToken?: string): Promise<string> {
  const started = await invoke(startVerification, 'POST /verifications', { as: admin, body: { communityId, year } });
  if (started.status !== 202) throw new Error(`setup: start verification: ${started.status} ${started.text}`);
  const verificationId = started.json.id as string;
  // No settle wait: these tests make no writes while the round freezes.
  await freezeStep(db, { verificationId });
  const { batches } = await snapshotStep(db, { verificationId, batchSize: 50 });
  for (const householdIds of batches) await checkBatchStep(db, { verificationId, householdIds });
  await summarizeStep(db, { verificationId });
  await registerDecisionToken(db, { verificationId, taskToken: taskToken ?? `token-${verificationId}` });
  return verificationId;
}

/**
 * The community cadre's confirmation of a round through the real handler, as the packet page sends it: the
 * round's digest, problems acknowledged.
 */
export async function confirmThroughHandler(communityId: string, verificationId: string, sealId = 'SEAL-0001') {
  return invoke(decideVerification, 'POST /verifications/{id}/decision', {
    as: communityCadreUser(communityId),
    params: { id: verificationId },
    body: {
      decision: 'confirm',
      signaturePng: PNG,
      sealId,
      digest: (await getVerification(db, verificationId)).digest,
      acknowledgeProblems: true,
    },
  });
}

/**
 * A round the community cadre confirmed (through the real handler), its confirmation stored and its notice open
 * for objections; `entryId` is the notice's first entry.
 */
export async function confirmedRound(communityId: string, year: number) {
  const verificationId = await roundAwaitingDecision(communityId, year);
  const decided = await confirmThroughHandler(communityId, verificationId);
  if (decided.status !== 200) throw new Error(`setup: confirm: ${decided.status} ${decided.text}`);
  await storeConfirmationStep(db, { verificationId });
  const { noticeId } = await publishNoticeStep(db, { verificationId, objectionWindowSeconds: 7 * 24 * 3600 });
  const notice = await getNotice(db, noticeId);
  return { verificationId, noticeId, entryId: notice.entries[0]!.entryId };
}

/** A confirmed round whose objection window closed with nothing pending: final. */
export async function finalRound(communityId: string, year: number) {
  const round = await confirmedRound(communityId, year);
  await finalizeStep(db, { verificationId: round.verificationId });
  return round;
}
