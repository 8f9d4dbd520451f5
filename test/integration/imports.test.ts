import ExcelJS from 'exceljs';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as createUploadUrl } from '#functions/create-upload-url.ts';
import { handler as getImportHandler } from '#functions/get-import.ts';
import { handler as importErrors } from '#functions/import-errors.ts';
import { handler as importTemplate } from '#functions/import-template.ts';
import { db } from '#functions/lib/clients.ts';
import { importDeps } from '#functions/lib/import-deps.ts';
import { lambdaImportRunner, registerLocalImportRunner } from '#functions/lib/import-jobs.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { handler as startImportHandler } from '#functions/start-import.ts';
import { localImportRunner } from '#infra/local/imports.ts';
import { getItem, queryAll } from '#shared/db.ts';
import { resumeStaleImports, runImportChunks } from '#shared/imports/index.ts';
import { findPairing } from '#shared/pairing/index.ts';
import { listEntities } from '#shared/registry/index.ts';
import { keys } from '#shared/table.ts';
import { admin, cadreUser, makeIdNumber } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';

const CSV = 'text/csv';
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const runner = localImportRunner();
registerLocalImportRunner(runner);

let seq = 0;
/** Uploads a file as an admin would: a presigned key of purpose import, the bytes put in the local store. */
async function upload(bytes: Uint8Array, contentType = CSV): Promise<string> {
  const r = await invoke(createUploadUrl, 'POST /uploads', {
    as: admin,
    body: { purpose: 'import', contentType, bytes: bytes.length },
  });
  expect(r.status).toBe(201);
  await getObjectStore().put(r.json.key, bytes, contentType);
  return r.json.key;
}

