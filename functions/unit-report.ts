import { UNIT_COLUMNS, UnitReportQuery, unitAssessment } from '#shared/reports/units.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { reportReply } from './lib/report-reply.ts';

/** GET /reports/units?year=: each unit's households against the floor, and whether it completed its task. */
export const handler = apiHandler({ query: UnitReportQuery }, async ({ query }) => {
  const report = await unitAssessment(db, query.year, { districtId: query.districtId, townshipId: query.townshipId });
  return reportReply(query.format, {
    json: report,
    name: `units-${query.year}`,
    sheet: `${query.year}年帮扶单位考核`,
    columns: UNIT_COLUMNS,
    rows: report.rows,
  });
});
