import { createHash, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { db } from '#functions/lib/clients.ts';
import { getObjectStore } from '#functions/lib/objects.ts';
import { handler as recordAid } from '#functions/record-aid.ts';
import { shanghaiDate } from '#shared/dates.ts';
import { getItem, queryAll } from '#shared/db.ts';
import { keys } from '#shared/table.ts';
import { auditor, cadreUser, communityCadreUser, makeAid, newKey } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { PageClient } from '../support/page-client.ts';
import { PNG } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/*
 * Issue 13, items 1 and 2, through the real household-pages Lambda: a receipt by signature or by a thumbprint's
 * photo, outcomes, visits with photos uploaded through the page's own upload route, and the photos shown only to
 * those who may see the household. Every refused form is a 400 with the message beside its field and nothing
 * stored; someone outside the household's scope is refused.
 */

const today = () => shanghaiDate(new Date());
const year = () => Number(today().slice(0, 4));
const tomorrow = () => shanghaiDate(new Date(Date.now() + 86_400_000));

/** A tiny JPEG's opening bytes are all the check reads; the rest is filler. */
const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(`JFIF ${randomUUID()}`)]);

async function world() {
  const w = await pairedWorld(year());
  const cadre = cadreUser(w.cadreId);
  return { ...w, cadre, client: await PageClient.as(cadre) };
}

async function entry(w: { cadreId: string; householdId: string }, overrides: Record<string, unknown> = {}) {
  const r = await invoke(recordAid, 'POST /aid-records', {
    as: cadreUser(w.cadreId),
    body: makeAid(w.householdId, { date: today(), ...overrides }),
    headers: { 'idempotency-key': newKey() },
  });
  if (r.status !== 201) throw new Error(`setup: aid: ${r.status} ${r.text}`);
  return r.json.id as string;
}

/** The page's upload route, as the photo picker's script calls it; then the browser's PUT, done on the store. */
async function uploadFromPage(client: PageClient, householdId: string, bytes: Uint8Array = JPEG) {
  const r = await client.post(`/app/households/${householdId}/visits/new`, `/app/households/${householdId}/uploads`, {
    contentType: 'image/jpeg',
    bytes: String(bytes.length),
  });
  expect(r.statusCode, r.body).toBe(201);
  const { key } = JSON.parse(r.body) as { key: string };
  await getObjectStore().put(key, bytes, 'image/jpeg');
  return key;
}

const partition = (communityId: string) => keys.communityYear(communityId, year()).gsi1pk;
const stored = (communityId: string, householdId: string, kind: 'VISIT#' | 'OUTCOME#' | 'RECEIPT#') =>
  queryAll(db, {
    index: 'byCommunityYear',
    partition: partition(communityId),
    prefix: `${keys.householdInCommunityYear(householdId)}${kind}`,
  });

const errorOf = (body: string, name: string) =>
  new RegExp(`<p class="error" id="${name}-error" role="alert">([^<]*)</p>`).exec(body)?.[1];

