import { describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { listHouseholdYearRecords } from '#shared/aid/ledger.ts';
import { admin, cadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { PageClient } from '../support/page-client.ts';
import { thisYear, today } from '../support/scenario.ts';
import { newCadre, pairedWorld } from '../support/world.ts';

/**
 * Issue #13, items 3 and 4: a household's entries on a phone (same-date entries in the order they were
 * recorded, 更正 through a confirmation page, the withdrawn pair shown together and struck through) and the aid
 * form sent again after the back button with other content (a fresh form, never a dead end, never a double).
 */

const entries = (w: { householdId: string; communityId: string }) =>
  listHouseholdYearRecords(db, w.householdId, w.communityId, thisYear());

async function recordCash(w: { cadreId: string; householdId: string }, amountFen: number, description = '生活补助') {
  const r = await invoke(recordAid, 'POST /aid-records', {
    as: cadreUser(w.cadreId),
    body: makeAid(w.householdId, { date: today(), amountFen, description }),
    headers: { 'idempotency-key': newKey() },
  });
  expect(r.status).toBe(201);
  return r.json.id as string;
}

const keyOf = (body: string) => /name="idempotencyKey" value="([^"]+)"/.exec(body)?.[1];

describe('the order of entries', () => {
  it('lists entries of one date in the order they were recorded, in the ledger and on the page', async () => {
    const w = await pairedWorld(thisYear());
    const amounts = [10_100, 10_200, 10_300, 10_400, 10_500, 10_600];
    for (const a of amounts) await recordCash(w, a, `第${a}笔`);

    // The index orders one date's entries by their hashed ids; the ledger gives them in recording order.
    expect((await entries(w)).map((r) => r.amountFen)).toStrictEqual(amounts);
    const page = await PageClient.as(cadreUser(w.cadreId));
    const body = (await page.get(`/app/households/${w.householdId}`)).body;
    const shown = [...body.matchAll(/第(\d+)笔/g)].map((m) => Number(m[1]));
    expect(shown).toStrictEqual(amounts);
  });
});

