import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { AidRecord } from '../aid/rules.ts';
import { type Caller, hasRole } from '../caller.ts';
import { type Db, getItem, inParallel, putAll, putIfAbsent, queryAll, queryPages, updateIf } from '../db.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import type { ObjectStore } from '../objects.ts';
import { CampaignYear, type Pairing } from '../pairing/index.ts';
import { PngBase64, pngSha256 } from '../png.ts';
import { type Community, requireEntity } from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';
import {
  checkHousehold,
  digestOf,
  type FundEntry,
  type HouseholdCheck,
  type HouseholdSnapshot,
  type ManualEntry,
} from './checks.ts';

export * from './checks.ts';

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

/**
 * Statuses in which a round holds its community-year's figures: from the freeze before its snapshot until it is
 * returned, expires, fails, is sent for reinvestigation or (after final) reopened.
 */
export const HOLDS_FIGURES: readonly VerificationStatus[] = [...IN_FLIGHT, 'final'];

/** Timings and sizes of one execution, fixed at its start and carried in its input. */
export interface VerificationConfig {
  confirmationTimeoutSeconds: number;
  maxReminders: number;
  objectionWindowSeconds: number;
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

function setStatus(db: Db, id: string, to: VerificationStatus, from: readonly VerificationStatus[], extra = {}) {
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
 * Starts verification of a community-year, or returns the round already in flight (the same id). A finished
 * round that was returned, reinvestigated or expired is followed by the next round; a final one must be
 * reopened first.
 */
export async function startVerification(
  deps: WorkflowDeps & { config: VerificationConfig },
  caller: Caller,
  input: StartVerification,
): Promise<{ verification: Verification; started: boolean }> {
  const { db } = deps;
  await requireEntity<Community>(db, 'community', input.communityId, '社区');
  const pointer = await getItem<{ verificationId: string }>(db, keys.currentRound(input.communityId, input.year));
  let round = 1;
  if (pointer) {
    const current = await getVerification(db, pointer.verificationId);
    if (IN_FLIGHT.includes(current.status)) {
      await deps.workflow.start(current.id, inputOf(current));
      return { verification: current, started: false };
    }
    if (current.status === 'final') {
      throw conflict('verification.final', '该社区本年度结果已定稿；如需更正，请先重新开启（reopen）');
    }
    round = current.round + 1;
  }
  const first = await queryPages(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(input.communityId, input.year).gsi1pk,
    prefix: 'HOUSEHOLD#',
  }).next();
  if (!(first.value ?? []).some((i: Record<string, unknown>) => i.entity === 'pairing')) {
    throw invalid('verification.no_households', '该社区本年度没有结对家庭，无需核查');
  }
  return startRound(deps, caller, input.communityId, input.year, round);
}

async function startRound(
  deps: WorkflowDeps & { config: VerificationConfig },
  caller: Caller,
  communityId: string,
  year: number,
  round: number,
): Promise<{ verification: Verification; started: boolean }> {
  const { db } = deps;
  const v: Verification = {
    id: verificationIdFor(communityId, year, round),
    communityId,
    year,
    round,
    status: 'checking',
    config: deps.config,
    startedBy: caller.sub,
    startedAt: deps.now.toISOString(),
    reminders: 0,
  };
  const created = await putIfAbsent(db, {
    ...keys.verification(v.id),
    ...keys.entityListing('verification', v.id),
    entity: 'verification',
    ...v,
  });
  const verification = created ? v : await getVerification(db, v.id);
  // The pointer only moves forward, so two racing starts of the same round agree on it.
  await updateIf(
    db,
    keys.currentRound(communityId, year),
    { set: { verificationId: verification.id, round } },
    { expression: 'attribute_not_exists(#round) OR #round < :r', values: { ':r': round } },
  );
  await deps.workflow.start(verification.id, inputOf(verification));
  return { verification, started: created };
}

/** A household of a round as the packet shows it. */
export interface VerifiedHousehold extends HouseholdCheck {
  headName: string;
  memberCount: number;
  cadreId: string;
  unitId: string;
  returned?: boolean;
}

/** The verification packet: the round, its status and every household's totals, checks and discrepancies. */
export async function verificationPacket(db: Db, caller: Caller, id: string) {
  const v = await getVerification(db, id);
  const allowed =
    hasRole(caller, 'admin', 'auditor') || (hasRole(caller, 'communityCadre') && caller.communityId === v.communityId);
  if (!allowed) throw forbidden('verification.not_yours', '您无权查看该社区的核查');
  const items = await queryAll(db, { partition: keys.verification(id).pk, prefix: 'HOUSEHOLD#' });
  const households: VerifiedHousehold[] = items.map((i) => {
    const s = i.snapshot as HouseholdSnapshot;
    const c = (i.check as HouseholdCheck | undefined) ?? {
      householdId: s.householdId,
      totalFen: s.manual.reduce((t, e) => t + e.amountFen, 0),
      meetsFloor: false,
      checks: { fundsMatchManual: false, fundsMatchObjectives: false, inKindMatchesObjectives: false },
      discrepancies: [],
    };
    return {
      ...c,
      headName: s.headName,
      memberCount: s.memberCount,
      cadreId: s.cadreId,
      unitId: s.unitId,
      ...(i.returned ? { returned: true } : {}),
    };
  });
  const { taskToken: _token, householdIds: _ids, ...rest } = v;
  return { ...rest, digest: v.digest ?? null, households };
}

/**
 * Records the community cadre's decision. Exactly one decision per round: the conditional write decides a
 * race, and the loser gets 409. Then the waiting workflow task is completed; if that signal is lost, the
 * task finds the recorded decision when it next registers (after a reminder or a resume).
 */
export async function decide(
  deps: WorkflowDeps & { objects: ObjectStore },
  caller: Caller,
  id: string,
  input: DecisionInput,
) {
  const { db } = deps;
  const v = await getVerification(db, id);
  if (!(hasRole(caller, 'communityCadre') && caller.communityId === v.communityId)) {
    throw forbidden('verification.not_your_community', '只有本社区的社区干部可以确认或退回');
  }
  refuseUndecidable(v);
  const decision: Decision = {
    decision: input.decision,
    decidedBy: caller.sub,
    decidedAt: deps.now.toISOString(),
  };
  if (input.decision === 'confirm') {
    await checkConfirmable(db, v, input);
    decision.sealId = input.sealId;
    decision.signatureSha256 = pngSha256(input.signaturePng);
    decision.signatureKey = signatureKey(id, decision.signatureSha256);
    await deps.objects.put(decision.signatureKey, Buffer.from(input.signaturePng, 'base64'), 'image/png');
  } else {
    decision.comment = input.comment;
    if (input.householdIds) {
      // Only the round's own households can be sent back; anything else is a mistake, not something to store.
      const round = new Set(v.householdIds ?? []);
      const unknown = input.householdIds.filter((h) => !round.has(h));
      if (unknown.length) {
        throw invalid('verification.unknown_households', '退回名单中有不属于本轮核查的家庭', [
          {
            path: 'householdIds',
            message: `不属于本轮核查：${unknown.slice(0, 3).join('、')}${unknown.length > 3 ? '…' : ''}`,
          },
        ]);
      }
      decision.householdIds = [...new Set(input.householdIds)];
    }
  }
  // The decision and the timeout's expiry race on this one item: each is conditional on the other's absence,
  // so exactly one of them happens, and the answer says which.
  const won = await updateIf(
    db,
    keys.verification(id),
    { set: { decision } },
    {
      expression: 'attribute_not_exists(#decision) AND #status = :awaiting',
      values: { ':awaiting': 'awaiting_confirmation' },
    },
  );
  if (!won) refuseUndecidable(await getVerification(db, id));
  const fresh = await getVerification(db, id);
  if (fresh.taskToken) await deps.workflow.sendTaskSuccess(fresh.taskToken, { decision: decision.decision });
  return { id, status: fresh.status, decision: decision.decision };
}

/** Throws the conflict that says why a round takes no decision now; returns when it does. */
function refuseUndecidable(v: Verification): void {
  if (v.decision) throw conflict('verification.decided', '本轮核查已作出决定，不能重复确认或退回');
  if (v.status === 'expired') {
    throw conflict('verification.expired', '本轮核查已超过确认期限而失效，决定未被记录；请联系管理员重新发起核查');
  }
  if (v.status === 'failed') {
    throw conflict('verification.failed', '本轮核查因系统故障中止，决定未被记录；请联系管理员重新发起核查');
  }
  if (v.status !== 'awaiting_confirmation') {
    throw conflict('verification.not_awaiting', '本轮核查当前不在待确认状态');
  }
}

/**
 * What a confirmation must satisfy before it is recorded: it names the digest the round snapshotted (the
 * packet the cadre saw), it acknowledges the households with problems, and the ledger still gives that digest.
 */
async function checkConfirmable(db: Db, v: Verification, input: Extract<DecisionInput, { decision: 'confirm' }>) {
  if (input.digest !== v.digest) {
    throw conflict(
      'verification.stale',
      '您确认的核查材料与本轮快照不一致（页面可能已过期），请刷新核查页面，核对后重新签字确认',
    );
  }
  const items = await queryAll(db, { partition: keys.verification(v.id).pk, prefix: 'HOUSEHOLD#' });
  const problems = items.filter((i) => {
    const c = i.check as HouseholdCheck | undefined;
    return !(c?.meetsFloor && c.discrepancies.length === 0);
  });
  if (problems.length && input.acknowledgeProblems !== true) {
    const names = problems.slice(0, 5).map((i) => (i.snapshot as HouseholdSnapshot).headName);
    const message =
      `有 ${problems.length} 户未达标或核查未通过（${names.join('、')}${problems.length > 5 ? '等' : ''}），` +
      '确认前请勾选“已知悉以上问题”（acknowledgeProblems: true），或退回这些家庭';
    throw invalid('verification.problems_unacknowledged', message, [{ path: 'acknowledgeProblems', message }]);
  }
  // The freeze keeps the ledger equal to the snapshot; this proves it at the moment of signing.
  const live = await readCommunityYear(db, v.communityId, v.year);
  const ids = new Set(v.householdIds ?? []);
  if (
    digestOf(
      v.communityId,
      v.year,
      live.filter((h) => ids.has(h.householdId)),
    ) !== v.digest
  ) {
    throw conflict(
      'verification.stale',
      '帮扶台账在本轮快照之后发生了变化，本轮材料已不是最新；请退回本轮，由管理员重新发起核查',
    );
  }
}

/**
 * Reopens a final community-year: unlocks its figures and starts the next round, which must be confirmed and
 * noticed again. The reason is kept on the old round.
 */
export async function reopen(
  deps: WorkflowDeps & { config: VerificationConfig },
  caller: Caller,
  id: string,
  reason: string,
) {
  const v = await getVerification(deps.db, id);
  if (v.status !== 'final') throw conflict('verification.not_final', '只有已定稿的核查可以重新开启');
  const nextId = verificationIdFor(v.communityId, v.year, v.round + 1);
  const reopened = { by: caller.sub, at: deps.now.toISOString(), reason, nextId };
  if (!(await setStatus(deps.db, id, 'reopened', ['final'], { reopened }))) {
    throw conflict('verification.not_final', '只有已定稿的核查可以重新开启');
  }
  await releaseFigures(deps.db, v);
  if (v.noticeId) await updateIf(deps.db, keys.notice(v.noticeId), { set: { status: 'superseded' } });
  const next = await startRound(deps, caller, v.communityId, v.year, v.round + 1);
  return { id: next.verification.id, status: next.verification.status, reopened: id };
}

// ---------------------------------------------------------------------------------------------------------
// The workflow's steps, one function each. The Lambdas in functions/verify-*.ts and the local runner call them.
// ---------------------------------------------------------------------------------------------------------

function chunk<T>(xs: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}

/** Reads one community-year from the ledger into per-household snapshots. */
export async function readCommunityYear(db: Db, communityId: string, year: number): Promise<HouseholdSnapshot[]> {
  const byHousehold = new Map<string, HouseholdSnapshot>();
  const manual = new Map<string, ManualEntry[]>();
  const funds = new Map<string, FundEntry[]>();
  const receipts = new Set<string>();
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for await (const page of queryPages(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: 'HOUSEHOLD#',
  })) {
    for (const item of page) {
      const hid = item.householdId as string;
      if (item.entity === 'pairing') {
        const p = item as unknown as Pairing;
        byHousehold.set(hid, {
          householdId: hid,
          headName: p.headName,
          memberCount: p.memberCount,
          cadreId: p.cadreId,
          unitId: p.unitId,
          manual: [],
          funds: [],
        });
      } else if (item.entity === 'aid') {
        const r = item as unknown as AidRecord;
        push(manual, hid, {
          id: r.id,
          date: r.date,
          kind: r.kind,
          objective: r.objective,
          amountFen: r.amountFen,
          reverses: r.reverses,
          itemsTotalFen: r.items ? r.items.reduce((t, i) => t + i.quantity * i.unitValueFen, 0) : undefined,
          receipt: false,
        });
      } else if (item.entity === 'fund') {
        push(funds, hid, {
          reference: item.reference as string,
          date: item.date as string,
          objective: item.objective as FundEntry['objective'],
          amountFen: item.amountFen as number,
        });
      } else if (item.entity === 'receipt') receipts.add(item.recordId as string);
    }
  }
  for (const [hid, h] of byHousehold) {
    h.manual = (manual.get(hid) ?? []).map((e) => ({ ...e, receipt: receipts.has(e.id) }));
    h.funds = funds.get(hid) ?? [];
  }
  return [...byHousehold.values()];
}

