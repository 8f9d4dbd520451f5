import { createHmac, randomUUID } from 'node:crypto';
import * as z from 'zod';
import { shanghaiDate } from '../dates.ts';
import { type Db, getItem, putIfAbsent } from '../db.ts';
import { conflict, invalid } from '../errors.ts';
import { requireEntity } from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';
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

/** A registered household as stored. `idNumber` is personal data: see `householdView`. */
export interface Household {
  id: string;
  headName: string;
  idNumber: string;
  communityId: string;
  memberCount: number;
  createdAt: string;
}

/** What leaves the API: the ID number masked (`320902********1234`), never in full. */
export type HouseholdView = Omit<Household, 'idNumber'> & { idNumberMasked: string };

/** The masked view of a household. */
export function householdView(h: Household): HouseholdView {
  const { idNumber, ...rest } = h;
  return { ...rest, idNumberMasked: maskResidentId(idNumber) };
}

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
}

/**
 * Registers a household. Uniqueness of the ID number without transactions: a guard item keyed by the ID's
 * keyed hash is written first, conditionally, and carries the household id; the household item follows.
 * If a crash left a guard without its household, the next attempt completes that household from the guard.
 */
export async function registerHousehold(deps: HouseholdDeps, input: NewHousehold): Promise<HouseholdView> {
  const idNumber = normalizeResidentId(input.idNumber);
  const problem = residentIdProblem(idNumber, shanghaiDate(deps.now));
  if (problem) {
    throw invalid(`household.id_${problem === 'birthDate' ? 'birth_date' : problem}`, RESIDENT_ID_MESSAGES[problem], [
      { path: 'idNumber', message: RESIDENT_ID_MESSAGES[problem] },
    ]);
  }
  await requireEntity(deps.db, 'community', input.communityId, '社区');

  const household: Household = {
    id: randomUUID(),
    headName: input.headName,
    idNumber,
    communityId: input.communityId,
    memberCount: input.memberCount,
    createdAt: deps.now.toISOString(),
  };
  const guardKey = keys.residentGuard(residentIdHash(idNumber, deps.idHashKey));
  if (!(await putIfAbsent(deps.db, { ...guardKey, householdId: household.id, household }))) {
    const guard = await getItem<{ householdId: string; household: Household }>(deps.db, guardKey);
    if (guard && !(await getItem(deps.db, keys.entity('household', guard.householdId)))) {
      await writeHousehold(deps.db, guard.household);
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

/** Reads a household, or undefined. */
export async function findHousehold(db: Db, id: string): Promise<Household | undefined> {
  const item = await getItem(db, keys.entity('household', id));
  return item ? (stripKeys(item) as unknown as Household) : undefined;
}
