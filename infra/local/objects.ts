import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { ObjectStore, PresignedPut, UploadedPart } from '#shared/objects.ts';

/**
 * The local stand-in for S3: objects are files under `<DATA_DIR>/objects/`, and a "presigned" URL points at the
 * local server (`PUT /_local/objects/<key>`) with an expiry and an HMAC over key, type, size and expiry, checked
 * when the upload arrives. The browser's flow is the same as against S3.
 */
export class LocalObjectStore implements ObjectStore {
  private readonly root: string;
  private readonly key: Uint8Array;
  baseUrl = '';

  constructor(root: string, key: Uint8Array) {
    this.root = root;
    this.key = key;
  }

  private pathOf(key: string): string {
    const path = normalize(join(this.root, key));
    if (!path.startsWith(this.root)) throw new Error(`object key escapes the store: ${key}`);
    return path;
  }

  private sign(key: string, contentType: string, bytes: number, expires: number): string {
    return createHmac('sha256', this.key).update([key, contentType, bytes, expires].join('\n')).digest('base64url');
  }

  async put(key: string, body: Uint8Array, _contentType: string): Promise<void> {
    const path = this.pathOf(key);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, body);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      return readFileSync(this.pathOf(key));
    } catch (e) {
      // A missing object, or a key that would climb out of the store: either way there is nothing to read.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /escapes the store/.test((e as Error).message)) {
        return undefined;
      }
      throw e;
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    let path: string;
    try {
      path = this.pathOf(key);
      if (!statSync(path).isFile()) return undefined;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || /escapes the store/.test((e as Error).message)) {
        return undefined;
      }
      throw e;
    }
    return createReadStream(path, { highWaterMark: 256 * 1024 });
  }

  async presignPut(key: string, contentType: string, bytes: number, expiresSeconds: number): Promise<PresignedPut> {
    const expires = Math.floor(Date.now() / 1000) + expiresSeconds;
    const query = new URLSearchParams({
      expires: String(expires),
      signature: this.sign(key, contentType, bytes, expires),
    });
    return {
      url: `${this.baseUrl}/_local/objects/${key}?${query}`,
      method: 'PUT',
      headers: { 'content-type': contentType, 'content-length': String(bytes) },
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** Parts wait under `.multipart/<uploadId>/`, one file each, until the completion joins them. */
  private partsDir(uploadId: string): string {
    if (!/^[\w-]{1,64}$/.test(uploadId)) throw new Error(`not an upload id: ${uploadId}`);
    return join(this.root, '.multipart', uploadId);
  }

  async startMultipart(key: string, _contentType: string, fileName: string): Promise<string> {
    this.pathOf(key);
    const uploadId = randomUUID();
    mkdirSync(this.partsDir(uploadId), { recursive: true });
    writeFileSync(join(this.partsDir(uploadId), 'meta.json'), JSON.stringify({ key, fileName }));
    return uploadId;
  }

  async putPart(key: string, uploadId: string, partNumber: number, body: Uint8Array): Promise<string> {
    const meta = JSON.parse(readFileSync(join(this.partsDir(uploadId), 'meta.json'), 'utf8')) as { key: string };
    if (meta.key !== key) throw new Error(`upload ${uploadId} is not for ${key}`);
    writeFileSync(join(this.partsDir(uploadId), `part-${partNumber}`), body);
    return createHash('md5').update(body).digest('hex');
  }

  async completeMultipart(key: string, uploadId: string, parts: readonly UploadedPart[]): Promise<void> {
    const path = this.pathOf(key);
    const dir = this.partsDir(uploadId);
    mkdirSync(dirname(path), { recursive: true });
    const out = createWriteStream(path);
    // As S3 does: the completion names each part by its ETag, and a part stored again since is refused.
    await pipeline(async function* () {
      for (const p of parts) {
        const body = readFileSync(join(dir, `part-${p.partNumber}`));
        if (createHash('md5').update(body).digest('hex') !== p.etag) throw new Error(`InvalidPart ${p.partNumber}`);
        yield body;
      }
    }, out);
    rmSync(dir, { recursive: true, force: true });
  }

  async abortMultipart(_key: string, uploadId: string): Promise<void> {
    rmSync(this.partsDir(uploadId), { recursive: true, force: true });
  }

  async presignGet(key: string, fileName: string, expiresSeconds: number): Promise<{ url: string; expiresAt: string }> {
    const expires = Math.floor(Date.now() / 1000) + expiresSeconds;
    const query = new URLSearchParams({
      expires: String(expires),
      name: fileName,
      signature: this.sign(key, `GET ${fileName}`, 0, expires),
    });
    return { url: `${this.baseUrl}/_local/objects/${key}?${query}`, expiresAt: new Date(expires * 1000).toISOString() };
  }

  /** Checks a download of a presigned GET URL: the object's stream and its file name, or undefined (403/404). */
  async serve(url: URL): Promise<{ stream: AsyncIterable<Uint8Array>; fileName: string } | 403 | 404> {
    const key = decodeURIComponent(url.pathname.replace(/^\/_local\/objects\//, ''));
    const expires = Number(url.searchParams.get('expires'));
    const fileName = url.searchParams.get('name') ?? '';
    const given = Buffer.from(url.searchParams.get('signature') ?? '');
    const expected = Buffer.from(this.sign(key, `GET ${fileName}`, 0, expires));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 403;
    if (!(expires * 1000 > Date.now())) return 403;
    const stream = await this.getStream(key);
    return stream ? { stream, fileName } : 404;
  }

  /** Checks and stores an upload to a presigned URL; returns the HTTP status to answer with. */
  async receive(req: IncomingMessage, url: URL, body: Buffer): Promise<number> {
    const key = decodeURIComponent(url.pathname.replace(/^\/_local\/objects\//, ''));
    const expires = Number(url.searchParams.get('expires'));
    const given = Buffer.from(url.searchParams.get('signature') ?? '');
    const contentType = req.headers['content-type'] ?? '';
    const expected = Buffer.from(this.sign(key, contentType, body.length, expires));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 403;
    if (!(expires * 1000 > Date.now())) return 403;
    await this.put(key, body, contentType);
    return 200;
  }
}
