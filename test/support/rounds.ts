import { handler as decideVerification } from '#functions/decide-verification.ts';
import { db } from '#functions/lib/clients.ts';
import { registerLocalWorkflow } from '#functions/lib/workflow.ts';
import { handler as startVerification } from '#functions/start-verification.ts';
import { getNotice, publishNoticeStep } from '#shared/notice/index.ts';
import {
  checkBatchStep,
  finalizeStep,
  snapshotStep,
  storeConfirmationStep,
  summarizeStep,
} from '#shared/verification/index.ts';
import { admin, communityCadreUser } from './factories.ts';
import { invoke } from './invoke.ts';

/** A real 1×1 PNG, as a signature pad sends it. */
export const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/**
 * Verification rounds for handler tests, without the workflow engine: the engine registered here only accepts
 * starts and signals, and the test runs the workflow's steps itself, in order, through the same domain functions
 * the Lambdas call. Cheaper than the local runner, and the state each helper returns is exact.
 */
export function useManualWorkflow(): void {
  registerLocalWorkflow({ start: async () => {}, sendTaskSuccess: async () => {} });
}

/** Starts a round of a community-year through the real handler and runs it up to the community cadre's decision. */
export async function roundAwaitingDecision(communityId: string, year: number): Promise<string> {
  const started = await invoke(startVerification, 'POST /verifications', { as: admin, body: { communityId, year } });
  if (started.status !== 202) throw new Error(`setup: start verification: ${started.status} ${started.text}`);
  const verificationId = started.json.id as string;
  const { batches } = await snapshotStep(db, { verificationId, batchSize: 50 });
  for (const householdIds of batches) await checkBatchStep(db, { verificationId, householdIds });
  await summarizeStep(db, { verificationId });
  return verificationId;
}

/** A round confirmed by the community cadre, with its public notice open for objections. */
export async function roundWithOpenNotice(communityId: string, year: number) {
  const verificationId = await roundAwaitingDecision(communityId, year);
  const decided = await invoke(decideVerification, 'POST /verifications/{id}/decision', {
    as: communityCadreUser(communityId),
    params: { id: verificationId },
    body: { decision: 'confirm', signaturePng: PNG, sealId: 'SEAL-0001' },
  });
  if (decided.status !== 200) throw new Error(`setup: confirm: ${decided.status} ${decided.text}`);
  await storeConfirmationStep(db, { verificationId });
  const { noticeId } = await publishNoticeStep(db, { verificationId, objectionWindowSeconds: 7 * 24 * 3600 });
  const notice = await getNotice(db, noticeId);
  return { verificationId, noticeId, entryId: notice.entries[0]!.entryId };
}

/** A round whose objection window closed with nothing pending: final, and so open to reopening. */
export async function finalRound(communityId: string, year: number): Promise<string> {
  const { verificationId } = await roundWithOpenNotice(communityId, year);
  await finalizeStep(db, { verificationId });
  return verificationId;
}