describe('the receipt page', () => {
  it('records the household’s signature, shows it on the household’s page and serves the image to its readers', async () => {
    const w = await world();
    const id = await entry(w, {
      kind: 'in_kind',
      amountFen: 5000,
      items: [{ name: '大米', quantity: 2, unitValueFen: 2500 }],
    });
    const page = await w.client.get(`/app/aid/${id}/receipt`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('canvas');
    expect(page.body).toContain('<noscript>');
    const r = await w.client.post(`/app/aid/${id}/receipt`, `/app/aid/${id}/receipt`, {
      method: 'signature',
      signaturePng: `data:image/png;base64,${PNG}`,
    });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(303);
    expect(r.headers?.location).toBe(`/app/households/${w.householdId}?saved=1#entry-${id}`);
    const receipt = await getItem(db, keys.receipt(id));
    expect(receipt).toMatchObject({
      method: 'signature',
      imageSha256: createHash('sha256').update(Buffer.from(PNG, 'base64')).digest('hex'),
    });
    const home = await w.client.get(`/app/households/${w.householdId}`);
    expect(home.body).toMatch(new RegExp(`data-entry="${id}"[\\s\\S]*?data-receipt="signature"`));
    const community = await PageClient.as(communityCadreUser(w.communityId));
    const img = await community.get(`/app/aid/${id}/receipt/image`);
    expect(img.statusCode).toBe(200);
    expect(img.headers?.['content-type']).toBe('image/png');
    expect(Buffer.from(img.body, 'base64').equals(Buffer.from(PNG, 'base64'))).toBe(true);
    const stranger = await PageClient.as(cadreUser((await pairedWorld(year())).cadreId));
    expect((await stranger.get(`/app/aid/${id}/receipt/image`)).statusCode).toBe(403);
  });

  it('records a thumbprint with the photo of the slip the community cadre uploaded', async () => {
    const w = await world();
    const id = await entry(w);
    const community = await PageClient.as(communityCadreUser(w.communityId));
    const r0 = await community.post(`/app/aid/${id}/receipt`, `/app/households/${w.householdId}/uploads`, {
      contentType: 'image/jpeg',
      bytes: String(JPEG.length),
    });
    expect(r0.statusCode, r0.body).toBe(201);
    const key = (JSON.parse(r0.body) as { key: string }).key;
    await getObjectStore().put(key, JPEG, 'image/jpeg');
    const r = await community.post(`/app/aid/${id}/receipt`, `/app/aid/${id}/receipt`, {
      method: 'thumbprint',
      photoKey: key,
    });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(303);
    expect(await getItem(db, keys.receipt(id))).toMatchObject({ method: 'thumbprint', photo: { key } });
    const img = await w.client.get(`/app/aid/${id}/receipt/image`);
    expect(img.headers?.['content-type']).toBe('image/jpeg');
    expect(Buffer.from(img.body, 'base64').equals(JPEG)).toBe(true);
  });

  it('refuses a signature left empty or not a PNG, 400 beside the pad, and stores nothing', async () => {
    const w = await world();
    const id = await entry(w);
    for (const signaturePng of ['', 'data:image/png;base64,AAAA']) {
      const r = await w.client.post(`/app/aid/${id}/receipt`, `/app/aid/${id}/receipt`, {
        method: 'signature',
        signaturePng,
      });
      expect(r.statusCode).toBe(400);
      expect(errorOf(r.body, 'signaturePng')).toBeTruthy();
    }
    expect(await getItem(db, keys.receipt(id))).toBeUndefined();
  });

  it('refuses a photo another person uploaded, 400 beside the photo, and stores nothing', async () => {
    const w = await world();
    const id = await entry(w);
    const other = await world();
    const foreign = await uploadFromPage(other.client, other.householdId);
    const r = await w.client.post(`/app/aid/${id}/receipt`, `/app/aid/${id}/receipt`, {
      method: 'thumbprint',
      photoKey: foreign,
    });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body, 'photoKey')).toContain('不是您本人上传');
    expect(await getItem(db, keys.receipt(id))).toBeUndefined();
  });

  it('refuses a cadre outside the household’s scope (403) and stores nothing', async () => {
    const w = await world();
    const id = await entry(w);
    const other = await world();
    const r = await other.client.post(`/app/households/${other.householdId}`, `/app/aid/${id}/receipt`, {
      method: 'thumbprint',
    });
    expect(r.statusCode).toBe(403);
    expect(await getItem(db, keys.receipt(id))).toBeUndefined();
  });
});

