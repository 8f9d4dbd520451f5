import { createHmac, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type Caller, hasRole } from '../caller.ts';
import type { FieldCipher } from '../crypto/index.ts';
import { shanghaiDate } from '../dates.ts';
import { type Db, getItem, putIfAbsent, scanPages, updateIf } from '../db.ts';
import { conflict, forbidden, invalid, notFound } from '../errors.ts';
import { requireEntity } from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { maskResidentId, normalizeResidentId, RESIDENT_ID_MESSAGES, residentIdProblem } from './resident-id.ts';

export * from './resident-id.ts';

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

/**
 * A registered household as stored. The ID number is personal data: it is kept only sealed (`idNumberEnc`,
 * envelope-encrypted with the household id as context, `shared/crypto`), masked (`idNumberMasked`, the form
 * everyone but admins sees, not secret) and as a keyed hash in its guard item, never in plaintext.
 */
export interface Household {
  id: string;
  headName: string;
  communityId: string;
  memberCount: number;
  createdAt: string;
  idNumberMasked: string;
  /** Absent only on items written before encryption, which hold `idNumber` instead. */
  idNumberEnc?: string;
  /** Plaintext of items written before encryption (older local data directories): read, never written. */
  idNumber?: string;
}

/** What leaves the API: the ID number masked (`320902********1234`); the full number only in `householdDetail`. */
export type HouseholdView = Omit<Household, 'idNumber' | 'idNumberEnc'>;

/** The masked view of a household. */
export function householdView(h: Household): HouseholdView {
  const { idNumber: _plain, idNumberEnc: _sealed, ...rest } = h;
  return rest;
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
  await requireEntity(deps.db, 'community', input.communityId, '社区');

  const id = randomUUID();
  const household: Household = {
    id,
    headName: input.headName,
    communityId: input.communityId,
    memberCount: input.memberCount,
    createdAt: deps.now.toISOString(),
    idNumberMasked: maskResidentId(idNumber),
    idNumberEnc: await deps.cipher.encrypt(idNumber, idContext(id)),
  };
  const guardKey = keys.residentGuard(residentIdHash(idNumber, deps.idHashKey));
  if (!(await putIfAbsent(deps.db, { ...guardKey, householdId: household.id, household }))) {
    const guard = await getItem<{ householdId: string; household: Household }>(deps.db, guardKey);
    if (guard && !(await getItem(deps.db, keys.entity('household', guard.householdId)))) {
      const household = await sealed(deps.cipher, guard.household);
      // A guard written before encryption carries the number in plaintext: it leaves sealed too.
      if (guard.household.idNumber !== undefined) await updateIf(deps.db, guardKey, { set: { household } });
      await writeHousehold(deps.db, household);
    }
    throw conflict('household.id_registered', '该身份证号已登记过困难家庭，不能重复登记');
  }
  await writeHousehold(deps.db, household);
  return householdView(household);
}

async function writeHousehold(db: Db, h: Household): Promise<void> {
  await putIfAbsent(db, {
    ...keys.entity('household', h.id),
    ...keys.entityListing('household', h.id),
    entity: 'household',
    ...h,
  });
}

/** Reads a household, or undefined. Items written before encryption get their masked form here. */
export async function findHousehold(db: Db, id: string): Promise<Household | undefined> {
  const item = await getItem(db, keys.entity('household', id));
  if (!item) return undefined;
  const h = stripKeys(item) as unknown as Household;
  return h.idNumberMasked ? h : { ...h, idNumberMasked: maskResidentId(h.idNumber ?? '') };
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
