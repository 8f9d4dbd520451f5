import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import type { FieldCipher } from '../crypto/index.ts';
import { type Db, getItem, updateIf } from '../db.ts';
import { AppError } from '../errors.ts';
import {
  findHousehold,
  type Household,
  normalizeResidentId,
  registerHousehold,
  residentIdHash,
} from '../household/index.ts';
import {
  type Cadre,
  type Community,
  createCadre,
  createCommunity,
  createUnit,
  listEntities,
  type Unit,
} from '../registry/index.ts';
import { keys } from '../table.ts';

/**
 * Every registry call the import makes, behind one adapter. The registry is being extended elsewhere (regions,
 * cadre codes, `ensure*` and `find*` functions with these names and shapes); until that lands, this file
 * implements them on today's functions: creates through `createCommunity`/`createUnit`/`createCadre`/
 * `registerHousehold`, name look-ups by listing each kind once per run (cached here), the resident-ID look-up
 * through the guard items. After the merge, only this file changes.
 *
 * Known gaps of the interim version: a community's township and district are matched when stored but not
 * written (today's community has no regions); a cadre's code and phone are set on the cadre item after it is
 * created.
 */

export interface ImportDeps {
  db: Db;
  now: Date;
  idHashKey: Uint8Array;
  cipher: FieldCipher;
}

export type Outcome = 'created' | 'updated' | 'unchanged';

export interface RegionName {
  name: string;
  township?: string | undefined;
  district?: string | undefined;
}

type StoredCommunity = Community & { township?: string; district?: string };
type StoredCadre = Cadre & { code?: string; phone?: string };

export interface Registry {
  /** The community of that name (and township, when given); `ambiguous` when the name alone names several. */
  findCommunityByName(q: RegionName): Promise<StoredCommunity | 'ambiguous' | undefined>;
  ensureCommunity(q: RegionName): Promise<{ entity: StoredCommunity; outcome: Outcome }>;
  findUnitByName(name: string): Promise<Unit | undefined>;
  ensureUnit(q: { name: string }): Promise<{ entity: Unit; outcome: Outcome }>;
  findCadreByCode(unitId: string, code: string): Promise<StoredCadre | undefined>;
  findCadresByName(unitId: string, name: string): Promise<StoredCadre[]>;
  ensureCadre(q: {
    name: string;
    unitId: string;
    code?: string | undefined;
    phone?: string | undefined;
  }): Promise<{ entity: StoredCadre; outcome: Outcome }>;
  /** Registered households by resident ID number (normalized), for the numbers that have one. */
  findHouseholdIdsByResidentIds(idNumbers: readonly string[]): Promise<Map<string, string>>;
  ensureHousehold(q: {
    headName: string;
    idNumber: string;
    communityId: string;
    memberCount: number;
  }): Promise<{ entity: Pick<Household, 'id' | 'communityId'>; outcome: Outcome }>;
}