describe('the outcome form', () => {
  it('records an outcome once per form, and lists it on the household’s page', async () => {
    const w = await world();
    const form = await w.client.get(`/app/households/${w.householdId}/outcomes/new`);
    const formKey = /name="formKey" value="([\w-]+)"/.exec(form.body)![1]!;
    const fields = { objective: 'education', date: today(), description: '孩子已复学', formKey };
    const action = `/app/households/${w.householdId}/outcomes`;
    const r = await w.client.post(`${action}/new`, action, fields);
    expect(r.statusCode, r.body.slice(0, 300)).toBe(303);
    // The same form sent again (a double tap, the back button): still one outcome.
    expect((await w.client.post(`${action}/new`, action, fields)).statusCode).toBe(303);
    expect(await stored(w.communityId, w.householdId, 'OUTCOME#')).toHaveLength(1);
    const page = await w.client.get(`/app/households/${w.householdId}`);
    expect(page.body).toMatch(/id="outcomes"[\s\S]*?data-outcome="[^"]+"[\s\S]*?孩子已复学/);
    // Those who may read the household see it too.
    const reader = await PageClient.as(auditor);
    expect((await reader.get(`/app/households/${w.householdId}`)).body).toContain('孩子已复学');
  });

  it('refuses an empty outcome or a date after today, 400 beside the field, and stores nothing', async () => {
    const w = await world();
    const action = `/app/households/${w.householdId}/outcomes`;
    const page = `${action}/new`;
    const empty = await w.client.post(page, action, { objective: 'education', date: today(), description: ' ' });
    expect(empty.statusCode).toBe(400);
    expect(errorOf(empty.body, 'description')).toBe('请填写帮扶成效');
    const future = await w.client.post(page, action, {
      objective: 'education',
      date: tomorrow(),
      description: '找到工作',
    });
    expect(future.statusCode).toBe(400);
    expect(errorOf(future.body, 'date')).toBeTruthy();
    expect(future.body).toContain('找到工作');
    expect(await stored(w.communityId, w.householdId, 'OUTCOME#')).toHaveLength(0);
  });

  it('refuses a cadre not paired with the household (403) and stores nothing', async () => {
    const w = await world();
    const other = await world();
    const r = await other.client.post(
      `/app/households/${other.householdId}/outcomes/new`,
      `/app/households/${w.householdId}/outcomes`,
      {
        objective: 'education',
        date: today(),
        description: '孩子已复学',
      },
    );
    expect(r.statusCode).toBe(403);
    expect(await stored(w.communityId, w.householdId, 'OUTCOME#')).toHaveLength(0);
  });
});

describe('the visit form', () => {
  it('records a visit with a photo uploaded through the page, and shows its thumbnail to the household’s readers only', async () => {
    const w = await world();
    const key = await uploadFromPage(w.client, w.householdId);
    const form = await w.client.get(`/app/households/${w.householdId}/visits/new`);
    const idempotencyKey = /name="idempotencyKey" value="([\w-]+)"/.exec(form.body)![1]!;
    const fields = { idempotencyKey, date: today(), note: '入户走访，孩子已返校', photoKeys: key };
    const r = await w.client.post(
      `/app/households/${w.householdId}/visits/new`,
      `/app/households/${w.householdId}/visits`,
      fields,
    );
    expect(r.statusCode, r.body.slice(0, 300)).toBe(303);
    // The form sent again (a double tap) records nothing more.
    await w.client.post(
      `/app/households/${w.householdId}/visits/new`,
      `/app/households/${w.householdId}/visits`,
      fields,
    );
    const visits = await stored(w.communityId, w.householdId, 'VISIT#');
    expect(visits).toHaveLength(1);
    const visitId = visits[0]!.id as string;
    const page = await w.client.get(`/app/households/${w.householdId}`);
    const src = `/app/households/${w.householdId}/visits/${visitId}/photos/0`;
    expect(page.body).toContain(`<img src="${src}"`);
    expect(page.body).toContain('入户走访，孩子已返校');
    const img = await w.client.get(src);
    expect(img.statusCode).toBe(200);
    expect(Buffer.from(img.body, 'base64').equals(JPEG)).toBe(true);
    expect((await (await PageClient.as(communityCadreUser(w.communityId))).get(src)).statusCode).toBe(200);
    const stranger = await world();
    expect((await stranger.client.get(src)).statusCode).toBe(403);
    expect((await stranger.client.get(`/app/households/${w.householdId}/visits/${visitId}/photos/1`)).statusCode).toBe(
      403,
    );
    expect((await w.client.get(`/app/households/${w.householdId}/visits/${visitId}/photos/1`)).statusCode).toBe(404);
  });

  it('refuses an empty note, 400 beside the field, keeping the uploaded photos, and stores nothing', async () => {
    const w = await world();
    const key = await uploadFromPage(w.client, w.householdId);
    const r = await w.client.post(
      `/app/households/${w.householdId}/visits/new`,
      `/app/households/${w.householdId}/visits`,
      {
        idempotencyKey: randomUUID(),
        date: today(),
        note: '',
        photoKeys: key,
      },
    );
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body, 'note')).toBe('请填写走访情况');
    expect(r.body).toContain(`<input type="hidden" name="photoKeys" value="${key}">`);
    expect(await stored(w.communityId, w.householdId, 'VISIT#')).toHaveLength(0);
  });

  it('refuses a photo another person uploaded, 400 beside the photos, and stores nothing', async () => {
    const w = await world();
    const other = await world();
    const foreign = await uploadFromPage(other.client, other.householdId);
    const r = await w.client.post(
      `/app/households/${w.householdId}/visits/new`,
      `/app/households/${w.householdId}/visits`,
      {
        idempotencyKey: randomUUID(),
        date: today(),
        note: '入户走访',
        photoKeys: foreign,
      },
    );
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body, 'photoKeys')).toContain('不是您本人上传');
    expect(await stored(w.communityId, w.householdId, 'VISIT#')).toHaveLength(0);
  });

  it('refuses a cadre not paired with the household, the visit and the upload URL (403), and stores nothing', async () => {
    const w = await world();
    const other = await world();
    const r = await other.client.post(
      `/app/households/${other.householdId}/visits/new`,
      `/app/households/${w.householdId}/visits`,
      {
        idempotencyKey: randomUUID(),
        date: today(),
        note: '入户走访',
      },
    );
    expect(r.statusCode).toBe(403);
    const upload = await other.client.post(
      `/app/households/${other.householdId}/visits/new`,
      `/app/households/${w.householdId}/uploads`,
      {
        contentType: 'image/jpeg',
        bytes: '1000',
      },
    );
    expect(upload.statusCode).toBe(403);
    expect(JSON.parse(upload.body)).toMatchObject({ code: 'household.not_yours' });
    expect(await stored(w.communityId, w.householdId, 'VISIT#')).toHaveLength(0);
  });

  it('gives no upload URL for a file that is not a photo or too large (400 JSON)', async () => {
    const w = await world();
    const page = `/app/households/${w.householdId}/visits/new`;
    const action = `/app/households/${w.householdId}/uploads`;
    for (const fields of [
      { contentType: 'application/pdf', bytes: '1000' },
      { contentType: 'image/jpeg', bytes: String(6 * 1024 * 1024) },
    ]) {
      const r = await w.client.post(page, action, fields);
      expect(r.statusCode).toBe(400);
      expect(JSON.parse(r.body).issues.length).toBeGreaterThan(0);
    }
  });
});

