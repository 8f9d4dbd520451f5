import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { handler as createUpload } from '#functions/create-upload-url.ts';
import { handler as floorReport } from '#functions/floor-report.ts';
import { handler as getHouseholdAid } from '#functions/get-household-aid.ts';
import { db } from '#functions/lib/clients.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { handler as listVisits } from '#functions/list-visits.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { handler as recordVisit } from '#functions/record-visit.ts';
import type { DevTokenRequest } from '#infra/local/tokens.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { queryAll } from '#shared/db.ts';
import { keys } from '#shared/table.ts';
import { admin, auditor, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { PNG } from '../support/scenario.ts';
import { newCadre, newCommunity, pairedWorld } from '../support/world.ts';

const today = () => shanghaiDate(new Date());
const year = () => Number(today().slice(0, 4));
const tomorrow = () => shanghaiDate(new Date(Date.now() + 86_400_000));

/** A tiny JPEG's opening bytes are all the check reads; the rest is filler. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('JFIF visit photo')]);
const PNG_BYTES = Buffer.from(PNG, 'base64');

/** Asks for an upload URL as `as` and stores the bytes under its key, as the browser's PUT would. */
async function upload(as: DevTokenRequest, bytes: Uint8Array = JPEG, contentType = 'image/jpeg', purpose = 'photo') {
  const r = await invoke(createUpload, 'POST /uploads', { as, body: { purpose, contentType, bytes: bytes.length } });
  if (r.status !== 201) throw new Error(`setup: upload: ${r.status} ${r.text}`);
  await getObjectStore().put(r.json.key, bytes, contentType);
  return r.json.key as string;
}

/** A key of the caller's shape whose upload never arrived. */
async function keyWithoutObject(as: DevTokenRequest) {
  const r = await invoke(createUpload, 'POST /uploads', {
    as,
    body: { purpose: 'photo', contentType: 'image/jpeg', bytes: 10 },
  });
  return r.json.key as string;
}

const post = (as: DevTokenRequest, householdId: string, body: unknown, key = newKey()) =>
  invoke(recordVisit, 'POST /households/{id}/visits', {
    as,
    params: { id: householdId },
    body,
    headers: { 'idempotency-key': key },
  });

const list = (as: DevTokenRequest, householdId: string, y = year()) =>
  invoke(listVisits, 'GET /households/{id}/visits', { as, params: { id: householdId }, query: { year: String(y) } });

/** Every visit item of a household-year, straight from the table. */
const storedVisits = (communityId: string, householdId: string) =>
  queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year()).gsi1pk,
    prefix: `${keys.householdInCommunityYear(householdId)}VISIT#`,
  });

