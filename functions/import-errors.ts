import * as z from 'zod';
import { errorReportFile } from '#shared/imports/files.ts';
import { getImport } from '#shared/imports/jobs.ts';
import { CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE } from '#shared/reports/export.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { getObjectStore } from './lib/objects.ts';

const Params = z.strictObject({ id: z.string().regex(/^[\w-]{1,64}$/, '导入任务编号无效') });
const Query = z.strictObject({ format: z.enum(['xlsx', 'csv'], { error: '格式应为 xlsx 或 csv' }).default('xlsx') });

/** GET /imports/{id}/errors: the rows with errors, as the file had them, with an 错误 column. */
export const handler = apiHandler({ params: Params, query: Query }, async ({ params, query }) => {
  const file = await errorReportFile(getObjectStore(), await getImport(db, params.id), query.format);
  return 'text' in file
    ? { text: file.text, contentType: CSV_CONTENT_TYPE, fileName: file.fileName }
    : { bytes: file.bytes, contentType: XLSX_CONTENT_TYPE, fileName: file.fileName };
});