describe('the aid form’s photos', () => {
  it('stores an entry with its photo and shows the photo with the entry', async () => {
    const w = await world();
    const key = await uploadFromPage(w.client, w.householdId);
    const r = await w.client.post(`/app/households/${w.householdId}/aid/new`, `/app/households/${w.householdId}/aid`, {
      idempotencyKey: randomUUID(),
      kind: 'cash',
      objective: 'livelihood',
      date: today(),
      amountYuan: '200',
      description: '慰问金',
      photoKeys: key,
    });
    expect(r.statusCode, r.body.slice(0, 300)).toBe(303);
    const page = await w.client.get(`/app/households/${w.householdId}`);
    const src = /<img src="(\/app\/aid\/[\w-]+\/photos\/0)"/.exec(page.body)?.[1];
    expect(src).toBeDefined();
    const img = await w.client.get(src!);
    expect(Buffer.from(img.body, 'base64').equals(JPEG)).toBe(true);
  });

  it('refuses a photo another person uploaded, 400 beside the photos, keeping what was typed, and stores nothing', async () => {
    const w = await world();
    const other = await world();
    const foreign = await uploadFromPage(other.client, other.householdId);
    const r = await w.client.post(`/app/households/${w.householdId}/aid/new`, `/app/households/${w.householdId}/aid`, {
      idempotencyKey: randomUUID(),
      kind: 'cash',
      objective: 'livelihood',
      date: today(),
      amountYuan: '200',
      description: '慰问金',
      photoKeys: foreign,
    });
    expect(r.statusCode).toBe(400);
    expect(errorOf(r.body, 'photoKeys')).toContain('不是您本人上传');
    expect(r.body).toContain('慰问金');
    const entries = await queryAll(db, {
      index: 'byCommunityYear',
      partition: partition(w.communityId),
      prefix: `${keys.householdInCommunityYear(w.householdId)}AID#`,
    });
    expect(entries).toHaveLength(0);
  });
});
