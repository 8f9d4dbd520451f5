import { createHash } from 'node:crypto';
import * as z from 'zod';
import type { Caller } from '../caller.ts';
import { invalid } from '../errors.ts';
import { MAX_UPLOAD_BYTES, type ObjectStore, uploaderSegment } from '../objects.ts';

/**
 * Photo evidence (工作留痕): a visit or an aid entry names photos the caller uploaded through a presigned URL
 * (`POST /uploads`, purpose `photo` or `evidence`). The key alone proves nothing (anyone can type one), so a key
 * is accepted only when it is the caller's own upload and the object is there and is an image; the entry then
 * keeps each photo's SHA-256, so what was recorded can later be checked against what is stored.
 */

/** The most photos one visit or one aid entry may carry. */
export const MAX_PHOTOS = 4;

/** `uploads/<purpose>/<day>/<uploader>/<uuid>.<ext>`, as `uploadKey` writes it, for image purposes only. */
const PHOTO_KEY = /^uploads\/(photo|evidence)\/\d{4}-\d{2}-\d{2}\/([\w-]{1,64})\/[0-9a-f-]{36}\.(jpg|png)$/;

/** One photo's upload key (a JPEG or PNG under `uploads/photo/…` or `uploads/evidence/…`). */
export const PhotoKey = z
  .string({ error: '照片应为上传后得到的 key' })
  .max(200, '照片 key 过长')
  .regex(PHOTO_KEY, '照片应为本人上传的 JPEG 或 PNG 照片（uploads/photo/… 或 uploads/evidence/…）');

/** The photos a submission names: at most four distinct upload keys of JPEG or PNG images. */
export const PhotoKeys = z
  .array(PhotoKey, { error: '照片应为 key 的列表' })
  .max(MAX_PHOTOS, `照片不超过 ${MAX_PHOTOS} 张`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((key, i) => {
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [i], message: '同一张照片只能添加一次' });
      seen.add(key);
    });
  });

/** A photo as a visit or an aid entry stores it: the object's key and the SHA-256 of its bytes when recorded. */
export interface Photo {
  key: string;
  sha256: string;
}

const isJpeg = (b: Uint8Array) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
const isPng = (b: Uint8Array) => b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;

/**
 * Refuses a key that is not the caller's own upload, without reading the store: the uploader segment of the key
 * must be the caller's. Done before anything else, so a forged key costs no read.
 */
export function refuseForeignPhotoKeys(caller: Caller, photoKeys: readonly string[]): void {
  const own = uploaderSegment(caller.sub);
  photoKeys.forEach((key, i) => {
    if (PHOTO_KEY.exec(key)?.[2] !== own) {
      throw invalid('photo.not_own_upload', '只能使用本人上传的照片', [
        { path: `photoKeys.${i}`, message: '这张照片不是您本人上传的，请重新上传' },
      ]);
    }
  });
}

/**
 * Checks the caller's photos against the store and returns them with their SHA-256: each must be the caller's
 * upload, be there (the upload finished), not exceed 5 MB and be a JPEG or PNG image by its bytes (the presigned
 * URL fixes the declared type, not what was sent). Any failure is a 400 naming the photo; nothing is written.
 */
export async function verifyPhotos(store: ObjectStore, caller: Caller, photoKeys: readonly string[]): Promise<Photo[]> {
  refuseForeignPhotoKeys(caller, photoKeys);
  const bodies = await Promise.all(photoKeys.map((key) => store.get(key)));
  return photoKeys.map((key, i) => {
    const body = bodies[i];
    const path = `photoKeys.${i}`;
    if (!body) {
      throw invalid('photo.not_uploaded', '照片尚未上传成功', [
        { path, message: '找不到这张照片，请重新上传后再提交' },
      ]);
    }
    if (body.length > MAX_UPLOAD_BYTES || !(isJpeg(body) || isPng(body))) {
      throw invalid('photo.not_image', '照片应为不超过 5 MB 的 JPEG 或 PNG 图片', [
        { path, message: '这张照片不是不超过 5 MB 的 JPEG 或 PNG 图片，请重新上传' },
      ]);
    }
    return { key, sha256: createHash('sha256').update(body).digest('hex') };
  });
}
