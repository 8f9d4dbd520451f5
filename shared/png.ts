import { createHash } from 'node:crypto';
import * as z from 'zod';

/** The most a signature or receipt image may take once decoded: a signature pad's PNG is far smaller. */
export const MAX_PNG_BYTES = 256 * 1024;
const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A PNG image sent as base64, with or without the `data:image/png;base64,` prefix a canvas produces.
 * Normalized to bare base64 of a buffer that really starts with the PNG signature.
 */
export const PngBase64 = z
  .string({ error: '请提供 PNG 图片（base64）' })
  .max(Math.ceil((MAX_PNG_BYTES * 4) / 3) + 64, '图片过大')
  .transform((text, ctx) => {
    const b64 = text.replace(/^data:image\/png;base64,/, '');
    const bytes = /^[A-Za-z0-9+/]*={0,2}$/.test(b64) ? Buffer.from(b64, 'base64') : Buffer.alloc(0);
    if (bytes.length < PNG_MAGIC.length + 12 || !bytes.subarray(0, 8).equals(PNG_MAGIC)) {
      ctx.addIssue({ code: 'custom', message: '图片不是有效的 PNG' });
      return z.NEVER;
    }
    if (bytes.length > MAX_PNG_BYTES) {
      ctx.addIssue({ code: 'custom', message: '图片过大' });
      return z.NEVER;
    }
    return bytes.toString('base64');
  });

/** SHA-256 of a base64 image's bytes, hex. */
export function pngSha256(base64: string): string {
  return createHash('sha256').update(Buffer.from(base64, 'base64')).digest('hex');
}
