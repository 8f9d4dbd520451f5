import { readFile } from 'node:fs/promises';
import { join, normalize, resolve } from 'node:path';

/**
 * Reads a stored object back for a page (a signature image). The object-store port (`shared/objects.ts`) only
 * writes, so this reads the same two places it writes to: the bucket on AWS (`BUCKET_NAME`), and locally the
 * files the local store keeps under `DATA_DIR/objects/` (docs/ARCHITECTURE.md, "Objects"). Returns undefined
 * when there is no such object. On AWS the pages function needs `s3:GetObject` on `signatures/*` for this.
 */
export async function readObject(key: string): Promise<Uint8Array | undefined> {
  const bucket = process.env.BUCKET_NAME;
  if (bucket) {
    const { S3Client, GetObjectCommand, NoSuchKey } = await import('@aws-sdk/client-s3');
    try {
      const out = await new S3Client({}).send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return out.Body ? await out.Body.transformToByteArray() : undefined;
    } catch (e) {
      if (e instanceof NoSuchKey) return undefined;
      throw e;
    }
  }
  const root = resolve(process.env.DATA_DIR ?? '.data', 'objects');
  const path = normalize(join(root, key));
  // Keys come from the table, but a key that climbs out of the store must still read nothing.
  if (!path.startsWith(`${root}/`)) return undefined;
  try {
    return await readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}
