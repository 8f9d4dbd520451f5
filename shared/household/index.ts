import { createHmac, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type Caller, hasRole } from '../caller.ts';
import type { FieldCipher } from '../crypto/index.ts';
import { shanghaiDate } from '../dates.ts';
import { type Db, getItem, getMany, inParallel, putIf, putIfAbsent, queryAll, scanPages, updateIf } from '../db.ts';
import { AppError, conflict, forbidden, invalid, notFound } from '../errors.ts';
import { refuseFrozen } from '../pairing/frozen.ts';
import { GUARD_FENCE_MS } from '../registry/guard.ts';
import { type Community, type Edited, type Ensured, requireEntity } from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { maskResidentId, normalizeResidentId, RESIDENT_ID_MESSAGES, residentIdProblem } from './resident-id.ts';

export { findHousehold, type Household } from './read.ts';
export * from './resident-id.ts';

import { findHousehold, type Household } from './read.ts';

/** A household as an admin registers it. The ID number is checked against GB 11643-1999 in `registerHousehold`. */
export const NewHousehold = z.strictObject({
  headName: z.string().trim().min(1, '户主姓名不能为空').max(50, '户主姓名不超过 50 个字'),
  idNumber: z.string({ error: '请填写户主身份证号' }).max(32, '身份证号应为 18 位'),
  communityId: z.string().trim().min(1, '请选择社区').max(64),
  memberCount: z
    .number({ error: '家庭人口必须是数字' })
    .int('家庭人口必须是整数')
    .min(1, '家庭人口至少 1 人')
    .max(30, '家庭人口不超过 30 人'),
});
export type NewHousehold = z.infer<typeof NewHousehold>;

/** What leaves the API: the ID number masked (`320902********1234`); the full number only in `householdDetail`. */
export type HouseholdView = Omit<Household, 'idNumber' | 'idNumberEnc' | 'idHash' | 'active'> & { active: boolean };

/** The masked view of a household. */
export function householdView(h: Household): HouseholdView {
  const { idNumber: _plain, idNumberEnc: _sealed, idHash: _hash, ...rest } = h;
  return { ...rest, active: h.active !== false };
}

/** The encryption context of a household's ID number: a sealed number decrypts only on its own household. */
const idContext = (householdId: string) => ({ field: 'household.idNumber', householdId });

/**
 * The keyed hash that detects a second registration of one ID number. Keyed, because a plain hash of an
 * ID number is reversible by enumeration (region × birth date × sequence is only ~10^11 values).
 */
export function residentIdHash(idNumber: string, key: Uint8Array): string {
  return createHmac('sha256', key).update(idNumber).digest('base64url');
}

/** Settings household registration needs beyond the table. */
export interface HouseholdDeps {
  db: Db;
  now: Date;
  idHashKey: Uint8Array;
  cipher: FieldCipher;
}

/** A household item with its ID number sealed; a legacy plaintext item is sealed on the way. */
async function sealed(cipher: FieldCipher, h: Household): Promise<Household> {
  const { idNumber, ...rest } = h;
  if (rest.idNumberEnc || idNumber === undefined) return { ...rest, idNumberMasked: rest.idNumberMasked };
  return {
    ...rest,
    idNumberEnc: await cipher.encrypt(idNumber, idContext(h.id)),
    idNumberMasked: maskResidentId(idNumber),
  };
}

/**
 * Registers a household. Uniqueness of the ID number without transactions: a guard item keyed by the ID's
 * keyed hash is written first, conditionally, and carries the household id; the household item follows.
 * If a crash left a guard without its household, the next attempt completes that household from the guard.
 * Neither item holds the number in plaintext.
 */
