import { describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { listHouseholdYearRecords } from '#shared/aid/ledger.ts';
import { cadreUser } from '../support/factories.ts';
import { PageClient } from '../support/page-client.ts';
import { thisYear, today } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Issue #13, item 4 (amounts): the aid form takes an amount as the cadre types it — thousands separators, 元,
 * full-width digits — and records it exactly; what it cannot read unambiguously is said beside the field in yuan.
 */
async function postAid(amountYuan: string, extra: Record<string, string> = {}) {
  const w = await pairedWorld(thisYear());
  const page = await PageClient.as(cadreUser(w.cadreId));
  const form = await page.get(`/app/households/${w.householdId}/aid/new`);
  const key = /name="idempotencyKey" value="([^"]+)"/.exec(form.body)?.[1];
  expect(key).toBeDefined();
  const res = await page.post(`/app/households/${w.householdId}/aid/new`, `/app/households/${w.householdId}/aid`, {
    idempotencyKey: key!,
    kind: 'cash',
    objective: 'livelihood',
    date: today(),
    amountYuan,
    description: '生活补助',
    ...extra,
  });
  const records = await listHouseholdYearRecords(db, w.householdId, w.communityId, thisYear());
  return { res, records };
}

describe('amounts on the aid form', () => {
  it.each([
    ['1,200', 120_000],
    ['1200元', 120_000],
    ['１，２００．５', 120_050],
  ])('records %s as %i fen', async (typed, fen) => {
    const { res, records } = await postAid(typed);
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    expect(records.map((r) => r.amountFen)).toStrictEqual([fen]);
  });

  it('refuses an ambiguous amount beside the field, in yuan, and records nothing', async () => {
    const { res, records } = await postAid('1,20');
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/id="amountYuan-error"[^>]*>请输入金额（元），最多两位小数，如 300、1,200 或 12.50</);
    expect(res.body).not.toMatch(/分</);
    expect(records).toStrictEqual([]);
  });

  it('values goods from the item rows as typed, with decimal quantities, when the amount is left empty', async () => {
    const { res, records } = await postAid('', {
      kind: 'in_kind',
      itemName: '猪肉',
      itemQuantity: '2.5',
      itemUnitValueYuan: '3.33',
    });
    expect(res.statusCode, res.body.slice(0, 300)).toBe(303);
    // 2.5 斤 × ¥3.33 = ¥8.325, rounded half up to ¥8.33.
    expect(records.map((r) => [r.amountFen, r.items])).toStrictEqual([
      [833, [{ name: '猪肉', quantity: 2.5, unitValueFen: 333 }]],
    ]);
  });

  it('says beside the amount what the items add up to, in yuan, when a typed total differs', async () => {
    const { res, records } = await postAid('8', {
      kind: 'in_kind',
      itemName: '猪肉',
      itemQuantity: '2.5',
      itemUnitValueYuan: '3.33',
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('金额应等于各物品数量×单价之和：8.33 元');
    expect(records).toStrictEqual([]);
  });
});