describe('correcting an entry (更正)', () => {
  it('shows what will be withdrawn, withdraws it on confirmation, and shows the pair struck through together', async () => {
    const w = await pairedWorld(thisYear());
    const id = await recordCash(w, 120_000, '冬季取暖补助');
    const page = await PageClient.as(cadreUser(w.cadreId));

    const household = await page.get(`/app/households/${w.householdId}`);
    expect(household.body).toContain(`href="/app/aid/${id}/correction"`);
    expect(household.body).not.toContain('冲正');

    const shown = await page.get(`/app/aid/${id}/correction`);
    expect(shown.statusCode).toBe(200);
    const withdrawn = /<dl class="entry" data-to-withdraw>([\s\S]*?)<\/dl>/.exec(shown.body)?.[1] ?? '';
    expect(withdrawn).toContain('¥1,200.00');
    expect(withdrawn).toContain('冬季取暖补助');
    expect(shown.body).toContain('name="confirm"');
    expect(shown.body).not.toContain('冲正');

    const done = await page.post(`/app/aid/${id}/correction`, `/app/aid/${id}/correction`, {
      reason: '金额多写了一个零',
      confirm: 'yes',
    });
    expect(done.statusCode).toBe(303);
    expect(done.headers?.location).toBe(`/app/households/${w.householdId}?saved=1&corrected=${id}`);
    const ledger = await entries(w);
    expect(ledger.map((r) => [r.amountFen, r.reverses, r.reason])).toStrictEqual([
      [120_000, undefined, undefined],
      [-120_000, id, '金额多写了一个零'],
    ]);

    const after = (await page.get(done.headers!.location as string)).body;
    expect(after).toContain('已撤回该记录。');
    expect(after).toContain(`/app/households/${w.householdId}/aid/new?from=${id}`);
    const pair = /<tbody class="entry pair" data-withdrawn-pair>([\s\S]*?)<\/tbody>/.exec(after)?.[1] ?? '';
    // Both rows in one group, struck through, and said in words (not by colour alone).
    expect(pair).toContain('已更正：以下两笔相互抵消，不计入合计');
    expect(pair).toContain('<s>¥1,200.00</s>');
    expect(pair).toContain('<s>¥-1,200.00</s>');
    expect(pair).toContain('已撤回');
    expect(pair).toContain('更正原因：金额多写了一个零');
    expect(pair).not.toContain('/correction');
    expect(after).not.toContain('冲正');
  });

  it('refuses a correction without a reason or without the confirmation beside the field, and writes nothing', async () => {
    const w = await pairedWorld(thisYear());
    const id = await recordCash(w, 5_000);
    const page = await PageClient.as(cadreUser(w.cadreId));
    const at = `/app/aid/${id}/correction`;

    const noReason = await page.post(at, at, { reason: '  ', confirm: 'yes' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toMatch(/id="reason-error"[^>]*>请填写更正原因</);
    expect(noReason.body).toContain('name="confirm"');

    const unconfirmed = await page.post(at, at, { reason: '重复登记' });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.body).toMatch(/id="confirm-error"[^>]*>请勾选“确认撤回这笔记录”后再提交</);
    // What was typed is kept.
    expect(unconfirmed.body).toContain('>重复登记</textarea>');

    expect((await entries(w)).map((r) => r.amountFen)).toStrictEqual([5_000]);
  });

  it('refuses someone else’s entry, on the page and on the post, and writes nothing', async () => {
    const w = await pairedWorld(thisYear());
    const id = await recordCash(w, 5_000);
    const other = await PageClient.as(cadreUser(await newCadre(w.unitId)));
    const at = `/app/aid/${id}/correction`;

    const shown = await other.get(at);
    expect(shown.statusCode).toBe(403);
    expect(shown.body).not.toContain('name="reason"');
    const posted = await other.post('/app/', at, { reason: '不是我的', confirm: 'yes' });
    expect(posted.statusCode).toBe(403);
    expect((await entries(w)).map((r) => r.amountFen)).toStrictEqual([5_000]);
  });

  it('answers a second send of the confirmation with the withdrawn entry, withdrawn once', async () => {
    const w = await pairedWorld(thisYear());
    const id = await recordCash(w, 5_000);
    const page = await PageClient.as(admin);
    const at = `/app/aid/${id}/correction`;
    const fields = { reason: '重复登记', confirm: 'yes' };
    expect((await page.post(at, at, fields)).statusCode).toBe(303);
    expect((await page.post(`/app/households/${w.householdId}`, at, fields)).statusCode).toBe(303);
    expect((await entries(w)).map((r) => r.amountFen)).toStrictEqual([5_000, -5_000]);
    expect((await page.get(at)).body).toContain('这笔记录已经撤回，无需再次更正。');
  });

  it('offers the withdrawn entry’s values on a fresh form to record it again correctly', async () => {
    const w = await pairedWorld(thisYear());
    const first = await invoke(recordAid, 'POST /aid-records', {
      as: cadreUser(w.cadreId),
      body: makeAid(w.householdId, {
        date: today(),
        kind: 'in_kind',
        objective: 'education',
        amountFen: 3_450,
        description: '学习用品',
        items: [{ name: '练习本', quantity: 2.5, unitValueFen: 1_380 }],
      }),
      headers: { 'idempotency-key': 'form-key-0001' },
    });
    const page = await PageClient.as(cadreUser(w.cadreId));
    const at = `/app/aid/${first.json.id}/correction`;
    expect((await page.post(at, at, { reason: '数量写错', confirm: 'yes' })).statusCode).toBe(303);

    const form = (await page.get(`/app/households/${w.householdId}/aid/new?from=${first.json.id}`)).body;
    expect(form).toContain('<option value="in_kind" selected>');
    expect(form).toContain('<option value="education" selected>');
    expect(form).toContain('>学习用品</textarea>');
    expect(form).toContain('name="itemQuantity" inputmode="decimal" value="2.5"');
    expect(form).toContain('name="itemUnitValueYuan" inputmode="decimal" value="13.80"');
    expect(form).toContain(
      '<output id="itemsTotal" aria-labelledby="itemsTotalLabel" aria-live="polite">34.50</output>',
    );
    expect(keyOf(form)).toBeDefined();
    expect(keyOf(form)).not.toBe('form-key-0001');
  });
});

describe('the aid form sent again after the back button', () => {
  async function formOf(page: PageClient, householdId: string) {
    const body = (await page.get(`/app/households/${householdId}/aid/new`)).body;
    return keyOf(body)!;
  }
  const cash = (key: string, amountYuan: string, description = '生活补助') => ({
    idempotencyKey: key,
    kind: 'cash',
    objective: 'livelihood',
    date: today(),
    amountYuan,
    description,
  });

  it('offers a fresh form with what was typed when the content changed, and records each entry once', async () => {
    const w = await pairedWorld(thisYear());
    const page = await PageClient.as(cadreUser(w.cadreId));
    const action = `/app/households/${w.householdId}/aid`;
    const key = await formOf(page, w.householdId);

    const first = await page.post(action, action, cash(key, '1,200'));
    expect(first.statusCode).toBe(303);
    const saved = await page.get(first.headers!.location as string);
    expect(saved.body).toContain('已保存：按 1,200.00 元登记（现金，');

    // Back, change the amount, send: the earlier one is saved; this is offered as a new entry, nothing recorded.
    const again = await page.post(action, action, cash(key, '1,300', '改过的金额'));
    expect(again.statusCode).toBe(409);
    expect(again.body).toContain('这张表单先前已经提交并保存');
    expect(again.body).toContain('¥1,200.00');
    expect(again.body).toContain('value="1,300"');
    expect(again.body).toContain('>改过的金额</textarea>');
    expect(again.body).toContain('按 1,300.00 元登记');
    expect(again.body).not.toMatch(/id="\w+-error"/);
    const fresh = keyOf(again.body)!;
    expect(fresh).not.toBe(key);
    expect((await entries(w)).map((r) => r.amountFen)).toStrictEqual([120_000]);

    expect((await page.post(action, action, cash(fresh, '1,300', '改过的金额'))).statusCode).toBe(303);
    // The first form sent again unchanged: still once.
    expect((await page.post(action, action, cash(key, '1,200'))).statusCode).toBe(303);
    expect((await entries(w)).map((r) => r.amountFen)).toStrictEqual([120_000, 130_000]);
  });

  it('never shows an amount in fen on the form or after saving', async () => {
    const w = await pairedWorld(thisYear());
    const page = await PageClient.as(cadreUser(w.cadreId));
    const action = `/app/households/${w.householdId}/aid`;
    const key = await formOf(page, w.householdId);
    const refused = await page.post(action, action, {
      ...cash(key, '8'),
      kind: 'in_kind',
      itemName: '猪肉',
      itemQuantity: '2.5',
      itemUnitValueYuan: '13.80',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.body).toContain('34.50');
    expect(refused.body).not.toMatch(/\d\s*分/);
    const done = await page.post(action, action, {
      ...cash(key, ''),
      kind: 'in_kind',
      itemName: '猪肉',
      itemQuantity: '2.5',
      itemUnitValueYuan: '13.80',
    });
    expect(done.statusCode).toBe(303);
    const saved = (await page.get(done.headers!.location as string)).body;
    expect(saved).toContain('已保存：按 34.50 元登记（实物，');
    expect(saved).not.toMatch(/\d\s*分/);
  });
});
