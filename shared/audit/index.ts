import * as z from 'zod';
import { reversalIdFor } from '../aid/rules.ts';
import { shanghaiDate, toShanghaiDate } from '../dates.ts';
import { type Db, getItem, putIfAbsent, queryAll, queryPages } from '../db.ts';
import { invalid } from '../errors.ts';
import { keys, stripKeys } from '../table.ts';

/**
 * The audit trail (操作留痕): one append-only entry for every successful write made through the API, saying
 * who (the token's subject and roles), what (the route), to which entity, when, and under which request id.
 * Entries never hold request bodies, names or ID numbers: they point at the entity, whose own items say what
 * it holds. Written by `functions/lib/audit.ts`, the one middleware every API handler runs.
 */

/** One audit entry. */
export interface AuditEntry {
  /** When the write was answered, ISO-8601 UTC with milliseconds. */
  at: string;
  /** The token's subject; `public` for the public routes (objections). */
  actor: string;
  roles: string[];
  /** The route, as API Gateway names it: `POST /aid-records`. */
  action: string;
  /** The entity written: the path id, else the created entity's id. */
  entityId: string;
  requestId: string;
  /** The HTTP status of the answer (2xx). */
  status: number;
  /**
   * What an edit changed, when the handler says (`PATCH` of the registry): the changed fields' values before
   * and after. Never an ID number: a household's number appears only masked (`idNumberMasked`).
   */
  before?: Record<string, unknown>;
  after?: Record<string, unknown>;
  /** Why, when the act needs a reason (correcting a resident ID number). */
  reason?: string;
}

/** What a handler may add to its write's audit entry. */
export type AuditDetail = Pick<AuditEntry, 'before' | 'after' | 'reason'>;

/** The changed fields of an edit, before and after, for an audit entry. */
export function auditChanges(edit: {
  before: object;
  after: object;
  changed: string[];
  reason?: string | undefined;
}): AuditDetail {
  const pick = (o: object) =>
    Object.fromEntries(edit.changed.map((f) => [f, (o as Record<string, unknown>)[f] ?? null]));
  return { before: pick(edit.before), after: pick(edit.after), ...(edit.reason ? { reason: edit.reason } : {}) };
}

/** Appends one entry to the entity's trail and to its day's listing. */
export async function recordAudit(db: Db, entry: AuditEntry): Promise<void> {
  await putIfAbsent(db, {
    ...keys.auditEntry(entry.entityId, entry.at, entry.requestId),
    ...keys.auditDay(shanghaiDate(new Date(entry.at)), entry.at, entry.requestId),
    entity: 'audit',
    ...entry,
  });
}

/** An item of the trail: an audit entry, or a ledger entry standing for its own write. */
function asAuditEntry(item: Record<string, unknown>): AuditEntry | undefined {
  if (item.entity === 'aid') {
    const entry = auditEntryOfLedgerItem(item);
    return entry && entry.entityId === (item.reverses ?? item.id) ? entry : undefined;
  }
  return stripKeys(item) as unknown as AuditEntry;
}

/** Most entries one answer holds; `truncated` says when there were more. */
export const MAX_AUDIT_ENTRIES = 5000;
/** Longest time range of a listing across entities (one Query per Shanghai day). */
export const MAX_AUDIT_DAYS = 31;

/** A bound of a range: a Shanghai date (the whole day) or an ISO instant with offset. */
const Bound = z
  .string()
  .max(40)
  .refine((t) => toShanghaiDate(t) !== undefined, '时间应为 YYYY-MM-DD 或带时区的 ISO 时间');

