import { createHash } from 'node:crypto';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { hasRole } from '#shared/caller.ts';
import { AppError, type ErrorCode, forbidden, notFound } from '#shared/errors.ts';
import { communityYearEvidence } from '#shared/evidence/household.ts';
import { type Community, findEntity, listEntities } from '#shared/registry/entities.ts';
import { parseInput } from '#shared/validate.ts';
import {
  decide,
  getVerification,
  listVerifications,
  ReopenInput,
  reopen,
  startVerification,
  verificationPacket,
} from '#shared/verification/index.ts';
import { html } from '#shared/web/html.ts';
import { LABELS, WORDS } from '#shared/web/i18n.ts';
import { COMMON_EN, englishCatalogue, NOTICE_EN, PAIRING_EN, VERIFICATION_EN } from '#shared/web/messages-en.ts';
import { appendPageAudit } from './lib/audit.ts';
import { db } from './lib/clients.ts';
import type { ApiEvent, ApiResult } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';
import { verificationConfig } from './lib/verification-config.ts';
import { getWorkflow } from './lib/workflow.ts';
import { fieldErrors, type PageHandlers, type PageRequest, type PageResult, pageServer } from './pages/kit.ts';
import { VERIFICATION_PAGE_ROUTES } from './routes.ts';
import { verificationsPage } from './verification-pages/list.ts';
import { type DecisionFormValues, packetIsSettling, packetPage } from './verification-pages/packet.ts';

/*
 * GET/POST /app/verifications…: the verification pages — the rounds' list and the admin's start, the packet, the
 * community cadre's decision, the stored signature, the admin's reopen. A Lambda of its own beside `pages`: the
 * verification commands (the workflow client, the object store, the packet) would leave the cadre's phone pages
 * no room in their bundle budget, and only this page Lambda starts rounds, answers the waiting workflow and reads
 * signatures. The same kit and words as `pages` (sign-in, CSRF, the role check from `PAGE_ROUTES`).
 */

const signedIn = (req: PageRequest) => {
  if (!req.caller) throw new AppError('auth.required', '请先登录');
  return req.caller;
};

async function packet(
  req: PageRequest,
  m: RegExpExecArray,
  errors: Record<string, string> = {},
  status = 400,
  values?: DecisionFormValues,
): Promise<PageResult> {
  const c = signedIn(req);
  const v = await verificationPacket(db, c, m[1]!);
  // Receipts and outcomes of every household: one read of the community-year beside the community's, not one each.
  const [community, evidence] = await Promise.all([
    findEntity<Community>(db, 'community', v.communityId),
    communityYearEvidence(db, v.communityId, v.year),
  ]);
  const canDecide =
    hasRole(c, 'communityCadre') &&
    c.communityId === v.communityId &&
    v.status === 'awaiting_confirmation' &&
    !v.decision;
  return {
    status: Object.keys(errors).length ? status : 200,
    title: req.t.packetTitle(community?.name ?? v.communityId, v.year, v.round),
    body: html`${req.query.has('decided') ? html`<p class="notice" role="status">${req.t.decided}</p>` : ''}${packetPage(req, v, canDecide, errors, values, evidence)}`,
    refresh: packetIsSettling(v) ? { seconds: 3, url: `/app/verifications/${v.id}` } : undefined,
  };
}

/** An admin reopens a final community-year with a reason; the next round starts at once (as the API's reopen). */
async function reopenRound(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  let input: { reason: string };
  try {
    input = parseInput(ReopenInput, { reason: req.form.get('reason') ?? '' });
  } catch (e) {
    return packet(req, m, fieldErrors(e));
  }
  try {
    const next = await reopen(
      { db, workflow: getWorkflow(), now: req.now, config: verificationConfig() },
      c,
      m[1]!,
      input.reason,
    );
    return { redirect: `/app/verifications/${next.id}`, audited: m[1]! };
  } catch (e) {
    if (e instanceof AppError && e.kind === 'conflict') return packet(req, m, { _: req.say(e.message) }, 409);
    throw e;
  }
}

/** The words for a decision the round no longer takes, with the domain's own reason after them. */
function refusedDecision(req: PageRequest, e: unknown): Record<string, string> | undefined {
  if (!(e instanceof AppError) || e.kind !== 'conflict') return undefined;
  const headlines: Partial<Record<ErrorCode, string>> = {
    'verification.stale': req.t.decisionStale,
    'verification.expired': req.t.decisionExpired,
    'verification.failed': req.t.decisionFailed,
  };
  const headline = headlines[e.code];
  return { _: headline ? `${headline} ${req.say(e.message)}` : req.say(e.message) };
}

