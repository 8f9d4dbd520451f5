import { randomUUID } from 'node:crypto';
import * as z from 'zod';

/**
 * Where images and evidence live: S3 on AWS, a directory of the local stack here. The table keeps only each
 * object's key and SHA-256, so what was signed can be checked against what is stored.
 */
export interface ObjectStore {
  /** Stores bytes under a key (server-side writes: a signature image from a decision, a receipt photo). */
  put(key: string, body: Uint8Array, contentType: string): Promise<void>;
  /** Reads an object back (a signature image shown to those who may see it); undefined when there is none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** A URL the browser may PUT exactly `bytes` bytes of `contentType` to, until it expires. */
  presignPut(key: string, contentType: string, bytes: number, expiresSeconds: number): Promise<PresignedPut>;
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

const EXTENSIONS = { 'image/png': 'png', 'image/jpeg': 'jpg', 'application/pdf': 'pdf' } as const;

export const UploadRequest = z.strictObject({
  purpose: z.enum(['receipt', 'evidence'], { error: '用途应为 receipt（签收照片）或 evidence（佐证材料）' }),
  contentType: z.enum(Object.keys(EXTENSIONS) as [keyof typeof EXTENSIONS], { error: '只接受 PNG、JPEG 或 PDF 文件' }),
  bytes: z
    .number({ error: '请给出文件大小（字节）' })
    .int()
    .positive('文件不能为空')
    .max(MAX_UPLOAD_BYTES, '文件不超过 5 MB'),
});
export type UploadRequest = z.infer<typeof UploadRequest>;

/** A fresh key for an upload: purpose, the uploader's subject, a random id. */
export function uploadKey(req: UploadRequest, sub: string, now: Date): string {
  const day = now.toISOString().slice(0, 10);
  const who = sub.replace(/[^\w-]/g, '_').slice(0, 64);
  return `uploads/${req.purpose}/${day}/${who}/${randomUUID()}.${EXTENSIONS[req.contentType]}`;
}

/** Issues a presigned upload URL valid for ten minutes. */
export async function createUpload(store: ObjectStore, req: UploadRequest, sub: string, now: Date) {
  const key = uploadKey(req, sub, now);
  return { key, ...(await store.presignPut(key, req.contentType, req.bytes, 600)) };
}
