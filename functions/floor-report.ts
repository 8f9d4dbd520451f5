import { FloorReportQuery } from '#shared/floor/report.ts';
import { floorExport } from './lib/floor-export.ts';
import { apiHandler } from './lib/http.ts';

/** GET /reports/floor: every household paired in the year against the ¥1,000 floor, as JSON, CSV or XLSX. */
export const handler = apiHandler({ query: FloorReportQuery }, async ({ query }) => floorExport(query));
