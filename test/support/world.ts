import { handler as createCadre } from '#functions/create-cadre.ts';
import { handler as createCommunity } from '#functions/create-community.ts';
import { handler as createPairing } from '#functions/create-pairing.ts';
import { handler as createUnit } from '#functions/create-unit.ts';
import { handler as registerHousehold } from '#functions/register-household.ts';
import { admin, makeIdNumber } from './factories.ts';
import { invoke } from './invoke.ts';

async function created(p: Promise<{ status: number; json: any; text: string }>): Promise<any> {
  const r = await p;
  if (r.status !== 201) throw new Error(`setup call failed: ${r.status} ${r.text}`);
  return r.json;
}

/** A name not used before in this test file: community and unit names are unique (409 on a second use). */
let serial = 0;
const fresh = (base: string) => `${base}${++serial}`;

/**
 * Registers through a handler; a fixture built twice in one file (same names) gets the name with a number the
 * second time, since community and unit names are unique.
 */
async function createdNamed(handler: typeof createCommunity, route: string, body: { name: string }) {
  const first = await invoke(handler, route, { as: admin, body });
  if (first.status === 409)
    return created(invoke(handler, route, { as: admin, body: { ...body, name: fresh(body.name) } }));
  return created(Promise.resolve(first));
}

/** Registers a community through the real handler and returns its id. */
export async function newCommunity(
  name = fresh('测试社区'),
  regions: { township?: string; district?: string } = {},
): Promise<string> {
  return (await createdNamed(createCommunity, 'POST /communities', { name, ...regions })).id;
}

/** Registers a unit and returns its id. */
export async function newUnit(name = fresh('测试单位')): Promise<string> {
  return (await createdNamed(createUnit, 'POST /units', { name })).id;
}

/** Registers a cadre of a unit and returns its id. */
export async function newCadre(unitId: string, name = '测试干部'): Promise<string> {
  return (await created(invoke(createCadre, 'POST /cadres', { as: admin, body: { name, unitId } }))).id;
}

/** Registers a household in a community and returns its id. */
export async function newHousehold(communityId: string, headName = '测试户主'): Promise<string> {
  const body = { headName, idNumber: makeIdNumber(), communityId, memberCount: 3 };
  return (await created(invoke(registerHousehold, 'POST /households', { as: admin, body }))).id;
}

/** Pairs a cadre with a household for a year. */
export async function pair(cadreId: string, householdId: string, year: number): Promise<void> {
  await created(invoke(createPairing, 'POST /pairings', { as: admin, body: { cadreId, householdId, year } }));
}

/** A community with one unit, one cadre and `n` households paired with that cadre in `year`. */
export async function pairedWorld(year: number, n = 1) {
  const communityId = await newCommunity();
  const unitId = await newUnit();
  const cadreId = await newCadre(unitId);
  const householdIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = await newHousehold(communityId, `户主${i}`);
    await pair(cadreId, id, year);
    householdIds.push(id);
  }
  return { communityId, unitId, cadreId, householdIds, householdId: householdIds[0]! };
}