async function submitDecision(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const f = req.form;
  const values: DecisionFormValues = {
    sealId: f.get('sealId') ?? '',
    acknowledgeProblems: f.get('acknowledgeProblems') === 'true',
    signaturePng: f.get('signaturePng') ?? '',
  };
  const input =
    f.get('decision') === 'reject'
      ? { decision: 'reject' as const, comment: f.get('comment') ?? '', householdIds: f.getAll('householdIds') }
      : {
          decision: 'confirm' as const,
          signaturePng: values.signaturePng,
          sealId: values.sealId,
          digest: f.get('digest') ?? '',
          acknowledgeProblems: values.acknowledgeProblems,
        };
  if (input.decision === 'reject' && !input.householdIds?.length)
    delete (input as { householdIds?: string[] }).householdIds;
  try {
    // The command checks the decision against its schema itself; its issues come back as field errors.
    await decide({ db, workflow: getWorkflow(), objects: getObjectStore(), now: req.now }, c, m[1]!, input);
  } catch (e) {
    const refused = refusedDecision(req, e);
    if (refused) return packet(req, m, refused, 409, values);
    return packet(req, m, fieldErrors(e), 400, values);
  }
  return { redirect: `/app/verifications/${m[1]}?decided=1`, audited: m[1]! };
}

/**
 * GET /app/verifications/{id}/signature: the confirmed round's signature image, to those who may see the packet
 * (the rule of `verificationPacket`, read here without the packet's households). The bytes are checked against
 * the hash the confirmation recorded, so the page never shows an image other than the one that was signed.
 */
async function signature(req: PageRequest, m: RegExpExecArray): Promise<PageResult> {
  const c = signedIn(req);
  const v = await getVerification(db, m[1]!);
  const allowed = hasRole(c, 'admin', 'auditor') || (hasRole(c, 'communityCadre') && c.communityId === v.communityId);
  if (!allowed) throw forbidden('verification.not_yours', '您无权查看该社区的核查');
  const key = v.decision?.decision === 'confirm' ? v.decision.signatureKey : undefined;
  const bytes = key ? await getObjectStore().get(key) : undefined;
  if (!bytes) throw notFound('signature.not_found', '没有签字图片');
  if (createHash('sha256').update(bytes).digest('hex') !== v.decision?.signatureSha256) {
    throw new AppError('signature.mismatch', '签字图片与确认时记录的哈希不一致，请联系管理员核对');
  }
  return { image: { bytes, contentType: 'image/png' } };
}

async function verifications(req: PageRequest): Promise<PageResult> {
  const c = signedIn(req);
  const [rounds, communities] = await Promise.all([listVerifications(db), listEntities<Community>(db, 'community')]);
  rounds.sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  return { title: req.t.verifications, body: verificationsPage(req, rounds, communities, hasRole(c, 'admin')) };
}

async function startRound(req: PageRequest): Promise<PageResult> {
  const c = signedIn(req);
  const { verification } = await startVerification(
    { db, workflow: getWorkflow(), now: req.now, config: verificationConfig() },
    c,
    { communityId: req.form.get('communityId') ?? '', year: Number(req.form.get('year') ?? req.year) },
  );
  return { redirect: `/app/verifications/${verification.id}`, audited: verification.id };
}

/** Every page this Lambda serves, by its route in `functions/routes.ts` (`PAGE_ROUTES`: who may open it). */
export const PAGES: PageHandlers<'verification-pages'> = {
  'GET /app/verifications': verifications,
  'POST /app/verifications': startRound,
  'GET /app/verifications/{id}': (req, m) => packet(req, m),
  'GET /app/verifications/{id}/signature': signature,
  'POST /app/verifications/{id}/decision': submitDecision,
  'POST /app/verifications/{id}/reopen': reopenRound,
};

const serve = pageServer(VERIFICATION_PAGE_ROUTES, PAGES, {
  english: englishCatalogue(COMMON_EN, VERIFICATION_EN, NOTICE_EN, PAIRING_EN),
  words: WORDS,
  labels: LABELS,
  // A page's write is audited by the same code as the API's: one entry shape, one writer.
  audit: appendPageAudit,
});

export const handler = middy<ApiEvent, ApiResult, Error, Context>({ timeoutEarlyInMillis: 0 }).handler((event) =>
  serve(event),
);
