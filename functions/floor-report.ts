import { toCsv } from '#shared/csv.ts';
import { FLOOR_CSV_COLUMNS, FloorReportQuery, floorCsvRecord, floorReport } from '#shared/floor/report.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';

/** GET /reports/floor: every household paired in the year against the ¥1,000 floor, as JSON or CSV. */
export const handler = apiHandler({ access: ['admin', 'auditor'], query: FloorReportQuery }, async ({ query }) => {
  const report = await floorReport(db, query);
  if (query.format !== 'csv') return { json: report };
  return {
    contentType: 'text/csv; charset=utf-8',
    fileName: `floor-${query.year}.csv`,
    text: toCsv(FLOOR_CSV_COLUMNS, report.rows.map(floorCsvRecord)),
  };
});
