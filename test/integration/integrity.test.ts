import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as importFundLedger } from '#functions/import-fund-ledger.ts';
import { db } from '#functions/lib/clients.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as recordReceipt } from '#functions/record-receipt.ts';
import { handler as reopenVerification } from '#functions/reopen-verification.ts';
import { handler as integrity } from '#functions/verification-integrity.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { keys } from '#shared/table.ts';
import { getVerification } from '#shared/verification/index.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import {
  confirmedRound,
  confirmThroughHandler,
  finalRound,
  roundAwaitingDecision,
  useRecordingWorkflow,
} from '../support/rounds.ts';
import { PNG } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Tamper evidence: a confirmed round's digest recomputed from the table. Each test confirms a round through the
 * real handlers and steps on dynalite, then changes the table directly, with the DynamoDB client and no domain
 * code, as someone with write access to the table (not to the API) could.
 */

const today = () => shanghaiDate(new Date());
const year = () => Number(today().slice(0, 4));
const check = (id: string, as = admin) =>
  invoke(integrity, 'GET /verifications/{id}/integrity', { as, params: { id } });

/** Raw table access, bypassing every rule of the domain. */
const raw = {
  get: async (key: { pk: string; sk: string }) =>
    (await db.doc.send(new GetCommand({ TableName: db.table, Key: key }))).Item!,
  put: (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item })),
  delete: (key: { pk: string; sk: string }) => db.doc.send(new DeleteCommand({ TableName: db.table, Key: key })),
  /** Sets one attribute, or a nested one (`snapshot.memberCount`). */
  set: (key: { pk: string; sk: string }, path: string, value: unknown) => {
    const parts = path.split('.');
    return db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: key,
        UpdateExpression: `SET ${parts.map((_, i) => `#n${i}`).join('.')} = :v`,
        ExpressionAttributeNames: Object.fromEntries(parts.map((p, i) => [`#n${i}`, p])),
        ExpressionAttributeValues: { ':v': value },
      }),
    );
  },
};

/**
 * A community of two households that pass every check: the first ¥1,000 cash matched by the fund ledger, the
 * second ¥1,000 in kind with the household's receipt. Confirmed, its notice open (figures locked).
 */
async function confirmedWorld(final = false, { onlyDecided = false } = {}) {
  const w = await pairedWorld(year(), 2);
  const [cashHousehold, inKindHousehold] = w.householdIds as [string, string];
  const as = cadreUser(w.cadreId);
  const post = async (body: unknown) => {
    const r = await invoke(recordAid, 'POST /aid-records', { as, body, headers: { 'idempotency-key': newKey() } });
    if (r.status !== 201) throw new Error(`setup: record aid: ${r.status} ${r.text}`);
    return r.json.id as string;
  };
  const cashId = await post(makeAid(cashHousehold, { date: today(), amountFen: 100_000 }));
  const reference = `FIN-${newKey()}`;
  const fund = { reference, householdId: cashHousehold, date: today(), objective: 'livelihood', amountFen: 100_000 };
  const imported = await invoke(importFundLedger, 'POST /fund-ledger', { as: admin, body: { entries: [fund] } });
  if (imported.status !== 200) throw new Error(`setup: fund: ${imported.status} ${imported.text}`);
  const items = [{ name: '米面油', quantity: 10, unitValueFen: 10_000 }];
  const inKindId = await post(
    makeAid(inKindHousehold, { date: today(), kind: 'in_kind', amountFen: 100_000, items, description: '实物' }),
  );
  const receipt = await invoke(recordReceipt, 'POST /aid-records/{id}/receipt', {
    as,
    params: { id: inKindId },
    body: { method: 'signature', imagePng: PNG },
  });
  if (receipt.status !== 201) throw new Error(`setup: receipt: ${receipt.status} ${receipt.text}`);
  if (onlyDecided) {
    // The confirmation is recorded; the steps that store its binding and post the notice have not run yet.
    const verificationId = await roundAwaitingDecision(w.communityId, year());
    const decided = await confirmThroughHandler(w.communityId, verificationId, 'SEAL-NOW');
    if (decided.status !== 200) throw new Error(`setup: confirm: ${decided.status} ${decided.text}`);
    return {
      ...w,
      verificationId,
      noticeId: '',
      entryId: '',
      cashHousehold,
      inKindHousehold,
      cashId,
      inKindId,
      reference,
    };
  }
  const round = await (final ? finalRound : confirmedRound)(w.communityId, year());
  return { ...w, ...round, cashHousehold, inKindHousehold, cashId, inKindId, reference };
}

