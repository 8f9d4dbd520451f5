import * as z from 'zod';
import { accountNamesBySub } from '../accounts/list.ts';
import { floorStatus } from '../aid/rules.ts';
import { actionName, ROLE_NAMES } from '../audit/actions.ts';
import { AuditQuery, auditEntriesOfDay, auditRangeDays, listAudit } from '../audit/index.ts';
import { beijingTime, shanghaiDate } from '../dates.ts';
import { type Db, getMany } from '../db.ts';
import { FloorReportQuery } from '../floor/report.ts';
import { CampaignYearParam } from '../pairing/index.ts';
import { type Community, listEntities, UNASSIGNED_REGION } from '../registry/entities.ts';
import { REPORT_CONCURRENCY, RegionFilters, readHouseholdYears } from '../reports/community-year.ts';
import { namesOf } from '../reports/names.ts';
import { campaignSummary, SUMMARY_COLUMNS, SummaryQuery, summaryLines } from '../reports/summary.ts';
import { UNIT_COLUMNS, UnitReportQuery, unitAssessment } from '../reports/units.ts';
import { keys } from '../table.ts';
import type { FileColumn } from './encoders.ts';

/**
 * The reports as row sources for export jobs: each reads the table chunk by chunk after a cursor (the floor
 * report and the verification status 16 communities at a time, the audit trail a day at a time), so a job holds
 * one chunk, never the city, and may stop after any chunk and continue elsewhere. The unit assessment and the
 * summary are sums over the city and small: one chunk each.
 */

export const EXPORT_REPORTS = ['floor', 'units', 'summary', 'audit', 'verifications'] as const;
export type ExportReport = (typeof EXPORT_REPORTS)[number];

/** The verification status report's filters (a report with no direct route yet; the same names as the others). */
export const VerificationsQuery = z.strictObject({
  year: CampaignYearParam,
  communityId: z.string().trim().min(1).max(64).optional(),
  ...RegionFilters,
});

/** Each report's filters: the same schemas as its direct route's query, without `format`. */
export const FILTERS = {
  floor: FloorReportQuery.omit({ format: true }),
  units: UnitReportQuery.omit({ format: true }),
  summary: SummaryQuery.omit({ format: true }),
  audit: AuditQuery.omit({ format: true }),
  verifications: VerificationsQuery,
} as const;

/** The parsed filters of any report (each report reads its own). */
export interface Filters {
  year?: number;
  communityId?: string | undefined;
  unitId?: string | undefined;
  townshipId?: string | undefined;
  districtId?: string | undefined;
  entityId?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** A report's name as people say it (the file name's first word and its title). */
export const REPORT_TITLES: Record<ExportReport, string> = {
  floor: '达标情况',
  units: '帮扶单位考核',
  summary: '帮扶汇总',
  audit: '操作留痕',
  verifications: '核验情况',
};

/** One chunk of rows and the cursor after it (undefined: the report is done). */
export interface Chunk {
  rows: Record<string, unknown>[];
  cursor: string | undefined;
  /** Partitions (communities, days) this chunk covered. */
  partitions: number;
}

export interface ExportSource {
  columns: FileColumn[];
  /** Partitions the report reads in all, for progress. */
  partitionsTotal: number;
  next(cursor: string | undefined): Promise<Chunk>;
}

const col = (
  key: string,
  header: string,
  kind: FileColumn['kind'] = 'text',
  width?: number,
  code = key,
): FileColumn => ({
  key,
  header,
  code,
  kind,
  ...(width ? { width } : {}),
});

const FLOOR_COLUMNS: FileColumn[] = [
  col('householdId', '家庭编号', 'text', 38),
  col('headName', '户主'),
  col('communityName', '社区', 'text', 16),
  col('township', '街道/乡镇', 'text', 14),
  col('district', '区/县', 'text', 12),
  col('unitName', '帮扶单位', 'text', 18),
  col('cadreName', '帮扶责任人'),
  col('memberCount', '家庭人口', 'int'),
  col('totalFen', '帮扶合计（元）', 'fen'),
  col('meetsFloor', '是否达标', 'bool'),
  col('shortfallFen', '距底线差额（元）', 'fen'),
  col('communityId', '社区编号', 'text', 24),
  col('unitId', '单位编号', 'text', 24),
  col('cadreId', '干部编号', 'text', 24),
];

