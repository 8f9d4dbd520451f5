import * as z from 'zod';

/**
 * Money is an integer number of fen (¥1 = 100 fen) everywhere it flows; yuan appear only when formatted
 * for people. No floats: conversions go through strings and BigInt-free integer arithmetic.
 */
export const FEN_PER_YUAN = 100;

/** The yearly floor every paired household must reach: ¥1,000. */
export const FLOOR_FEN = 100_000;

/**
 * The largest single aid entry we accept: ¥1,000,000. A larger figure is far more likely a typo (yuan keyed
 * as fen, an extra zero run) than real aid to one household, and it keeps every sum far below 2^53.
 */
export const MAX_ENTRY_FEN = 100_000_000;

/** A signed amount in fen (reversals are negative). */
export const Fen = z.number().int('金额必须是以分为单位的整数').min(-MAX_ENTRY_FEN).max(MAX_ENTRY_FEN);
export type Fen = z.infer<typeof Fen>;

/** A strictly positive amount for one aid entry. */
export const PositiveFen = z
  .number({ error: '金额必须是数字（分）' })
  .int('金额必须是以分为单位的整数')
  .positive('金额必须大于零')
  .max(MAX_ENTRY_FEN, '金额过大：单笔帮扶不超过 ¥1,000,000');

/** `12345` → `"123.45"`; `-5` → `"-0.05"`. Integer arithmetic only. */
export function formatYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`not an integer fen amount: ${fen}`);
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  const yuan = Math.trunc(abs / FEN_PER_YUAN);
  const cents = abs % FEN_PER_YUAN;
  return `${sign}${yuan}.${String(cents).padStart(2, '0')}`;
}

/**
 * Parses what a person types as yuan (`"1000"`, `"12.5"`, `"0.05"`) into fen without floating point.
 * Returns undefined for anything that is not a non-negative decimal with at most two places.
 */
export function parseYuan(text: string): number | undefined {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return undefined;
  const whole = Number(m[1]);
  const frac = Number((m[2] ?? '').padEnd(2, '0'));
  return whole * FEN_PER_YUAN + frac;
}

/** Full-width digits and signs (what a Chinese input method types) as their ASCII twins. */
function halfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, ' ');
}

/**
 * Reads an amount as people type it into fen: `1200`, `1,200`, `1200元`, `¥1,200.50`, `１２００`, `1 200` — a
 * currency sign or 元 around it, full-width digits, and thousands separators only where they separate thousands
 * (`1,20` is refused rather than guessed as 120 or 1.20). At most two decimals; never a float. Undefined when it
 * is not such an amount.
 */
export function parseAmount(text: string): number | undefined {
  let t = halfWidth(text).trim();
  t = t.replace(/^(?:¥|￥|RMB|CNY)\s*/i, '').replace(/\s*(?:元|块|圆|RMB|CNY)$/i, '');
  // Thousands separators (comma, the Chinese comma, a space) only between groups of three digits.
  const grouped = /^\d{1,3}(?:[,，、 ]\d{3})+(?:\.\d+)?$/.test(t);
  if (grouped) t = t.replace(/[,，、 ]/g, '');
  else if (/[,，、 ]/.test(t)) return undefined;
  return parseYuan(t);
}

/** Sums fen amounts, refusing any result that is no longer an exact integer. */
export function sumFen(amounts: Iterable<number>): number {
  let total = 0;
  for (const a of amounts) total += a;
  if (!Number.isSafeInteger(total)) throw new RangeError('fen sum left the safe integer range');
  return total;
}

/** `120000` → `"1,200.00"`: yuan with thousands separators, as a person reads an amount back. */
export function formatYuanGrouped(fen: number): string {
  const [whole, cents] = formatYuan(fen).split('.') as [string, string];
  return `${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${cents}`;
}
