import type { FieldCipher } from '../crypto/index.ts';
import type { Db } from '../db.ts';
import { queryAll } from '../db.ts';
import { findHouseholdIdsByResidentIds } from '../household/index.ts';
import type { Cadre, Community } from '../registry/entities.ts';
import {
  type CadreView,
  type CommunityView,
  cadreView,
  communityView,
  findCadreByCode,
  findUnitByName,
  listEntities,
  normalizeName,
  type UnitView,
} from '../registry/index.ts';
import { keys, stripKeys } from '../table.ts';

/**
 * Every registry read the import makes, behind one adapter: the registry's own `find*` commands and listings,
 * with what one run reads kept for the run (and kept current with what it writes, `learn`), so a file of 76,000
 * pairings reads each unit's cadres once, not once a row. The writes are in `apply.ts`.
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

export interface Registry {
  /** The community of that name (and township, district, when given); `ambiguous` when several match. */
  findCommunityByName(q: RegionName): Promise<CommunityView | 'ambiguous' | undefined>;
  findUnitByName(name: string): Promise<UnitView | undefined>;
  findCadreByCode(unitId: string, code: string): Promise<CadreView | undefined>;
  findCadresByName(unitId: string, name: string): Promise<CadreView[]>;
  /** Registered households by resident ID number, for the numbers that have one. */
  findHouseholdIdsByResidentIds(idNumbers: readonly string[]): Promise<Map<string, string>>;
  /** Keeps what the run read current with a community or unit the import wrote; returns what it was given. */
  learn<T extends { entity: CommunityView | UnitView; outcome: Outcome }>(out: T): Promise<T>;
  learnCadre(cadre: CadreView): Promise<void>;
}

const sameName = (a: string | null | undefined, b: string | undefined) =>
  !b || (a ? normalizeName(a) === normalizeName(b) : false);

/** A registry for one run of an import: what it reads is kept for the run and kept current with what it writes. */
export function openRegistry(deps: ImportDeps): Registry {
  const { db } = deps;
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
    findUnitByName(name) {
      const key = normalizeName(name);
      let found = units.get(key);
      if (!found) {
        found = findUnitByName(db, name);
        units.set(key, found);
      }
      return found;
    },
    async findCadreByCode(unitId, code) {
      const listed = (await unitCadres(unitId)).find((c) => c.code === code);
      return listed ?? (await findCadreByCode(db, unitId, code));
    },
    async findCadresByName(unitId, name) {
      return (await unitCadres(unitId)).filter((c) => sameName(c.name, name));
    },
    findHouseholdIdsByResidentIds(idNumbers) {
      return findHouseholdIdsByResidentIds(deps, idNumbers);
    },
    async learn(out) {
      if ('township' in out.entity) {
        const list = await communityList();
        if (!list.some((c) => c.id === out.entity.id)) list.push(out.entity as CommunityView);
      } else units.set(normalizeName(out.entity.name), Promise.resolve(out.entity));
      return out;
    },
    learnCadre: remember,
  };
  return registry;
}