/** The pairings of a community-year: household ids and whether (and by which round) they are frozen. */
async function pairingsOfCommunityYear(db: Db, communityId: string, year: number) {
  const items = await queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: 'HOUSEHOLD#',
    attributes: ['entity', 'householdId', 'frozenBy', 'lockedBy'],
  });
  return items.filter((i) => i.entity === 'pairing') as { householdId: string; frozenBy?: string; lockedBy?: string }[];
}

/** Marks every household-year of the community-year not yet frozen by this round. Returns how many it marked. */
async function freezePairings(db: Db, v: Verification): Promise<number> {
  const pairings = (await pairingsOfCommunityYear(db, v.communityId, v.year)).filter((p) => p.frozenBy !== v.id);
  await inParallel(pairings, 8, async (p) => {
    await updateIf(
      db,
      keys.pairing(p.householdId, v.year),
      { set: { frozenBy: v.id } },
      {
        expression: 'attribute_exists(pk)',
      },
    );
  });
  return pairings.length;
}

/**
 * Step "Freeze": from now on no entry, reversal, receipt, fund row or pairing changes this community-year's
 * figures (each write reads the pairing it concerns and finds `frozenBy`). The state machine then waits
 * `settleSeconds` ("SettleWrites") so that writes which passed their check just before the freeze have landed
 * when the snapshot reads the ledger. Only a round still checking freezes: a resumed run finds it done.
 */
