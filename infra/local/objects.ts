import { createHmac, timingSafeEqual } from 'node:crypto';
import { createReadStream, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { dirname, join, normalize } from 'node:path';
import type { ObjectStore, PresignedPut } from '#shared/objects.ts';

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
