import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { shanghaiDate } from '../dates.ts';
import { type Db, getItem, getMany, inParallel, putIfAbsent, queryAll, updateIf } from '../db.ts';
import { AppError, conflict, invalid, notFound } from '../errors.ts';
import { keys, type RegistryKind, stripKeys } from '../table.ts';
import { parseInput } from '../validate.ts';
import { type Cadre, type Community, findEntity, requireEntity, type Unit } from './entities.ts';
import { claimGuard, guardHash, type Holding, type NameGuard, normalizeName, releaseGuard } from './guard.ts';
import { districtIdOf, ensureRegions, townshipIdOf } from './regions.ts';

export { type Cadre, type Community, findEntity, listEntities, requireEntity, type Unit } from './entities.ts';
export { normalizeName } from './guard.ts';
export { districtIdOf, listRegions, type RegionTree, townshipIdOf, UNASSIGNED_REGION } from './regions.ts';

/**
 * The simple registry entities: communities (where households live, in a township and a district), units (whose
 * members pair with households) and cadres (who belong to a unit). Households have their own module: they carry
 * personal data. Names are unique where people expect them to be, through guard items (`guard.ts`): a
 * community's name within its township, a unit's name city-wide, a cadre's code within the unit. Nothing is
 * deleted: an entity is deactivated (`active: false`; absent means active) and keeps its name.
 */

const Name = z.string().trim().min(1, '名称不能为空').max(100, '名称不超过 100 个字');
const RegionName = z.string().trim().min(1, '不能为空').max(50, '不超过 50 个字');
const Id = z.string().trim().min(1).max(64);
const CadreCode = z.string().trim().min(1, '编号不能为空').max(32, '编号不超过 32 个字符');
const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 -]{2,19}$/, '电话应为数字（可含区号和 -），如 13800138000 或 0512-12345678');

/** A township is named within its district: a township without a district is refused (which 城关镇?). */
const TOWNSHIP_NEEDS_DISTRICT = '填写街道/乡镇时，请同时填写所属区/县';

export const NewCommunity = z
  .strictObject({ name: Name, township: RegionName.optional(), district: RegionName.optional() })
  .refine((c) => !c.township || !!c.district, { path: ['district'], message: TOWNSHIP_NEEDS_DISTRICT });
export type NewCommunity = z.infer<typeof NewCommunity>;

export const NewUnit = z.strictObject({ name: Name });
export type NewUnit = z.infer<typeof NewUnit>;
export const NewCadre = z.strictObject({ name: Name, unitId: Id, code: CadreCode.optional(), phone: Phone.optional() });
export type NewCadre = z.infer<typeof NewCadre>;
/** What leaves the API: every entity says whether it is active; a community its regions (null: 未分区). */
export function communityView(c: Community) {
  return {
    ...c,
    townshipId: c.townshipId ?? null,
    township: c.township ?? null,
    districtId: c.districtId ?? null,
    district: c.district ?? null,
    active: c.active !== false,
    supervisionPhone: c.supervisionPhone ?? null,
  };
}
export const unitView = (u: Unit) => ({ ...u, active: u.active !== false });
export const cadreView = (c: Cadre) => ({ ...c, active: c.active !== false });
export type CommunityView = ReturnType<typeof communityView>;
export type UnitView = ReturnType<typeof unitView>;
export type CadreView = ReturnType<typeof cadreView>;

type GuardedKind = 'community' | 'unit' | 'cadre';

/** The name guard an entity holds, or undefined (a cadre without a code holds none). */
function guardKeyOf(kind: GuardedKind, e: Record<string, unknown>): { pk: string; sk: string } | undefined {
  if (kind === 'community') {
    const scope = (e.townshipId ?? e.districtId ?? '-') as string;
    return keys.nameGuard('community', guardHash(scope, normalizeName(e.name as string)));
  }
  if (kind === 'unit') return keys.nameGuard('unit', guardHash(normalizeName(e.name as string)));
  return e.code
    ? keys.nameGuard('cadre-code', guardHash(e.unitId as string, normalizeName(e.code as string)))
    : undefined;
}

/** Whether the entity a guard names still holds that guard's name (see `guard.ts`). */
const holdingOf =
  (db: Db, kind: GuardedKind, key: { pk: string }) =>
  async (ownerId: string): Promise<Holding> => {
    const e = await getItem(db, keys.entity(kind, ownerId));
    if (!e) return 'missing';
    return guardKeyOf(kind, e)?.pk === key.pk ? 'holds' : 'elsewhere';
  };

