import { type AuditEntry, AuditQuery, listAudit } from '#shared/audit/index.ts';
import type { ExportColumn } from '#shared/reports/export.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { reportReply } from './lib/report-reply.ts';

/** Columns of the audit trail's exports. */
const COLUMNS: ExportColumn<AuditEntry & { roleList: string }>[] = [
  { key: 'at', header: '时间（UTC）', kind: 'text', width: 26 },
  { key: 'actor', header: '操作人', kind: 'text', width: 24 },
  { key: 'roleList', header: '角色', kind: 'text' },
  { key: 'action', header: '操作', kind: 'text', width: 36 },
  { key: 'entityId', header: '对象编号', kind: 'text', width: 38 },
  { key: 'requestId', header: '请求编号', kind: 'text', width: 38 },
  { key: 'status', header: '状态码', kind: 'int' },
];

/** GET /audit?entityId=&from=&to=: who wrote what, when; one entity's trail, or every write in a time range. */
export const handler = apiHandler({ query: AuditQuery }, async ({ query, now }) => {
  const trail = await listAudit(db, query, now);
  return reportReply(query.format, {
    json: trail,
    name: 'audit',
    sheet: '操作留痕',
    columns: COLUMNS,
    rows: trail.entries.map((e) => ({ ...e, roleList: e.roles.join(' ') })),
  });
});