export async function freezeStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  if (v.status !== 'checking' || v.digest) return { frozen: 0 };
  const frozen = await freezePairings(db, v);
  await updateIf(
    db,
    keys.verification(v.id),
    { set: { frozenAt: new Date().toISOString() } },
    {
      expression: 'attribute_not_exists(#frozenAt)',
    },
  );
  return { frozen };
}

/**
 * Releases a round's hold on its community-year: the freeze and, when it had been confirmed, the lock. Only
 * marks this round set are removed, so a later round's are never touched.
 */
export async function releaseFigures(db: Db, v: Pick<Verification, 'id' | 'communityId' | 'year'>): Promise<void> {
  const pairings = await pairingsOfCommunityYear(db, v.communityId, v.year);
  await inParallel(pairings, 8, async (p) => {
    if (p.frozenBy === v.id) {
      await updateIf(
        db,
        keys.pairing(p.householdId, v.year),
        { remove: ['frozenBy'] },
        {
          expression: '#frozenBy = :v',
          values: { ':v': v.id },
        },
      );
    }
    if (p.lockedBy === v.id) {
      await updateIf(
        db,
        keys.pairing(p.householdId, v.year),
        { remove: ['lockedBy'] },
        {
          expression: '#lockedBy = :v',
          values: { ':v': v.id },
        },
      );
    }
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Step "Snapshot": freezes the community-year as it is now (entries, receipts, fund ledger) and its digest.
 * A second call returns the first snapshot: what is confirmed is exactly what was snapshotted. A pairing made
 * while the freeze was being set is frozen here, and the snapshot waits once more for its writes to land.
 */
export async function snapshotStep(
  db: Db,
  input: { verificationId: string; batchSize: number; settleSeconds?: number },
) {
  let v = await getVerification(db, input.verificationId);
  if (!v.digest) {
    if ((await freezePairings(db, v)) > 0) await sleep((input.settleSeconds ?? 0) * 1000);
    const households = await readCommunityYear(db, v.communityId, v.year);
    const digest = digestOf(v.communityId, v.year, households);
    await putAll(
      db,
      households.map((h) => ({
        ...keys.verifiedHousehold(v.id, h.householdId),
        entity: 'verified-household',
        verificationId: v.id,
        householdId: h.householdId,
        snapshot: h,
      })),
    );
    const householdIds = households.map((h) => h.householdId).sort();
    await updateIf(
      db,
      keys.verification(v.id),
      { set: { digest, householdIds, householdCount: householdIds.length, snapshotAt: new Date().toISOString() } },
      { expression: 'attribute_not_exists(#digest)' },
    );
    v = await getVerification(db, v.id);
  }
  return { digest: v.digest!, batches: chunk(v.householdIds ?? [], Math.max(1, input.batchSize)) };
}

/** Step "CheckBatch": the three conformities and the floor for a batch of households. Recomputing is harmless. */
export async function checkBatchStep(db: Db, input: { verificationId: string; householdIds: string[] }) {
  const items: Record<string, unknown>[] = [];
  await inParallel(input.householdIds, 8, async (hid) => {
    const item = await getItem(db, keys.verifiedHousehold(input.verificationId, hid));
    if (!item) throw new Error(`snapshot of household ${hid} missing in ${input.verificationId}`);
    items.push({ ...item, check: checkHousehold(item.snapshot as HouseholdSnapshot) });
  });
  await putAll(db, items);
  return { checked: items.length };
}

/** Step "Summarize": counts discrepancies and opens the round for the community cadre's decision. */
export async function summarizeStep(db: Db, input: { verificationId: string }) {
  const items = await queryAll(db, { partition: keys.verification(input.verificationId).pk, prefix: 'HOUSEHOLD#' });
  const discrepancies = items.reduce((n, i) => n + ((i.check as HouseholdCheck).discrepancies.length ?? 0), 0);
  await setStatus(db, input.verificationId, 'awaiting_confirmation', ['checking'], {
    discrepancyCount: discrepancies,
    householdCount: items.length,
  });
  return { households: items.length, discrepancies };
}

/**
 * Step "AwaitDecision" (the task that waits for a token): keeps the token where the decision route finds it.
 * Returns the decision when one was already recorded (signal lost, or the run resumed), so the caller can
 * complete the task at once.
 */
export async function registerDecisionToken(db: Db, input: { verificationId: string; taskToken: string }) {
  await updateIf(db, keys.verification(input.verificationId), {
    set: { taskToken: input.taskToken, awaitingSince: new Date().toISOString() },
  });
  const v = await getVerification(db, input.verificationId);
  return v.decision ? { decision: v.decision.decision } : undefined;
}

/**
 * Step "Remind": the decision is overdue. Records a reminder for the community's cadres (the notification
 * outbox) and says whether the reminders are used up. A decision recorded as the wait timed out is not lost:
 * the step reports it (`decided`) and the state machine goes on with it.
 */
export async function remindStep(db: Db, input: { verificationId: string; maxReminders: number }) {
  const v = await getVerification(db, input.verificationId);
  if (v.decision)
    return { reminders: v.reminders ?? 0, exhausted: false, decided: true, decision: v.decision.decision };
  const n = (v.reminders ?? 0) + 1;
  await putIfAbsent(db, {
    ...keys.reminder(v.id, n),
    entity: 'reminder',
    verificationId: v.id,
    communityId: v.communityId,
    n,
    at: new Date().toISOString(),
  });
  await updateIf(db, keys.verification(v.id), { set: { reminders: n } });
  return { reminders: n, exhausted: n > input.maxReminders, decided: false, decision: null };
}

/**
 * Step "Expire": no decision after every reminder. The expiry is conditional on there being no decision, as
 * the decision is on there being no expiry, so of the two racing exactly one is recorded. When the decision
 * won, the step reports it and the state machine goes on with it.
 */
export async function expireStep(db: Db, input: { verificationId: string }) {
  const won = await updateIf(
    db,
    keys.verification(input.verificationId),
    { set: { status: 'expired' } },
    {
      expression: '#status = :a AND attribute_not_exists(#decision)',
      values: { ':a': 'awaiting_confirmation' },
    },
  );
  const v = await getVerification(db, input.verificationId);
  if (!won && v.decision) return { expired: false, decided: true, decision: v.decision.decision };
  if (v.status !== 'expired') throw new Error(`verification ${v.id} can neither expire nor go on (${v.status})`);
  await releaseFigures(db, v);
  return { expired: true, decided: false, decision: null };
}

/**
 * Step "ReturnHouseholds": the community cadre rejected. The households named in the decision (or, if none
 * were named, those with discrepancies, or else all) go back to their cadres with the comment.
 */
export async function returnHouseholdsStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  const items = await queryAll(db, { partition: keys.verification(v.id).pk, prefix: 'HOUSEHOLD#' });
  const named = v.decision?.householdIds?.length ? new Set(v.decision.householdIds) : undefined;
  const withProblems = items.filter((i) => (i.check as HouseholdCheck | undefined)?.discrepancies.length);
  const returned = named
    ? items.filter((i) => named.has(i.householdId as string))
    : withProblems.length
      ? withProblems
      : items;
  await putAll(
    db,
    returned.map((i) => ({ ...i, returned: true })),
  );
  await inParallel(returned, 8, async (i) => {
    await updateIf(
      db,
      keys.pairing(i.householdId as string, v.year),
      { set: { returnedBy: v.id, returnComment: v.decision?.comment ?? '' } },
      { expression: 'attribute_exists(pk)' },
    );
  });
  await setStatus(db, v.id, 'returned', ['awaiting_confirmation']);
  await releaseFigures(db, v);
  return { returned: returned.length };
}

/** Locks every household-year of a confirmed round (`lockedBy`); `releaseFigures` unlocks them. */
async function lockFigures(db: Db, v: Verification) {
  await inParallel(v.householdIds ?? [], 8, async (hid) => {
    await updateIf(
      db,
      keys.pairing(hid, v.year),
      { set: { lockedBy: v.id }, remove: ['returnedBy', 'returnComment'] },
      { expression: 'attribute_exists(pk)' },
    );
  });
}

/**
 * Step "StoreConfirmation": binds the signature image and seal to the digest of exactly what was confirmed,
 * and locks the community-year's figures (no entries, reversals or receipts until reopened).
 */
export async function storeConfirmationStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  if (!v.confirmation) {
    const confirmation = confirmationOf(v);
    if (!confirmation) throw new Error(`verification ${v.id} has no confirmation to store`);
    await updateIf(
      db,
      keys.verification(v.id),
      { set: { confirmation } },
      { expression: 'attribute_not_exists(#confirmation)' },
    );
  }
  await lockFigures(db, v);
  return { binding: (await getVerification(db, v.id)).confirmation!.binding };
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

/**
 * Step "Reinvestigate": an objection was upheld. The notice is withdrawn, the figures unlocked, the households
 * concerned go back to their cadres, and the next round re-confirms and re-notices the community.
 */
export async function reinvestigateStep(db: Db, input: { verificationId: string }) {
  const v = await getVerification(db, input.verificationId);
  const upheld = await queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(v.communityId, v.year).gsi1pk,
    prefix: `OBJECTION#${v.noticeId}#`,
  });
  for (const o of upheld.filter((x) => x.status === 'upheld')) {
    await updateIf(
      db,
      keys.pairing(o.householdId as string, v.year),
      { set: { returnedBy: v.id, returnComment: `公示异议成立：${(o.note as string) ?? ''}` } },
      { expression: 'attribute_exists(pk)' },
    );
  }
  await releaseFigures(db, v);
  if (v.noticeId) await updateIf(db, keys.notice(v.noticeId), { set: { status: 'withdrawn' } });
  await setStatus(db, v.id, 'reinvestigating', ['objection_window']);
  return {};
}

