import { PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { handler as getHousehold } from '#functions/get-household.ts';
import { getFieldCipher } from '#functions/lib/cipher.ts';
import { db, idHashKey } from '#functions/lib/clients.ts';
import { handler as registerHousehold } from '#functions/register-household.ts';
import { checkCharacter, maskResidentId, residentIdHash, sealLegacyHouseholds } from '#shared/household/index.ts';
import { keys } from '#shared/table.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeIdNumber } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { newCommunity } from '../support/world.ts';

/**
 * Resident ID numbers at rest: sealed by envelope encryption (the local master key here, KMS on AWS), found
 * again for duplicates by their keyed hash, shown in full to admins only.
 */

/** Every item of the table, as the raw engine returns it. */
async function scanAll(): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(new ScanCommand({ TableName: db.table, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** The places an ID number could hide in the table: the whole number, or its 17-digit body. */
async function tableMentions(idNumber: string): Promise<string[]> {
  const text = (await scanAll()).map((i) => JSON.stringify(i));
  return text.filter((t) => t.includes(idNumber.slice(0, 17)) || t.includes(idNumber.toLowerCase()));
}

const register = (body: Record<string, unknown>) => invoke(registerHousehold, 'POST /households', { as: admin, body });
const read = (id: string, as = admin) => invoke(getHousehold, 'GET /households/{id}', { as, params: { id } });

describe('resident ID numbers at rest', () => {
  it('stores no ID number anywhere in the table, sealed and masked on the household and only hashed in its guard', async () => {
    const communityId = await newCommunity();
    const idNumber = makeIdNumber();
    const r = await register({ headName: '陈桂兰', idNumber, communityId, memberCount: 2 });
    expect(r.status).toBe(201);

    expect(await tableMentions(idNumber)).toStrictEqual([]);
    const items = await scanAll();
    const household = items.find((i) => i.pk === keys.entity('household', r.json.id).pk)!;
    expect(household).not.toHaveProperty('idNumber');
    expect(household.idNumberEnc).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(household.idNumberMasked).toBe(maskResidentId(idNumber));
    const guard = items.find((i) => i.householdId === r.json.id && String(i.pk).startsWith('RESIDENT#'))!;
    expect(guard.pk).toBe(keys.residentGuard(residentIdHash(idNumber, await idHashKey())).pk);
    expect(guard.household).not.toHaveProperty('idNumber');
  });

  it('seals the same number differently each time, so equal numbers do not show as equal ciphertexts', async () => {
    const cipher = getFieldCipher();
    const context = { householdId: 'h-1' };
    const [a, b] = [await cipher.encrypt('x', context), await cipher.encrypt('x', context)];
    expect(a).not.toBe(b);
  });

  it('still detects a second registration of one number (409), also typed with a lower-case x or spaces', async () => {
    const communityId = await newCommunity();
    // The first sequence number, from 600 up, whose check character is X (one in eleven is).
    let idNumber = '';
    for (let s = 600; !idNumber.endsWith('X'); s++) {
      const first17 = `11010119800103${s}`;
      idNumber = first17 + checkCharacter(first17);
    }
    expect((await register({ headName: '赵', idNumber, communityId, memberCount: 1 })).status).toBe(201);
    for (const again of [idNumber.toLowerCase(), ` ${idNumber} `]) {
      const r = await register({ headName: '赵', idNumber: again, communityId, memberCount: 1 });
      expect(r.status).toBe(409);
      expect(r.json.error.code).toBe('household.id_registered');
    }
  });

  it('shows admins the full number, auditors the masked one, and refuses cadres and community cadres', async () => {
    const communityId = await newCommunity();
    const idNumber = makeIdNumber();
    const { id } = (await register({ headName: '欧阳明', idNumber, communityId, memberCount: 4 })).json;

    const forAdmin = await read(id);
    expect(forAdmin.status).toBe(200);
    expect(forAdmin.json).toStrictEqual({
      id,
      headName: '欧阳明',
      communityId,
      memberCount: 4,
      createdAt: expect.any(String),
      idNumberMasked: `${idNumber.slice(0, 6)}********${idNumber.slice(14)}`,
      idNumber,
      active: true,
    });

    const forAuditor = await read(id, auditor);
    expect(forAuditor.status).toBe(200);
    expect(forAuditor.json).not.toHaveProperty('idNumber');
    expect(forAuditor.json.idNumberMasked).toBe(`${idNumber.slice(0, 6)}********${idNumber.slice(14)}`);
    expect(forAuditor.text).not.toContain(idNumber.slice(6, 14));

    for (const as of [cadreUser('any-cadre'), communityCadreUser(communityId)]) {
      const refused = await read(id, as);
      expect(refused.status).toBe(403);
    }
    expect((await read('no-such-household')).status).toBe(404);
  });

  it('refuses to open a sealed number on another household (the household id is bound to the ciphertext)', async () => {
    const cipher = getFieldCipher();
    const sealed = await cipher.encrypt('110101198001020011', { field: 'household.idNumber', householdId: 'a' });
    await expect(cipher.decrypt(sealed, { field: 'household.idNumber', householdId: 'b' })).rejects.toThrow();
  });
});

describe('households registered before encryption', () => {
  it('reads a plaintext item, then seals it and its guard in place, keeping duplicate detection', async () => {
    const communityId = await newCommunity();
    const idNumber = makeIdNumber();
    const id = `legacy-${Date.now()}`;
    const legacy = {
      id,
      headName: '孙秀珍',
      idNumber,
      communityId,
      memberCount: 1,
      createdAt: '2026-01-05T00:00:00.000Z',
    };
    // As the code before encryption wrote them: the number in plaintext on the household and in its guard.
    const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
    await put({
      ...keys.entity('household', id),
      ...keys.entityListing('household', id),
      entity: 'household',
      ...legacy,
    });
    await put({
      ...keys.residentGuard(residentIdHash(idNumber, await idHashKey())),
      householdId: id,
      household: legacy,
    });

    const before = await read(id);
    expect(before.json).toMatchObject({ idNumber, idNumberMasked: maskResidentId(idNumber) });
    expect((await read(id, auditor)).json).not.toHaveProperty('idNumber');

    const sealed = await sealLegacyHouseholds({ db, cipher: getFieldCipher() });
    expect(sealed).toBeGreaterThanOrEqual(1);
    expect(await tableMentions(idNumber)).toStrictEqual([]);
    expect((await read(id)).json).toMatchObject({ idNumber, idNumberMasked: maskResidentId(idNumber) });

    const again = await register({ headName: '孙秀珍', idNumber, communityId, memberCount: 1 });
    expect(again.status).toBe(409);
    // The migration ran once; a second call finds its marker and does nothing.
    expect(await sealLegacyHouseholds({ db, cipher: getFieldCipher() })).toBe(0);
  });

  it('completes a household left behind by a crash from a plaintext guard, sealed', async () => {
    const communityId = await newCommunity();
    const idNumber = makeIdNumber();
    const id = `orphan-${Date.now()}`;
    const legacy = { id, headName: '周小红', idNumber, communityId, memberCount: 3, createdAt: '2026-01-05T00:00:00Z' };
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: {
          ...keys.residentGuard(residentIdHash(idNumber, await idHashKey())),
          householdId: id,
          household: legacy,
        },
      }),
    );

    const r = await register({ headName: '周小红', idNumber, communityId, memberCount: 3 });
    expect(r.status).toBe(409);
    const completed = await read(id);
    expect(completed.status).toBe(200);
    expect(completed.json.idNumber).toBe(idNumber);
    expect(await tableMentions(idNumber)).toStrictEqual([]);
  });
});