const csv = (rows: string[][], bom = true) =>
  new TextEncoder().encode(
    (bom ? '\uFEFF' : '') +
      rows.map((r) => r.map((c) => (/[",\n]/.test(c) ? `"${c.replaceAll('"', '""')}"` : c)).join(',')).join('\r\n'),
  );

async function xlsx(rows: (string | number)[][]): Promise<Uint8Array> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet(`s${seq++}`);
  for (const r of rows) ws.addRow(r);
  return new Uint8Array(await wb.xlsx.writeBuffer());
}

async function dryRun(kind: string, key: string) {
  return invoke(startImportHandler, 'POST /imports', { as: admin, body: { kind, key, dryRun: true } });
}

/** Commits and waits for the background job; returns the finished job. */
async function commit(kind: string, key: string, skipInvalid?: boolean) {
  const r = await invoke(startImportHandler, 'POST /imports', {
    as: admin,
    body: { kind, key, dryRun: false, ...(skipInvalid ? { skipInvalid } : {}) },
  });
  if (r.status !== 202) return r;
  await runner.idle();
  return invoke(getImportHandler, 'GET /imports/{id}', { as: admin, params: { id: r.json.id } });
}

const count = (kind: 'community' | 'unit' | 'cadre' | 'household') => listEntities(db, kind).then((l) => l.length);
const uniq = (p: string) => `${p}${seq++}`;

describe('importing the registry from CSV and XLSX', () => {
  let community: string;
  let unit: string;

  beforeAll(async () => {
    community = uniq('导入社区');
    unit = uniq('导入单位');
    const key = await upload(
      await xlsx([
        ['社区名称', '街道/乡镇', '区/县'],
        [community, '城东街道', '海陵区'],
      ]),
      XLSX,
    );
    expect((await commit('communities', key)).json).toMatchObject({ status: 'done', created: 1 });
    const units = await upload(csv([['单位名称'], [unit]]));
    expect((await commit('units', units)).json).toMatchObject({ status: 'done', created: 1 });
  });

  it('checks every row of a household file in a dry run and writes nothing', async () => {
    const before = await count('household');
    const key = await upload(
      csv([
        ['户主姓名', '身份证号', '所属社区', '家庭人口', '备注'],
        ['王一', makeIdNumber(), community, '3', '多余的列被忽略'],
        ['王二', makeIdNumber(), community, '2', ''],
      ]),
    );
    const r = await dryRun('households', key);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ rows: 2, valid: 2, errors: [], errorCount: 0 });
    expect(await count('household')).toBe(before);
  });

  it('commits households in the background, and a re-import creates nothing and reports each row unchanged', async () => {
    const rows = [
      ['headName', 'idNumber', 'community', 'memberCount'],
      ['赵一', makeIdNumber(), community, '4'],
      ['赵二', makeIdNumber(), community, '1'],
    ];
    const key = await upload(await xlsx(rows), XLSX);
    const first = await commit('households', key);
    expect(first.json).toMatchObject({
      status: 'done',
      rowsTotal: 2,
      rowsDone: 2,
      created: 2,
      unchanged: 0,
      skipped: 0,
    });
    const again = await commit('households', await upload(await xlsx(rows), XLSX));
    expect(again.json).toMatchObject({ status: 'done', created: 0, updated: 0, unchanged: 2, skipped: 0 });
    const changed = rows.map((r, i) => (i === 1 ? [r[0]!, r[1]!, r[2]!, '5'] : r));
    const third = await commit('households', await upload(csv(changed)));
    expect(third.json).toMatchObject({ created: 0, updated: 1, unchanged: 1 });
  });

  it('names each bad row by row number, column and a Chinese message', async () => {
    const good = makeIdNumber();
    const badChecksum = `${good.slice(0, 17)}${good[17] === '1' ? '2' : '1'}`;
    const key = await upload(
      await xlsx([
        ['户主姓名', '身份证号', '所属社区', '家庭人口'],
        ['钱一', good, community, 3],
        ['钱二', badChecksum, community, 3],
        ['钱三', good, community, 3],
        ['钱四', makeIdNumber(), '不存在的社区', 3],
        ['', makeIdNumber(), community, 0],
        ['钱六', 320902198001010000, community, 2],
      ]),
      XLSX,
    );
    const r = await dryRun('households', key);
    expect(r.json.rows).toBe(6);
    expect(r.json.valid).toBe(1);
    expect(r.json.errors).toStrictEqual([
      { row: 3, column: '身份证号', message: '身份证号校验码不正确，请核对是否输错' },
      { row: 4, column: '身份证号', message: '文件中该身份证号出现了不止一次（与第 2 行重复）' },
      { row: 5, column: '所属社区', message: '社区“不存在的社区”尚未登记：请先导入社区' },
      { row: 6, column: '家庭人口', message: '家庭人口应为 1–30 的整数' },
      { row: 6, column: '户主姓名', message: '请填写户主姓名' },
      { row: 7, column: '身份证号', message: '身份证号被存成了数字，末几位已丢失：请把该列设为“文本”后重新填写' },
    ]);
    // Errors never carry the ID number itself.
    expect(JSON.stringify(r.json)).not.toContain(good);

    const refused = await commit('households', key);
    expect(refused.status).toBe(400);
    expect(refused.json.error.code).toBe('import.rows_invalid');
    expect(refused.json.error.issues).toContainEqual({
      path: 'rows.3.身份证号',
      message: '身份证号校验码不正确，请核对是否输错',
    });

    const partial = await commit('households', key, true);
    expect(partial.json).toMatchObject({
      status: 'done',
      rowsTotal: 6,
      rowsDone: 6,
      created: 1,
      skipped: 5,
      errorCount: 6,
    });

    const report = await invoke(importErrors, 'GET /imports/{id}/errors', {
      as: admin,
      params: { id: r.json.id },
      query: { format: 'xlsx' },
    });
    expect(report.status).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(report.text, 'base64') as unknown as ArrayBuffer);
    const sheet = wb.worksheets[0]!;
    expect((sheet.getRow(1).values as unknown[]).slice(1)).toStrictEqual([
      '户主姓名',
      '身份证号',
      '所属社区',
      '家庭人口',
      '错误',
      '原行号',
    ]);
    expect(sheet.rowCount).toBe(6);
    expect(sheet.getRow(2).getCell(5).value).toBe('身份证号：身份证号校验码不正确，请核对是否输错');
    const asCsv = await invoke(importErrors, 'GET /imports/{id}/errors', {
      as: admin,
      params: { id: r.json.id },
      query: { format: 'csv' },
    });
    expect(asCsv.text.startsWith('\uFEFF户主姓名,身份证号,所属社区,家庭人口,错误,原行号\r\n')).toBe(true);
  });

  it('refuses a file without a required column, one error naming it', async () => {
    const r = await dryRun(
      'households',
      await upload(
        csv([
          ['户主姓名', '所属社区'],
          ['孙一', community],
        ]),
      ),
    );
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('import.columns_missing');
    expect(r.json.error.message).toContain('身份证号、家庭人口');
  });

  it('says UTF-8 when a CSV is in another encoding, and refuses a file that is not XLSX', async () => {
    const gbk = new Uint8Array([0xbb, 0xa7, 0xd6, 0xf7, 0x2c, 0x0d, 0x0a]);
    const r = await dryRun('units', await upload(gbk));
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('import.encoding');
    expect(r.json.error.message).toContain('UTF-8');
    const notZip = await dryRun('units', await upload(new TextEncoder().encode('hello'), XLSX));
    expect(notZip.status).toBe(400);
    expect(notZip.json.error.code).toBe('import.unreadable');
  });

  it('imports cadres with codes and phones, and pairings by code or by a name unique in the unit', async () => {
    const year = new Date().getFullYear();
    const cadres = await upload(
      csv([
        ['姓名', '所属单位', '编号', '手机'],
        ['周一', unit, 'ZY-1', '13800000001'],
        ['周二', unit, '', ''],
        ['周三', unit, 'ZY-3', '12345'],
        ['周四', '没有的单位', '', ''],
      ]),
    );
    const checked = await dryRun('cadres', cadres);
    expect(checked.json.errors).toStrictEqual([
      { row: 4, column: '手机', message: '手机号应为 11 位数字，以 1 开头' },
      { row: 5, column: '所属单位', message: '帮扶单位“没有的单位”尚未登记：请先导入帮扶单位' },
    ]);
    expect((await commit('cadres', cadres, true)).json).toMatchObject({ created: 2, skipped: 2 });

    const [a, b, c] = [makeIdNumber(), makeIdNumber(), makeIdNumber()];
    const hh = await upload(
      csv([
        ['户主姓名', '身份证号', '所属社区', '家庭人口'],
        ['吴一', a, community, '2'],
        ['吴二', b, community, '2'],
      ]),
    );
    expect((await commit('households', hh)).json.created).toBe(2);
    const pairingRows = [
      ['身份证号', '帮扶责任人', '所属单位', '年度'],
      [a, 'ZY-1', unit, String(year)],
      [b, '周二', unit, String(year)],
      [c, 'ZY-1', unit, String(year)],
      [a, '周二', unit, String(year)],
      [a, '无名氏', unit, String(year + 1)],
      [b, 'ZY-1', unit, '1999'],
    ];
    const pairings = await upload(await xlsx(pairingRows), XLSX);
    const report = await dryRun('pairings', pairings);
    expect(report.json.errors).toStrictEqual([
      { row: 4, column: '身份证号', message: '该身份证号没有登记困难家庭：请先导入困难家庭' },
      { row: 5, column: '身份证号', message: '文件中同一家庭同一年度出现了不止一次（与第 2 行重复）' },
      { row: 6, column: '帮扶责任人', message: `${unit}没有编号或姓名为“无名氏”的干部` },
      { row: 7, column: '年度', message: `年度应为 2000–${year + 1} 的四位年份` },
    ]);
    const done = await commit('pairings', pairings, true);
    expect(done.json).toMatchObject({ created: 2, skipped: 4 });
    const again = await commit('pairings', await upload(await xlsx(pairingRows.slice(0, 3)), XLSX));
    expect(again.json).toMatchObject({ created: 0, unchanged: 2 });
  });
});