describe('recording a visit', () => {
  it('answers 201 with the visit and its photos hashed, and lists it for the paired cadre', async () => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    const photo = await upload(cadre);
    const png = await upload(cadre, PNG_BYTES, 'image/png');
    const r = await post(cadre, w.householdId, {
      date: today(),
      note: '入户走访，了解孩子上学情况',
      photoKeys: [photo, png],
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toStrictEqual({
      id: expect.stringMatching(/^v/),
      householdId: w.householdId,
      communityId: w.communityId,
      unitId: w.unitId,
      cadreId: w.cadreId,
      year: year(),
      date: today(),
      note: '入户走访，了解孩子上学情况',
      photos: [
        { key: photo, sha256: createHash('sha256').update(JPEG).digest('hex') },
        { key: png, sha256: createHash('sha256').update(PNG_BYTES).digest('hex') },
      ],
      recordedBy: `user-${w.cadreId}`,
      recordedAt: expect.any(String),
    });
    const listed = await list(cadre, w.householdId);
    expect(listed.status).toBe(200);
    expect(listed.json).toStrictEqual({ items: [r.json] });
  });

  it('takes a visit without photos', async () => {
    const w = await pairedWorld(year());
    const r = await post(cadreUser(w.cadreId), w.householdId, { date: today(), note: '电话回访' });
    expect(r.status, r.text).toBe(201);
    expect(r.json.photos).toStrictEqual([]);
  });

  it('is idempotent on the key: a retry answers 200 with the same visit; another body with that key is 409', async () => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    const key = newKey();
    const body = { date: today(), note: '走访' };
    const first = await post(cadre, w.householdId, body, key);
    const again = await post(cadre, w.householdId, body, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(200);
    expect(again.json).toStrictEqual(first.json);
    const other = await post(cadre, w.householdId, { ...body, note: '另一次走访' }, key);
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('visit.idempotency_mismatch');
    expect(await storedVisits(w.communityId, w.householdId)).toHaveLength(1);
  });

  it('records a retry racing itself once', async () => {
    const w = await pairedWorld(year());
    const key = newKey();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => post(cadreUser(w.cadreId), w.householdId, { date: today(), note: '走访' }, key)),
    );
    expect(answers.map((a) => a.status).sort()).toStrictEqual([200, 200, 200, 200, 201]);
    expect(await storedVisits(w.communityId, w.householdId)).toHaveLength(1);
  });

  it('refuses a cadre not paired with the household with 403 and stores nothing', async () => {
    const w = await pairedWorld(year());
    const stranger = cadreUser(await newCadre(w.unitId, '别的干部'));
    const r = await post(stranger, w.householdId, { date: today(), note: '走访' });
    expect(r.status).toBe(403);
    expect(r.json.error.code).toBe('visit.not_paired');
    const cc = await post(communityCadreUser(w.communityId), w.householdId, { date: today(), note: '走访' });
    expect(cc.status).toBe(403);
    expect(await storedVisits(w.communityId, w.householdId)).toHaveLength(0);
  });

  it.each([
    ['a future date', { date: 'TOMORROW', note: '走访' }, 'visit.date_future', 'date'],
    ['an empty note', { date: 'TODAY', note: '   ' }, 'request.invalid', 'note'],
    ['no note', { date: 'TODAY' }, 'request.invalid', 'note'],
    ['an impossible date', { date: '2026-02-30', note: '走访' }, 'request.invalid', 'date'],
    ['five photos', { date: 'TODAY', note: '走访', photoKeys: 'FIVE' }, 'request.invalid', 'photoKeys'],
    [
      'a key that is no upload key',
      { date: 'TODAY', note: '走访', photoKeys: ['../../etc/passwd'] },
      'request.invalid',
      'photoKeys.0',
    ],
    ['the same photo twice', { date: 'TODAY', note: '走访', photoKeys: 'TWICE' }, 'request.invalid', 'photoKeys.1'],
  ])('refuses %s with 400 in Chinese and stores nothing', async (_name, raw, code, path) => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    const own = await upload(cadre);
    const fill = (v: unknown) =>
      v === 'TODAY'
        ? today()
        : v === 'TOMORROW'
          ? tomorrow()
          : v === 'FIVE'
            ? [own, own, own, own, own]
            : v === 'TWICE'
              ? [own, own]
              : v;
    const body = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, fill(v)]));
    const r = await post(cadre, w.householdId, body);
    expect(r.status, r.text).toBe(400);
    expect(r.json.error.code).toBe(code);
    const issue = r.json.error.issues.find((i: { path: string }) => i.path === path);
    expect(issue?.message, JSON.stringify(r.json.error.issues)).toMatch(/[\u4e00-\u9fff]/);
    expect(await storedVisits(w.communityId, w.householdId)).toHaveLength(0);
  });

  it('refuses a photo uploaded by another user, one never uploaded, and one that is not an image, with 400', async () => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    const others = await upload(communityCadreUser(w.communityId));
    const missing = await keyWithoutObject(cadre);
    const notImage = await upload(cadre, Buffer.from('%PDF-1.4 not a photo'), 'image/jpeg');
    const cases: [string, string][] = [
      [others, 'photo.not_own_upload'],
      [missing, 'photo.not_uploaded'],
      [notImage, 'photo.not_image'],
    ];
    for (const [key, code] of cases) {
      const r = await post(cadre, w.householdId, {
        date: today(),
        note: '走访',
        photoKeys: [await upload(cadre), key],
      });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.code).toBe(code);
      expect(r.json.error.issues[0]).toMatchObject({ path: 'photoKeys.1', message: expect.stringMatching(/照片/) });
    }
    expect(await storedVisits(w.communityId, w.householdId)).toHaveLength(0);
  });

  it('is never money: not in the household-year total nor in the floor report', async () => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    await invoke(recordAid, 'POST /aid-records', {
      as: cadre,
      body: makeAid(w.householdId, { date: today(), amountFen: 30_000 }),
      headers: { 'idempotency-key': newKey() },
    });
    expect(
      (await post(cadre, w.householdId, { date: today(), note: '走访', photoKeys: [await upload(cadre)] })).status,
    ).toBe(201);
    const aid = await invoke(getHouseholdAid, 'GET /households/{id}/aid', {
      as: cadre,
      params: { id: w.householdId },
      query: { year: String(year()) },
    });
    expect(aid.json).toMatchObject({ totalFen: 30_000, cashFen: 30_000, inKindFen: 0 });
    expect(aid.json.records).toHaveLength(1);
    const floor = await invoke(floorReport, 'GET /reports/floor', {
      as: admin,
      query: { year: String(year()), communityId: w.communityId },
    });
    expect(floor.status).toBe(200);
    expect(floor.json.households).toBe(1);
    expect(floor.json.rows[0]).toMatchObject({ householdId: w.householdId, totalFen: 30_000 });
  });
});

