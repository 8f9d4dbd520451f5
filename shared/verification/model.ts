import { createHash } from 'node:crypto';
import * as z from 'zod';
import { type Db, getItem, queryAll, updateIf } from '../db.ts';
import { notFound } from '../errors.ts';
import { CampaignYear } from '../pairing/index.ts';
import { PngBase64 } from '../png.ts';
import { keys, stripKeys } from '../table.ts';

/**
 * One verification (核查) is one round of the pipeline for one community and year: snapshot, the three
 * conformities, the community cadre's confirmation, the public notice, the objection window, final. Its id is
 * also the name of its workflow execution, so starting the same round twice starts one run.
 *
 * Every step here is idempotent: a step that finds its work done returns what it did before. That is what lets
 * the local runner resume an interrupted execution by running it again from the start.
 */

export const VerificationStatus = z.enum([
  'checking',
  'awaiting_confirmation',
  'returned',
  'objection_window',
  'reinvestigating',
  'final',
  /** No decision after every reminder: an admin starts a new round. */
  'expired',
  /** Was final; an admin reopened it and a new round replaced it. */
  'reopened',
  /** A step failed after its retries: the freeze is released and an admin starts a new round. */
  'failed',
]);
export type VerificationStatus = z.infer<typeof VerificationStatus>;

/** Statuses in which the workflow execution is still running. */
export const IN_FLIGHT: readonly VerificationStatus[] = ['checking', 'awaiting_confirmation', 'objection_window'];

export { HOLDS_FIGURES } from './holding.ts';

/** Timings and sizes of one execution, fixed at its start and carried in its input. */
export interface VerificationConfig {
  confirmationTimeoutSeconds: number;
  maxReminders: number;
  objectionWindowSeconds: number;
  /**
   * When set, the window is this many working days (State Council calendar with 调休, plus the admins'
   * overrides) and `objectionWindowSeconds` is not used: it closes at 24:00 Beijing time of the Nth working day
   * after the day of publication.
   */
  objectionWorkingDays?: number;
  recheckSeconds: number;
  batchSize: number;
  /**
   * Seconds between freezing the community-year and reading its snapshot: longer than any write that passed the
   * freeze check before the freeze can take to land (see `WRITE_FENCE_MS`).
   */
  settleSeconds: number;
}

/** Config of rounds started before a setting existed, when they are resumed. */
const CONFIG_DEFAULTS: Pick<VerificationConfig, 'settleSeconds'> = { settleSeconds: 35 };

/** The execution's input: everything the state machine reads with JSONPath. */
export interface ExecutionInput {
  verificationId: string;
  communityId: string;
  year: number;
  round: number;
  config: VerificationConfig;
}

/** What the state machine needs from the engine that runs it: Step Functions on AWS, the local runner here. */
export interface Workflow {
  /** Starts the execution named `name`; starting a running one again does nothing. */
  start(name: string, input: ExecutionInput): Promise<void>;
  /** Completes a `.waitForTaskToken` task. */
  sendTaskSuccess(token: string, output: unknown): Promise<void>;
}

export interface Decision {
  decision: 'confirm' | 'reject';
  comment?: string;
  householdIds?: string[];
  sealId?: string;
  signatureSha256?: string;
  /** Object-store key of the signature image. */
  signatureKey?: string;
  decidedBy: string;
  decidedAt: string;
}

export interface Verification {
  id: string;
  communityId: string;
  year: number;
  round: number;
  status: VerificationStatus;
  config: VerificationConfig;
  startedBy: string;
  startedAt: string;
  digest?: string;
  householdIds?: string[];
  snapshotAt?: string;
  householdCount?: number;
  discrepancyCount?: number;
  taskToken?: string;
  reminders?: number;
  decision?: Decision;
  confirmation?: { digest: string; sealId: string; signatureSha256: string; binding: string; confirmedAt: string };
  noticeId?: string;
  finalAt?: string;
  reopened?: { by: string; at: string; reason: string; nextId: string };
  /** When the community-year was frozen for this round. */
  frozenAt?: string;
  /** The token of the task that waits for open objections to be resolved after the window. */
  resolutionToken?: string;
  /** Why the execution failed (the error name of the step that gave up), and when. */
  failure?: { at: string; error: string };
}

/** The deterministic id of a round, valid as a Step Functions execution name (≤ 80 of `[A-Za-z0-9-_]`). */
export function verificationIdFor(communityId: string, year: number, round: number): string {
  return `verify-${year}-${communityId}-${round}`;
}