describe('importing the fund ledger', () => {
  it('reads yuan with up to two decimals as exact fen and objectives by Chinese name or code', async () => {
    const community = uniq('资金社区');
    await commit('communities', await upload(csv([['社区名称'], [community]])));
    const id = makeIdNumber();
    await commit(
      'households',
      await upload(
        csv([
          ['户主姓名', '身份证号', '所属社区', '家庭人口'],
          ['郑一', id, community, '1'],
        ]),
      ),
    );
    const ref = uniq('FIN-');
    const rows: (string | number)[][] = [
      ['台账编号', '身份证号', '日期', '帮扶目标', '金额（元）'],
      [`${ref}-1`, id, '2026-03-01', '帮生活', '1234.5'],
      [`${ref}-2`, id, '2026/3/2', 'education', 0.3],
      [`${ref}-3`, id, '2026-03-03', '帮吃饭', '1.234'],
      [`${ref}-4`, id, '2999-01-01', '帮就医', '-5'],
      [`${ref}-1`, id, '2026-03-01', '帮生活', '1234.5'],
    ];
    const key = await upload(await xlsx(rows), XLSX);
    const r = await dryRun('fund-ledger', key);
    expect(r.json.errors).toStrictEqual([
      { row: 4, column: '帮扶目标', message: '帮扶目标应为 帮生活、帮助学、帮就医、帮就业、帮住房 之一' },
      { row: 4, column: '金额（元）', message: '金额应为以元为单位的数字，最多两位小数' },
      { row: 5, column: '日期', message: '拨付日期不能晚于今天' },
      { row: 5, column: '金额（元）', message: '金额应为以元为单位的数字，最多两位小数' },
      { row: 6, column: '台账编号', message: '文件中该台账编号出现了不止一次（与第 2 行重复）' },
    ]);
    const done = await commit('fund-ledger', key, true);
    expect(done.json).toMatchObject({ status: 'done', created: 2, skipped: 3 });
    const first = await getItem(db, keys.fundEntry(`${ref}-1`));
    const second = await getItem(db, keys.fundEntry(`${ref}-2`));
    expect([first?.amountFen, first?.objective, second?.amountFen, second?.date]).toStrictEqual([
      123_450,
      'livelihood',
      30,
      '2026-03-02',
    ]);
    const again = await commit('fund-ledger', await upload(await xlsx(rows.slice(0, 3)), XLSX));
    expect(again.json).toMatchObject({ created: 0, unchanged: 2 });
    const changed = await dryRun(
      'fund-ledger',
      await upload(csv([rows[0]!.map(String), [`${ref}-1`, id, '2026-03-01', '帮生活', '99']])),
    );
    expect(changed.json.errors[0].message).toContain('已导入过');
  });
});

