import * as z from 'zod';
import { type Caller, hasRole } from '../caller.ts';
import { aidYear, shanghaiDate } from '../dates.ts';
import { type Db, getItem, getMany, inParallel, putIfAbsent, queryAll } from '../db.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../errors.ts';
import { findHousehold } from '../household/read.ts';
import { type Cadre, requireEntity } from '../registry/entities.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { HOLDS_FIGURES } from '../verification/holding.ts';
import { refuseFrozen } from './frozen.ts';
import { acceptsEntryOn, cadreInScope, cadresOf, currentPeriod, type PairingPeriod, periodOn } from './periods.ts';

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
  /**
   * Who answered when, oldest first, once the household has been reassigned (`periods.ts`); absent means the
   * pairing's cadre for the whole year. `cadreId`/`unitId` are always the current (last) period's.
   */
  periods?: PairingPeriod[];
  /** The last day new entries may be dated, once the pairing was ended; the household stays in every report. */
  endedOn?: string;
  endedAt?: string;
  /** The year this pairing was carried over from, when a carry-over made it. */
  carriedFrom?: number;
  /** The background carry-over job that made it (`carry-over-jobs.ts`), when one did. */
  carriedBy?: string;
  /** Bumped by every reassignment or end: the condition that keeps two of them from overwriting each other. */
  version?: number;
}

/** A pairing as a former cadre sees it among "my households": the household was handed over on `from`. */
export type CadrePairing = Pairing & { handedOver?: { from: string; to: string } };

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
export async function refuseFrozenSince(
  db: Db,
  pairing: Pairing,
  readAt: number,
  scope?: { cadreId: string; date: string; code: 'aid' | 'outcome' | 'visit' },
): Promise<void> {
  if (Date.now() - readAt <= WRITE_FENCE_MS) return;
  const fresh = await findPairing(db, pairing.householdId, pairing.year);
  if (fresh) refuseFrozen(fresh);
  if (fresh && scope) refuseOutOfScope(fresh, scope.cadreId, scope.date, scope.code);
}

const HOLDING = new Set<string>(HOLDS_FIGURES);

/**
 * Refuses a new pairing in a community-year a round holds: it would add a household to figures being verified.
 * Reads the round pointer and the round (not the verification module: it imports this one).
 */