/** The listing parent: cadres sort under their unit (see `keys.entityListing`). */
const listingOf = (kind: RegistryKind, e: { id: string; unitId?: string }) =>
  keys.entityListing(kind, e.id, kind === 'cadre' ? e.unitId : undefined);

async function writeEntity(db: Db, kind: RegistryKind, entity: { id: string; unitId?: string }): Promise<void> {
  await putIfAbsent(db, { ...keys.entity(kind, entity.id), ...listingOf(kind, entity), entity: kind, ...entity });
}

const TAKEN: Record<GuardedKind, () => Error> = {
  community: () => conflict('community.name_taken', '同一街道/乡镇内已有同名社区'),
  unit: () => conflict('unit.name_taken', '已有同名帮扶单位'),
  cadre: () => conflict('cadre.code_taken', '该单位已有使用此编号的帮扶责任人'),
};

/**
 * Writes a new entity behind its name guard. Returns the entity, or the id of the one that holds the name
 * (its interrupted creation completed on the way).
 */
async function createGuarded<T extends { id: string }>(
  db: Db,
  kind: GuardedKind,
  entity: T,
  now: Date,
): Promise<{ entity: T } | { holderId: string }> {
  const key = guardKeyOf(kind, entity);
  if (key) {
    const claim = await claimGuard(db, key, entity.id, now, holdingOf(db, kind, key), entity);
    if (!claim.taken) {
      if (claim.missing && claim.holder.snapshot) {
        await writeEntity(db, kind, claim.holder.snapshot as { id: string });
      }
      return { holderId: claim.holder.ownerId };
    }
  }
  await writeEntity(db, kind, entity);
  return { entity };
}

/** The entity that holds a guard's name now, or undefined when nobody does. */
async function holderOf<T>(db: Db, kind: GuardedKind, key: { pk: string; sk: string }): Promise<T | undefined> {
  const g = await getItem<NameGuard>(db, key);
  if (!g || g.released) return undefined;
  const e = await getItem(db, keys.entity(kind, g.ownerId));
  return e && guardKeyOf(kind, e)?.pk === key.pk ? (stripKeys(e) as T) : undefined;
}

async function communityOf(db: Db, rawInput: z.input<typeof NewCommunity>, now: Date, id?: string) {
  const input = parseInput(NewCommunity, rawInput);
  const regions = await ensureRegions(db, input, now);
  const community: Community = { id: id ?? randomUUID(), name: input.name, ...regions, createdAt: now.toISOString() };
  return community;
}

/** Registers a community in its township and district (created on first use); a name taken there → 409. */
export async function createCommunity(
  db: Db,
  rawInput: z.input<typeof NewCommunity>,
  now: Date,
  id?: string,
): Promise<CommunityView> {
  const out = await createGuarded(db, 'community', await communityOf(db, rawInput, now, id), now);
  if ('holderId' in out) throw TAKEN.community();
  return communityView(out.entity);
}

/** The outcome of an `ensure…` call: what the registry holds now, and whether this call changed it. */
export interface Ensured<T, O extends string = 'created' | 'unchanged'> {
  entity: T;
  outcome: O;
}

/**
 * The community of this name in this township (and district), created if there is none. Idempotent, and safe
 * under concurrency: two callers at once create one community (the name guard decides) and both get it.
 */
export async function ensureCommunity(
  db: Db,
  rawInput: z.input<typeof NewCommunity>,
  now: Date,
): Promise<Ensured<CommunityView>> {
  const out = await createGuarded(db, 'community', await communityOf(db, rawInput, now), now);
  if ('entity' in out) return { entity: communityView(out.entity), outcome: 'created' };
  return {
    entity: communityView(await requireEntity<Community>(db, 'community', out.holderId, '社区')),
    outcome: 'unchanged',
  };
}

/** The community of this name in this township (and district), or undefined. Creates no region. */
export async function findCommunityByName(
  db: Db,
  rawInput: z.input<typeof NewCommunity>,
): Promise<CommunityView | undefined> {
  const input = parseInput(NewCommunity, rawInput);
  const districtId = input.district ? districtIdOf(input.district) : undefined;
  const townshipId = districtId && input.township ? townshipIdOf(districtId, input.township) : undefined;
  const key = guardKeyOf('community', { name: input.name, districtId, townshipId });
  const found = await holderOf<Community>(db, 'community', key!);
  return found && communityView(found);
}

