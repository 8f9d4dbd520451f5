import type { FieldCipher } from '../crypto/index.ts';
import type { Db } from '../db.ts';
import { queryAll } from '../db.ts';
import type { AppError } from '../errors.ts';
import {
  ensureHousehold,
  ensureHouseholds,
  findHouseholdIdsByResidentIds,
  type HouseholdView,
} from '../household/index.ts';
import type { Cadre, Community } from '../registry/entities.ts';
import {
  type CadreView,
  type CommunityView,
  cadreView,
  communityView,
  ensureCadre,
  ensureCadres,
  ensureCommunity,
  ensureUnit,
  findCadreByCode,
  findUnitByName,
  listEntities,
  normalizeName,
  type UnitView,
} from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';

/**
 * Every registry call the import makes, behind one adapter: the registry's own `ensure*` and `find*` commands
 * (guards, regions, uniqueness, audit-free idempotent writes), with what one run reads kept for the run, so a file
 * of 76,000 pairings reads each unit's cadres once, not once a row.
 *
 * A community is found by name among all communities (about 400 in a city), narrowed by the township and district
 * names a row gives: a household row may name only its community, which is enough when the name is unique.
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

/** A batch row's outcome: as the single-row call, or the error (a 4xx `AppError`) it would have thrown. */
export type BatchOutcome<T> = { entity: T; outcome: Outcome } | { error: AppError };

export interface Registry {
  /** The community of that name (and township, district, when given); `ambiguous` when several match. */
  findCommunityByName(q: RegionName): Promise<CommunityView | 'ambiguous' | undefined>;
  ensureCommunity(q: RegionName): Promise<{ entity: CommunityView; outcome: Outcome }>;
  findUnitByName(name: string): Promise<UnitView | undefined>;
  ensureUnit(q: { name: string }): Promise<{ entity: UnitView; outcome: Outcome }>;
  findCadreByCode(unitId: string, code: string): Promise<CadreView | undefined>;
  findCadresByName(unitId: string, name: string): Promise<CadreView[]>;
  ensureCadre(q: {
    name: string;
    unitId: string;
    code?: string | undefined;
    phone?: string | undefined;
  }): Promise<{ entity: CadreView; outcome: Outcome }>;
  /** `ensureCadre` for a batch of rows, in fewer requests (`ensureCadres`), in the order of the rows. */
  ensureCadres(
    q: readonly { name: string; unitId: string; code?: string | undefined; phone?: string | undefined }[],
  ): Promise<BatchOutcome<CadreView>[]>;
  /** Registered households by resident ID number, for the numbers that have one. */
  findHouseholdIdsByResidentIds(idNumbers: readonly string[]): Promise<Map<string, string>>;
  ensureHousehold(q: {
    headName: string;
    idNumber: string;
    communityId: string;
    memberCount: number;
  }): Promise<{ entity: Pick<HouseholdView, 'id' | 'communityId'>; outcome: Outcome }>;
  /** `ensureHousehold` for a batch of rows, in fewer requests (`ensureHouseholds`), in the order of the rows. */
  ensureHouseholds(
    q: readonly { headName: string; idNumber: string; communityId: string; memberCount: number }[],
  ): Promise<BatchOutcome<Pick<HouseholdView, 'id' | 'communityId'>>[]>;
}

const sameName = (a: string | null | undefined, b: string | undefined) =>
  !b || (a ? normalizeName(a) === normalizeName(b) : false);

/** A registry for one run of an import: what it reads is kept for the run and kept current with what it writes. */
export function openRegistry(deps: ImportDeps): Registry {
  const { db, now } = deps;
  let communities: Promise<CommunityView[]> | undefined;
  const units = new Map<string, Promise<UnitView | undefined>>();
  const cadresOfUnit = new Map<string, Promise<CadreView[]>>();
  const communityList = () =>
    (communities ??= listEntities<Community>(db, 'community').then((list) => list.map(communityView)));
  // The unit's cadres, one key condition on its listing (`<unitId>#<id>`), read once per run.
  const unitCadres = (unitId: string) => {
    let found = cadresOfUnit.get(unitId);
    if (!found) {
      found = queryAll(db, {
        index: 'byKind',
        partition: keys.entityListing('cadre', '').gsi3pk,
        prefix: `${unitId}#`,
      }).then((items) => items.map((i) => cadreView(stripKeys(i) as unknown as Cadre)));
      cadresOfUnit.set(unitId, found);
    }
    return found;
  };
  const remember = async (cadre: CadreView) => {
    const list = await unitCadres(cadre.unitId);
    const i = list.findIndex((c) => c.id === cadre.id);
    if (i >= 0) list[i] = cadre;
    else list.push(cadre);
  };

  const registry: Registry = {
    async findCommunityByName(q) {
      const matches = (await communityList()).filter(
        (c) => sameName(c.name, q.name) && sameName(c.township, q.township) && sameName(c.district, q.district),
      );
      if (matches.length > 1) return 'ambiguous';
      return matches[0];
    },
    async ensureCommunity(q) {
      const out = await ensureCommunity(db, q, now);
      if (out.outcome === 'created') (await communityList()).push(out.entity);
      return out;
    },
    findUnitByName(name) {
      const key = normalizeName(name);
      let found = units.get(key);
      if (!found) {
        found = findUnitByName(db, name);
        units.set(key, found);
      }
      return found;
    },
    async ensureUnit(q) {
      const out = await ensureUnit(db, q, now);
      units.set(normalizeName(q.name), Promise.resolve(out.entity));
      return out;
    },
    async findCadreByCode(unitId, code) {
      const listed = (await unitCadres(unitId)).find((c) => c.code === code);
      return listed ?? (await findCadreByCode(db, unitId, code));
    },
    async findCadresByName(unitId, name) {
      return (await unitCadres(unitId)).filter((c) => sameName(c.name, name));
    },
    async ensureCadre(q) {
      const out = await ensureCadre(db, q, now);
      await remember(out.entity);
      return out;
    },
    async ensureCadres(q) {
      const out = await ensureCadres(db, q, now);
      for (const o of out) if ('entity' in o) await remember(o.entity);
      return out;
    },
    ensureHouseholds(q) {
      return ensureHouseholds(deps, q);
    },
    findHouseholdIdsByResidentIds(idNumbers) {
      return findHouseholdIdsByResidentIds(deps, idNumbers);
    },
    ensureHousehold(q) {
      return ensureHousehold(deps, q);
    },
  };
  return registry;
}
