import { createHash } from 'node:crypto';
import { type Caller, hasRole } from '../caller.ts';
import { type Db, getItem, queryAll } from '../db.ts';
import { conflict, forbidden } from '../errors.ts';
import { keys } from '../table.ts';
import { digestOf, type FundEntry, type HouseholdSnapshot, type ManualEntry } from './checks.ts';
import { confirmationOf, getVerification, readCommunityYear, type Verification } from './index.ts';

/**
 * Tamper evidence (防篡改核验) of a confirmed round. The community cadre's signature is bound to a SHA-256 digest of
 * exactly what they confirmed (`digestOf`); this recomputes that digest from the table, twice:
 *
 * - from the round's **snapshot** items (`VERIFICATION#<id>` / `HOUSEHOLD#<h>`), which are written before the
 *   decision and never again;
 * - from the **live ledger** (`readCommunityYear`, restricted to the round's households): pairings (name,
 *   size), entries, receipts and the fund ledger, which confirmation locks.
 *
 * Whichever recomputation still gives the confirmed digest is the authentic copy, and the other is compared with
 * it field by field, so each mismatch names the household, the entry (by id) or fund entry (by reference), the
 * field, the confirmed value and the value now, and which source changed. When neither matches, both changed
 * and their differences cannot be attributed; the digest mismatches still say so.
 *
 * Only rounds with a stored confirmation can be checked (409 otherwise). The ledger is compared whenever the
 * round still holds its figures, which it does from its freeze on (before the snapshot), so right after the
 * confirmation too; a round that was `reinvestigating`, `reopened` or `failed` released its figures for
 * correction (a later round confirms them again), so only its snapshot and confirmation are.
 */

/** Where a difference was found. `unattributed`: snapshot and ledger both differ from the confirmation. */
export type IntegritySource = 'confirmation' | 'notice' | 'snapshot' | 'ledger' | 'unattributed';

/** One difference between what was confirmed and what the table holds now. */
export interface IntegrityMismatch {
  source: IntegritySource;
  /** What differs: a digest, the confirmation's binding, a household, its head (name, size), an entry, a fund entry, a receipt. */
  subject: 'digest' | 'binding' | 'household' | 'head' | 'entry' | 'fund' | 'receipt';
  change: 'added' | 'removed' | 'changed';
  householdId?: string;
  /** The manual (aid) entry's id, for `entry` and `receipt`. */
  entryId?: string;
  /** The fund-ledger reference, for `fund`. */
  reference?: string;
  field?: string;
  /** The confirmed value (for `changed`). */
  expected?: unknown;
  /** The value the table holds now (for `changed`). */
  actual?: unknown;
  /** The same in words, for the person reading the report. */
  message: string;
}

/** The answer of `GET /verifications/{id}/integrity`. */
export interface IntegrityReport {
  id: string;
  communityId: string;
  year: number;
  round: number;
  status: Verification['status'];
  /** True only when every recomputation gives the confirmed digest and the confirmation is intact. */
  ok: boolean;
  /** The digest the community cadre's signature is bound to. */
  expectedDigest: string;
  /** Recomputed from the live ledger when it was checked, else from the snapshot. */
  actualDigest: string;
  snapshotDigest: string;
  /** Null when the round's figures were unlocked since (see the module comment). */
  ledgerDigest: string | null;
  ledgerChecked: boolean;
  mismatches: IntegrityMismatch[];
}

/**
 * Statuses in which a confirmed round no longer holds its figures: they were released for correction (or the
 * round failed), and a later round confirms them again. Every other confirmed round holds them, from the
 * moment the confirmation is stored, so any ledger difference is a change made behind the API.
 */
const RELEASED: readonly Verification['status'][] = ['reinvestigating', 'reopened', 'failed'];

const SOURCE_WORDS: Record<IntegritySource, string> = {
  confirmation: '确认记录',
  notice: '公示',
  snapshot: '核查快照',
  ledger: '台账',
  unattributed: '核查快照与台账之间',
};

const ENTRY_FIELDS = ['date', 'kind', 'objective', 'amountFen', 'itemsTotalFen', 'reverses'] as const;
const FUND_FIELDS = ['date', 'objective', 'amountFen'] as const;
const HEAD_FIELDS = { headName: '户主姓名', memberCount: '家庭人口' } as const;

const show = (v: unknown) => (v === undefined || v === null ? '（无）' : String(v));

/**
 * Differences of `actual` from `confirmed`, per household, in the order of the digest (households, then entries
 * by id, then fund entries by reference). `source` is where the change was made.
 */
