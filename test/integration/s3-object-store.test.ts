import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  NoSuchUpload,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { handler as exportsHandler } from '#functions/exports.ts';
import { db } from '#functions/lib/clients.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import { getObjectStore, registerLocalObjectStore } from '#functions/lib/objects.ts';
import { localExportRunner } from '#infra/local/exports.ts';
import { readExportJob } from '#shared/exports/job.ts';
import { runExport } from '#shared/exports/run.ts';
import { PartSink } from '#shared/exports/sink.ts';
import { attachmentDisposition, MIN_PART_BYTES, type ObjectStore } from '#shared/objects.ts';
import { auditor } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

/**
 * The object store on AWS (`functions/lib/objects.ts`): S3's multipart upload and presigned GET, which the export
 * jobs stream their files through. S3 has no local engine (the local stack's store is a directory), so these
 * tests mock the AWS SDK's S3 client only (aws-sdk-client-mock: `send` is intercepted, nothing leaves the
 * process) and check the calls it is sent; everything else is real: the export runner, the part sink, the job
 * item on dynalite. The presigned URL is computed by the real presigner with fake credentials (signing is local).
 */

const YEAR = 2025;
const BUCKET = 'linkage-aid-test-bucket';
const s3 = mockClient(S3Client);
const saved: Record<string, string | undefined> = {};
const ENV = {
  BUCKET_NAME: BUCKET,
  AWS_REGION: 'cn-north-1',
  AWS_ACCESS_KEY_ID: 'AKIATESTTESTTESTTEST',
  AWS_SECRET_ACCESS_KEY: 'test-secret-test-secret-test-secret-test',
};
let local: ObjectStore;
let communityId: string;