const AUDIT_COLUMNS: FileColumn[] = [
  col('time', '时间（北京时间）', 'text', 20),
  col('actorName', '操作人', 'text', 20),
  col('roleNames', '角色', 'text', 14),
  col('actionName', '操作', 'text', 20),
  col('entityId', '对象编号', 'text', 38),
  col('action', '接口', 'text', 36),
  col('status', '状态码', 'int'),
  col('reason', '理由', 'text', 24),
  col('requestId', '请求编号', 'text', 38),
  col('actor', '操作人编号', 'text', 38),
];

const VERIFICATION_STATUS: Record<string, string> = {
  checking: '核对中',
  awaiting_confirmation: '待社区确认',
  returned: '已退回',
  objection_window: '公示中',
  reinvestigating: '复核中',
  final: '已定稿',
  expired: '已过期',
  reopened: '已重新打开',
  failed: '失败',
};

const VERIFICATION_COLUMNS: FileColumn[] = [
  col('communityName', '社区', 'text', 16),
  col('township', '街道/乡镇', 'text', 14),
  col('district', '区/县', 'text', 12),
  col('round', '轮次', 'int'),
  col('statusName', '核验状态', 'text', 12),
  col('householdCount', '核验户数', 'int'),
  col('discrepancyCount', '差异户数', 'int'),
  col('startedAt', '发起时间（北京时间）', 'text', 20),
  col('finalAt', '定稿时间（北京时间）', 'text', 20),
  col('verificationId', '核验编号', 'text', 36),
  col('communityId', '社区编号', 'text', 24),
];

/** Communities a chunk of the floor report or the verification status reads. */
const COMMUNITIES_PER_CHUNK = REPORT_CONCURRENCY;