beforeAll(() => {
  useRecordingWorkflow();
});

describe('GET /verifications/{id}/integrity', () => {
  it('answers ok with the confirmed digest recomputed from both the snapshot and the ledger when nothing changed', async () => {
    const w = await confirmedWorld();
    const r = await check(w.verificationId);
    expect(r.status).toBe(200);
    const digest = r.json.expectedDigest as string;
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(r.json).toStrictEqual({
      id: w.verificationId,
      communityId: w.communityId,
      year: year(),
      round: 1,
      status: 'objection_window',
      ok: true,
      expectedDigest: digest,
      actualDigest: digest,
      snapshotDigest: digest,
      ledgerDigest: digest,
      ledgerChecked: true,
      mismatches: [],
    });
    expect((await check(w.verificationId, auditor)).json.ok).toBe(true);
  });

  it('still answers ok once the round is final', async () => {
    const w = await confirmedWorld(true);
    const r = await check(w.verificationId);
    expect(r.json).toMatchObject({ status: 'final', ok: true, ledgerChecked: true, mismatches: [] });
  });

  it('names an entry whose amount was changed in the table after confirmation, as a ledger change', async () => {
    const w = await confirmedWorld();
    await raw.set(keys.aidRecord(w.cashId), 'amountFen', 1_000_000);

    const r = await check(w.verificationId);
    expect(r.status).toBe(200);
    expect(r.json.ok).toBe(false);
    expect(r.json.snapshotDigest).toBe(r.json.expectedDigest);
    expect(r.json.actualDigest).toBe(r.json.ledgerDigest);
    expect(r.json.actualDigest).not.toBe(r.json.expectedDigest);
    expect(r.json.mismatches).toStrictEqual([
      {
        source: 'ledger',
        subject: 'digest',
        change: 'changed',
        expected: r.json.expectedDigest,
        actual: r.json.ledgerDigest,
        message: expect.stringContaining('台账'),
      },
      {
        source: 'ledger',
        subject: 'entry',
        change: 'changed',
        householdId: w.cashHousehold,
        entryId: w.cashId,
        field: 'amountFen',
        expected: 100_000,
        actual: 1_000_000,
        message: expect.stringContaining(w.cashId),
      },
    ]);
  });

  it('checks the ledger right after a confirmation, before the round has moved on, and names a change behind the API', async () => {
    const w = await confirmedWorld(false, { onlyDecided: true });
    expect((await getVerification(db, w.verificationId)).status).toBe('awaiting_confirmation');
    const untouched = await check(w.verificationId);
    expect(untouched.json).toMatchObject({ status: 'awaiting_confirmation', ok: true, ledgerChecked: true });

    await raw.set(keys.aidRecord(w.cashId), 'amountFen', 90_000);

    const r = await check(w.verificationId);
    expect(r.json).toMatchObject({ status: 'awaiting_confirmation', ok: false, ledgerChecked: true });
    expect(r.json.mismatches).toContainEqual({
      source: 'ledger',
      subject: 'entry',
      change: 'changed',
      householdId: w.cashHousehold,
      entryId: w.cashId,
      field: 'amountFen',
      expected: 100_000,
      actual: 90_000,
      message: expect.stringContaining(w.cashId),
    });
  });

  it('names an entry put into the community-year directly, with its id and household', async () => {
    const w = await confirmedWorld();
    const original = await raw.get(keys.aidRecord(w.cashId));
    const forgedId = 'forged-entry-0001';
    await raw.put({
      ...original,
      ...keys.aidRecord(forgedId),
      ...keys.aidRecordIndexes({
        householdId: w.cashHousehold,
        communityId: w.communityId,
        year: year(),
        date: today(),
        id: forgedId,
      }),
      id: forgedId,
      amountFen: 50_000,
    });

    const r = await check(w.verificationId);
    expect(r.json.ok).toBe(false);
    const named = r.json.mismatches.filter((m: { subject: string }) => m.subject !== 'digest');
    expect(named).toStrictEqual([
      {
        source: 'ledger',
        subject: 'entry',
        change: 'added',
        householdId: w.cashHousehold,
        entryId: forgedId,
        message: expect.stringContaining(forgedId),
      },
    ]);
  });

  it('names a removed receipt, a changed fund entry and a renamed head of household', async () => {
    const w = await confirmedWorld();
    await raw.delete(keys.receipt(w.inKindId));
    await raw.set(keys.fundEntry(w.reference), 'objective', 'medical');
    await raw.set(keys.pairing(w.inKindHousehold, year()), 'headName', '冒名顶替');

    const r = await check(w.verificationId);
    expect(r.json.ok).toBe(false);
    const named = r.json.mismatches
      .filter((m: { subject: string }) => m.subject !== 'digest')
      .map(({ message: _m, ...m }: { message: string }) => m);
    expect(named).toStrictEqual(
      [
        {
          source: 'ledger',
          subject: 'fund',
          change: 'changed',
          householdId: w.cashHousehold,
          reference: w.reference,
          field: 'objective',
          expected: 'livelihood',
          actual: 'medical',
        },
        {
          source: 'ledger',
          subject: 'head',
          change: 'changed',
          householdId: w.inKindHousehold,
          field: 'headName',
          expected: '户主1',
          actual: '冒名顶替',
        },
        {
          source: 'ledger',
          subject: 'receipt',
          change: 'removed',
          householdId: w.inKindHousehold,
          entryId: w.inKindId,
        },
      ].sort((a, b) => (a.householdId < b.householdId ? -1 : a.householdId > b.householdId ? 1 : 0)),
    );
  });

  it('tells a tampered snapshot from a changed ledger', async () => {
    const w = await confirmedWorld();
    const key = keys.verifiedHousehold(w.verificationId, w.cashHousehold);
    await raw.set(key, 'snapshot.memberCount', 9);

    const r = await check(w.verificationId);
    expect(r.json.ok).toBe(false);
    expect(r.json.ledgerDigest).toBe(r.json.expectedDigest);
    expect(r.json.snapshotDigest).not.toBe(r.json.expectedDigest);
    expect(r.json.mismatches.map(({ message: _m, ...m }: { message: string }) => m)).toStrictEqual([
      {
        source: 'snapshot',
        subject: 'digest',
        change: 'changed',
        expected: r.json.expectedDigest,
        actual: r.json.snapshotDigest,
      },
      {
        source: 'snapshot',
        subject: 'head',
        change: 'changed',
        householdId: w.cashHousehold,
        field: 'memberCount',
        expected: 3,
        actual: 9,
      },
    ]);
  });

  it('detects a confirmation whose seal was rewritten, and a notice whose digest was', async () => {
    const w = await confirmedWorld();
    await raw.set(keys.verification(w.verificationId), 'decision.sealId', 'SEAL-FORGED');
    await raw.set(keys.notice(w.noticeId), 'digest', '0'.repeat(64));

    const r = await check(w.verificationId);
    expect(r.json.ok).toBe(false);
    expect(r.json.actualDigest).toBe(r.json.expectedDigest);
    expect(r.json.mismatches.map((m: { source: string; subject: string }) => [m.source, m.subject])).toStrictEqual([
      ['confirmation', 'binding'],
      ['notice', 'digest'],
    ]);
  });

  it('checks only the snapshot of a reopened round, whose figures were unlocked for correction', async () => {
    const w = await confirmedWorld(true);
    const reopened = await invoke(reopenVerification, 'POST /verifications/{id}/reopen', {
      as: admin,
      params: { id: w.verificationId },
      body: { reason: '补录漏登的帮扶' },
    });
    expect(reopened.status).toBe(200);
    const late = await invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(w.cadreId),
      body: makeAid(w.cashHousehold, { date: today(), amountFen: 5_000 }),
      headers: { 'idempotency-key': newKey() },
    });
    expect(late.status).toBe(201);

    const r = await check(w.verificationId);
    expect(r.json).toMatchObject({ status: 'reopened', ok: true, ledgerChecked: false, ledgerDigest: null });
    expect(r.json.actualDigest).toBe(r.json.snapshotDigest);
  });

  it('answers 409 for a round that has no confirmation yet, 404 for no round, and 403 to other roles', async () => {
    const w = await pairedWorld(year());
    const pending = await roundAwaitingDecision(w.communityId, year());
    const r = await check(pending);
    expect(r.status).toBe(409);
    expect(r.json.error.code).toBe('verification.not_confirmed');
    expect((await check('verify-2026-nowhere-1')).status).toBe(404);
    for (const as of [cadreUser(w.cadreId), communityCadreUser(w.communityId)]) {
      const refused = await check(pending, as);
      expect(refused.status).toBe(403);
      expect(refused.json.error.code).toBe('auth.role');
    }
  });
});