describe('the background job', () => {
  it('checkpoints chunk by chunk; a chunk run twice counts once, and a stopped job resumes to the same totals', async () => {
    const community = uniq('断点社区');
    await commit('communities', await upload(csv([['社区名称'], [community]])));
    const rows = [['户主姓名', '身份证号', '所属社区', '家庭人口']];
    for (let i = 0; i < 7; i++) rows.push([`断点${i}`, makeIdNumber(), community, '2']);
    const key = await upload(csv(rows));
    // A process that stops right after accepting the job: nothing runs it.
    registerLocalImportRunner({ continue: async () => {} });
    const started = await invoke(startImportHandler, 'POST /imports', {
      as: admin,
      body: { kind: 'households', key, dryRun: false },
    });
    registerLocalImportRunner(runner);
    expect(started.status).toBe(202);
    const id = started.json.id as string;
    const deps = await importDeps();
    expect(await runImportChunks(deps, id, { chunkRows: 3, shouldStop: () => true })).toBe('more');
    const progress = await invoke(getImportHandler, 'GET /imports/{id}', { as: admin, params: { id } });
    expect(progress.json).toMatchObject({ status: 'running', rowsTotal: 7, rowsDone: 3, created: 3 });

    // The same chunk run twice at once (a retried invocation): one checkpoint lands.
    const twice = await Promise.all([
      runImportChunks(deps, id, { chunkRows: 3, shouldStop: () => true }),
      runImportChunks(deps, id, { chunkRows: 3, shouldStop: () => true }),
    ]);
    expect(twice.sort()).toStrictEqual(['more', 'not-running']);

    // The restart finds the job by its running listing and finishes it.
    expect(await resumeStaleImports(db, runner, new Date(), 0)).toContain(id);
    await runner.idle();
    const done = await invoke(getImportHandler, 'GET /imports/{id}', { as: admin, params: { id } });
    expect(done.json).toMatchObject({
      status: 'done',
      rowsTotal: 7,
      rowsDone: 7,
      created: 7,
      unchanged: 0,
      skipped: 0,
    });
    const running = await queryAll(db, { index: 'byKind', partition: keys.runningImport('').gsi3pk });
    expect(running.map((r) => r.id)).not.toContain(id);
  });

  it('hands the next chunks to the worker by an asynchronous Lambda invocation (AWS SDK boundary intercepted)', async () => {
    // No local engine runs Lambda: the SDK client's send is replaced, nothing of ours is.
    const sent: unknown[] = [];
    process.env.IMPORT_WORKER_FUNCTION = 'import-worker-fn';
    await lambdaImportRunner({ send: async (c) => void sent.push(c) }).continue('job-1');
    const command = sent[0] as { input: { FunctionName: string; InvocationType: string; Payload: Uint8Array } };
    expect(command.input.FunctionName).toBe('import-worker-fn');
    expect(command.input.InvocationType).toBe('Event');
    expect(JSON.parse(new TextDecoder().decode(command.input.Payload))).toStrictEqual({ importId: 'job-1' });
  });

  it('answers 404 for an unknown import', async () => {
    const r = await invoke(getImportHandler, 'GET /imports/{id}', { as: admin, params: { id: 'nope' } });
    expect(r.status).toBe(404);
  });
});

