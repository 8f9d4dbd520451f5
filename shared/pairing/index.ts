import * as z from 'zod';
import type { Caller } from '../caller.ts';
import { aidYear, shanghaiDate } from '../dates.ts';
import { type Db, getItem, putIfAbsent, queryAll } from '../db.ts';
import { conflict, forbidden, invalid } from '../errors.ts';
import { findHousehold } from '../household/index.ts';
import { type Cadre, requireEntity } from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';

/** The first campaign year the system accepts; earlier years are typos. */
export const FIRST_YEAR = 2000;

/** A year of the campaign in a JSON body: a whole number from 2000 (pairings are made ahead of the new year). */
export const CampaignYear = z
  .number({ error: '年份必须是数字' })
  .int('年份必须是整数')
  .min(FIRST_YEAR, `年份不早于 ${FIRST_YEAR}`)
  .max(2100, '年份超出范围');

/** The same year in a query string, where every value arrives as text. */
export const CampaignYearParam = z
  .string({ error: '请给出年份' })
  .regex(/^\d{4}$/, '年份应为四位数字')
  .transform(Number)
  .pipe(CampaignYear);

export const NewPairing = z.strictObject({
  cadreId: z.string().trim().min(1, '请选择帮扶责任人').max(64),
  householdId: z.string().trim().min(1, '请选择困难家庭').max(64),
  year: CampaignYear,
});
export type NewPairing = z.infer<typeof NewPairing>;

/**
 * A cadre paired with a household for one year. One pairing per household-year, so the household has one
 * responsible cadre and one unit that answers for its floor. It also carries what the reports need about the
 * household (name, size, community), so a community-year can be reported from one index query, and the
 * household-year's lock once its figures are final.
 */
export interface Pairing {
  householdId: string;
  cadreId: string;
  unitId: string;
  communityId: string;
  year: number;
  headName: string;
  memberCount: number;
  pairedAt: string;
  /** Set when the community-year's figures are confirmed: no further ledger entries until reopened. */
  lockedBy?: string;
  /** Set when a verification round sent this household back to its cadre, with the reason. */
  returnedBy?: string;
  returnComment?: string;
}

/** Pairs a cadre with a household for a year. Pairing the same two again is harmless; another cadre is a 409. */
export async function createPairing(
  db: Db,
  input: NewPairing,
  now: Date,
): Promise<{ pairing: Pairing; created: boolean }> {
  const thisYear = Number(shanghaiDate(now).slice(0, 4));
  if (input.year > thisYear + 1) {
    throw invalid('pairing.year_future', '只能为今年或明年建立结对', [
      { path: 'year', message: '只能为今年或明年建立结对' },
    ]);
  }
  const cadre = await requireEntity<Cadre>(db, 'cadre', input.cadreId, '帮扶责任人');
  const household = await findHousehold(db, input.householdId);
  if (!household)
    throw invalid('pairing.household_unknown', '困难家庭不存在', [{ path: 'householdId', message: '困难家庭不存在' }]);

  const pairing: Pairing = {
    householdId: household.id,
    cadreId: cadre.id,
    unitId: cadre.unitId,
    communityId: household.communityId,
    year: input.year,
    headName: household.headName,
    memberCount: household.memberCount,
    pairedAt: now.toISOString(),
  };
  const key = keys.pairing(household.id, input.year);
  if (await putIfAbsent(db, { ...key, ...keys.pairingIndexes(pairing), entity: 'pairing', ...pairing })) {
    return { pairing, created: true };
  }
  const existing = await findPairing(db, household.id, input.year);
  if (existing?.cadreId === cadre.id) return { pairing: existing, created: false };
  throw conflict('pairing.exists', '该家庭本年度已与其他帮扶责任人结对');
}

/** The pairing of a household in a year, read consistently (it gates every ledger write). */
export async function findPairing(db: Db, householdId: string, year: number): Promise<Pairing | undefined> {
  const item = await getItem(db, keys.pairing(householdId, year));
  return item ? (stripKeys(item) as unknown as Pairing) : undefined;
}

/** A cadre's pairings in a year: the cadre's "my households". */
export async function listCadrePairings(db: Db, cadreId: string, year: number): Promise<Pairing[]> {
  const items = await queryAll(db, { index: 'byCadreYear', partition: keys.cadreYear(cadreId, year).gsi2pk });
  return items.map((i) => stripKeys(i) as unknown as Pairing);
}

/**
 * The pairing a cadre's dated submission (an aid entry, an outcome) needs: the date is not after today in
 * Shanghai, and the caller is the cadre paired with the household in that date's year. `what` names the
 * submission in the error codes (`aid.not_paired`) and messages (`帮扶`).
 */
export async function requirePairedCadre(
  db: Db,
  caller: Caller,
  householdId: string,
  date: string,
  now: Date,
  what: { code: string; label: string },
): Promise<Pairing & { cadreId: string }> {
  if (!caller.cadreId) throw forbidden(`${what.code}.not_cadre`, `只有帮扶责任人可以登记${what.label}`);
  if (date > shanghaiDate(now)) {
    throw invalid(`${what.code}.date_future`, `${what.label}日期不能晚于今天`, [
      { path: 'date', message: `${what.label}日期不能晚于今天（北京时间）` },
    ]);
  }
  const year = aidYear(date);
  const pairing = await findPairing(db, householdId, year);
  if (!pairing || pairing.cadreId !== caller.cadreId) {
    throw forbidden(`${what.code}.not_paired`, `您在 ${year} 年未与该家庭结对，不能为其登记${what.label}`);
  }
  return pairing;
}