/** A registry for one run of an import: listings are read once and kept current with what the run creates. */
export function openRegistry(deps: ImportDeps): Registry {
  const { db, now } = deps;
  let communities: Promise<StoredCommunity[]> | undefined;
  let units: Promise<Map<string, Unit>> | undefined;
  let cadres: Promise<Map<string, StoredCadre[]>> | undefined;
  const communityList = () => (communities ??= listEntities<StoredCommunity>(db, 'community'));
  const unitMap = () =>
    (units ??= listEntities<Unit>(db, 'unit').then((list) => new Map(list.map((u) => [u.name, u]))));
  const cadresByUnit = () =>
    (cadres ??= listEntities<StoredCadre>(db, 'cadre').then((list) => {
      const map = new Map<string, StoredCadre[]>();
      for (const c of list) map.set(c.unitId, [...(map.get(c.unitId) ?? []), c]);
      return map;
    }));

  const registry: Registry = {
    async findCommunityByName(q) {
      const named = (await communityList()).filter((c) => c.name === q.name);
      const inTownship = q.township ? named.filter((c) => !c.township || c.township === q.township) : named;
      if (inTownship.length > 1) return 'ambiguous';
      return inTownship[0];
    },
    async ensureCommunity(q) {
      const found = await registry.findCommunityByName(q);
      if (found && found !== 'ambiguous') return { entity: found, outcome: 'unchanged' };
      const entity = await createCommunity(db, { name: q.name }, now);
      (await communityList()).push(entity);
      return { entity, outcome: 'created' };
    },
    async findUnitByName(name) {
      return (await unitMap()).get(name);
    },
    async ensureUnit(q) {
      const found = await registry.findUnitByName(q.name);
      if (found) return { entity: found, outcome: 'unchanged' };
      const entity = await createUnit(db, { name: q.name }, now);
      (await unitMap()).set(entity.name, entity);
      return { entity, outcome: 'created' };
    },
    async findCadreByCode(unitId, code) {
      return ((await cadresByUnit()).get(unitId) ?? []).find((c) => c.code === code);
    },
    async findCadresByName(unitId, name) {
      return ((await cadresByUnit()).get(unitId) ?? []).filter((c) => c.name === name);
    },
    async ensureCadre(q) {
      const byCode = q.code ? await registry.findCadreByCode(q.unitId, q.code) : undefined;
      const byName = byCode ? [] : await registry.findCadresByName(q.unitId, q.name);
      const found = byCode ?? (byName.length === 1 && (!q.code || !byName[0]!.code) ? byName[0] : undefined);
      const extra = { ...(q.code ? { code: q.code } : {}), ...(q.phone ? { phone: q.phone } : {}) };
      if (found) {
        const changed =
          found.name !== q.name || (q.code && found.code !== q.code) || (q.phone && found.phone !== q.phone);
        if (!changed) return { entity: found, outcome: 'unchanged' };
        await updateIf(db, keys.entity('cadre', found.id), { set: { name: q.name, ...extra } });
        Object.assign(found, { name: q.name, ...extra });
        return { entity: found, outcome: 'updated' };
      }
      const created: StoredCadre = await createCadre(db, { name: q.name, unitId: q.unitId }, now);
      if (Object.keys(extra).length) await updateIf(db, keys.entity('cadre', created.id), { set: extra });
      const entity = { ...created, ...extra };
      const map = await cadresByUnit();
      map.set(q.unitId, [...(map.get(q.unitId) ?? []), entity]);
      return { entity, outcome: 'created' };
    },
    async findHouseholdIdsByResidentIds(idNumbers) {
      const byHash = new Map(idNumbers.map((n) => [residentIdHash(normalizeResidentId(n), deps.idHashKey), n]));
      const found = new Map<string, string>();
      const hashes = [...byHash.keys()];
      for (let i = 0; i < hashes.length; i += 100) {
        let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean }> | undefined = {
          [db.table]: {
            Keys: hashes.slice(i, i + 100).map((h) => keys.residentGuard(h)),
            ConsistentRead: true,
          },
        };
        while (request && Object.keys(request).length) {
          const out = await db.doc.send(new BatchGetCommand({ RequestItems: request }));
          for (const item of out.Responses?.[db.table] ?? []) {
            const hash = String(item.pk).slice('RESIDENT#'.length);
            found.set(byHash.get(hash)!, String(item.householdId));
          }
          request = out.UnprocessedKeys as typeof request;
        }
      }
      return found;
    },
    async ensureHousehold(q) {
      try {
        const h = await registerHousehold(deps, q);
        return { entity: h, outcome: 'created' };
      } catch (e) {
        if (!(e instanceof AppError) || e.code !== 'household.id_registered') throw e;
      }
      // Registered already: the row's editable fields win, and the outcome says whether they changed anything.
      const guard = await getItem<{ householdId: string }>(
        db,
        keys.residentGuard(residentIdHash(normalizeResidentId(q.idNumber), deps.idHashKey)),
      );
      const existing = guard && (await findHousehold(db, guard.householdId));
      if (!existing) throw new Error('resident-ID guard without its household after registration');
      const same =
        existing.headName === q.headName &&
        existing.communityId === q.communityId &&
        existing.memberCount === q.memberCount;
      if (same) return { entity: existing, outcome: 'unchanged' };
      const set = { headName: q.headName, communityId: q.communityId, memberCount: q.memberCount };
      await updateIf(db, keys.entity('household', existing.id), { set });
      return { entity: { ...existing, ...set }, outcome: 'updated' };
    },
  };
  return registry;
}
