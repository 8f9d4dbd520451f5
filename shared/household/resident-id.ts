import { isRealDate } from '../dates.ts';

/**
 * Resident identity numbers (居民身份证号码) per GB 11643-1999: six region digits, an eight-digit birth date,
 * a three-digit sequence, and a check character computed by ISO 7064 MOD 11-2.
 */

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';

/** Province-level codes (GB/T 2260 first two digits), including Hong Kong, Macao, Taiwan and 91 (overseas). */
const PROVINCES = new Set([
  11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63,
  64, 65, 71, 81, 82, 83, 91,
]);

/** Why an ID number was refused; each is shown to the admin in Chinese. */
export type ResidentIdProblem = 'format' | 'region' | 'birthDate' | 'checksum';

export const RESIDENT_ID_MESSAGES: Record<ResidentIdProblem, string> = {
  format: '身份证号应为 18 位：17 位数字加 1 位校验码（数字或 X）',
  region: '身份证号前 6 位不是有效的行政区划代码',
  birthDate: '身份证号中的出生日期不存在或晚于今天',
  checksum: '身份证号校验码不正确，请核对是否输错',
};

/** The MOD 11-2 check character for the first 17 digits. */
export function checkCharacter(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i]!;
  return CHECK_CHARS[sum % 11]!;
}

/** Upper-cases a trailing `x` and trims: the form people type is not always the canonical one. */
export function normalizeResidentId(text: string): string {
  return text.trim().toUpperCase();
}

/**
 * Validates a normalized ID number; `today` bounds the birth date (a person cannot be born in the future).
 * Returns the first problem found, or undefined when the number is valid.
 */
export function residentIdProblem(id: string, today: string): ResidentIdProblem | undefined {
  if (!/^\d{17}[\dX]$/.test(id)) return 'format';
  const province = Number(id.slice(0, 2));
  if (!PROVINCES.has(province) || id.slice(2, 6) === '0000') return 'region';
  const y = Number(id.slice(6, 10));
  const m = Number(id.slice(10, 12));
  const d = Number(id.slice(12, 14));
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  if (y < 1900 || !isRealDate(y, m, d) || birth > today) return 'birthDate';
  if (checkCharacter(id.slice(0, 17)) !== id[17]) return 'checksum';
  return undefined;
}

/** Masks an ID number for anyone but an admin: region kept, the last four kept (`320902********1234`). */
export function maskResidentId(id: string): string {
  return id.length === 18 ? `${id.slice(0, 6)}********${id.slice(14)}` : '******';
}