/** Query of the audit trail: one entity (optionally within a time range), or every entity within a range. */
export const AuditQuery = z.strictObject({
  entityId: z.string().trim().min(1).max(200).optional(),
  from: Bound.optional(),
  to: Bound.optional(),
  format: z.enum(['json', 'csv', 'xlsx'], { error: '格式应为 json、csv 或 xlsx' }).optional(),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

const DAY_MS = 24 * 60 * 60 * 1000;
const SHANGHAI_MS = 8 * 60 * 60 * 1000;

/** The first instant of a bound: a date's Shanghai midnight, or the instant itself. */
function startOf(bound: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(bound)
    ? new Date(Date.parse(`${bound}T00:00:00Z`) - SHANGHAI_MS).toISOString()
    : new Date(Date.parse(bound)).toISOString();
}

/** The last instant of a bound: the end of a date's Shanghai day, or the instant itself. */
function endOf(bound: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(bound)
    ? new Date(Date.parse(`${bound}T00:00:00Z`) - SHANGHAI_MS + DAY_MS - 1).toISOString()
    : new Date(Date.parse(bound)).toISOString();
}

/** The Shanghai days from one instant to another, inclusive. */
function daysBetween(fromIso: string, toIso: string): string[] {
  const days: string[] = [];
  for (let t = Date.parse(fromIso); shanghaiDate(new Date(t)) <= shanghaiDate(new Date(toIso)); t += DAY_MS) {
    days.push(shanghaiDate(new Date(t)));
  }
  return days;
}

/**
 * Lists audit entries in time order. With `entityId`: that entity's trail, one Query of its partition (sort
 * keys start with the instant, so the trail comes back in time order), narrowed to the range. Without: `from`
 * and `to` are required and at most 31 days apart, one Query per Shanghai day of the byKind index.
 */
export async function listAudit(
  db: Db,
  q: AuditQuery,
  now: Date,
): Promise<{ entries: AuditEntry[]; truncated: boolean }> {
  const from = q.from ? startOf(q.from) : undefined;
  const to = q.to ? endOf(q.to) : undefined;
  if (from && to && from > to) {
    throw invalid('audit.range', '开始时间不能晚于结束时间', [{ path: 'from', message: '开始时间不能晚于结束时间' }]);
  }
  const entries: AuditEntry[] = [];
  const inRange = (at: string) => (!from || at >= from) && (!to || at <= to);
  const take = async (pages: AsyncGenerator<Record<string, unknown>[]>) => {
    for await (const page of pages) {
      for (const item of page) {
        const entry = asAuditEntry(item);
        if (!entry || !inRange(entry.at)) continue;
        if (entries.length === MAX_AUDIT_ENTRIES) return true;
        entries.push(entry);
      }
    }
    return false;
  };
  if (q.entityId) {
    // A ledger entry and its reversal are their own audit entries (shared/aid/ledger.ts `WriteTrace`).
    const ledger = await Promise.all([
      getItem(db, keys.aidRecord(q.entityId)),
      getItem(db, keys.aidRecord(reversalIdFor(q.entityId))),
    ]);
    const own = [
      ...ledger.flatMap((i) => (i ? [i] : [])),
      ...(await queryAll(db, { partition: keys.auditEntry(q.entityId, '', '').pk })),
    ];
    own.sort((a, b) => (asAuditEntry(a)?.at ?? '').localeCompare(asAuditEntry(b)?.at ?? ''));
    const truncated = await take(
      (async function* () {
        yield own;
      })(),
    );
    return { entries, truncated };
  }
  if (!from || !to) {
    throw invalid('audit.range_required', '不指定对象时，必须给出开始和结束时间（from、to）', [
      { path: q.from ? 'to' : 'from', message: '不指定对象时，必须给出开始和结束时间' },
    ]);
  }
  const days = daysBetween(from, to < now.toISOString() ? to : now.toISOString());
  if (days.length > MAX_AUDIT_DAYS) {
    throw invalid('audit.range_too_long', `时间范围不超过 ${MAX_AUDIT_DAYS} 天`, [
      { path: 'to', message: `时间范围不超过 ${MAX_AUDIT_DAYS} 天` },
    ]);
  }
  for (const day of days) {
    if (await take(queryPages(db, { index: 'byKind', partition: keys.auditDay(day, '', '').gsi3pk }))) {
      return { entries, truncated: true };
    }
  }
  return { entries, truncated: false };
}

/** The audit entry a ledger item stands for (see `WriteTrace` in shared/aid/ledger.ts). */
export function auditEntryOfLedgerItem(item: Record<string, unknown>): AuditEntry | undefined {
  const audit = item.audit as Omit<AuditEntry, 'at' | 'status'> | undefined;
  return audit ? { at: item.recordedAt as string, ...audit, status: 201 } : undefined;
}

/**
 * The Shanghai days a range listing reads (an export's chunks), after the same checks as `listAudit`: a range
 * that ends before it starts, a missing bound, more than 31 days are refused alike.
 */
export function auditRangeDays(q: AuditQuery, now: Date): { from: string; to: string; days: string[] } {
  const from = q.from ? startOf(q.from) : undefined;
  const to = q.to ? endOf(q.to) : undefined;
  if (from && to && from > to) {
    throw invalid('audit.range', '开始时间不能晚于结束时间', [{ path: 'from', message: '开始时间不能晚于结束时间' }]);
  }
  if (!from || !to) {
    throw invalid('audit.range_required', '不指定对象时，必须给出开始和结束时间（from、to）', [
      { path: q.from ? 'to' : 'from', message: '不指定对象时，必须给出开始和结束时间' },
    ]);
  }
  const days = daysBetween(from, to < now.toISOString() ? to : now.toISOString());
  if (days.length > MAX_AUDIT_DAYS) {
    throw invalid('audit.range_too_long', `时间范围不超过 ${MAX_AUDIT_DAYS} 天`, [
      { path: 'to', message: `时间范围不超过 ${MAX_AUDIT_DAYS} 天` },
    ]);
  }
  return { from, to, days };
}

/** One Shanghai day's entries within `[from, to]`, in time order, without the listing's cap (exports). */
export async function auditEntriesOfDay(db: Db, day: string, from: string, to: string): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const page of queryPages(db, { index: 'byKind', partition: keys.auditDay(day, '', '').gsi3pk })) {
    for (const item of page) {
      const entry = asAuditEntry(item);
      if (entry && entry.at >= from && entry.at <= to) out.push(entry);
    }
  }
  return out;
}