describe("who reads a household's visits", () => {
  it('the paired cadre, the community cadre of its community, auditors and admins; no other cadre', async () => {
    const w = await pairedWorld(year());
    const created = await post(cadreUser(w.cadreId), w.householdId, { date: today(), note: '走访' });
    for (const reader of [cadreUser(w.cadreId), communityCadreUser(w.communityId), auditor, admin]) {
      const r = await list(reader, w.householdId);
      expect(r.status, reader.sub).toBe(200);
      expect(r.json.items).toStrictEqual([created.json]);
    }
    const stranger = await list(cadreUser(await newCadre(w.unitId, '别的干部')), w.householdId);
    expect(stranger.status).toBe(403);
    expect(stranger.json.error.code).toBe('household.not_yours');
    const otherCommunity = await list(communityCadreUser(await newCommunity('别的社区')), w.householdId);
    expect(otherCommunity.status).toBe(403);
  });

  it('lists a year without visits as empty, and an unknown household as 404', async () => {
    const w = await pairedWorld(year());
    expect((await list(admin, w.householdId, year() - 1)).json).toStrictEqual({ items: [] });
    expect((await list(admin, 'no-such-household')).status).toBe(404);
  });
});

describe('photos on an aid entry', () => {
  it('are checked, hashed and shown with the entry', async () => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    const photo = await upload(cadre);
    const r = await invoke(recordAid, 'POST /aid-records', {
      as: cadre,
      body: makeAid(w.householdId, { date: today(), photoKeys: [photo] }),
      headers: { 'idempotency-key': newKey() },
    });
    expect(r.status, r.text).toBe(201);
    expect(r.json.photos).toStrictEqual([{ key: photo, sha256: createHash('sha256').update(JPEG).digest('hex') }]);
    const aid = await invoke(getHouseholdAid, 'GET /households/{id}/aid', {
      as: communityCadreUser(w.communityId),
      params: { id: w.householdId },
      query: { year: String(year()) },
    });
    expect(aid.json.records[0].photos).toStrictEqual(r.json.photos);
  });

  it('are part of the request: a retry with the same photos is 200, with other photos 409', async () => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    const [a, b] = [await upload(cadre), await upload(cadre)];
    const key = newKey();
    const send = (photoKeys: string[]) =>
      invoke(recordAid, 'POST /aid-records', {
        as: cadre,
        body: makeAid(w.householdId, { date: today(), photoKeys }),
        headers: { 'idempotency-key': key },
      });
    expect((await send([a])).status).toBe(201);
    expect((await send([a])).status).toBe(200);
    const other = await send([b]);
    expect(other.status).toBe(409);
    expect(other.json.error.code).toBe('aid.idempotency_mismatch');
  });

  it("refuses another user's photo, a missing one and a fifth one with 400, and records nothing", async () => {
    const w = await pairedWorld(year());
    const cadre = cadreUser(w.cadreId);
    const own = await upload(cadre);
    const bad: [unknown[], string][] = [
      [[await upload(admin)], 'photo.not_own_upload'],
      [[await keyWithoutObject(cadre)], 'photo.not_uploaded'],
      [[own, await upload(cadre), await upload(cadre), await upload(cadre), await upload(cadre)], 'request.invalid'],
    ];
    for (const [photoKeys, code] of bad) {
      const r = await invoke(recordAid, 'POST /aid-records', {
        as: cadre,
        body: makeAid(w.householdId, { date: today(), photoKeys }),
        headers: { 'idempotency-key': newKey() },
      });
      expect(r.status, r.text).toBe(400);
      expect(r.json.error.code).toBe(code);
    }
    const aid = await invoke(getHouseholdAid, 'GET /households/{id}/aid', {
      as: admin,
      params: { id: w.householdId },
      query: { year: String(year()) },
    });
    expect(aid.json.records).toHaveLength(0);
  });
});
