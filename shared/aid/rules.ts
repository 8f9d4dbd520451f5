import { createHash } from 'node:crypto';
import * as z from 'zod';
import { aidYear, type CalendarDate, toShanghaiDate } from '../dates.ts';
import { type Photo, PhotoKeys } from '../evidence/photos.ts';
import { FLOOR_FEN, formatYuan, MAX_ENTRY_FEN, PositiveFen, sumFen } from '../money.ts';

/** The five objectives (五帮) aid serves. */
export const Objective = z.enum(['livelihood', 'education', 'medical', 'employment', 'housing'], {
  error: '帮扶类别应为：生活、助学、医疗、就业、住房之一',
});
export type Objective = z.infer<typeof Objective>;
export const OBJECTIVES = Objective.options;

/** Chinese labels of the objectives, for pages, exports and messages. */
export const OBJECTIVE_LABELS: Record<Objective, string> = {
  livelihood: '帮生活',
  education: '帮助学',
  medical: '帮就医',
  employment: '帮就业',
  housing: '帮住房',
};

/** Cash, or goods valued at quantity × unit value. */
export const AidKind = z.enum(['cash', 'in_kind'], { error: '帮扶方式应为现金（cash）或实物（in_kind）' });
export type AidKind = z.infer<typeof AidKind>;

/** Most item rows one in-kind entry may list; keeps every sum exact (50 × 10^6 × 10^8 < 2^53). */
export const MAX_ITEMS = 50;

/** One line of goods in an in-kind entry. */
export const AidItem = z.strictObject({
  name: z.string().trim().min(1, '物品名称不能为空').max(100, '物品名称不超过 100 个字'),
  quantity: z
    .number({ error: '数量必须是数字' })
    .positive('数量必须大于零')
    .max(1_000_000, '数量过大')
    // 2.5 斤: hundredths of a unit, no finer (the value rule below works on whole hundredths).
    .refine((q) => Math.abs(q * 100 - Math.round(q * 100)) < 1e-6, '数量最多两位小数'),
  unitValueFen: PositiveFen,
});
export type AidItem = z.infer<typeof AidItem>;

/** A Shanghai calendar date, from `YYYY-MM-DD` or an ISO instant with offset; normalized to `YYYY-MM-DD`. */
export const AidDate = z
  .string({ error: '请填写帮扶日期' })
  .max(40)
  .transform((text, ctx) => {
    const date = toShanghaiDate(text);
    if (!date) {
      ctx.addIssue({ code: 'custom', message: '日期格式应为 YYYY-MM-DD，且必须是真实存在的日期' });
      return z.NEVER;
    }
    return date;
  });

/** One entry of the pairing assistance manual as a cadre submits it. */
export const NewAidRecord = z
  .strictObject({
    householdId: z.string({ error: '请选择困难家庭' }).trim().min(1, '请选择困难家庭').max(64),
    date: AidDate,
    kind: AidKind,
    objective: Objective,
    amountFen: PositiveFen,
    description: z
      .string({ error: '请填写帮扶内容' })
      .trim()
      .min(1, '请填写帮扶内容')
      .max(500, '帮扶内容不超过 500 字'),
    items: z.array(AidItem).min(1, '实物帮扶至少填写一项物品').max(MAX_ITEMS, `物品不超过 ${MAX_ITEMS} 项`).optional(),
    /** Photos of the aid being given (工作留痕): the caller's own uploads, checked against the store. */
    photoKeys: PhotoKeys.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.kind === 'cash' && r.items) {
      ctx.addIssue({ code: 'custom', path: ['items'], message: '现金帮扶不填写物品明细' });
    }
    if (r.kind === 'in_kind') {
      if (!r.items) {
        ctx.addIssue({ code: 'custom', path: ['items'], message: '实物帮扶须逐项填写物品、数量和单价' });
        return;
      }
      // An item already refused (a quantity of 2^53, three decimals) says what is wrong itself; the sum is compared
      // only when every item has a value.
      let valued = true;
      r.items.forEach((item, i) => {
        if (itemValueFen(item) !== undefined) return;
        valued = false;
        // A quantity with three decimals has its own issue; a product past one entry's maximum is said here.
        if (Math.abs(item.quantity * 100 - Math.round(item.quantity * 100)) < 1e-6) {
          ctx.addIssue({
            code: 'custom',
            path: ['items', i],
            message: '该物品的数量×单价过大：单笔帮扶不超过 ¥1,000,000',
          });
        }
      });
      if (!valued) return;
      const total = itemsTotalFen(r.items);
      if (total > MAX_ENTRY_FEN) {
        ctx.addIssue({ code: 'custom', path: ['items'], message: '物品合计过大：单笔帮扶不超过 ¥1,000,000' });
      } else if (Number.isSafeInteger(r.amountFen) && total !== r.amountFen) {
        // (An amount that is not a whole fen has its own issue: it cannot be shown in yuan.)
        ctx.addIssue({
          code: 'custom',
          path: ['amountFen'],
          message: `金额应等于各物品数量×单价之和 ¥${formatYuan(total)}，实填 ¥${formatYuan(r.amountFen)}`,
        });
      }
    }
  });
export type NewAidRecord = z.infer<typeof NewAidRecord>;

