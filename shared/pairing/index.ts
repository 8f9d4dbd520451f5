import * as z from 'zod';
import type { Caller } from '../caller.ts';
import { aidYear, shanghaiDate } from '../dates.ts';
import { type Db, getItem, putIfAbsent, queryAll } from '../db.ts';
import { conflict, forbidden, invalid } from '../errors.ts';
import { findHousehold } from '../household/read.ts';
import { type Cadre, requireEntity } from '../registry/entities.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { HOLDS_FIGURES } from '../verification/holding.ts';
import { refuseFrozen } from './frozen.ts';

export { refuseFrozen } from './frozen.ts';

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
  /**
   * Set when a verification round freezes the community-year (before its snapshot): no entry, reversal,
   * receipt or fund row until the round is returned, expires, fails, or its figures are released again.
   */
  frozenBy?: string;
  /** Set when a verification round sent this household back to its cadre, with the reason. */
  returnedBy?: string;
  returnComment?: string;
}

/**
 * How long a freeze check may be relied on: a write whose pairing read is older than this reads the pairing
 * again before it is sent. A round waits longer than this (plus the write's own latency, `settleSeconds`)
 * between freezing a community-year and reading its snapshot, so every write that passed the check before the
 * freeze has landed by then and is in the snapshot, and every later one sees the freeze.
 */
export const WRITE_FENCE_MS = 1000;

/**
 * Keeps a write behind the freeze when its pairing read has grown old (a slow request): reads the pairing again
 * and refuses if it has been frozen meanwhile. A prompt write pays nothing.
 */
export async function refuseFrozenSince(db: Db, pairing: Pairing, readAt: number): Promise<void> {
  if (Date.now() - readAt <= WRITE_FENCE_MS) return;
  const fresh = await findPairing(db, pairing.householdId, pairing.year);
  if (fresh) refuseFrozen(fresh);
}

const HOLDING = new Set<string>(HOLDS_FIGURES);

/**
 * Refuses a new pairing in a community-year a round holds: it would add a household to figures being verified.
 * Reads the round pointer and the round (not the verification module: it imports this one).
 */
async function refuseFrozenCommunityYear(db: Db, communityId: string, year: number): Promise<void> {
  const pointer = await getItem<{ verificationId: string }>(db, keys.currentRound(communityId, year));
  if (!pointer) return;
  const round = await getItem<{ status: string }>(db, keys.verification(pointer.verificationId));
  if (!round || !HOLDING.has(round.status)) return;
  if (round.status === 'final') refuseFrozen({ year, lockedBy: pointer.verificationId });
  refuseFrozen({ year, frozenBy: pointer.verificationId });
}

/** Pairs a cadre with a household for a year. Pairing the same two again is harmless; another cadre is a 409. */
export async function createPairing(
  db: Db,
  rawInput: z.input<typeof NewPairing>,
  now: Date,
): Promise<{ pairing: Pairing; created: boolean }> {
  const input = parseInput(NewPairing, rawInput);
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

  try {
    await refuseFrozenCommunityYear(db, household.communityId, input.year);
  } catch (e) {
    // Repeating a pairing that exists changes nothing, so it is answered as before, frozen or not.
    const existing = await findPairing(db, household.id, input.year);
    if (existing?.cadreId === cadre.id) return { pairing: existing, created: false };
    throw e;
  }

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
  what: { code: 'aid' | 'outcome'; label: string },
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