/** Registers a work unit; a name already taken city-wide → 409. */
export async function createUnit(db: Db, rawInput: z.input<typeof NewUnit>, now: Date, id?: string): Promise<UnitView> {
  const input = parseInput(NewUnit, rawInput);
  const out = await createGuarded<Unit>(
    db,
    'unit',
    { id: id ?? randomUUID(), ...input, createdAt: now.toISOString() },
    now,
  );
  if ('holderId' in out) throw TAKEN.unit();
  return unitView(out.entity);
}

/** The unit of this name, created if there is none (idempotent, one unit under concurrency). */
export async function ensureUnit(db: Db, rawInput: z.input<typeof NewUnit>, now: Date): Promise<Ensured<UnitView>> {
  const input = parseInput(NewUnit, rawInput);
  const out = await createGuarded<Unit>(db, 'unit', { id: randomUUID(), ...input, createdAt: now.toISOString() }, now);
  if ('entity' in out) return { entity: unitView(out.entity), outcome: 'created' };
  return { entity: unitView(await requireEntity<Unit>(db, 'unit', out.holderId, '帮扶单位')), outcome: 'unchanged' };
}

/** The unit of this name (compared normalized), or undefined. */
export async function findUnitByName(db: Db, name: string): Promise<UnitView | undefined> {
  const found = await holderOf<Unit>(db, 'unit', guardKeyOf('unit', { name: parseInput(Name, name, '单位名称') })!);
  return found && unitView(found);
}

async function activeUnit(db: Db, unitId: string): Promise<Unit> {
  const unit = await findEntity<Unit>(db, 'unit', unitId);
  if (!unit) throw invalid('cadre.unit_unknown', '帮扶单位不存在', [{ path: 'unitId', message: '帮扶单位不存在' }]);
  if (unit.active === false) {
    throw invalid('unit.inactive', '该帮扶单位已停用', [{ path: 'unitId', message: '该帮扶单位已停用' }]);
  }
  return unit;
}

/** Registers a cadre in an existing, active unit; a code the unit already gave another cadre → 409. */
export async function createCadre(
  db: Db,
  rawInput: z.input<typeof NewCadre>,
  now: Date,
  id?: string,
): Promise<CadreView> {
  const input = parseInput(NewCadre, rawInput);
  await activeUnit(db, input.unitId);
  const out = await createGuarded<Cadre>(
    db,
    'cadre',
    { id: id ?? randomUUID(), ...input, createdAt: now.toISOString() },
    now,
  );
  if ('holderId' in out) throw TAKEN.cadre();
  return cadreView(out.entity);
}

/** The cadre a unit gave this code, or undefined. */
export async function findCadreByCode(db: Db, unitId: string, code: string): Promise<CadreView | undefined> {
  const key = guardKeyOf('cadre', { unitId, code: parseInput(CadreCode, code, '编号') })!;
  const found = await holderOf<Cadre>(db, 'cadre', key);
  return found && cadreView(found);
}

/** The unit's cadres with this name (compared normalized): one key condition on the unit's listing. */
export async function findCadresByName(db: Db, unitId: string, name: string): Promise<CadreView[]> {
  const wanted = normalizeName(name);
  const items = await queryAll(db, {
    index: 'byKind',
    partition: keys.entityListing('cadre', '').gsi3pk,
    prefix: `${unitId}#`,
  });
  return items
    .map((i) => stripKeys(i) as unknown as Cadre)
    .filter((c) => normalizeName(c.name) === wanted)
    .map(cadreView);
}

/**
 * The cadre with this code in this unit, created if there is none, its name and phone brought up to date if
 * they differ (`updated`). Without a code there is nothing to recognise a cadre by: the one cadre of that name
 * in the unit, or a new one. Idempotent; two callers at once with one code create one cadre.
 */
