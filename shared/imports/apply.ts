import type { Objective } from '../aid/rules.ts';
import { getMany } from '../db.ts';
import { AppError } from '../errors.ts';
import { importFundLedger } from '../fund/index.ts';
import { ensureHouseholds } from '../household/index.ts';
import { createPairings } from '../pairing/index.ts';
import { ensureCadres, ensureCommunity, ensureUnit } from '../registry/index.ts';
import { keys } from '../table.ts';
import { headerOf, type ImportKind } from './columns.ts';
import type { Outcome } from './registry-port.ts';
import type { RowItem, RuleContext } from './rows.ts';

/**
 * The commit's writes, per kind: a chunk's valid rows through the registry's idempotent commands, the batch
 * variants where there are some (`ensureCadres`, `ensureHouseholds`, `createPairings`), each row given its outcome
 * or the error the command gave. Apart from the rules (`rows.ts`) so the API's dry run does not bundle them.
 */

/**
 * Gives each row its batch outcome; a row the registry refused (a 4xx it would answer the API with) gets the
 * message on the column `columnOf` names for the error's code, and the rest of the chunk goes on.
 */
function settle(
  items: RowItem[],
  out: readonly ({ outcome: Outcome } | { error: AppError })[],
  kind: ImportKind,
  columnOf: (code: string) => string,
): void {
  items.forEach((item, i) => {
    const o = out[i]!;
    if ('error' in o)
      item.errors.push({ row: item.row, column: headerOf(kind, columnOf(o.error.code)), message: o.error.message });
    else item.outcome = o.outcome;
  });
}

export const APPLY: Record<ImportKind, (items: RowItem[], ctx: RuleContext) => Promise<void>> = {
  async communities(items, ctx) {
    for (const item of items) {
      const v = item.value as { name: string; township: string; district: string };
      item.outcome = (
        await ensureCommunity(
          ctx.deps.db,
          { name: v.name, township: v.township || undefined, district: v.district || undefined },
          ctx.deps.now,
        ).then((out) => ctx.registry.learn(out))
      ).outcome;
    }
  },
  async units(items, ctx) {
    for (const item of items)
      item.outcome = (
        await ensureUnit(ctx.deps.db, { name: item.value.name as string }, ctx.deps.now).then((out) =>
          ctx.registry.learn(out),
        )
      ).outcome;
  },
  async cadres(items, ctx) {
    const out = await ensureCadres(
      ctx.deps.db,
      items.map((item) => {
        const v = item.value as { name: string; code: string; phone: string };
        return {
          name: v.name,
          unitId: item.resolved!.unitId as string,
          code: v.code || undefined,
          phone: v.phone || undefined,
        };
      }),
      ctx.deps.now,
    );
    for (const o of out) if ('entity' in o) await ctx.registry.learnCadre(o.entity);
    settle(items, out, ctx.kind, (code) =>
      code.startsWith('cadre.code') ? 'code' : code.startsWith('unit') || code.includes('unit') ? 'unit' : 'name',
    );
  },
  async households(items, ctx) {
    const out = await ensureHouseholds(
      ctx.deps,
      items.map((item) => {
        const v = item.value as { headName: string; idNumber: string; memberCount: number };
        return {
          headName: v.headName,
          idNumber: v.idNumber,
          communityId: item.resolved!.communityId as string,
          memberCount: v.memberCount,
        };
      }),
    );
    settle(items, out, ctx.kind, (code) => (code.startsWith('community') ? 'community' : 'idNumber'));
  },
  async pairings(items, ctx) {
    const out = await createPairings(
      ctx.deps.db,
      items.map((item) => ({
        cadreId: item.resolved!.cadreId as string,
        householdId: item.resolved!.householdId as string,
        year: item.value.year as number,
      })),
      ctx.deps.now,
    );
    items.forEach((item, i) => {
      const o = out[i]!;
      if ('error' in o)
        item.errors.push({ row: item.row, column: headerOf('pairings', 'cadre'), message: o.error.message });
      else item.outcome = o.created ? 'created' : 'unchanged';
    });
  },
  async 'fund-ledger'(items, ctx) {
    if (!items.length) return;
    const entries = items.map((i) => ({
      reference: i.value.reference as string,
      householdId: i.resolved!.householdId as string,
      date: i.value.date as string,
      objective: i.value.objective as Objective,
      amountFen: i.value.amountFen as number,
    }));
    try {
      const before = await getMany(
        ctx.deps.db,
        entries.map((e) => keys.fundEntry(e.reference)),
        ['reference'],
      );
      const existed = new Set(before.map((b) => b.reference as string));
      const result = await importFundLedger(ctx.deps.db, { entries }, ctx.deps.now);
      const conflicting = new Set(result.conflicting);
      for (const item of items) {
        const ref = item.value.reference as string;
        if (conflicting.has(ref)) {
          item.errors.push({
            row: item.row,
            column: headerOf('fund-ledger', 'reference'),
            message: '该台账编号已导入过，但内容不同',
          });
        } else item.outcome = existed.has(ref) ? 'unchanged' : 'created';
      }
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      // The ledger refuses a whole batch it cannot take (a household-year under verification): every row says why.
      for (const item of items)
        item.errors.push({ row: item.row, column: headerOf('fund-ledger', 'idNumber'), message: e.message });
    }
  },
};