export const StartVerification = z.strictObject({
  communityId: z.string({ error: '请选择社区' }).trim().min(1, '请选择社区').max(64),
  year: CampaignYear,
});
export type StartVerification = z.infer<typeof StartVerification>;

export const DecisionInput = z.discriminatedUnion(
  'decision',
  [
    z.strictObject({
      decision: z.literal('confirm'),
      signaturePng: PngBase64,
      sealId: z.string({ error: '请填写社区印章编号' }).trim().min(1, '请填写社区印章编号').max(64),
      /** The packet's digest as the community cadre saw it: the signature binds exactly that. */
      digest: z
        .string({ error: '缺少核查材料的摘要（digest），请刷新核查页面后再确认' })
        .regex(/^[0-9a-f]{64}$/, '核查材料的摘要（digest）格式不正确，请刷新核查页面后再确认'),
      /** Required (true) when any household is below the floor or fails a check: the cadre saw and accepts them. */
      acknowledgeProblems: z.boolean({ error: 'acknowledgeProblems 应为 true 或 false' }).optional(),
    }),
    z.strictObject({
      decision: z.literal('reject'),
      comment: z.string({ error: '退回时必须填写意见' }).trim().min(1, '退回时必须填写意见').max(1000),
      householdIds: z.array(z.string().min(1).max(64)).max(5000, '退回的户数超出本轮核查的户数').optional(),
    }),
  ],
  { error: '决定应为 confirm（确认）或 reject（退回）' },
);
export type DecisionInput = z.infer<typeof DecisionInput>;

export const ReopenInput = z.strictObject({
  reason: z.string({ error: '请填写重新开启的原因' }).trim().min(1, '请填写重新开启的原因').max(1000),
});

/** Reads a verification, or throws 404. */
export async function getVerification(db: Db, id: string): Promise<Verification> {
  const item = await getItem(db, keys.verification(id));
  if (!item) throw notFound('verification.not_found', '核查不存在');
  return stripKeys(item) as unknown as Verification;
}

/** Moves a round to `to` only from one of `from` (for the round's own commands and steps). */
export function setStatus(db: Db, id: string, to: VerificationStatus, from: readonly VerificationStatus[], extra = {}) {
  const values = Object.fromEntries(from.map((s, i) => [`:from${i}`, s]));
  return updateIf(
    db,
    keys.verification(id),
    { set: { status: to, ...extra } },
    { expression: `#status IN (${Object.keys(values).join(', ')})`, values },
  );
}

/** The execution input of a round; settings added since it started get their defaults. */
export function inputOf(v: Verification): ExecutionInput {
  return {
    verificationId: v.id,
    communityId: v.communityId,
    year: v.year,
    round: v.round,
    config: { ...CONFIG_DEFAULTS, ...v.config },
  };
}

/** Dependencies of the functions that start or signal executions. */
export interface WorkflowDeps {
  db: Db;
  workflow: Workflow;
  now: Date;
}

/** Where a round's signature image is kept: named by its hash, so a losing racer's image cannot pass for the winner's. */
export function signatureKey(verificationId: string, sha256: string): string {
  return `signatures/${verificationId}/${sha256}.png`;
}

/**
 * The confirmation a recorded confirm decision stands for: the signature and seal bound to the digest. The
 * decision fixes it, so it is the same whether read before or after "StoreConfirmation" has stored it.
 */
export function confirmationOf(v: Verification): Verification['confirmation'] {
  if (v.confirmation) return v.confirmation;
  const d = v.decision;
  if (d?.decision !== 'confirm' || !d.signatureSha256 || !d.sealId || !v.digest) return undefined;
  const binding = createHash('sha256')
    .update([v.digest, d.signatureSha256, d.sealId, d.decidedBy, d.decidedAt].join('\n'))
    .digest('hex');
  return { digest: v.digest, sealId: d.sealId, signatureSha256: d.signatureSha256, binding, confirmedAt: d.decidedAt };
}

/** The current round of a community-year, or undefined before verification has started. */
export async function currentRound(db: Db, communityId: string, year: number): Promise<Verification | undefined> {
  const pointer = await getItem<{ verificationId: string }>(db, keys.currentRound(communityId, year));
  return pointer ? getVerification(db, pointer.verificationId) : undefined;
}

/** Lists every verification (for resuming in-flight executions and for the status report). */
export async function listVerifications(db: Db): Promise<Verification[]> {
  const items = await queryAll(db, { index: 'byKind', partition: keys.entityListing('verification', '').gsi3pk });
  return items.map((i) => stripKeys(i) as unknown as Verification);
}
