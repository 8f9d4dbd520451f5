import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type Caller, hasRole } from './caller.ts';
import { forbidden } from './errors.ts';

/**
 * Where images and evidence live: S3 on AWS, a directory of the local stack here. The table keeps only each
 * object's key and SHA-256, so what was signed can be checked against what is stored.
 */
export interface ObjectStore {
  /** Stores bytes under a key (server-side writes: a signature image from a decision, a receipt photo). */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Reads an object back (a signature image shown to those who may see it); undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Reads an object as a stream of chunks (an import file of tens of megabytes is read row by row, never
   * whole); undefined when there is none. Each call opens a fresh stream.
   */
  getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** A URL the browser may PUT exactly `bytes` bytes of `contentType` to, until it expires. */
  presignPut(key: string, contentType: string, bytes: number, expiresSeconds: number): Promise<PresignedPut>;
  /**
   * Starts a streaming put in parts (S3's multipart upload): an export is written as it is read, never whole,
   * and may be continued by another process from `{uploadId, parts}`. `fileName` becomes the object's
   * Content-Disposition. Every part but the last must hold at least `MIN_PART_BYTES`.
   */
  startMultipart(key: string, contentType: string, fileName: string): Promise<string>;
  /** Stores part `partNumber` (1–10,000) of an upload; answers its ETag. Storing a number again replaces it. */
  putPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string>;
  /** Joins the parts, in order, into the object. */
  completeMultipart(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void>;
  /** Drops an upload's parts (a failed export). Aborting an unknown upload does nothing. */
  abortMultipart(key: string, uploadId: string): Promise<void>;
  /** A URL that reads the object until it expires, downloaded as `fileName` (Content-Disposition). */
  presignGet(key: string, fileName: string, expiresSeconds: number): Promise<{ url: string; expiresAt: string }>;
}

/** A part of a multipart upload, as the completion needs it. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** S3's smallest part but the last: 5 MiB. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;

/** A Content-Disposition naming a download in UTF-8 (RFC 6266/5987), with an ASCII fallback for old clients. */
export function attachmentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(fileName)}`;
}

export interface PresignedPut {
  url: string;
  method: 'PUT';
  /** Headers the upload must send as signed. */
  headers: Record<string, string>;
  expiresAt: string;
}

/** The largest evidence file one upload may carry. */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;

/**
 * The largest import file: 64 MB. The source city's largest file (75,952 households, five columns) is 2.8 MB as
 * XLSX (docs/PERFORMANCE.md, bench:import) and about 5 MB as CSV; a city's file with a dozen extra columns (addresses,
 * notes) stays well inside 64 MB, and the reader streams it, so the size costs no memory.
 */
export const MAX_IMPORT_UPLOAD_BYTES = 64 * 1024 * 1024;

export const CSV_TYPE = 'text/csv';
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const EXTENSIONS = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'application/pdf': 'pdf',
  [CSV_TYPE]: 'csv',
  [XLSX_TYPE]: 'xlsx',
} as const;
const IMPORT_TYPES = new Set<string>([CSV_TYPE, XLSX_TYPE]);
const PHOTO_TYPES = new Set<string>(['image/jpeg', 'image/png']);

export const UploadRequest = z
  .strictObject({
    purpose: z.enum(['receipt', 'evidence', 'photo', 'import'], {
      error: '用途应为 receipt（签收照片）、evidence（佐证材料）、photo（走访或帮扶照片）或 import（批量导入文件）',
    }),
    contentType: z.enum(Object.keys(EXTENSIONS) as [keyof typeof EXTENSIONS], {
      error: '只接受 PNG、JPEG、PDF 文件，或用于导入的 CSV、XLSX 文件',
    }),
    bytes: z
      .number({ error: '请给出文件大小（字节）' })
      .int()
      .positive('文件不能为空')
      .max(MAX_IMPORT_UPLOAD_BYTES, '文件不超过 64 MB'),
  })
  .superRefine((req, ctx) => {
    const isImport = req.purpose === 'import';
    if (isImport !== IMPORT_TYPES.has(req.contentType)) {
      ctx.addIssue({
        code: 'custom',
        path: ['contentType'],
        message: isImport ? '导入文件只接受 CSV 或 XLSX' : '签收照片和佐证材料只接受 PNG、JPEG 或 PDF',
      });
    }
    if (req.purpose === 'photo' && !PHOTO_TYPES.has(req.contentType)) {
      ctx.addIssue({ code: 'custom', path: ['contentType'], message: '照片只接受 JPEG 或 PNG' });
    }
    if (!isImport && req.bytes > MAX_UPLOAD_BYTES) {
      ctx.addIssue({ code: 'custom', path: ['bytes'], message: '文件不超过 5 MB' });
    }
  });
export type UploadRequest = z.infer<typeof UploadRequest>;

/** A fresh key for an upload: purpose, the uploader's subject, a random id. */
export function uploadKey(req: UploadRequest, sub: string, now: Date): string {
  const day = now.toISOString().slice(0, 10);
  const who = uploaderSegment(sub);
  return `uploads/${req.purpose}/${day}/${who}/${randomUUID()}.${EXTENSIONS[req.contentType]}`;
}

/**
 * The uploader's part of an upload key: the token's subject made safe for a key. A photo key is accepted as the
 * caller's own upload only when this segment is the caller's (`shared/evidence/photos.ts`).
 */
export function uploaderSegment(sub: string): string {
  return sub.replace(/[^\w-]/g, '_').slice(0, 64);
}

/** Issues a presigned upload URL valid for ten minutes. */
export async function createUpload(store: ObjectStore, req: UploadRequest, caller: Caller, now: Date) {
  // Imports rewrite the registry: only an admin may upload one (the route lets cadres upload receipts too).
  if (req.purpose === 'import' && !hasRole(caller, 'admin')) {
    throw forbidden('upload.purpose_forbidden', '只有管理员可以上传批量导入文件');
  }
  const sub = caller.sub;
  const key = uploadKey(req, sub, now);
  return { key, ...(await store.presignPut(key, req.contentType, req.bytes, 600)) };
}