export async function registerHousehold(
  deps: HouseholdDeps,
  rawInput: z.input<typeof NewHousehold>,
): Promise<HouseholdView> {
  const input = parseInput(NewHousehold, rawInput);
  const idNumber = normalizeResidentId(input.idNumber);
  const problem = residentIdProblem(idNumber, shanghaiDate(deps.now));
  if (problem) {
    throw invalid(`household.id_${problem === 'birthDate' ? 'birth_date' : problem}`, RESIDENT_ID_MESSAGES[problem], [
      { path: 'idNumber', message: RESIDENT_ID_MESSAGES[problem] },
    ]);
  }
  await activeCommunity(deps.db, input.communityId);

  const id = randomUUID();
  const idHash = residentIdHash(idNumber, deps.idHashKey);
  const household: Household = {
    id,
    headName: input.headName,
    communityId: input.communityId,
    memberCount: input.memberCount,
    createdAt: deps.now.toISOString(),
    idNumberMasked: maskResidentId(idNumber),
    idNumberEnc: await deps.cipher.encrypt(idNumber, idContext(id)),
    idHash,
  };
  const claim = await claimResidentGuard(deps.db, idHash, household, deps.now);
  if (!claim.taken) {
    await completeFromGuard(deps, claim.guard, idHash);
    throw registered();
  }
  await writeHousehold(deps.db, household);
  return householdView(household);
}

const registered = () => conflict('household.id_registered', '该身份证号已登记过困难家庭，不能重复登记');

/** A community that exists and is active (new households are not registered in a deactivated one). */
async function activeCommunity(db: Db, communityId: string): Promise<Community> {
  const community = await requireEntity<Community>(db, 'community', communityId, '社区');
  if (community.active === false) {
    throw invalid('community.inactive', '该社区已停用', [{ path: 'communityId', message: '该社区已停用' }]);
  }
  return community;
}

/** A resident-ID guard: the household holding the number, and that household as it was to be registered. */
interface ResidentGuard {
  householdId: string;
  household: Household;
  /** Absent on guards written before ID-number corrections existed. */
  takenAt?: string;
  /** Set when the household's number was corrected to another: the number is free again. */
  released?: boolean;
}

/**
 * Claims the guard of an ID number for a household (see `shared/registry/guard.ts` for the same rules on
 * names): a new guard, one the household holds already, one released by a correction, or one abandoned by a
 * correction that crashed (its household has another number now) once older than the fence. Otherwise the
 * guard's holder is returned: a registered household, or one whose registration was interrupted.
 */
async function claimResidentGuard(
  db: Db,
  idHash: string,
  household: Household,
  now: Date,
): Promise<{ taken: true } | { taken: false; guard: ResidentGuard }> {
  const key = keys.residentGuard(idHash);
  const item = { ...key, householdId: household.id, household, takenAt: now.toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await putIfAbsent(db, item)) return { taken: true };
    const g = await getItem<ResidentGuard>(db, key);
    if (!g) continue;
    if (g.householdId === household.id) {
      if (g.released) await updateIf(db, key, { remove: ['released', 'releasedAt'] });
      return { taken: true };
    }
    let free = !!g.released;
    if (!free) {
      const holder = await getItem<Household>(db, keys.entity('household', g.householdId));
      const abandoned = !!holder?.idHash && holder.idHash !== idHash;
      free = abandoned && now.getTime() - Date.parse(g.takenAt ?? '1970-01-01T00:00:00Z') > GUARD_FENCE_MS;
      if (!free) return { taken: false, guard: g };
    }
    const replaced = await putIf(db, item, {
      expression: '#h = :h',
      names: { '#h': 'householdId' },
      values: { ':h': g.householdId },
    });
    if (replaced) return { taken: true };
  }
  return { taken: false, guard: (await getItem<ResidentGuard>(db, key))! };
}

/** A guard whose household was never written (a registration interrupted between the two puts) gets it now. */
async function completeFromGuard(
  deps: { db: Db; cipher: FieldCipher },
  guard: ResidentGuard,
  idHash: string,
): Promise<void> {
  if (guard.released || (await getItem(deps.db, keys.entity('household', guard.householdId)))) return;
  const household = await sealed(deps.cipher, guard.household);
  // A guard written before encryption carries the number in plaintext: it leaves sealed too.
  if (guard.household.idNumber !== undefined) {
    await updateIf(deps.db, keys.residentGuard(idHash), { set: { household } });
  }
  await writeHousehold(deps.db, household);
}

