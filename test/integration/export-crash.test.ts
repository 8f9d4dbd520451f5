import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as exportsHandler } from '#functions/exports.ts';
import { db } from '#functions/lib/clients.ts';
import { registerLocalExportRunner } from '#functions/lib/export-jobs.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { localExportRunner } from '#infra/local/exports.ts';
import { readExportJob, resumeStaleExports } from '#shared/exports/job.ts';
import { runExport } from '#shared/exports/run.ts';
import type { ObjectStore } from '#shared/objects.ts';
import { auditor } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCadre, newCommunity, newHousehold, newUnit, pair } from '../support/world.ts';

/**
 * Crash recovery of export jobs: every uploaded part is a checkpoint, so a run that dies (a Lambda timed out or
 * killed) is continued by the sweep from its last part, not from the start, and the file it ends with is the
 * file an uninterrupted run writes. The "crash" is a store that takes a part and then never answers: the run
 * hangs there as a dead process would, with its checkpoint one part behind.
 */
const YEAR = 2025;
const COMMUNITIES = 50; // four chunks of the floor report (16 a chunk)
const PART = { partBytes: 1 }; // a part at the end of every chunk

beforeAll(async () => {
  const unitId = await newUnit();
  const cadreId = await newCadre(unitId, '李干部');
  for (let c = 0; c < COMMUNITIES; c++) {
    const communityId = await newCommunity(`续写社区${String(c).padStart(2, '0')}-${Date.now()}`);
    await pair(cadreId, await newHousehold(communityId, `户主${c}`), YEAR);
  }
}, 60_000);

async function startIdle(format: 'csv' | 'xlsx'): Promise<string> {
  registerLocalExportRunner({ continue: async () => undefined });
  try {
    const r = await invoke(exportsHandler, 'POST /exports', {
      as: auditor,
      body: { report: 'floor', format, filters: { year: String(YEAR) } },
    });
    expect(r.status, r.text).toBe(202);
    return r.json.id as string;
  } finally {
    registerLocalExportRunner(localExportRunner());
  }
}

/** The local store, recording the part numbers it is sent. */
function recording(store: ObjectStore) {
  const parts: number[] = [];
  const wrapped: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
    putPart: (key: string, uploadId: string, n: number, body: Uint8Array) => {
      parts.push(n);
      return store.putPart(key, uploadId, n, body);
    },
  });
  return { store: wrapped, parts };
}

/** The local store until part `n`: that part is stored, then the run never hears back (it is dead). */
function dyingAt(store: ObjectStore, n: number) {
  let died!: () => void;
  const dead = new Promise<void>((r) => {
    died = r;
  });
  let wake!: (etag: string) => void;
  const wrapped: ObjectStore = Object.assign(Object.create(store) as ObjectStore, {
    putPart: async (key: string, uploadId: string, partNumber: number, body: Uint8Array) => {
      const etag = await store.putPart(key, uploadId, partNumber, body);
      if (partNumber < n) return etag;
      died();
      return new Promise<string>((r) => {
        wake = r;
      });
    },
  });
  return { store: wrapped, dead, wake: (etag: string) => wake(etag) };
}

/** The file's rows, whatever the format, with the generated-at line (minutes of the job's start) left out. */
async function contents(format: 'csv' | 'xlsx', bytes: Uint8Array): Promise<unknown[][]> {
  if (format === 'csv') {
    return Buffer.from(bytes)
      .toString('utf8')
      .split('\r\n')
      .filter((l) => !l.includes('生成时间'))
      .map((l) => [l]);
  }
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(Buffer.from(bytes) as unknown as ArrayBuffer);
  return wb.worksheets.flatMap((ws) => {
    const rows: unknown[][] = [[ws.name]];
    ws.eachRow((r) => rows.push((r.values as unknown[]).slice(1)));
    return rows.filter((r) => !String(r[0]).includes('生成时间'));
  });
}

describe('an export killed after some parts', () => {
  for (const format of ['csv', 'xlsx'] as const) {
    it(`as ${format}: resumes from its last part and writes the file an uninterrupted run writes`, async () => {
      const local = getObjectStore();
      const whole = await startIdle(format);
      expect(await runExport(db, local, whole, PART)).toBe('done');
      const expected = (await readExportJob(db, whole))!;

      const id = await startIdle(format);
      const dying = dyingAt(local, 3);
      const deadRun = runExport(db, dying.store, id, PART);
      await dying.dead;
      // Two parts checkpointed (two chunks, 32 communities); the third is stored but not yet checkpointed.
      const before = (await readExportJob(db, id))!;
      expect(before.status).toBe('running');
      expect(before.upload?.parts.map((p) => p.partNumber)).toStrictEqual([1, 2]);
      expect(before.checkpoint).toStrictEqual({ rows: 32, partitions: 32 });
      expect(before.rowsDone).toBe(32);

      // The sweep finds its heartbeat stale and continues it: from the third part, not from the start.
      const resumed = recording(local);
      const later = new Date(Date.now() + 21 * 60_000);
      const runs: Promise<string>[] = [];
      const swept = await resumeStaleExports(
        db,
        { continue: async (j) => void runs.push(runExport(db, resumed.store, j, PART)) },
        later,
        20 * 60_000,
      );
      expect(swept).toStrictEqual([id]);
      expect(await Promise.all(runs)).toStrictEqual(['done']);
      expect(resumed.parts).toStrictEqual([3, 4]);

      const job = (await readExportJob(db, id))!;
      expect(job).toMatchObject({ status: 'done', rowsDone: COMMUNITIES, rowsTotal: COMMUNITIES });
      const file = (await local.get(job.key))!;
      const reference = (await local.get(expected.key))!;
      expect(await contents(format, file)).toStrictEqual(await contents(format, reference));

      // The dead run wakes up after all: it has lost the job, and stops at its next write without touching it.
      dying.wake('stale-etag');
      expect(await deadRun).toBe('not-running');
      expect(await readExportJob(db, id)).toMatchObject({ status: 'done' });
      expect(Buffer.from((await local.get(job.key))!).equals(Buffer.from(file))).toBe(true);
    });
  }
});
