import * as z from 'zod';
import { ImportKind } from '#shared/imports/columns.ts';
import { templateFile } from '#shared/imports/files.ts';
import { CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE } from '#shared/reports/export.ts';
import { apiHandler } from './lib/http.ts';

const Params = z.strictObject({ kind: ImportKind });
const Query = z.strictObject({ format: z.enum(['xlsx', 'csv'], { error: '格式应为 xlsx 或 csv' }).default('xlsx') });

/** GET /imports/templates/{kind}: the template of a kind of import, XLSX (with notes) or CSV (UTF-8 with BOM). */
export const handler = apiHandler({ params: Params, query: Query }, async ({ params, query }) => {
  const file = await templateFile(params.kind, query.format);
  return 'text' in file
    ? { text: file.text, contentType: CSV_CONTENT_TYPE, fileName: file.fileName }
    : { bytes: file.bytes, contentType: XLSX_CONTENT_TYPE, fileName: file.fileName };
});