async function writeHousehold(db: Db, h: Household): Promise<void> {
  await putIfAbsent(db, {
    ...keys.entity('household', h.id),
    ...keys.entityListing('household', h.id, h.communityId),
    entity: 'household',
    ...h,
  });
}

/** A household as `GET /households/{id}` shows it; `idNumber` in full for admins only. */
export type HouseholdDetail = HouseholdView & { idNumber?: string };

/**
 * One household, for admins and auditors. Only admins get the full ID number, decrypted here; auditors get
 * the masked form, which needs no key. (Cadres and community cadres see households through their aid
 * summaries, which carry no ID number at all.)
 */
export async function householdDetail(
  deps: { db: Db; cipher: FieldCipher },
  caller: Caller,
  id: string,
): Promise<HouseholdDetail> {
  if (!hasRole(caller, 'admin', 'auditor')) throw forbidden('household.not_yours', '您无权查看该困难家庭');
  const h = await findHousehold(deps.db, id);
  if (!h) throw notFound('household.not_found', '困难家庭不存在');
  const view = householdView(h);
  if (!hasRole(caller, 'admin')) return view;
  const idNumber = h.idNumberEnc ? await deps.cipher.decrypt(h.idNumberEnc, idContext(h.id)) : h.idNumber;
  return { ...view, ...(idNumber ? { idNumber } : {}) };
}

/**
 * Seals the ID numbers of households registered before encryption (older local data directories): every
 * household item and every guard item that holds a number in plaintext gets `idNumberEnc` and `idNumberMasked`
 * instead. Conditional and idempotent; a marker item records that it ran, so later starts skip the Scan (local
 * tables only: the deployed stack never held plaintext numbers). Returns how many items it sealed.
 */
export async function sealLegacyHouseholds(deps: { db: Db; cipher: FieldCipher }): Promise<number> {
  const { db, cipher } = deps;
  const marker = keys.migration('household-id-sealed');
  if (await getItem(db, marker)) return 0;
  let count = 0;
  const filter = {
    expression: 'attribute_exists(#idNumber) OR attribute_exists(#household.#idNumber)',
    names: { '#idNumber': 'idNumber', '#household': 'household' },
  };
  for await (const page of scanPages(db, filter)) {
    for (const item of page) {
      const key = { pk: item.pk as string, sk: item.sk as string };
      if (item.entity === 'household' && typeof item.idNumber === 'string') {
        const fresh = await sealed(cipher, stripKeys(item) as unknown as Household);
        const set = { idNumberEnc: fresh.idNumberEnc, idNumberMasked: fresh.idNumberMasked };
        if (await updateIf(db, key, { set, remove: ['idNumber'] }, { expression: 'attribute_exists(#idNumber)' })) {
          count++;
        }
      } else if (key.pk.startsWith('RESIDENT#') && item.household) {
        const household = await sealed(cipher, item.household as Household);
        if (await updateIf(db, key, { set: { household } }, { expression: 'attribute_exists(#household.#idNumber)' })) {
          count++;
        }
      }
    }
  }
  await putIfAbsent(db, { ...marker, entity: 'migration', sealed: count, at: new Date().toISOString() });
  return count;
}

// ---------------------------------------------------------------------------------------------------------
// Edits: head name, size, community, deactivation, and the admin's correction of a resident ID number.
// ---------------------------------------------------------------------------------------------------------

const HeadName = NewHousehold.shape.headName;
const MemberCount = NewHousehold.shape.memberCount;

/** A household's editable fields. An ID-number correction needs `reason`, which goes to the audit trail. */
export const HouseholdPatch = z
  .strictObject({
    headName: HeadName.optional(),
    memberCount: MemberCount.optional(),
    communityId: NewHousehold.shape.communityId.optional(),
    idNumber: NewHousehold.shape.idNumber.optional(),
    reason: z.string().trim().min(1, '请填写更正原因').max(500, '原因不超过 500 个字').optional(),
    active: z.boolean({ error: 'active 应为 true 或 false' }).optional(),
  })
  .refine((p) => Object.keys(p).some((k) => k !== 'reason'), { message: '没有要修改的内容' });
