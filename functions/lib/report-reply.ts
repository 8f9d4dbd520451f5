import { AppError } from '#shared/errors.ts';
import {
  CSV_CONTENT_TYPE,
  csvChunks,
  type ExportColumn,
  type ReportFormat,
  type Rows,
  toXlsx,
  XLSX_CONTENT_TYPE,
} from '#shared/reports/export.ts';
import type { Reply } from './http.ts';

/**
 * Lambda answers API Gateway with at most 6,291,556 bytes (6 MB) of response payload; beyond that the
 * invocation fails and the caller gets a 500. Reports refuse earlier, with a 413 that says what to do, and
 * keep headroom for the headers and the JSON envelope. Base64 bodies (XLSX) count after encoding.
 */
export const MAX_RESPONSE_BYTES = 6_000_000;

function tooLarge(): AppError {
  return new AppError(
    'report.too_large',
    '报表超过接口单次响应的上限（6 MB）：请用导出任务（POST /exports）生成文件下载，或按社区（communityId）、帮扶单位（unitId）缩小范围',
  );
}

/** Collects a CSV stream into one body, refusing as soon as it passes the response limit. */
export async function collectWithin(chunks: AsyncIterable<string>, maxBytes = MAX_RESPONSE_BYTES): Promise<string> {
  const parts: string[] = [];
  let bytes = 0;
  for await (const chunk of chunks) {
    bytes += Buffer.byteLength(chunk, 'utf8');
    if (bytes > maxBytes) throw tooLarge();
    parts.push(chunk);
  }
  return parts.join('');
}

/** A JSON answer, refused when it would pass the response limit (a city-wide list of every household). */
export function jsonWithin(value: unknown, maxBytes = MAX_RESPONSE_BYTES): Reply {
  const text = JSON.stringify(value);
  if (Buffer.byteLength(text, 'utf8') > maxBytes) throw tooLarge();
  return { text, contentType: 'application/json; charset=utf-8' };
}

/** An XLSX answer, refused when its base64 encoding would pass the response limit. */
export function xlsxWithin(bytes: Uint8Array, fileName: string, maxBytes = MAX_RESPONSE_BYTES): Reply {
  if (Math.ceil(bytes.byteLength / 3) * 4 > maxBytes) throw tooLarge();
  return { bytes, contentType: XLSX_CONTENT_TYPE, fileName };
}

/**
 * The answer of a report route in the format asked for: the JSON document as is, or the rows as CSV or XLSX
 * with the report's Chinese columns. `name` is the file name without extension (ASCII, e.g. `units-2026`).
 */
export async function reportReply<R>(
  format: ReportFormat | undefined,
  report: { json: unknown; name: string; sheet: string; columns: readonly ExportColumn<R>[]; rows: Rows<R> },
): Promise<Reply> {
  if (format === 'csv') {
    const text = await collectWithin(csvChunks(report.columns, report.rows));
    return { text, contentType: CSV_CONTENT_TYPE, fileName: `${report.name}.csv` };
  }
  if (format === 'xlsx') {
    return xlsxWithin(await toXlsx(report.sheet, report.columns, report.rows), `${report.name}.xlsx`);
  }
  return jsonWithin(report.json);
}