/** The communities in scope, in id order, with their names and places (one Query of the listing). */
async function communitiesInScope(db: Db, f: Filters): Promise<Community[]> {
  return (await listEntities<Community>(db, 'community'))
    .filter(
      (c) =>
        (!f.communityId || c.id === f.communityId) &&
        (!f.townshipId || c.townshipId === f.townshipId) &&
        (!f.districtId || c.districtId === f.districtId),
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The communities after the cursor (the last community id done), a chunk's worth. */
function afterCursor(all: Community[], cursor: string | undefined): { chunk: Community[]; rest: number } {
  const start = cursor === undefined ? 0 : all.findIndex((c) => c.id > cursor);
  if (start < 0) return { chunk: [], rest: 0 };
  const chunk = all.slice(start, start + COMMUNITIES_PER_CHUNK);
  return { chunk, rest: all.length - start - chunk.length };
}

/** Names of units and cadres, kept for the run (bounded: dropped when it grows past a city's worth). */
function nameCache(db: Db) {
  const known = { unit: new Map<string, string>(), cadre: new Map<string, string>() };
  return async (kind: 'unit' | 'cadre', ids: Iterable<string>) => {
    const map = known[kind];
    if (map.size > 50_000) map.clear();
    const missing = [...new Set(ids)].filter((id) => !map.has(id));
    if (missing.length) for (const [id, name] of await namesOf(db, kind, missing)) map.set(id, name);
    return map;
  };
}

async function floorSource(db: Db, f: Filters): Promise<ExportSource> {
  const communities = await communitiesInScope(db, f);
  const names = nameCache(db);
  return {
    columns: FLOOR_COLUMNS,
    partitionsTotal: communities.length,
    async next(cursor) {
      const { chunk, rest } = afterCursor(communities, cursor);
      const years = await Promise.all(chunk.map((c) => readHouseholdYears(db, c.id, f.year!)));
      const households = years.flat().filter((h) => !f.unitId || h.unitId === f.unitId);
      const [units, cadres] = await Promise.all([
        names(
          'unit',
          households.map((h) => h.unitId),
        ),
        names(
          'cadre',
          households.map((h) => h.cadreId),
        ),
      ]);
      const byId = new Map(chunk.map((c) => [c.id, c]));
      const rows = households.map((h) => {
        const c = byId.get(h.communityId);
        const s = floorStatus(h.totalFen);
        return {
          householdId: h.householdId,
          headName: h.headName,
          communityName: c?.name ?? h.communityId,
          township: c?.township ?? '',
          district: c?.district ?? UNASSIGNED_REGION,
          unitName: units.get(h.unitId) ?? h.unitId,
          cadreName: cadres.get(h.cadreId) ?? h.cadreId,
          memberCount: h.memberCount,
          totalFen: s.totalFen,
          meetsFloor: s.meetsFloor,
          shortfallFen: s.shortfallFen,
          communityId: h.communityId,
          unitId: h.unitId,
          cadreId: h.cadreId,
        };
      });
      return { rows, cursor: rest > 0 ? chunk.at(-1)!.id : undefined, partitions: chunk.length };
    },
  };
}

async function verificationsSource(db: Db, f: Filters): Promise<ExportSource> {
  const communities = await communitiesInScope(db, f);
  return {
    columns: VERIFICATION_COLUMNS,
    partitionsTotal: communities.length,
    async next(cursor) {
      const { chunk, rest } = afterCursor(communities, cursor);
      const pointers = await getMany(
        db,
        chunk.map((c) => keys.currentRound(c.id, f.year!)),
      );
      const current = new Map(pointers.map((p) => [p.pk as string, p.verificationId as string]));
      const rounds = await getMany(
        db,
        [...current.values()].map((id) => keys.verification(id)),
      );
      const byId = new Map(rounds.map((r) => [r.id as string, r]));
      const rows = chunk.map((c) => {
        const v = byId.get(current.get(keys.currentRound(c.id, f.year!).pk) ?? '');
        return {
          communityName: c.name,
          township: c.township ?? '',
          district: c.district ?? UNASSIGNED_REGION,
          round: v?.round,
          statusName: v ? (VERIFICATION_STATUS[v.status as string] ?? v.status) : '未发起',
          householdCount: v?.householdCount,
          discrepancyCount: v?.discrepancyCount,
          startedAt: v?.startedAt ? beijingTime(v.startedAt as string) : '',
          finalAt: v?.finalAt ? beijingTime(v.finalAt as string) : '',
          verificationId: v?.id ?? '',
          communityId: c.id,
        };
      });
      return { rows, cursor: rest > 0 ? chunk.at(-1)!.id : undefined, partitions: chunk.length };
    },
  };
}

/** An audit entry as the export shows it: Beijing time to the second, roles and the action in plain Chinese. */
function auditRow(e: Awaited<ReturnType<typeof auditEntriesOfDay>>[number], names: ReadonlyMap<string, string>) {
  const ms = Date.parse(e.at) + 8 * 3600_000;
  return {
    time: new Date(ms).toISOString().slice(0, 19).replace('T', ' '),
    // The person by their account's username where there is one (the public, a demo user: as recorded).
    actorName: names.get(e.actor) ?? (e.actor === 'public' ? '公众' : e.actor),
    actor: e.actor,
    roleNames: e.roles.map((r) => ROLE_NAMES[r] ?? r).join('、'),
    actionName: actionName(e.action),
    entityId: e.entityId,
    action: e.action,
    status: e.status,
    reason: e.reason ?? '',
    requestId: e.requestId,
  };
}

async function auditSource(db: Db, f: Filters, now: Date): Promise<ExportSource> {
  // Read once per run (a hand-over reads it again): accounts are thousands at most, entries millions.
  const names = await accountNamesBySub(db);
  const row = (e: Parameters<typeof auditRow>[0]) => auditRow(e, names);
  if (f.entityId) {
    return {
      columns: AUDIT_COLUMNS,
      partitionsTotal: 1,
      async next() {
        const trail = await listAudit(db, f as z.infer<typeof AuditQuery>, now);
        return { rows: trail.entries.map(row), cursor: undefined, partitions: 1 };
      },
    };
  }
  const { from, to, days } = auditRangeDays(f as z.infer<typeof AuditQuery>, now);
  return {
    columns: AUDIT_COLUMNS,
    partitionsTotal: days.length,
    async next(cursor) {
      const i = cursor === undefined ? 0 : days.indexOf(cursor) + 1;
      const day = days[i];
      if (day === undefined) return { rows: [], cursor: undefined, partitions: 0 };
      const rows = (await auditEntriesOfDay(db, day, from, to)).map(row);
      return { rows, cursor: i + 1 < days.length ? day : undefined, partitions: 1 };
    },
  };
}

/** A report computed whole (small: a row per unit, a line per figure) as a one-chunk source. */
function wholeSource(columns: FileColumn[], rows: () => Promise<Record<string, unknown>[]>): ExportSource {
  return {
    columns,
    partitionsTotal: 1,
    async next() {
      return { rows: await rows(), cursor: undefined, partitions: 1 };
    },
  };
}

const asFileColumns = (cols: readonly { key: string; header: string; kind: FileColumn['kind']; width?: number }[]) =>
  cols.map((c) => col(c.key, c.header, c.kind, c.width));

/**
 * A source that reads the next chunk while the caller encodes and uploads this one: without it no Query is in
 * flight while a chunk is written, and the export took ~1.5–1.8× the bare read of the same partitions
 * (docs/PERFORMANCE.md, bench:exports). Memory holds two chunks. A chunk read ahead of a hand-over is dropped.
 */
function readingAhead(source: ExportSource): ExportSource {
  let ahead: { cursor: string; chunk: Promise<Chunk> } | undefined;
  return {
    ...source,
    async next(cursor) {
      const chunk = ahead && ahead.cursor === cursor ? await ahead.chunk : await source.next(cursor);
      ahead = undefined;
      if (chunk.cursor !== undefined) {
        const next = source.next(chunk.cursor);
        // Awaited by the next call; a run that hands over first never awaits it, and its failure is not unhandled.
        next.catch(() => undefined);
        ahead = { cursor: chunk.cursor, chunk: next };
      }
      return chunk;
    },
  };
}

/** The row source of a report over its parsed filters. */
export async function openSource(db: Db, report: ExportReport, f: Filters, now: Date): Promise<ExportSource> {
  return readingAhead(await openBareSource(db, report, f, now));
}

async function openBareSource(db: Db, report: ExportReport, f: Filters, now: Date): Promise<ExportSource> {
  const region = { districtId: f.districtId, townshipId: f.townshipId };
  switch (report) {
    case 'floor':
      return floorSource(db, f);
    case 'verifications':
      return verificationsSource(db, f);
    case 'audit':
      return auditSource(db, f, now);
    case 'units':
      return wholeSource(
        asFileColumns(UNIT_COLUMNS),
        async () => (await unitAssessment(db, f.year!, region)).rows as never,
      );
    case 'summary':
      return wholeSource(asFileColumns(SUMMARY_COLUMNS), async () =>
        summaryLines(await campaignSummary(db, f.year!, region)).map((l) => ({ ...l })),
      );
  }
}

/** The filters in words (`街道：光明街道`) and the names that go into the file name, read from the registry. */
export async function describeFilters(
  db: Db,
  report: ExportReport,
  f: Filters,
): Promise<{ words: string[]; nameParts: string[] }> {
  const words: string[] = [];
  const nameParts: string[] = [];
  if (f.year !== undefined) {
    words.push(`年度：${f.year}`);
    nameParts.push(String(f.year));
  }
  const needsListing = f.townshipId || f.districtId;
  const communities = needsListing ? await listEntities<Community>(db, 'community') : [];
  if (f.districtId) {
    const name = communities.find((c) => c.districtId === f.districtId)?.district ?? f.districtId;
    words.push(`区/县：${name}`);
    nameParts.push(name);
  }
  if (f.townshipId) {
    const name = communities.find((c) => c.townshipId === f.townshipId)?.township ?? f.townshipId;
    words.push(`街道/乡镇：${name}`);
    nameParts.push(name);
  }
  if (f.communityId) {
    const name = (await namesOf(db, 'community', [f.communityId])).get(f.communityId) ?? f.communityId;
    words.push(`社区：${name}`);
    nameParts.push(name);
  }
  if (f.unitId) {
    const name = (await namesOf(db, 'unit', [f.unitId])).get(f.unitId) ?? f.unitId;
    words.push(`帮扶单位：${name}`);
    nameParts.push(name);
  }
  if (f.entityId) {
    words.push(`对象编号：${f.entityId}`);
    nameParts.push(f.entityId);
  }
  if (f.from || f.to) {
    words.push(`时间：${f.from ?? '…'} 至 ${f.to ?? '…'}（北京时间）`);
    nameParts.push(`${f.from ?? ''}至${f.to ?? ''}`);
  }
  if (!words.length || (report !== 'audit' && words.length === 1)) words.push('范围：全市');
  return { words, nameParts };
}

/** A file name people can hand on: `达标情况-2026-光明街道-20261130.xlsx` (characters no system allows dropped). */
export function exportFileName(report: ExportReport, nameParts: string[], format: 'csv' | 'xlsx', now: Date): string {
  const date = shanghaiDate(now).replaceAll('-', '');
  const name = [REPORT_TITLES[report], ...nameParts, date]
    .join('-')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters have no place in a file name.
    .replace(/[\\/:*?"<>|\u0000-\u001f]/g, '_')
    .slice(0, 150);
  return `${name}.${format}`;
}

/** The sheet's first rows: title, filters in words, when (Beijing time), by whom. */
export function preambleOf(
  report: ExportReport,
  words: string[],
  requestedBy: string,
  roles: string[],
  now: Date,
): string[] {
  const who = roles.length ? `${requestedBy}（${roles.map((r) => ROLE_NAMES[r] ?? r).join('、')}）` : requestedBy;
  return [
    REPORT_TITLES[report],
    `筛选条件：${words.join('；')}`,
    `生成时间：${beijingTime(now)}（北京时间）`,
    `导出人：${who}`,
  ];
}
