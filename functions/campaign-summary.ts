import { campaignSummary, SUMMARY_COLUMNS, SummaryQuery, summaryLines } from '#shared/reports/summary.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { reportReply } from './lib/report-reply.ts';

/** GET /reports/summary?year=: the campaign's headline figures for the year, nothing counted twice. */
export const handler = apiHandler({ query: SummaryQuery }, async ({ query }) => {
  const summary = await campaignSummary(db, query.year, { districtId: query.districtId, townshipId: query.townshipId });
  return reportReply(query.format, {
    json: summary,
    name: `summary-${query.year}`,
    sheet: `${query.year}年帮扶汇总`,
    columns: SUMMARY_COLUMNS,
    rows: summaryLines(summary),
  });
});