export type HouseholdPatch = z.infer<typeof HouseholdPatch>;

/** The fields the pairing of a household-year copies from the household (for the one-read reports). */
const COPIED = ['headName', 'memberCount', 'communityId'] as const;

/** The ID number in a patch, normalized and checked, or undefined; a bad one is a 400 on `idNumber`. */
function checkedIdNumber(raw: string, now: Date): string {
  const idNumber = normalizeResidentId(raw);
  const problem = residentIdProblem(idNumber, shanghaiDate(now));
  if (problem) {
    throw invalid(`household.id_${problem === 'birthDate' ? 'birth_date' : problem}`, RESIDENT_ID_MESSAGES[problem], [
      { path: 'idNumber', message: RESIDENT_ID_MESSAGES[problem] },
    ]);
  }
  return idNumber;
}

/**
 * The pairings of this year and next that carry the household's copied fields, checked before anything is
 * written: a household-year a verification round holds (frozen or locked) refuses the edit with the round's
 * own 409 (`ledger.under_verification`, `ledger.locked`), so verified figures never change under a round; a
 * move to another community is refused (409 `household.move_has_entries`) while that community-year holds any
 * entry of the household (aid, receipt, fund row, outcome, visit), which would stay behind in the old partition.
 */
async function pairingsToCopy(db: Db, h: Household, moving: boolean, now: Date) {
  const year = Number(shanghaiDate(now).slice(0, 4));
  const pairings: { key: { pk: string; sk: string }; year: number; communityId: string }[] = [];
  for (const y of [year, year + 1]) {
    const key = keys.pairing(h.id, y);
    const p = await getItem<{ year: number; communityId: string; lockedBy?: string; frozenBy?: string }>(db, key);
    if (!p) continue;
    refuseFrozen(p);
    if (moving) {
      const items = await queryAll(db, {
        index: 'byCommunityYear',
        partition: keys.communityYear(p.communityId, y).gsi1pk,
        prefix: keys.householdInCommunityYear(h.id),
        attributes: ['entity'],
      });
      if (items.some((i) => i.entity !== 'pairing')) {
        throw conflict(
          'household.move_has_entries',
          `该家庭 ${y} 年在原社区已有帮扶、资金、成效或走访记录，不能迁移到其他社区`,
        );
      }
    }
    pairings.push({ key, year: y, communityId: p.communityId });
  }
  return pairings;
}

/** The outcome of a household edit: before and after (masked), what changed, and the reason given. */
export type HouseholdEdit = Edited<HouseholdView> & { reason?: string };

/**
 * Edits a household (admin). Order, without transactions, so that a refusal changes nothing and a crash is
 * repaired by repeating the request: every check first (input, community, the held years, a new ID number's
 * checksum and reason); then the new ID number's guard is claimed (409 `household.id_registered` when another
 * household holds it); then the pairing copies of this year and next, each conditional on not being frozen or
 * locked; then the household (sealed number, masked form, hash, listing under its community); then the old ID
 * number's guard is released, so that number can be registered again. If a step after the claim refuses, the
 * new guard is released again.
 */