describe('uploads for imports', () => {
  it('are for admins only, CSV or XLSX, up to 64 MB', async () => {
    const cadre = await invoke(createUploadUrl, 'POST /uploads', {
      as: cadreUser('c1'),
      body: { purpose: 'import', contentType: CSV, bytes: 10 },
    });
    expect(cadre.status).toBe(403);
    expect(cadre.json.error.code).toBe('upload.purpose_forbidden');
    const big = await invoke(createUploadUrl, 'POST /uploads', {
      as: admin,
      body: { purpose: 'import', contentType: XLSX, bytes: 64 * 1024 * 1024 + 1 },
    });
    expect(big.status).toBe(400);
    const fits = await invoke(createUploadUrl, 'POST /uploads', {
      as: admin,
      body: { purpose: 'import', contentType: XLSX, bytes: 64 * 1024 * 1024 },
    });
    expect(fits.status).toBe(201);
    expect(fits.json.key).toMatch(/^uploads\/import\/.+\.xlsx$/);
    const wrongType = await invoke(createUploadUrl, 'POST /uploads', {
      as: admin,
      body: { purpose: 'import', contentType: 'image/png', bytes: 10 },
    });
    expect(wrongType.status).toBe(400);
    const photoTooBig = await invoke(createUploadUrl, 'POST /uploads', {
      as: admin,
      body: { purpose: 'receipt', contentType: 'image/png', bytes: 6 * 1024 * 1024 },
    });
    expect(photoTooBig.status).toBe(400);
  });

  it('are not importable by a non-admin', async () => {
    const r = await invoke(startImportHandler, 'POST /imports', {
      as: cadreUser('c1'),
      body: { kind: 'units', key: 'uploads/import/x.csv', dryRun: true },
    });
    expect(r.status).toBe(403);
  });
});

describe('templates', () => {
  it('import cleanly when filled with their own examples, in the order a city is set up', async () => {
    for (const kind of ['communities', 'units', 'cadres', 'households', 'pairings', 'fund-ledger']) {
      const format = kind === 'units' || kind === 'pairings' ? 'csv' : 'xlsx';
      const t = await invoke(importTemplate, 'GET /imports/templates/{kind}', {
        as: admin,
        params: { kind },
        query: { format },
      });
      expect(t.status).toBe(200);
      const bytes = format === 'csv' ? new TextEncoder().encode(t.text) : new Uint8Array(Buffer.from(t.text, 'base64'));
      if (format === 'csv') expect(t.text.startsWith('\uFEFF')).toBe(true);
      const key = await upload(bytes, format === 'csv' ? CSV : XLSX);
      const checked = await dryRun(kind, key);
      expect({ kind, ...checked.json }).toMatchObject({ kind, rows: 1, valid: 1, errors: [] });
      expect((await commit(kind, key)).json).toMatchObject({ status: 'done', skipped: 0 });
    }
    const [household] = (await listEntities<{ id: string; headName: string }>(db, 'household')).filter(
      (h) => h.headName === '李四',
    );
    expect(await findPairing(db, household!.id, new Date().getFullYear())).toBeDefined();
  });

  it('has a notes row in the XLSX, skipped on import', async () => {
    const t = await invoke(importTemplate, 'GET /imports/templates/{kind}', {
      as: admin,
      params: { kind: 'households' },
      query: { format: 'xlsx' },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(t.text, 'base64') as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect((ws.getRow(1).values as unknown[]).slice(1)).toStrictEqual([
      '户主姓名',
      '身份证号',
      '所属社区',
      '街道/乡镇',
      '家庭人口',
    ]);
    expect(String(ws.getRow(2).getCell(1).value)).toMatch(/^【填写说明】/);
  });
});