/**
 * Step "Finalize": the window closed with nothing pending. The figures stay locked, the notice is final, and
 * each unit's assessment for the year records how its households in this community stand.
 */
export async function finalizeStep(db: Db, input: { verificationId: string }) {
  // The figures have been locked since StoreConfirmation; only reinvestigation unlocks them, and it ends the round.
  const v = await getVerification(db, input.verificationId);
  const items = await queryAll(db, { partition: keys.verification(v.id).pk, prefix: 'HOUSEHOLD#' });
  const byUnit = new Map<string, { paired: number; meetingFloor: number }>();
  for (const i of items) {
    const unitId = (i.snapshot as HouseholdSnapshot).unitId;
    const u = byUnit.get(unitId) ?? { paired: 0, meetingFloor: 0 };
    u.paired++;
    if ((i.check as HouseholdCheck).meetsFloor) u.meetingFloor++;
    byUnit.set(unitId, u);
  }
  await putAll(
    db,
    [...byUnit].map(([unitId, u]) => ({
      pk: `UNIT#${unitId}`,
      sk: `ASSESSMENT#${v.year}#${v.communityId}`,
      entity: 'unit-assessment',
      unitId,
      year: v.year,
      communityId: v.communityId,
      verificationId: v.id,
      ...u,
    })),
  );
  if (v.noticeId) await updateIf(db, keys.notice(v.noticeId), { set: { status: 'final' } });
  await setStatus(db, v.id, 'final', ['objection_window'], { finalAt: new Date().toISOString() });
  return {};
}

/**
 * Step "MarkFailed": a step failed after its retries. The round becomes `failed`, releases its hold on the
 * community-year (freeze and lock), withdraws a notice it had posted, and an admin can start the next round.
 * The execution then ends in the Fail state, which raises the failed-executions alarm on AWS.
 */
export async function failStep(db: Db, input: { verificationId: string; error?: string }) {
  const failure = { at: new Date().toISOString(), error: String(input.error ?? 'unknown').slice(0, 200) };
  await setStatus(db, input.verificationId, 'failed', [...IN_FLIGHT], { failure });
  const v = await getVerification(db, input.verificationId);
  if (v.status !== 'failed') return { failed: false, status: v.status };
  await releaseFigures(db, v);
  if (v.noticeId) {
    await updateIf(
      db,
      keys.notice(v.noticeId),
      { set: { status: 'withdrawn' } },
      {
        expression: '#status = :o',
        values: { ':o': 'open' },
      },
    );
  }
  return { failed: true, status: v.status };
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
