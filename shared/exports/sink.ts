import type { ObjectStore, UploadedPart } from '../objects.ts';

/** Where an encoder's bytes go, synchronously; the runner awaits `drain()` between chunks. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
}

/** A multipart upload's state between invocations (the unflushed tail lives in an object of its own). */
export interface UploadState {
  key: string;
  uploadId: string;
  parts: UploadedPart[];
  /** Bytes in the uploaded parts. */
  bytes: number;
}

/**
 * Bytes on their way to the object store in parts: held until at least a part's worth, then uploaded whole as
 * one part when the runner drains between chunks, so a part ends where a chunk ends and nothing is left over: the
 * runner can checkpoint right after the part with no tail to save. Memory holds at most a part and a chunk.
 * `partBytes` is S3's minimum (5 MiB) or more on AWS; tests pass a small one.
 */
export class PartSink implements ByteSink {
  private held: Uint8Array[] = [];
  private heldBytes = 0;

  private readonly store: ObjectStore;
  readonly state: UploadState;
  private readonly partBytes: number;

  constructor(store: ObjectStore, state: UploadState, partBytes: number, tail?: Uint8Array) {
    this.store = store;
    this.state = state;
    this.partBytes = partBytes;
    if (tail?.byteLength) this.write(tail);
  }

  write(bytes: Uint8Array): void {
    if (!bytes.byteLength) return;
    this.held.push(bytes);
    this.heldBytes += bytes.byteLength;
  }

  /** Whether a part's worth is held (the runner then makes the bytes complete and drains). */
  get full(): boolean {
    return this.heldBytes >= this.partBytes;
  }

  /** Uploads everything held as one part when it is at least a part's worth; answers whether it did. */
  async drain(): Promise<boolean> {
    if (!this.full) return false;
    await this.upload(this.take());
    return true;
  }

  /** What is held and not yet uploaded (saved at a checkpoint, handed to the next invocation). */
  tail(): Uint8Array {
    const all = this.take();
    this.write(all);
    return all;
  }

  /** Uploads the rest as the last part and completes the object. */
  async finish(store: ObjectStore): Promise<void> {
    await this.drain();
    const rest = this.take();
    if (rest.byteLength || !this.state.parts.length) await this.upload(rest);
    await store.completeMultipart(this.state.key, this.state.uploadId, this.state.parts);
  }

  private take(): Uint8Array {
    const all = this.held.length === 1 ? this.held[0]! : Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    return all;
  }

  private async upload(body: Uint8Array): Promise<void> {
    const partNumber = this.state.parts.length + 1;
    const etag = await this.store.putPart(this.state.key, this.state.uploadId, partNumber, body);
    this.state.parts.push({ partNumber, etag });
    this.state.bytes += body.byteLength;
  }
}