beforeAll(async () => {
  for (const [k, v] of Object.entries(ENV)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  const unitId = await newUnit();
  const cadreId = await newCadre(unitId, '王干部');
  // 20 communities: two chunks of the floor report (16 a chunk), so the export uploads a part after each.
  for (let c = 0; c < 20; c++) {
    communityId = await newCommunity(`S3社区${c}-${Date.now()}`);
    for (let i = 0; i < 2; i++) await pair(cadreId, await newHousehold(communityId, `户主${c}-${i}`), YEAR);
  }
  local = getObjectStore();
  // From here on the handlers and the runner reach S3 (mocked), as on AWS.
  registerLocalObjectStore(undefined);
});
afterEach(() => s3.reset());
afterAll(() => {
  s3.restore();
  registerLocalObjectStore(local);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

/** S3's answers: an upload id, and an ETag per part that names its number (so their order can be checked). */
function acceptUploads() {
  s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
  s3.on(UploadPartCommand).callsFake(async (input: { PartNumber: number }) => ({ ETag: `"etag-${input.PartNumber}"` }));
  s3.on(CompleteMultipartUploadCommand).resolves({});
  s3.on(AbortMultipartUploadCommand).resolves({});
}

const inputsOf = <T>(command: new (...a: never[]) => T) =>
  s3.commandCalls(command as never).map((c) => c.args[0].input as Record<string, unknown>);

/** Starts an export whose runs the test drives itself. */
async function startIdle(body: Record<string, unknown>): Promise<string> {
  const started: string[] = [];
  registerLocalExportRunner({ continue: async (id) => void started.push(id) });
  try {
    const r = await invoke(exportsHandler, 'POST /exports', { as: auditor, body });
    expect(r.status, r.text).toBe(202);
    return r.json.id as string;
  } finally {
    registerLocalExportRunner(localExportRunner());
  }
}

describe('S3 multipart upload (the SDK client mocked)', () => {
  it('uploads parts of at least 5 MiB but the last, numbered in order, and completes with their ETags in order', async () => {
    acceptUploads();
    const store = getObjectStore();
    const key = 'exports/export-x/export.csv';
    const uploadId = await store.startMultipart(key, 'text/csv; charset=utf-8', '达标情况-2025-20251130.csv');
    const sink = new PartSink(store, { key, uploadId, parts: [], bytes: 0 }, MIN_PART_BYTES);
    // 12 MiB and a bit, written in uneven pieces as an encoder writes them.
    const written: Buffer[] = [];
    for (let i = 0; written.reduce((n, b) => n + b.length, 0) < 12 * 1024 * 1024 + 1234; i++) {
      const piece = Buffer.alloc(300_000 + (i % 7) * 1_000, i % 251);
      written.push(piece);
      sink.write(piece);
      await sink.drain();
    }
    await sink.finish(store);

    expect(inputsOf(CreateMultipartUploadCommand)).toStrictEqual([
      {
        Bucket: BUCKET,
        Key: key,
        ContentType: 'text/csv; charset=utf-8',
        ContentDisposition: attachmentDisposition('达标情况-2025-20251130.csv'),
      },
    ]);
    const parts = inputsOf(UploadPartCommand);
    expect(parts.map((p) => p.PartNumber)).toStrictEqual([1, 2, 3]);
    expect(parts.every((p) => p.Bucket === BUCKET && p.Key === key && p.UploadId === 'upload-1')).toBe(true);
    const sizes = parts.map((p) => (p.Body as Uint8Array).byteLength);
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThanOrEqual(MIN_PART_BYTES);
    expect(sizes.at(-1)).toBeGreaterThan(0);
    // The parts joined are exactly the bytes written.
    expect(Buffer.concat(parts.map((p) => p.Body as Uint8Array)).equals(Buffer.concat(written))).toBe(true);
    expect(inputsOf(CompleteMultipartUploadCommand)).toStrictEqual([
      {
        Bucket: BUCKET,
        Key: key,
        UploadId: 'upload-1',
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: '"etag-1"' },
            { PartNumber: 2, ETag: '"etag-2"' },
            { PartNumber: 3, ETag: '"etag-3"' },
          ],
        },
      },
    ]);
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(0);
  });

  it('an export job writes its file through S3 and GET /exports/{id} answers a presigned S3 URL naming the file', async () => {
    acceptUploads();
    const id = await startIdle({ report: 'floor', format: 'csv', filters: { year: String(YEAR) } });
    // Small parts (S3 would refuse them; the mock does not care): a part at the end of each chunk.
    expect(await runExport(db, getObjectStore(), id, { partBytes: 512 })).toBe('done');
    const job = (await readExportJob(db, id))!;
    expect(job.status).toBe('done');
    const parts = inputsOf(UploadPartCommand);
    expect(parts.map((p) => p.PartNumber)).toStrictEqual([1, 2]);
    expect(inputsOf(CompleteMultipartUploadCommand)[0]!.MultipartUpload).toStrictEqual({
      Parts: parts.map((p) => ({ PartNumber: p.PartNumber, ETag: `"etag-${p.PartNumber}"` })),
    });
    const text = Buffer.concat(parts.map((p) => p.Body as Uint8Array)).toString('utf8');
    expect(text.match(/户主\d+-\d+/g)).toHaveLength(40);

    const got = await invoke(exportsHandler, 'GET /exports/{id}', { as: auditor, params: { id } });
    const url = new URL(got.json.url);
    expect(url.hostname).toBe(`${BUCKET}.s3.cn-north-1.amazonaws.com.cn`);
    expect(decodeURIComponent(url.pathname.slice(1))).toBe(job.key);
    expect(url.searchParams.get('response-content-disposition')).toBe(attachmentDisposition(job.fileName));
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(got.json.expiresAt) - Date.now()).toBeGreaterThan(890_000);
  });

  it('the presigned GET carries the Chinese file name as RFC 5987 UTF-8 with an ASCII fallback', async () => {
    const name = '达标情况-2026-光明街道-20261130.xlsx';
    const { url } = await getObjectStore().presignGet('exports/e/export.xlsx', name, 900);
    const disposition = new URL(url).searchParams.get('response-content-disposition')!;
    expect(disposition).toBe(
      `attachment; filename="____-2026-____-20261130.xlsx"; filename*=UTF-8''${encodeURIComponent(name)}`,
    );
    expect(s3.calls()).toHaveLength(0);
  });

  it('a part S3 refuses fails the job with the reason and aborts the upload', async () => {
    acceptUploads();
    s3.on(UploadPartCommand).rejects(new Error('SlowDown'));
    const id = await startIdle({ report: 'floor', format: 'csv', filters: { year: String(YEAR), communityId } });
    expect(await runExport(db, getObjectStore(), id, { partBytes: 512 })).toBe('done');
    const job = (await readExportJob(db, id))!;
    expect(job).toMatchObject({ status: 'failed', error: '导出失败：SlowDown' });
    expect(inputsOf(AbortMultipartUploadCommand)).toStrictEqual([
      { Bucket: BUCKET, Key: job.key, UploadId: 'upload-1' },
    ]);
    expect(s3.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it('aborting an upload S3 no longer knows does nothing', async () => {
    s3.on(AbortMultipartUploadCommand).rejects(new NoSuchUpload({ message: 'gone', $metadata: {} }));
    await expect(getObjectStore().abortMultipart('exports/e/export.csv', 'upload-gone')).resolves.toBeUndefined();
    expect(s3.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});