export async function refuseFrozenCommunityYear(db: Db, communityId: string, year: number): Promise<void> {
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

/** Rows written at once by `createPairings`: enough to hide each write's round trip. */
const BATCH_WRITERS = 32;

/** One row's outcome in a batch: what `createPairing` would have returned, or the error it would have thrown. */
export type PairingRow = { pairing: Pairing; created: boolean } | { error: AppError };

/**
 * `createPairing` for many rows at once (a chunk of an import), with the same outcomes and guarantees in fewer
 * requests: one consistent BatchGet each of the rows' cadres, households and existing pairings, and of the round
 * pointers (and their rounds) of the community-years the new pairings fall in. A pairing that exists writes
 * nothing; a new one is one conditional put, with no read before it. The round check is read again once it is
 * older than `WRITE_FENCE_MS` when a put is about to be sent, as a single write's would be. A household-year twice
 * in the batch goes through `createPairing` itself, after the rest. Results are in the order of the rows.
 */
export async function createPairings(
  db: Db,
  rawRows: readonly z.input<typeof NewPairing>[],
  now: Date,
): Promise<PairingRow[]> {
  const out: PairingRow[] = new Array(rawRows.length);
  const thisYear = Number(shanghaiDate(now).slice(0, 4));
  const rows: { i: number; input: NewPairing }[] = [];
  rawRows.forEach((raw, i) => {
    try {
      const input = parseInput(NewPairing, raw);
      if (input.year > thisYear + 1) {
        throw invalid('pairing.year_future', '只能为今年或明年建立结对', [
          { path: 'year', message: '只能为今年或明年建立结对' },
        ]);
      }
      rows.push({ i, input });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out[i] = { error: e };
    }
  });
  const consistent = { consistent: true };
  const byId = <T>(items: Record<string, unknown>[], id: (i: Record<string, unknown>) => string) =>
    new Map(items.map((i) => [id(i), stripKeys(i) as unknown as T]));
  const cadres = byId<Cadre>(
    await getMany(
      db,
      [...new Set(rows.map((r) => r.input.cadreId))].map((id) => keys.entity('cadre', id)),
      ['id', 'unitId'],
      consistent,
    ),
    (c) => c.id as string,
  );
  const households = byId<{ id: string; communityId: string; headName: string; memberCount: number }>(
    await getMany(
      db,
      [...new Set(rows.map((r) => r.input.householdId))].map((id) => keys.entity('household', id)),
      ['id', 'communityId', 'headName', 'memberCount'],
      consistent,
    ),
    (h) => h.id as string,
  );
  const pairKey = (householdId: string, year: number) => `${householdId}#${year}`;
  const existing = byId<Pairing>(
    await getMany(
      db,
      [...new Map(rows.map((r) => [pairKey(r.input.householdId, r.input.year), r.input])).values()].map((p) =>
        keys.pairing(p.householdId, p.year),
      ),
      undefined,
      consistent,
    ),
    (p) => pairKey(p.householdId as string, p.year as number),
  );

  // The rounds holding the community-years of the new pairings, read again once older than the write fence.
  const yearsOf = new Map<string, { communityId: string; year: number }>();
  for (const r of rows) {
    const h = households.get(r.input.householdId);
    if (h) yearsOf.set(`${h.communityId}#${r.input.year}`, { communityId: h.communityId, year: r.input.year });
  }
  let held: { at: number; rounds: Promise<Map<string, string>> } | undefined;
  const readHeld = async () => {
    const pointers = await getMany(
      db,
      [...yearsOf.values()].map((cy) => keys.currentRound(cy.communityId, cy.year)),
      ['pk', 'sk', 'verificationId'],
      consistent,
    );
    const rounds = await getMany(
      db,
      [...new Set(pointers.map((p) => p.verificationId as string))].map((id) => keys.verification(id)),
      ['id', 'status'],
      consistent,
    );
    const statusOf = new Map(rounds.map((r) => [r.id as string, r.status as string]));
    const out = new Map<string, string>();
    for (const p of pointers) {
      const status = statusOf.get(p.verificationId as string);
      if (!status || !HOLDING.has(status)) continue;
      const year = (p.sk as string).slice('VERIFY#'.length);
      out.set(`${(p.pk as string).slice('COMMUNITY#'.length)}#${year}`, `${status}:${p.verificationId}`);
    }
    return out;
  };
  const heldRounds = () => {
    if (!held || Date.now() - held.at > WRITE_FENCE_MS) held = { at: Date.now(), rounds: readHeld() };
    return held.rounds;
  };
  const refuseHeld = async (communityId: string, year: number) => {
    const h = (await heldRounds()).get(`${communityId}#${year}`);
    if (!h) return;
    const [status, verificationId] = h.split(/:(.*)/) as [string, string];
    if (status === 'final') refuseFrozen({ year, lockedBy: verificationId });
    refuseFrozen({ year, frozenBy: verificationId });
  };

  const seen = new Set<string>();
  const fast: typeof rows = [];
  const slow: typeof rows = [];
  for (const r of rows) {
    const k = pairKey(r.input.householdId, r.input.year);
    (seen.has(k) ? slow : fast).push(r);
    seen.add(k);
  }
  const attempt = async (r: (typeof rows)[number]) => {
    const cadre = cadres.get(r.input.cadreId);
    if (!cadre) throw notFound('cadre.not_found', '帮扶责任人不存在');
    const household = households.get(r.input.householdId);
    if (!household) {
      throw invalid('pairing.household_unknown', '困难家庭不存在', [
        { path: 'householdId', message: '困难家庭不存在' },
      ]);
    }
    const before = existing.get(pairKey(household.id, r.input.year));
    try {
      await refuseHeld(household.communityId, r.input.year);
    } catch (e) {
      if (before?.cadreId === cadre.id) return { pairing: before, created: false };
      throw e;
    }
    if (before) {
      if (before.cadreId === cadre.id) return { pairing: before, created: false };
      throw conflict('pairing.exists', '该家庭本年度已与其他帮扶责任人结对');
    }
    const pairing: Pairing = {
      householdId: household.id,
      cadreId: cadre.id,
      unitId: cadre.unitId,
      communityId: household.communityId,
      year: r.input.year,
      headName: household.headName,
      memberCount: household.memberCount,
      pairedAt: now.toISOString(),
    };
    const key = keys.pairing(household.id, r.input.year);
    if (await putIfAbsent(db, { ...key, ...keys.pairingIndexes(pairing), entity: 'pairing', ...pairing })) {
      return { pairing, created: true };
    }
    const meanwhile = await findPairing(db, household.id, r.input.year);
    if (meanwhile?.cadreId === cadre.id) return { pairing: meanwhile, created: false };
    throw conflict('pairing.exists', '该家庭本年度已与其他帮扶责任人结对');
  };
  const run = async (r: (typeof rows)[number], one: boolean) => {
    try {
      out[r.i] = one ? await createPairing(db, r.input, now) : await attempt(r);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out[r.i] = { error: e };
    }
  };
  await inParallel(fast, BATCH_WRITERS, (r) => run(r, false));
  for (const r of slow) await run(r, true);
  return out;
}

/** The pairing of a household in a year, read consistently (it gates every ledger write). */
export async function findPairing(db: Db, householdId: string, year: number): Promise<Pairing | undefined> {
  const item = await getItem(db, keys.pairing(householdId, year));
  return item ? (stripKeys(item) as unknown as Pairing) : undefined;
}

/**
 * A cadre's pairings in a year: the cadre's "my households". A household handed over to another cadre is
 * listed too, marked `handedOver` (the former cadre still answers for the days before it).
 */
export async function listCadrePairings(db: Db, cadreId: string, year: number): Promise<CadrePairing[]> {
  const items = await queryAll(db, { index: 'byCadreYear', partition: keys.cadreYear(cadreId, year).gsi2pk });
  return resolveCadreItems(db, cadreId, items);
}

/**
 * Turns byCadreYear items into pairings as `cadreId` sees them: a handover mark becomes its household's pairing
 * marked `handedOver`, unless the cadre answers for the household again (its pairing is listed itself).
 */
export async function resolveCadreItems(
  db: Db,
  cadreId: string,
  items: Record<string, unknown>[],
): Promise<CadrePairing[]> {
  const marks = items.filter((i) => i.entity === 'pairing-handover');
  const pairingsOfMarks = marks.length
    ? await getMany(
        db,
        marks.map((m) => keys.pairing(m.householdId as string, m.year as number)),
      )
    : [];
  const byHousehold = new Map(
    pairingsOfMarks.map((p) => [p.householdId as string, stripKeys(p) as unknown as Pairing]),
  );
  const out: CadrePairing[] = [];
  for (const item of items) {
    if (item.entity === 'pairing') {
      out.push(stripKeys(item) as unknown as Pairing);
      continue;
    }
    const pairing = byHousehold.get(item.householdId as string);
    if (!pairing || pairing.cadreId === cadreId || !cadresOf(pairing).includes(cadreId)) continue;
    out.push({ ...pairing, handedOver: handoverOf(pairing, cadreId) });
  }
  return out;
}

/** When and to whom `cadreId` last handed the household over. */
function handoverOf(p: Pairing, cadreId: string): { from: string; to: string } {
  const periods = p.periods ?? [];
  const last = periods.map((x) => x.cadreId).lastIndexOf(cadreId);
  const next = periods[last + 1] ?? currentPeriod(p);
  return { from: next.from, to: next.cadreId };
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
  what: { code: 'aid' | 'outcome' | 'visit'; label: string },
): Promise<Pairing & { cadreId: string }> {
  if (!caller.cadreId) throw forbidden(`${what.code}.not_cadre`, `只有帮扶责任人可以登记${what.label}`);
  if (date > shanghaiDate(now)) {
    throw invalid(`${what.code}.date_future`, `${what.label}日期不能晚于今天`, [
      { path: 'date', message: `${what.label}日期不能晚于今天（北京时间）` },
    ]);
  }
  const year = aidYear(date);
  const pairing = await findPairing(db, householdId, year);
  if (!pairing || !cadresOf(pairing).includes(caller.cadreId)) {
    throw forbidden(`${what.code}.not_paired`, `您在 ${year} 年未与该家庭结对，不能为其登记${what.label}`);
  }
  // Scope follows the entry's date: a former cadre answers for the days before the handover, the new one after.
  if (cadreInScope(pairing, date) !== caller.cadreId) {
    const period = periodOn(pairing, date);
    throw forbidden(
      `${what.code}.not_paired`,
      `该家庭 ${date} 由其他帮扶责任人负责（${period ? `自 ${period.from} 起` : '结对交接'}），您只能登记您负责期间的${what.label}`,
    );
  }
  if (!acceptsEntryOn(pairing, date)) {
    throw forbidden(
      `${what.code}.not_paired`,
      `该家庭 ${year} 年的结对已于 ${pairing.endedOn} 结束，不能登记此后日期的${what.label}`,
    );
  }
  const period = periodOn(pairing, date)!;
  // The entry carries the cadre and unit of the period it falls in (a former cadre's entry stays with them).
  return { ...pairing, cadreId: period.cadreId, unitId: period.unitId };
}

/**
 * After a slow write's fresh read (see `refuseFrozenSince`), also refuses when the date has meanwhile passed to
 * another cadre: narrows the window in which a reassignment and an entry cross. An entry that still crosses is
 * harmless: its scope is decided by its date (`cadreInScope`), so exactly one cadre can correct it.
 */
export function refuseOutOfScope(
  fresh: Pairing,
  cadreId: string,
  date: string,
  code: 'aid' | 'outcome' | 'visit',
): void {
  if (cadreInScope(fresh, date) !== cadreId || !acceptsEntryOn(fresh, date)) {
    throw forbidden(`${code}.not_paired`, `该家庭 ${date} 已由其他帮扶责任人负责或结对已结束，不能登记`);
  }
}

/**
 * Who may read a household-year (its entries, its visits): admins and auditors, the cadres paired with it that
 * year (a former cadre too, after a reassignment), and community cadres of its community; anyone else is refused
 * with `message`. Returns the household's community-year, where its items are indexed.
 */
export async function requireHouseholdYearReader(
  db: Db,
  caller: Caller,
  householdId: string,
  year: number,
  message: string,
) {
  const [household, pairing] = await Promise.all([findHousehold(db, householdId), findPairing(db, householdId, year)]);
  if (!household) throw notFound('household.not_found', '困难家庭不存在');
  const allowed =
    hasRole(caller, 'admin', 'auditor') ||
    (hasRole(caller, 'cadre') && !!caller.cadreId && !!pairing && cadresOf(pairing).includes(caller.cadreId)) ||
    (hasRole(caller, 'communityCadre') && !!caller.communityId && household.communityId === caller.communityId);
  if (!allowed) throw forbidden('household.not_yours', message);
  return { household, pairing, communityId: pairing?.communityId ?? household.communityId };
}