/** A reversal's only input (更正: the entry is withdrawn by a reversal): why the original entry was wrong. */
export const NewReversal = z.strictObject({
  reason: z.string({ error: '请填写更正原因' }).trim().min(1, '请填写更正原因').max(500, '更正原因不超过 500 字'),
});
export type NewReversal = z.infer<typeof NewReversal>;

/** The client's idempotency key: one per form load. Visible ASCII only, so it is safe in keys and logs. */
export const IdempotencyKey = z
  .string({ error: '缺少 Idempotency-Key 请求头' })
  .regex(/^[\x21-\x7e]{8,128}$/, 'Idempotency-Key 应为 8–128 个可见 ASCII 字符');

/**
 * The value of one item row, in fen: quantity × unit value, rounded to the fen, half up (half a fen and more
 * rounds up: 2.5 斤 × ¥3.33 = ¥8.325 → ¥8.33). Integer arithmetic only: the quantity as whole hundredths of a
 * unit (at most two decimals) times the unit value in fen, in BigInt, divided by 100 with the remainder
 * rounded. Undefined for a quantity with finer decimals or a product past one entry's maximum.
 */
export function itemValueFen(item: Pick<AidItem, 'quantity' | 'unitValueFen'>): number | undefined {
  const hundredths = Math.round(item.quantity * 100);
  if (!Number.isSafeInteger(hundredths) || Math.abs(item.quantity * 100 - hundredths) >= 1e-6) return undefined;
  if (!Number.isSafeInteger(item.unitValueFen)) return undefined;
  const value = (BigInt(hundredths) * BigInt(item.unitValueFen) + 50n) / 100n;
  return value > BigInt(MAX_ENTRY_FEN) ? undefined : Number(value);
}

/** Value of an in-kind entry: Σ of its item rows' values (`itemValueFen`). */
export function itemsTotalFen(items: readonly AidItem[]): number {
  return sumFen(items.map((i) => itemValueFen(i) ?? Number.NaN));
}

/** A ledger entry as stored: an aid record, or a reversal (negative amount) that names the entry it cancels. */
export interface AidRecord {
  id: string;
  householdId: string;
  communityId: string;
  unitId: string;
  cadreId: string;
  year: number;
  date: CalendarDate;
  kind: AidKind;
  objective: Objective;
  amountFen: number;
  description: string;
  items?: AidItem[];
  /** Photos attached when recorded, each with the SHA-256 of its bytes at that moment. */
  photos?: Photo[];
  /** Who submitted it (the token's subject). */
  recordedBy: string;
  recordedAt: string;
  /** SHA-256 of the normalized submission: the same key with a different body is a conflict. */
  requestHash: string;
  reverses?: string;
  reason?: string;
}

/**
 * The ledger entry's id, derived from who submitted and their idempotency key. Because the id is the item's
 * key, the conditional put that stores an entry is also the check that it was not stored before.
 */
export function recordIdFor(cadreId: string, idempotencyKey: string): string {
  return `a${createHash('sha256').update(`${cadreId}\n${idempotencyKey}`).digest('base64url').slice(0, 26)}`;
}

/** The id of the reversal of an entry: one per entry, so a second reversal collides with the first. */
export function reversalIdFor(recordId: string): string {
  return `${recordId}-r`;
}

/** SHA-256 of a submission in a canonical form (fixed key order), to tell a retry from a different request. */
export function requestHashOf(r: NewAidRecord): string {
  const canonical = [
    r.householdId,
    r.date,
    r.kind,
    r.objective,
    r.amountFen,
    r.description,
    (r.items ?? []).map((i) => [i.name, i.quantity, i.unitValueFen]),
    // Only when given, so an entry recorded before photos existed still matches its retry.
    ...(r.photoKeys?.length ? [r.photoKeys] : []),
  ];
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/** The aid year of a submission. */
export function yearOf(r: { date: CalendarDate }): number {
  return aidYear(r.date);
}

/** Where a household-year stands against the ¥1,000 floor. */
export interface FloorStatus {
  totalFen: number;
  floorFen: number;
  meetsFloor: boolean;
  shortfallFen: number;
}

/** The floor status for a total. */
export function floorStatus(totalFen: number): FloorStatus {
  return {
    totalFen,
    floorFen: FLOOR_FEN,
    meetsFloor: totalFen >= FLOOR_FEN,
    shortfallFen: Math.max(0, FLOOR_FEN - totalFen),
  };
}

/** Totals of a household-year: cash and in-kind counted at recorded value, reversals netted out. */
export interface Totals {
  totalFen: number;
  cashFen: number;
  inKindFen: number;
  byObjective: Record<Objective, number>;
}

/** Sums ledger entries; reversals carry negative amounts with the original's kind and objective. */
export function totalsOf(records: readonly Pick<AidRecord, 'kind' | 'objective' | 'amountFen'>[]): Totals {
  const byObjective = Object.fromEntries(OBJECTIVES.map((o) => [o, 0])) as Record<Objective, number>;
  let cashFen = 0;
  let inKindFen = 0;
  for (const r of records) {
    if (r.kind === 'cash') cashFen += r.amountFen;
    else inKindFen += r.amountFen;
    byObjective[r.objective] += r.amountFen;
  }
  const totalFen = sumFen([cashFen, inKindFen]);
  return { totalFen, cashFen, inKindFen, byObjective };
}