export async function ensureCadre(
  db: Db,
  rawInput: z.input<typeof NewCadre>,
  now: Date,
): Promise<Ensured<CadreView, 'created' | 'updated' | 'unchanged'>> {
  const input = parseInput(NewCadre, rawInput);
  await activeUnit(db, input.unitId);
  if (!input.code) {
    const named = await findCadresByName(db, input.unitId, input.name);
    if (named.length === 1) {
      const existing = named[0]!;
      if (input.phone === undefined || input.phone === existing.phone)
        return { entity: existing, outcome: 'unchanged' };
      return {
        entity: await patchCadre(db, existing.id, { phone: input.phone }, now).then((r) => r.after),
        outcome: 'updated',
      };
    }
  }
  const out = await createGuarded<Cadre>(
    db,
    'cadre',
    { id: randomUUID(), ...input, createdAt: now.toISOString() },
    now,
  );
  if ('entity' in out) return { entity: cadreView(out.entity), outcome: 'created' };
  const existing = await requireEntity<Cadre>(db, 'cadre', out.holderId, '帮扶责任人');
  const changes: CadrePatch = {};
  if (existing.name !== input.name) changes.name = input.name;
  if (input.phone !== undefined && existing.phone !== input.phone) changes.phone = input.phone;
  if (!Object.keys(changes).length) return { entity: cadreView(existing), outcome: 'unchanged' };
  return { entity: (await patchCadre(db, existing.id, changes, now)).after, outcome: 'updated' };
}

// ---------------------------------------------------------------------------------------------------------
// Edits (PATCH): the editable fields, renames behind the guards, deactivation.
// ---------------------------------------------------------------------------------------------------------

const Active = z.boolean({ error: 'active 应为 true 或 false' });
const somethingToChange = (p: object) => Object.keys(p).length > 0;
const NOTHING = { message: '没有要修改的内容' };

/** A community's editable fields; `null` takes the township or district away (the community becomes 未分区). */
export const CommunityPatch = z
  .strictObject({
    name: Name.optional(),
    township: RegionName.nullable().optional(),
    district: RegionName.nullable().optional(),
    active: Active.optional(),
    /** 监督电话 on the community's printed notices; `null` falls back to the city's (SUPERVISION_PHONE). */
    supervisionPhone: Phone.nullable().optional(),
  })
  .refine(somethingToChange, NOTHING);
export type CommunityPatch = z.infer<typeof CommunityPatch>;

export const UnitPatch = z
  .strictObject({ name: Name.optional(), active: Active.optional() })
  .refine(somethingToChange, NOTHING);
export type UnitPatch = z.infer<typeof UnitPatch>;

export const CadrePatch = z
  .strictObject({
    name: Name.optional(),
    code: CadreCode.nullable().optional(),
    phone: Phone.nullable().optional(),
    unitId: Id.optional(),
    active: Active.optional(),
  })
  .refine(somethingToChange, NOTHING);
export type CadrePatch = z.infer<typeof CadrePatch>;

/** An edit's result: the entity before and after, and the fields that changed (for the audit trail). */
export interface Edited<T> {
  before: T;
  after: T;
  changed: string[];
}

/** Which fields differ, comparing the view's values (so absent and `null` regions are equal). */
function changedFields(before: Record<string, unknown>, after: Record<string, unknown>, fields: string[]): string[] {
  return fields.filter((f) => (before[f] ?? null) !== (after[f] ?? null));
}

/**
 * Applies an edit: claims the new name's guard first, updates the entity (only if it still exists), then
 * releases the old guard. A crash between the steps leaves an abandoned guard that `claimGuard` recovers.
 */
async function applyEdit<T extends { id: string }>(
  db: Db,
  kind: GuardedKind,
  before: T,
  after: T,
  changed: string[],
  now: Date,
  extraSet: Record<string, unknown> = {},
): Promise<void> {
  if (!changed.length) return;
  const oldKey = guardKeyOf(kind, before);
  const newKey = guardKeyOf(kind, after);
  const moved = newKey && newKey.pk !== oldKey?.pk;
  if (moved) {
    const claim = await claimGuard(db, newKey, after.id, now, holdingOf(db, kind, newKey));
    if (!claim.taken) throw TAKEN[kind]();
  }
  const set: Record<string, unknown> = { updatedAt: now.toISOString(), ...extraSet };
  const remove: string[] = [];
  for (const f of changed) {
    const v = (after as Record<string, unknown>)[f];
    if (v === undefined || v === null) remove.push(f);
    else set[f] = v;
  }
  // `active: true` is stored as absent (absent = active), so an old item and a re-activated one look alike.
  if (set.active === true) {
    delete set.active;
    remove.push('active');
  }
  if (!(await updateIf(db, keys.entity(kind, before.id), { set, remove }, { expression: 'attribute_exists(pk)' }))) {
    throw notFound(`${kind}.not_found`, '对象不存在');
  }
  if (oldKey && oldKey.pk !== newKey?.pk) await releaseGuard(db, oldKey, before.id, now);
}

