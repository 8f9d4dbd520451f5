import { beforeAll, describe, expect, it } from 'vitest';
import { handler as fileObjection } from '#functions/file-objection.ts';
import { handler as listObjections } from '#functions/list-objections.ts';
import { handler as objectionStatus } from '#functions/objection-status.ts';
import { handler as resolveObjection } from '#functions/resolve-objection.ts';
import { admin } from '../support/factories.ts';
import { invoke } from '../support/invoke.ts';
import { confirmedRound, useRecordingWorkflow } from '../support/rounds.ts';
import { thisYear } from '../support/scenario.ts';
import { pairedWorld } from '../support/world.ts';

/**
 * Objections as the admin's workspace and the public see them: every accepted objection gets a reference code
 * the person can read aloud and look up; the admin lists them (open or resolved, a page at a time) with their
 * text, notice and entry, and resolves them.
 */

const REFERENCE = /^[34679ACDEFGHJKMNPQRTWXY]{3}-[34679ACDEFGHJKMNPQRTWXY]{3}-[34679ACDEFGHJKMNPQRTWXY]{3}$/;
let n = 0;

const file = (noticeId: string, entryId: string, text: string) =>
  invoke(fileObjection, 'POST /notices/{id}/objections', {
    params: { id: noticeId },
    body: { entryId, text },
    sourceIp: `198.51.100.${++n % 250}`,
  });
const status = (reference: string) => invoke(objectionStatus, 'GET /objections/status', { query: { reference } });
const list = (query: Record<string, string> = {}) => invoke(listObjections, 'GET /objections', { as: admin, query });

let round: Awaited<ReturnType<typeof confirmedRound>>;
beforeAll(async () => {
  useRecordingWorkflow();
  const w = await pairedWorld(thisYear(), 2);
  round = await confirmedRound(w.communityId, thisYear());
});

describe('an objection’s reference', () => {
  it('is on the 201 answer, reads aloud (9 unambiguous characters), and finds the objection’s status', async () => {
    const filed = await file(round.noticeId, round.entryId, '该户已有稳定收入');
    expect(filed.status).toBe(201);
    expect(filed.json).toStrictEqual({
      id: expect.any(String),
      reference: expect.stringMatching(REFERENCE),
      status: 'pending',
    });
    const reference = filed.json.reference as string;

    const open = await status(reference);
    expect(open.json).toStrictEqual({ reference, status: 'open', filedAt: expect.any(String) });
    // Typed as heard: lower case, without the dashes.
    expect((await status(reference.toLowerCase().replace(/-/g, ''))).json.reference).toBe(reference);

    const resolved = await invoke(resolveObjection, 'POST /objections/{id}/resolution', {
      as: admin,
      params: { id: filed.json.id },
      body: { upheld: false, note: '经核实收入无误' },
    });
    expect(resolved.status).toBe(200);
    expect((await status(reference)).json.status).toBe('dismissed');
  });

  it('answers 404 for a reference no objection has, and 400 for one that cannot be a reference', async () => {
    const unknown = await status('KKK-KKK-KKK');
    expect([unknown.status, unknown.json.error.code]).toStrictEqual([404, 'objection.not_found']);
    const malformed = await status('not-a-ref');
    expect([malformed.status, malformed.json.error.code]).toStrictEqual([400, 'request.invalid']);
  });
});

describe('the admin’s list of objections', () => {
  it('lists open and resolved objections with text, notice, entry and reference, a page at a time', async () => {
    const a = await file(round.noticeId, round.entryId, '第一条异议');
    const b = await file(round.noticeId, round.entryId, '第二条异议');
    await invoke(resolveObjection, 'POST /objections/{id}/resolution', {
      as: admin,
      params: { id: b.json.id },
      body: { upheld: true, note: '情况属实' },
    });

    const open = (await list({ status: 'open' })).json.items;
    expect(open.map((o: { id: string }) => o.id)).toContain(a.json.id);
    expect(open.map((o: { id: string }) => o.id)).not.toContain(b.json.id);
    const first = open.find((o: { id: string }) => o.id === a.json.id);
    expect(first).toStrictEqual({
      id: a.json.id,
      reference: a.json.reference,
      noticeId: round.noticeId,
      entryId: round.entryId,
      text: '第一条异议',
      filedAt: expect.any(String),
      status: 'open',
    });
    const resolved = (await list({ status: 'resolved' })).json.items;
    expect(resolved.find((o: { id: string }) => o.id === b.json.id)).toMatchObject({
      status: 'upheld',
      resolution: { upheld: true, note: '情况属实', resolvedBy: 'test-admin' },
    });

    // Page by page with limit=1: every objection once, in filing order, then no cursor.
    const everything = await list({ limit: '200' });
    expect(everything.status, everything.text).toBe(200);
    const all = everything.json.items.map((o: { id: string }) => o.id);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await list({ limit: '1', ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      paged.push(...page.json.items.map((o: { id: string }) => o.id));
      cursor = page.json.nextCursor ?? undefined;
    } while (cursor);
    expect(paged).toStrictEqual(all);
    expect(all.length).toBeGreaterThanOrEqual(3);
  });

  it('refuses a cursor it did not make with 400', async () => {
    for (const cursor of ['%%%', Buffer.from('{"pk":"AID#x","sk":"AID"}').toString('base64url')]) {
      const r = await list({ cursor });
      expect([r.status, r.json.error.code]).toStrictEqual([400, 'request.invalid']);
    }
  });
});