export async function patchHousehold(deps: HouseholdDeps, id: string, rawPatch: unknown): Promise<HouseholdEdit> {
  const { db, now } = deps;
  const patch = parseInput(HouseholdPatch, rawPatch);
  const before = await findHousehold(db, id);
  if (!before) throw notFound('household.not_found', '困难家庭不存在');

  const set: Record<string, unknown> = {};
  for (const f of [...COPIED, 'active'] as const) {
    const v = patch[f];
    if (v !== undefined && v !== (f === 'active' ? before.active !== false : before[f])) set[f] = v;
  }
  let newId: { idNumber: string; idHash: string } | undefined;
  if (patch.idNumber !== undefined) {
    const idNumber = checkedIdNumber(patch.idNumber, now);
    const idHash = residentIdHash(idNumber, deps.idHashKey);
    if (idHash !== before.idHash) newId = { idNumber, idHash };
  }
  if (newId && !patch.reason) {
    throw invalid('household.reason_required', '更正身份证号须填写原因', [
      { path: 'reason', message: '请填写更正原因' },
    ]);
  }
  const moving = set.communityId !== undefined;
  if (moving) await activeCommunity(db, set.communityId as string);
  const copies = COPIED.some((f) => f in set) ? await pairingsToCopy(db, before, moving, now) : [];
  if (!Object.keys(set).length && !newId) {
    const view = householdView(before);
    return { before: view, after: view, changed: [] };
  }

  const after: Household = { ...before, ...(set as Partial<Household>), updatedAt: now.toISOString() };
  if (newId) {
    after.idNumberEnc = await deps.cipher.encrypt(newId.idNumber, idContext(id));
    after.idNumberMasked = maskResidentId(newId.idNumber);
    after.idHash = newId.idHash;
    const claim = await claimResidentGuard(db, newId.idHash, { ...after, idNumber: undefined }, now);
    if (!claim.taken) throw registered();
  }
  try {
    for (const c of copies) {
      const copied: Record<string, unknown> = {};
      for (const f of COPIED) if (f in set) copied[f] = set[f];
      if (moving) copied.gsi1pk = keys.communityYear(set.communityId as string, c.year).gsi1pk;
      const ok = await updateIf(
        db,
        c.key,
        { set: copied },
        {
          expression: 'attribute_exists(pk) AND attribute_not_exists(frozenBy) AND attribute_not_exists(lockedBy)',
        },
      );
      if (!ok) {
        const fresh = await getItem<{ year: number; lockedBy?: string; frozenBy?: string }>(db, c.key);
        if (fresh) refuseFrozen(fresh);
      }
    }
  } catch (e) {
    if (newId)
      await updateIf(
        db,
        keys.residentGuard(newId.idHash),
        { set: { released: true } },
        {
          expression: '#householdId = :h',
          values: { ':h': id },
        },
      );
    throw e;
  }
  const update: Record<string, unknown> = { ...set, updatedAt: after.updatedAt };
  const remove: string[] = [];
  if (update.active === true) {
    delete update.active;
    remove.push('active');
  }
  if (moving) update.gsi3sk = keys.entityListing('household', id, set.communityId as string).gsi3sk;
  if (newId)
    Object.assign(update, {
      idNumberEnc: after.idNumberEnc,
      idNumberMasked: after.idNumberMasked,
      idHash: newId.idHash,
    });
  if (newId && before.idNumber !== undefined) remove.push('idNumber');
  if (
    !(await updateIf(db, keys.entity('household', id), { set: update, remove }, { expression: 'attribute_exists(pk)' }))
  ) {
    throw notFound('household.not_found', '困难家庭不存在');
  }
  if (newId && before.idHash) {
    await updateIf(
      db,
      keys.residentGuard(before.idHash),
      { set: { released: true, releasedAt: now.toISOString() } },
      { expression: '#householdId = :h', values: { ':h': id } },
    );
  }
  const changed = [...Object.keys(set), ...(newId ? ['idNumberMasked'] : [])];
  const fresh = (await findHousehold(db, id))!;
  return {
    before: householdView(before),
    after: householdView(fresh),
    changed,
    ...(newId ? { reason: patch.reason! } : {}),
  };
}

/** What an import row says about a household. */
export type HouseholdRow = z.input<typeof NewHousehold>;

/** The household holding an ID number's guard now, or undefined (none, released, or abandoned). */
async function householdHolding(db: Db, idHash: string): Promise<string | undefined> {
  const g = await getItem<ResidentGuard>(db, keys.residentGuard(idHash));
  if (!g || g.released) return undefined;
  const h = await getItem<Household>(db, keys.entity('household', g.householdId));
  return h && (!h.idHash || h.idHash === idHash) ? h.id : undefined;
}