/**
 * Edits a community: its name (unique in its township), its township and district (created on first use), `active`,
 * and the supervision phone printed on its notices.
 */
export async function patchCommunity(db: Db, id: string, rawPatch: unknown, now: Date): Promise<Edited<CommunityView>> {
  const patch = parseInput(CommunityPatch, rawPatch);
  const before = await requireEntity<Community>(db, 'community', id, '社区');
  const district = patch.district === undefined ? before.district : (patch.district ?? undefined);
  // A district changed or taken away takes the old township with it unless a township is given too.
  const township =
    patch.township !== undefined
      ? (patch.township ?? undefined)
      : patch.district !== undefined && patch.district !== before.district
        ? undefined
        : before.township;
  if (township && !district) {
    throw invalid('request.invalid', TOWNSHIP_NEEDS_DISTRICT, [{ path: 'district', message: TOWNSHIP_NEEDS_DISTRICT }]);
  }
  const regions = await ensureRegions(db, { district, township }, now);
  const after: Community = {
    ...before,
    name: patch.name ?? before.name,
    districtId: regions.districtId,
    district: regions.district,
    townshipId: regions.townshipId,
    township: regions.township,
    ...(patch.active === undefined ? {} : { active: patch.active }),
    supervisionPhone:
      patch.supervisionPhone === undefined ? before.supervisionPhone : (patch.supervisionPhone ?? undefined),
  };
  const fields = ['name', 'districtId', 'district', 'townshipId', 'township', 'active', 'supervisionPhone'];
  const changed = changedFields(communityView(before), communityView(after), fields);
  await applyEdit(db, 'community', before, after, changed, now);
  return {
    before: communityView(before),
    after: communityView(await requireEntity<Community>(db, 'community', id, '社区')),
    changed,
  };
}

/** Edits a unit: its name (unique city-wide) and `active`. */
export async function patchUnit(db: Db, id: string, rawPatch: unknown, now: Date): Promise<Edited<UnitView>> {
  const patch = parseInput(UnitPatch, rawPatch);
  const before = await requireEntity<Unit>(db, 'unit', id, '帮扶单位');
  const after: Unit = { ...before, ...patch };
  const changed = changedFields(unitView(before), unitView(after), ['name', 'active']);
  await applyEdit(db, 'unit', before, after, changed, now);
  return { before: unitView(before), after: unitView(await requireEntity<Unit>(db, 'unit', id, '帮扶单位')), changed };
}

/**
 * Edits a cadre: name, code (unique in the unit), phone, `active`, and the unit, while the cadre has no pairing
 * this year or next (a pairing carries its cadre's unit: moving a paired cadre is a reassignment of pairings).
 */
export async function patchCadre(db: Db, id: string, rawPatch: unknown, now: Date): Promise<Edited<CadreView>> {
  const patch = parseInput(CadrePatch, rawPatch);
  const before = await requireEntity<Cadre>(db, 'cadre', id, '帮扶责任人');
  const after = { ...before } as Cadre & Record<string, unknown>;
  for (const [k, v] of Object.entries(patch)) after[k] = v === null ? undefined : v;
  const changed = changedFields(cadreView(before), cadreView(after), ['name', 'code', 'phone', 'unitId', 'active']);
  let extraSet: Record<string, unknown> = {};
  if (changed.includes('unitId')) {
    await activeUnit(db, after.unitId);
    const year = Number(shanghaiDate(now).slice(0, 4));
    for (const y of [year, year + 1]) {
      const paired = await queryAll(db, {
        index: 'byCadreYear',
        partition: keys.cadreYear(id, y).gsi2pk,
        attributes: ['pk'],
      });
      if (paired.length) {
        throw conflict(
          'cadre.unit_has_pairings',
          `该帮扶责任人 ${y} 年已有结对家庭，不能直接调到其他单位；请先调整结对（改派）后再修改单位`,
        );
      }
    }
    extraSet = { gsi3sk: listingOf('cadre', after).gsi3sk };
  }
  await applyEdit(db, 'cadre', before, after, changed, now, extraSet);
  return {
    before: cadreView(before),
    after: cadreView(await requireEntity<Cadre>(db, 'cadre', id, '帮扶责任人')),
    changed,
  };
}

