import {
  FLOOR_XLSX_COLUMNS,
  FloorReportQuery,
  floorCsvChunks,
  floorReport,
  floorXlsxRows,
} from '#shared/floor/report.ts';
import { CSV_CONTENT_TYPE, toXlsx } from '#shared/reports/export.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { collectWithin, jsonWithin, xlsxWithin } from './lib/report-reply.ts';

/** GET /reports/floor: every household paired in the year against the ¥1,000 floor, as JSON, CSV or XLSX. */
export const handler = apiHandler({ query: FloorReportQuery }, async ({ query }) => {
  const name = `floor-${query.year}${query.communityId ? '-community' : ''}${query.unitId ? '-unit' : ''}`;
  if (query.format === 'csv') {
    // Streamed from the reads; collected only up to the response limit.
    const text = await collectWithin(floorCsvChunks(db, query));
    return { text, contentType: CSV_CONTENT_TYPE, fileName: `${name}.csv` };
  }
  const report = await floorReport(db, query);
  if (query.format !== 'xlsx') return jsonWithin(report);
  const rows = await floorXlsxRows(db, report.rows);
  return xlsxWithin(await toXlsx(`${query.year}年达标情况`, FLOOR_XLSX_COLUMNS, rows), `${name}.xlsx`);
});