/**
 * The household of this resident ID, registered if there is none (`created`); one already registered gets the
 * row's head name, member count and community (`updated`), or is left as it is (`unchanged`). Idempotent, and
 * safe under concurrency: two callers at once register one household (the guard decides), the other updates
 * or leaves it. An edit of a household-year a round holds is refused as `patchHousehold` refuses it.
 */
export async function ensureHousehold(
  deps: HouseholdDeps,
  rawRow: HouseholdRow,
): Promise<Ensured<HouseholdView, 'created' | 'updated' | 'unchanged'>> {
  const row = parseInput(NewHousehold, rawRow);
  const idHash = residentIdHash(checkedIdNumber(row.idNumber, deps.now), deps.idHashKey);
  for (let attempt = 0; ; attempt++) {
    const holderId = await householdHolding(deps.db, idHash);
    if (holderId) {
      const edit = await patchHousehold(deps, holderId, {
        headName: row.headName,
        memberCount: row.memberCount,
        communityId: row.communityId,
      });
      return { entity: edit.after, outcome: edit.changed.length ? 'updated' : 'unchanged' };
    }
    try {
      return { entity: await registerHousehold(deps, row), outcome: 'created' };
    } catch (e) {
      // Another caller registered it meanwhile (its household is complete now): update it instead.
      if (!(e instanceof Error && 'code' in e && e.code === 'household.id_registered') || attempt >= 2) throw e;
    }
  }
}

/**
 * Which of these resident IDs are registered, and to which household: a BatchGet of their guards (100 at a
 * time), then of the households they name, so a released or abandoned guard does not count. Numbers that are
 * not valid ID numbers are simply absent. Keys of the map are the numbers as given.
 */
export async function findHouseholdIdsByResidentIds(
  deps: { db: Db; idHashKey: Uint8Array },
  idNumbers: readonly string[],
): Promise<Map<string, string>> {
  const byHash = new Map<string, string[]>();
  for (const given of idNumbers) {
    const n = normalizeResidentId(given);
    if (!/^\d{17}[\dX]$/.test(n)) continue;
    const h = residentIdHash(n, deps.idHashKey);
    byHash.set(h, [...(byHash.get(h) ?? []), given]);
  }
  const guards = await getMany(
    deps.db,
    [...byHash.keys()].map((h) => keys.residentGuard(h)),
    ['pk', 'householdId', 'released'],
  );
  const live = guards.filter((g) => !g.released);
  const households = await getMany(
    deps.db,
    [...new Set(live.map((g) => g.householdId as string))].map((id) => keys.entity('household', id)),
    ['id', 'idHash'],
  );
  const hashOf = new Map(households.map((h) => [h.id as string, h.idHash as string | undefined]));
  const out = new Map<string, string>();
  for (const g of live) {
    const hash = (g.pk as string).slice('RESIDENT#'.length);
    const householdId = g.householdId as string;
    if (!hashOf.has(householdId)) continue;
    const held = hashOf.get(householdId);
    if (held && held !== hash) continue;
    for (const given of byHash.get(hash) ?? []) out.set(given, householdId);
  }
  return out;
}

/** One row's outcome in a batch: what `ensureHousehold` would have returned, or the error it would have thrown. */
export type EnsuredRow<T, O extends string> = Ensured<T, O> | { error: AppError };

/** Rows written at once by the batch variants: enough to hide each write's round trip. */
export const BATCH_WRITERS = 32;

/**
 * `ensureHousehold` for many rows at once (a chunk of an import), with the same outcomes and the same
 * guarantees, in fewer requests: one consistent BatchGet of the rows' resident-ID guards, one of the households
 * they name and one of the communities, reused by the checks and the writes. A row the reads show unchanged
 * writes nothing; a new household is the floor of two conditional puts (its guard, then itself); anything else
 * (an edit, a released or abandoned guard, an interrupted registration, a guard taken meanwhile, a number twice
 * in the batch) goes through `ensureHousehold` itself. Results are in the order of the rows.
 */