export function diffSnapshots(
  confirmed: readonly HouseholdSnapshot[],
  actual: readonly HouseholdSnapshot[],
  source: IntegritySource,
): IntegrityMismatch[] {
  const where = SOURCE_WORDS[source];
  const out: IntegrityMismatch[] = [];
  const before = new Map(confirmed.map((h) => [h.householdId, h]));
  const after = new Map(actual.map((h) => [h.householdId, h]));
  for (const householdId of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(householdId);
    const a = after.get(householdId);
    if (!a || !b) {
      const change = a ? 'added' : 'removed';
      out.push({
        source,
        subject: 'household',
        change,
        householdId,
        message: `${where}中${change === 'added' ? '多出' : '缺少'}家庭 ${householdId}`,
      });
      continue;
    }
    for (const [field, words] of Object.entries(HEAD_FIELDS) as [keyof typeof HEAD_FIELDS, string][]) {
      if (b[field] !== a[field]) {
        out.push({
          source,
          subject: 'head',
          change: 'changed',
          householdId,
          field,
          expected: b[field],
          actual: a[field],
          message: `${where}中家庭 ${householdId} 的${words}由 ${show(b[field])} 变为 ${show(a[field])}`,
        });
      }
    }
    out.push(...diffEntries(b.manual, a.manual, householdId, source));
    out.push(...diffFunds(b.funds, a.funds, householdId, source));
  }
  return out;
}

function diffEntries(
  before: readonly ManualEntry[],
  after: readonly ManualEntry[],
  householdId: string,
  source: IntegritySource,
): IntegrityMismatch[] {
  const where = SOURCE_WORDS[source];
  const out: IntegrityMismatch[] = [];
  const b = new Map(before.map((e) => [e.id, e]));
  const a = new Map(after.map((e) => [e.id, e]));
  for (const entryId of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const x = b.get(entryId);
    const y = a.get(entryId);
    if (!x || !y) {
      const change = y ? 'added' : 'removed';
      const e = (y ?? x)!;
      out.push({
        source,
        subject: 'entry',
        change,
        householdId,
        entryId,
        message: `${where}中${change === 'added' ? '多出' : '缺少'}帮扶记录 ${entryId}（${e.date} ${e.amountFen} 分，家庭 ${householdId}）`,
      });
      continue;
    }
    for (const field of ENTRY_FIELDS) {
      if ((x[field] ?? null) !== (y[field] ?? null)) {
        out.push({
          source,
          subject: 'entry',
          change: 'changed',
          householdId,
          entryId,
          field,
          expected: x[field] ?? null,
          actual: y[field] ?? null,
          message: `${where}中帮扶记录 ${entryId} 的 ${field} 由 ${show(x[field])} 变为 ${show(y[field])}（家庭 ${householdId}）`,
        });
      }
    }
    if (x.receipt !== y.receipt) {
      out.push({
        source,
        subject: 'receipt',
        change: y.receipt ? 'added' : 'removed',
        householdId,
        entryId,
        message: `${where}中帮扶记录 ${entryId} 的签收${y.receipt ? '被添加' : '被移除'}（家庭 ${householdId}）`,
      });
    }
  }
  return out;
}

function diffFunds(
  before: readonly FundEntry[],
  after: readonly FundEntry[],
  householdId: string,
  source: IntegritySource,
): IntegrityMismatch[] {
  const where = SOURCE_WORDS[source];
  const out: IntegrityMismatch[] = [];
  const b = new Map(before.map((f) => [f.reference, f]));
  const a = new Map(after.map((f) => [f.reference, f]));
  for (const reference of [...new Set([...b.keys(), ...a.keys()])].sort()) {
    const x = b.get(reference);
    const y = a.get(reference);
    if (!x || !y) {
      const change = y ? 'added' : 'removed';
      out.push({
        source,
        subject: 'fund',
        change,
        householdId,
        reference,
        message: `${where}中${change === 'added' ? '多出' : '缺少'}资金台账记录 ${reference}（家庭 ${householdId}）`,
      });
      continue;
    }
    for (const field of FUND_FIELDS) {
      if (x[field] !== y[field]) {
        out.push({
          source,
          subject: 'fund',
          change: 'changed',
          householdId,
          reference,
          field,
          expected: x[field],
          actual: y[field],
          message: `${where}中资金台账记录 ${reference} 的 ${field} 由 ${show(x[field])} 变为 ${show(y[field])}（家庭 ${householdId}）`,
        });
      }
    }
  }
  return out;
}

