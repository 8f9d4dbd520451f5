import { describe, expect, it } from 'vitest';
import { handler as importFundLedger } from '#functions/import-fund-ledger.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as recordReceipt } from '#functions/record-receipt.ts';
import { handler as reverseAid } from '#functions/reverse-aid.ts';
import { admin, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { pairedWorld } from '../support/world.ts';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';
const entry = (householdId: string, reference: string, amountFen = 30_000) => ({
  reference,
  householdId,
  date: '2026-03-01',
  objective: 'livelihood',
  amountFen,
});

describe('importing the fund ledger', () => {
  it('imports entries and counts a reference already imported as a duplicate, never twice', async () => {
    const w = await pairedWorld(2026);
    const body = { entries: [entry(w.householdId, 'FIN-001'), entry(w.householdId, 'FIN-002')] };
    const first = await invoke(importFundLedger, 'POST /fund-ledger', { as: admin, body });
    expect(first.status).toBe(200);
    expect(first.json).toStrictEqual({ imported: 2, duplicates: 0, conflicting: [] });
    const again = await invoke(importFundLedger, 'POST /fund-ledger', {
      as: admin,
      body: { entries: [entry(w.householdId, 'FIN-002'), entry(w.householdId, 'FIN-003')] },
    });
    expect(again.json).toStrictEqual({ imported: 1, duplicates: 1, conflicting: [] });
  });

  it('names a re-imported reference whose figures changed, without importing it', async () => {
    const w = await pairedWorld(2026);
    await invoke(importFundLedger, 'POST /fund-ledger', {
      as: admin,
      body: { entries: [entry(w.householdId, 'FIN-CH')] },
    });
    const changed = await invoke(importFundLedger, 'POST /fund-ledger', {
      as: admin,
      body: { entries: [entry(w.householdId, 'FIN-CH', 99)] },
    });
    expect(changed.json).toStrictEqual({ imported: 0, duplicates: 1, conflicting: ['FIN-CH'] });
  });

  it('imports the same entries from CSV with a header row and a byte-order mark', async () => {
    const w = await pairedWorld(2026);
    const csv = `\uFEFFreference,householdId,date,objective,amountFen\r\nCSV-1,${w.householdId},2026-03-02,education,12000\r\n"CSV-2",${w.householdId},2026-03-03,medical,500\r\n`;
    const r = await invoke(importFundLedger, 'POST /fund-ledger', {
      as: admin,
      rawBody: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(r.status).toBe(200);
    expect(r.json).toStrictEqual({ imported: 2, duplicates: 0, conflicting: [] });
  });

  it('refuses the whole file when a row names an unknown household or a bad amount, importing nothing', async () => {
    const w = await pairedWorld(2026);
    const unknown = await invoke(importFundLedger, 'POST /fund-ledger', {
      as: admin,
      body: { entries: [entry(w.householdId, 'OK-1'), entry('nobody', 'BAD-1')] },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.issues).toStrictEqual([{ path: 'entries.1.householdId', message: '困难家庭不存在' }]);
    const retry = await invoke(importFundLedger, 'POST /fund-ledger', {
      as: admin,
      body: { entries: [entry(w.householdId, 'OK-1')] },
    });
    expect(retry.json.imported).toBe(1);
    const badAmount = await invoke(importFundLedger, 'POST /fund-ledger', {
      as: admin,
      rawBody: `reference,householdId,date,objective,amountFen\nX-1,${w.householdId},2026-03-02,education,12.5\n`,
      headers: { 'content-type': 'text/csv' },
    });
    expect(badAmount.status).toBe(400);
    expect(badAmount.json.error.issues[0].path).toBe('entries.0.amountFen');
  });

  it('is for admins only', async () => {
    const w = await pairedWorld(2026);
    const r = await invoke(importFundLedger, 'POST /fund-ledger', {
      as: cadreUser(w.cadreId),
      body: { entries: [entry(w.householdId, 'C-1')] },
    });
    expect(r.status).toBe(403);
  });
});

describe('receipts (签收)', () => {
  async function withEntry() {
    const w = await pairedWorld(2026);
    const items = [{ name: '棉被', quantity: 2, unitValueFen: 15_000 }];
    const rec = await invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(w.cadreId),
      body: makeAid(w.householdId, { kind: 'in_kind', amountFen: 30_000, items }),
      headers: { 'idempotency-key': newKey() },
    });
    return { ...w, recordId: rec.json.id as string };
  }

  it('records the household’s receipt once; a second is 409', async () => {
    const w = await withEntry();
    const r = await invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
      as: cadreUser(w.cadreId),
      params: { id: w.recordId },
      body: { method: 'thumbprint', imagePng: `data:image/png;base64,${PNG}` },
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ recordId: w.recordId, method: 'thumbprint', householdId: w.householdId });
    expect(r.json.imageSha256).toMatch(/^[0-9a-f]{64}$/);
    const again = await invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
      as: communityCadreUser(w.communityId),
      params: { id: w.recordId },
      body: { method: 'signature' },
    });
    expect(again.status).toBe(409);
  });

  it('admits the household’s community cadre and refuses other cadres', async () => {
    const w = await withEntry();
    const other = await invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
      as: cadreUser('other'),
      params: { id: w.recordId },
      body: { method: 'signature' },
    });
    expect(other.status).toBe(403);
    const cc = await invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
      as: communityCadreUser(w.communityId),
      params: { id: w.recordId },
      body: { method: 'signature' },
    });
    expect(cc.status).toBe(201);
  });

  it('refuses an image that is not a PNG, and a receipt for a reversal', async () => {
    const w = await withEntry();
    const notPng = await invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
      as: cadreUser(w.cadreId),
      params: { id: w.recordId },
      body: { method: 'signature', imagePng: Buffer.from('GIF89a not a png at all').toString('base64') },
    });
    expect(notPng.status).toBe(400);
    const rev = await invoke(reverseAid, 'POST /aid-records/{id}/reversal', {
      as: admin,
      params: { id: w.recordId },
      body: { reason: '错登' },
    });
    const forReversal = await invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
      as: cadreUser(w.cadreId),
      params: { id: rev.json.id },
      body: { method: 'signature' },
    });
    expect(forReversal.status).toBe(409);
  });
});