export async function ensureHouseholds(
  deps: HouseholdDeps,
  rawRows: readonly HouseholdRow[],
): Promise<EnsuredRow<HouseholdView, 'created' | 'updated' | 'unchanged'>[]> {
  const { db, now } = deps;
  const out: EnsuredRow<HouseholdView, 'created' | 'updated' | 'unchanged'>[] = new Array(rawRows.length);
  const rows: { i: number; row: NewHousehold; idNumber: string; idHash: string }[] = [];
  rawRows.forEach((raw, i) => {
    try {
      const row = parseInput(NewHousehold, raw);
      const idNumber = checkedIdNumber(row.idNumber, now);
      rows.push({ i, row, idNumber, idHash: residentIdHash(idNumber, deps.idHashKey) });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out[i] = { error: e };
    }
  });
  const guards = await getMany(
    db,
    [...new Set(rows.map((r) => r.idHash))].map((h) => keys.residentGuard(h)),
    ['pk', 'householdId', 'released'],
    { consistent: true },
  );
  const guardOf = new Map(guards.map((g) => [(g.pk as string).slice('RESIDENT#'.length), g]));
  const households = await getMany(
    db,
    [...new Set(guards.filter((g) => !g.released).map((g) => g.householdId as string))].map((id) =>
      keys.entity('household', id),
    ),
    undefined,
    { consistent: true },
  );
  const householdOf = new Map(households.map((h) => [h.id as string, stripKeys(h) as unknown as Household]));
  const communities = await getMany(
    db,
    [...new Set(rows.map((r) => r.row.communityId))].map((id) => keys.entity('community', id)),
    ['id', 'active'],
    { consistent: true },
  );
  const communityOf = new Map(communities.map((c) => [c.id as string, c]));

  const seen = new Set<string>();
  const fast: typeof rows = [];
  const slow: typeof rows = [];
  for (const r of rows) {
    (seen.has(r.idHash) ? slow : fast).push(r);
    seen.add(r.idHash);
  }
  type Row = (typeof rows)[number];
  type Out = EnsuredRow<HouseholdView, 'created' | 'updated' | 'unchanged'>;
  const viaOne = async (r: Row): Promise<Out> => {
    try {
      return await ensureHousehold(deps, r.row);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      return { error: e };
    }
  };
  const ensure = async (r: Row): Promise<Out> => {
    const g = guardOf.get(r.idHash);
    if (!g) {
      const c = communityOf.get(r.row.communityId);
      if (!c) return { error: notFound('community.not_found', '社区不存在') };
      if (c.active === false) {
        return {
          error: invalid('community.inactive', '该社区已停用', [{ path: 'communityId', message: '该社区已停用' }]),
        };
      }
      const id = randomUUID();
      const household: Household = {
        id,
        headName: r.row.headName,
        communityId: r.row.communityId,
        memberCount: r.row.memberCount,
        createdAt: now.toISOString(),
        idNumberMasked: maskResidentId(r.idNumber),
        idNumberEnc: await deps.cipher.encrypt(r.idNumber, idContext(id)),
        idHash: r.idHash,
      };
      // Taken meanwhile (a concurrent registration): the single-row rules decide.
      const claim = await claimResidentGuard(db, r.idHash, household, now);
      if (!claim.taken) return viaOne(r);
      await writeHousehold(db, household);
      return { entity: householdView(household), outcome: 'created' };
    }
    const h = g.released ? undefined : householdOf.get(g.householdId as string);
    const holds = h && (!h.idHash || h.idHash === r.idHash);
    if (holds && COPIED.every((f) => h[f] === r.row[f])) return { entity: householdView(h), outcome: 'unchanged' };
    return viaOne(r);
  };
  await inParallel(fast, BATCH_WRITERS, async (r) => {
    out[r.i] = await ensure(r);
  });
  for (const r of slow) out[r.i] = await viaOne(r);
  return out;
}
