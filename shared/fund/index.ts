import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { AidDate, Objective } from '../aid/rules.ts';
import { csvRecords } from '../csv.ts';
import { aidYear, shanghaiDate } from '../dates.ts';
import { type Db, getItem, inParallel, putIfAbsent } from '../db.ts';
import { AppError, invalid } from '../errors.ts';
import type { Household } from '../household/read.ts';
import { PositiveFen } from '../money.ts';
import { type Pairing, refuseFrozen, refuseFrozenSince } from '../pairing/index.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';

/**
 * The fund ledger (五帮资金台账): disbursements booked by finance, per household and objective, imported by
 * an admin. Finance's own reference identifies an entry, so importing the same file twice counts nothing twice.
 */

/** Most entries one import may carry; a city's monthly file is split into requests of this size. */
export const MAX_IMPORT_ENTRIES = 5_000;

export const FundEntryInput = z.strictObject({
  reference: z
    .string({ error: '请填写台账编号' })
    .trim()
    .regex(/^[\x21-\x7e]{1,64}$/, '台账编号应为 1–64 个可见 ASCII 字符'),
  householdId: z.string({ error: '请填写困难家庭编号' }).trim().min(1, '请填写困难家庭编号').max(64),
  date: AidDate,
  objective: Objective,
  amountFen: PositiveFen,
});
export type FundEntryInput = z.infer<typeof FundEntryInput>;

export const FundImport = z.strictObject({
  entries: z
    .array(FundEntryInput)
    .min(1, '至少导入一条台账记录')
    .max(MAX_IMPORT_ENTRIES, `一次最多导入 ${MAX_IMPORT_ENTRIES} 条`),
});
export type FundImport = z.infer<typeof FundImport>;

/** The CSV form of an import (header `reference,householdId,date,objective,amountFen`) as the JSON form. */
export function fundImportFromCsv(text: string): unknown {
  const records = csvRecords(text);
  return {
    entries: records.map((r) => ({
      ...r,
      amountFen: /^-?\d+$/.test(r.amountFen ?? '') ? Number(r.amountFen) : r.amountFen,
    })),
  };
}

async function householdsById(db: Db, ids: string[]): Promise<Map<string, Household>> {
  const found = new Map<string, Household>();
  for (let i = 0; i < ids.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[] }> | undefined = {
      [db.table]: { Keys: ids.slice(i, i + 100).map((id) => keys.entity('household', id)) },
    };
    while (request && Object.keys(request).length) {
      const out = await db.doc.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[db.table] ?? []) {
        const h = stripKeys(item) as unknown as Household;
        found.set(h.id, h);
      }
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

/** The pairings of household-years, by `<householdId>#<year>`, read consistently (they carry the freeze). */
async function pairingsOf(db: Db, wanted: { householdId: string; year: number }[]): Promise<Map<string, Pairing>> {
  const ids = [...new Set(wanted.map((w) => `${w.householdId}#${w.year}`))];
  const found = new Map<string, Pairing>();
  for (let i = 0; i < ids.length; i += 100) {
    let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
      [db.table]: {
        Keys: ids.slice(i, i + 100).map((id) => {
          const cut = id.lastIndexOf('#');
          return keys.pairing(id.slice(0, cut), Number(id.slice(cut + 1)));
        }),
        ConsistentRead: true,
      },
    };
    while (request && Object.keys(request).length) {
      const out = await db.doc.send(new BatchGetCommand({ RequestItems: request }));
      for (const item of out.Responses?.[db.table] ?? []) {
        const p = stripKeys(item) as unknown as Pairing;
        found.set(`${p.householdId}#${p.year}`, p);
      }
      request = out.UnprocessedKeys as typeof request;
    }
  }
  return found;
}

export interface ImportResult {
  imported: number;
  duplicates: number;
  /** References already imported with different figures: neither counted again nor silently accepted. */
  conflicting: string[];
}

/**
 * Imports disbursements. All-or-nothing on validation (an unknown household or a future date refuses the
 * whole file, naming the rows); then one conditional put per entry, so a reference already imported is a
 * duplicate, never counted twice.
 */
export async function importFundLedger(db: Db, rawInput: z.input<typeof FundImport>, now: Date): Promise<ImportResult> {
  const input = parseInput(FundImport, rawInput);
  const today = shanghaiDate(now);
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  input.entries.forEach((e, i) => {
    if (e.date > today) issues.push({ path: `entries.${i}.date`, message: '拨付日期不能晚于今天' });
    if (seen.has(e.reference)) issues.push({ path: `entries.${i}.reference`, message: '同一文件中台账编号重复' });
    seen.add(e.reference);
  });
  const households = await householdsById(db, [...new Set(input.entries.map((e) => e.householdId))]);
  input.entries.forEach((e, i) => {
    if (!households.has(e.householdId)) issues.push({ path: `entries.${i}.householdId`, message: '困难家庭不存在' });
  });
  if (issues.length) throw invalid('fund.invalid_entries', `台账有 ${issues.length} 处错误，未导入任何记录`, issues);

  // A household-year a verification round holds takes no fund rows: they would change the figures it checks.
  const readAt = Date.now();
  const pairings = await pairingsOf(
    db,
    input.entries.map((e) => ({ householdId: e.householdId, year: aidYear(e.date) })),
  );
  const held: { path: string; message: string }[] = [];
  let firstRefusal: AppError | undefined;
  input.entries.forEach((e, i) => {
    const p = pairings.get(`${e.householdId}#${aidYear(e.date)}`);
    if (!p) return;
    try {
      refuseFrozen(p);
    } catch (err) {
      firstRefusal ??= err as AppError;
      held.push({ path: `entries.${i}.householdId`, message: (err as AppError).message });
    }
  });
  if (firstRefusal) {
    throw new AppError(
      firstRefusal.code,
      `台账中有 ${held.length} 条属于正在核查或已确认的家庭，未导入任何记录。${firstRefusal.message}`,
      held,
    );
  }

  const result: ImportResult = { imported: 0, duplicates: 0, conflicting: [] };
  const importedAt = now.toISOString();
  await inParallel(input.entries, 8, async (e) => {
    const communityId = households.get(e.householdId)!.communityId;
    const entry = { ...e, communityId, year: aidYear(e.date), importedAt };
    const item = { ...keys.fundEntry(e.reference), ...keys.fundEntryIndexes(entry), entity: 'fund', ...entry };
    const pairing = pairings.get(`${e.householdId}#${entry.year}`);
    if (pairing) await refuseFrozenSince(db, pairing, readAt);
    if (await putIfAbsent(db, item)) {
      result.imported++;
      return;
    }
    result.duplicates++;
    const stored = await getItem(db, keys.fundEntry(e.reference));
    const same =
      stored?.householdId === e.householdId &&
      stored.amountFen === e.amountFen &&
      stored.date === e.date &&
      stored.objective === e.objective;
    if (!same) result.conflicting.push(e.reference);
  });
  return result;
}