/** The binding of a confirmation, as `storeConfirmationStep` computes it. */
function bindingOf(v: Verification): string | undefined {
  const d = v.decision;
  if (!v.confirmation || !d?.signatureSha256 || !d.sealId) return undefined;
  return createHash('sha256')
    .update([v.confirmation.digest, d.signatureSha256, d.sealId, d.decidedBy, d.decidedAt].join('\n'))
    .digest('hex');
}

/**
 * Checks a confirmed round against the table: the confirmation's own consistency, the published notice's
 * digest, the snapshot and (while locked) the live ledger. For admins and auditors.
 */
export async function verifyIntegrity(db: Db, caller: Caller, id: string): Promise<IntegrityReport> {
  if (!hasRole(caller, 'admin', 'auditor')) throw forbidden('verification.not_yours', '您无权核验该核查');
  const recorded = await getVerification(db, id);
  // A confirm decision is the confirmation, whether or not the step that stores its binding has run yet.
  const v = { ...recorded, confirmation: confirmationOf(recorded) };
  if (!v.confirmation) {
    throw conflict('verification.not_confirmed', '本轮核查尚未确认，没有可核验的确认摘要');
  }
  const expectedDigest = v.confirmation.digest;
  const mismatches: IntegrityMismatch[] = [];

  const binding = bindingOf(v);
  if (binding !== v.confirmation.binding) {
    mismatches.push({
      source: 'confirmation',
      subject: 'binding',
      change: 'changed',
      field: 'binding',
      expected: binding ?? null,
      actual: v.confirmation.binding,
      message: '确认记录的签名绑定值与确认内容（摘要、签名、印章、确认人、时间）不符',
    });
  }
  if (v.digest !== expectedDigest) {
    mismatches.push({
      source: 'confirmation',
      subject: 'digest',
      change: 'changed',
      field: 'digest',
      expected: expectedDigest,
      actual: v.digest ?? null,
      message: '核查记录上的摘要与确认时的摘要不一致',
    });
  }
  if (v.noticeId) {
    const notice = await getItem<{ digest?: string }>(db, keys.notice(v.noticeId));
    if (notice && notice.digest !== expectedDigest) {
      mismatches.push({
        source: 'notice',
        subject: 'digest',
        change: 'changed',
        field: 'digest',
        expected: expectedDigest,
        actual: notice.digest ?? null,
        message: '公示中的摘要与确认时的摘要不一致',
      });
    }
  }

  const items = await queryAll(db, { partition: keys.verification(id).pk, prefix: 'HOUSEHOLD#' });
  const snapshot = items.map((i) => i.snapshot as HouseholdSnapshot);
  const snapshotDigest = digestOf(v.communityId, v.year, snapshot);
  const snapshotOk = snapshotDigest === expectedDigest;
  if (!snapshotOk) {
    mismatches.push({
      source: 'snapshot',
      subject: 'digest',
      change: 'changed',
      expected: expectedDigest,
      actual: snapshotDigest,
      message: '由核查快照重新计算的摘要与确认时的摘要不一致：快照在确认后被改动',
    });
  }

  const ledgerChecked = !RELEASED.includes(v.status);
  let ledgerDigest: string | null = null;
  if (ledgerChecked) {
    // The round's households: those it listed and those snapshotted, so removing one from either list shows.
    const ids = new Set([...(v.householdIds ?? []), ...snapshot.map((h) => h.householdId)]);
    const live = (await readCommunityYear(db, v.communityId, v.year)).filter((h) => ids.has(h.householdId));
    ledgerDigest = digestOf(v.communityId, v.year, live);
    const ledgerOk = ledgerDigest === expectedDigest;
    if (!ledgerOk) {
      mismatches.push({
        source: 'ledger',
        subject: 'digest',
        change: 'changed',
        expected: expectedDigest,
        actual: ledgerDigest,
        message: '由台账重新计算的摘要与确认时的摘要不一致：确认后台账被改动',
      });
    }
    if (snapshotOk && !ledgerOk) mismatches.push(...diffSnapshots(snapshot, live, 'ledger'));
    else if (!snapshotOk && ledgerOk) mismatches.push(...diffSnapshots(live, snapshot, 'snapshot'));
    else if (!snapshotOk && !ledgerOk) mismatches.push(...diffSnapshots(snapshot, live, 'unattributed'));
  }

  return {
    id: v.id,
    communityId: v.communityId,
    year: v.year,
    round: v.round,
    status: v.status,
    ok: mismatches.length === 0,
    expectedDigest,
    actualDigest: ledgerDigest ?? snapshotDigest,
    snapshotDigest,
    ledgerDigest,
    ledgerChecked,
    mismatches,
  };
}
