import {
  FLOOR_XLSX_COLUMNS,
  type FloorReportQuery,
  floorCsvChunks,
  floorReport,
  floorXlsxRows,
} from '#shared/floor/report.ts';
import { CSV_CONTENT_TYPE, toXlsx } from '#shared/reports/export.ts';
import { db } from './clients.ts';
import type { Reply } from './http.ts';
import { collectWithin, jsonWithin, xlsxWithin } from './report-reply.ts';

/**
 * The floor report in the format asked for (JSON, CSV streamed from the reads, XLSX with names), refused with
 * 413 `report.too_large` before it passes what one answer may carry. The one export path of the floor report:
 * the API route and the auditor's page download both answer with it.
 */
export async function floorExport(query: FloorReportQuery): Promise<Reply> {
  const scope = query.communityId ? '-community' : query.townshipId ? '-township' : query.districtId ? '-district' : '';
  const name = `floor-${query.year}${scope}${query.unitId ? '-unit' : ''}`;
  if (query.format === 'csv') {
    // Streamed from the reads; collected only up to the response limit.
    const text = await collectWithin(floorCsvChunks(db, query));
    return { text, contentType: CSV_CONTENT_TYPE, fileName: `${name}.csv` };
  }
  const report = await floorReport(db, query);
  if (query.format !== 'xlsx') return jsonWithin(report);
  const rows = await floorXlsxRows(db, report.rows);
  return xlsxWithin(await toXlsx(`${query.year}年达标情况`, FLOOR_XLSX_COLUMNS, rows), `${name}.xlsx`);
}