/** Rows written at once by the batch variants: enough to hide each write's round trip. */
const BATCH_WRITERS = 32;

/** One row's outcome in a batch: what the single-row function would have returned, or the error it would throw. */
export type EnsuredRow<T, O extends string> = Ensured<T, O> | { error: AppError };

/**
 * `ensureCadre` for many rows at once (a chunk of an import), with the same outcomes and guarantees in fewer
 * requests: one consistent BatchGet of the rows' units, one of their code guards and one of the cadres holding
 * them, reused by the checks and the writes. A row the reads show unchanged writes nothing; a new code is the
 * floor of two conditional puts (the guard, then the cadre). Everything else (a cadre without a code, a name or
 * phone to update, a released or abandoned guard, a guard taken meanwhile, a code twice in the batch) goes
 * through `ensureCadre` itself. Results are in the order of the rows.
 */
export async function ensureCadres(
  db: Db,
  rawRows: readonly z.input<typeof NewCadre>[],
  now: Date,
): Promise<EnsuredRow<CadreView, 'created' | 'updated' | 'unchanged'>[]> {
  const out: EnsuredRow<CadreView, 'created' | 'updated' | 'unchanged'>[] = new Array(rawRows.length);
  const rows: { i: number; input: NewCadre; key: { pk: string; sk: string } | undefined }[] = [];
  rawRows.forEach((raw, i) => {
    try {
      const input = parseInput(NewCadre, raw);
      rows.push({ i, input, key: guardKeyOf('cadre', input) });
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out[i] = { error: e };
    }
  });
  const consistent = { consistent: true };
  const units = await getMany(
    db,
    [...new Set(rows.map((r) => r.input.unitId))].map((id) => keys.entity('unit', id)),
    ['id', 'active'],
    consistent,
  );
  const unitOf = new Map(units.map((u) => [u.id as string, u]));
  const guardKeys = [...new Map(rows.flatMap((r) => (r.key ? [[r.key.pk, r.key] as const] : []))).values()];
  const guards = await getMany(db, guardKeys, ['pk', 'ownerId', 'released'], consistent);
  const guardOf = new Map(guards.map((g) => [g.pk as string, g as unknown as NameGuard & { pk: string }]));
  const holders = await getMany(
    db,
    [...new Set(guards.filter((g) => !g.released).map((g) => g.ownerId as string))].map((id) =>
      keys.entity('cadre', id),
    ),
    undefined,
    consistent,
  );
  const cadreOf = new Map(holders.map((c) => [c.id as string, stripKeys(c) as unknown as Cadre]));

  const seen = new Set<string>();
  const fast: typeof rows = [];
  const slow: typeof rows = [];
  for (const r of rows) {
    (r.key && !seen.has(r.key.pk) ? fast : slow).push(r);
    if (r.key) seen.add(r.key.pk);
  }
  const viaOne = async (r: (typeof rows)[number]) => {
    try {
      out[r.i] = await ensureCadre(db, r.input, now);
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      out[r.i] = { error: e };
    }
  };
  await inParallel(fast, BATCH_WRITERS, async (r) => {
    const unit = unitOf.get(r.input.unitId);
    // The unit's own checks, as `ensureCadre` makes them (it would refuse the same way).
    if (!unit || unit.active === false) return viaOne(r);
    const g = guardOf.get(r.key!.pk);
    if (!g) {
      const cadre: Cadre = { id: randomUUID(), ...r.input, createdAt: now.toISOString() };
      const created = await createGuarded<Cadre>(db, 'cadre', cadre, now);
      if ('holderId' in created) return viaOne(r);
      out[r.i] = { entity: cadreView(created.entity), outcome: 'created' };
      return;
    }
    const holder = g.released ? undefined : cadreOf.get(g.ownerId);
    const holds = holder && guardKeyOf('cadre', holder as unknown as Record<string, unknown>)?.pk === r.key!.pk;
    if (holds && holder.name === r.input.name && (r.input.phone === undefined || holder.phone === r.input.phone)) {
      out[r.i] = { entity: cadreView(holder), outcome: 'unchanged' };
      return;
    }
    return viaOne(r);
  });
  for (const r of slow) await viaOne(r);
  return out;
}
