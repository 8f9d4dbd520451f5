import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { type Db, getItem, putIfAbsent, queryAll } from '../db.ts';
import { invalid, notFound } from '../errors.ts';
import { keys, type RegistryKind, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';

/**
 * The simple registry entities: communities (where households live), units (whose members pair with
 * households) and cadres (who belong to a unit). Households have their own module: they carry personal data.
 */

const Name = z.string().trim().min(1, '名称不能为空').max(100, '名称不超过 100 个字');
const Id = z.string().trim().min(1).max(64);

export const NewCommunity = z.strictObject({ name: Name });
export type NewCommunity = z.infer<typeof NewCommunity>;
export const Community = NewCommunity.extend({ id: Id, createdAt: z.string() });
export type Community = z.infer<typeof Community>;

export const NewUnit = z.strictObject({ name: Name });
export type NewUnit = z.infer<typeof NewUnit>;
export const Unit = NewUnit.extend({ id: Id, createdAt: z.string() });
export type Unit = z.infer<typeof Unit>;

export const NewCadre = z.strictObject({ name: Name, unitId: Id });
export type NewCadre = z.infer<typeof NewCadre>;
export const Cadre = NewCadre.extend({ id: Id, createdAt: z.string() });
export type Cadre = z.infer<typeof Cadre>;

/**
 * Writes a new registry entity and lists it under its kind. The id is fresh unless given (the local demo data
 * uses fixed ids so the README can name its users).
 */
async function createEntity<T extends object>(db: Db, kind: RegistryKind, fields: T, now: Date, id?: string) {
  const entity = { id: id ?? randomUUID(), ...fields, createdAt: now.toISOString() };
  await putIfAbsent(db, {
    ...keys.entity(kind, entity.id),
    ...keys.entityListing(kind, entity.id),
    entity: kind,
    ...entity,
  });
  return entity;
}

/** Reads one registry entity, or undefined. */
export async function findEntity<T>(db: Db, kind: RegistryKind, id: string): Promise<T | undefined> {
  const item = await getItem(db, keys.entity(kind, id));
  return item ? (stripKeys(item) as T) : undefined;
}

/** Lists every entity of a kind (communities and units are few; households are paged by the caller). */
export async function listEntities<T>(db: Db, kind: RegistryKind): Promise<T[]> {
  const items = await queryAll(db, { index: 'byKind', partition: keys.entityListing(kind, '').gsi3pk });
  return items.map((i) => stripKeys(i) as T);
}

/** Registers a community. */
export function createCommunity(db: Db, input: NewCommunity, now: Date, id?: string): Promise<Community> {
  return createEntity(db, 'community', input, now, id);
}

/** Registers a work unit. */
export function createUnit(db: Db, input: NewUnit, now: Date, id?: string): Promise<Unit> {
  return createEntity(db, 'unit', input, now, id);
}

/** Registers a cadre in an existing unit. */
export async function createCadre(db: Db, rawInput: z.input<typeof NewCadre>, now: Date, id?: string): Promise<Cadre> {
  const input = parseInput(NewCadre, rawInput);
  if (!(await findEntity(db, 'unit', input.unitId))) {
    throw invalid('cadre.unit_unknown', '帮扶单位不存在', [{ path: 'unitId', message: '帮扶单位不存在' }]);
  }
  return createEntity(db, 'cadre', input, now, id);
}

/** Reads an entity that must exist, or throws a 404 with the kind in the code. */
export async function requireEntity<T>(db: Db, kind: RegistryKind, id: string, label: string): Promise<T> {
  const found = await findEntity<T>(db, kind, id);
  if (!found) throw notFound(`${kind}.not_found`, `${label}不存在`);
  return found;
}
