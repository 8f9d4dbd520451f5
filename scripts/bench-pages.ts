/**
 * `npm run bench:pages`: server-side latency of the pages for one community of 200 households (two signed-for entries, an outcome and a visit
 * each; the cadre's field pages measured while the year is open, the packet during its round), over HTTP on the
 * local stack (`npm start`'s code path), beside `GET /health` in the same run as the bare baseline.
 */
import { randomUUID } from 'node:crypto';
import { checkCharacter } from '#shared/household/resident-id.ts';
import { devToken, startServer } from '../test/support/local-server.ts';

const HOUSEHOLDS = 200;
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const server = await startServer({ DEMO_DATA: 'off', OBJECTION_WINDOW: 'PT1H', POWERTOOLS_LOG_LEVEL: 'SILENT' });
const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear();
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
/** Each page fetched RUNS times after 5 warm-ups over HTTP, signed in by cookie: its median and p95. */
async function measure(pages: [string, string, string | undefined][]) {
  const rows = [];
  for (const [name, path, c] of pages) {
    const times: number[] = [];
    for (let i = 0; i < RUNS + 5; i++) {
      const t = performance.now();
      const res = await fetch(server.url + path, { headers: c ? { cookie: c } : {}, redirect: 'manual' });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`${name}: ${res.status}`);
      if (i >= 5) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    rows.push({ name, median: times[Math.floor(times.length / 2)]!, p95: times[Math.floor(times.length * 0.95)]! });
  }
  return rows;
}

try {
  const admin = await devToken(server, { sub: 'bench-admin', groups: ['admin'] });
  const ok = async (p: Promise<{ status: number; json: any; text: string }>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`${r.status} ${r.text}`);
    return r.json;
  };
  const communityId = (await ok(server.fetch('/communities', { token: admin, body: { name: '基准社区' } }))).id;
  const unitId = (await ok(server.fetch('/units', { token: admin, body: { name: '基准单位' } }))).id;
  // Twenty cadres with ten households each: a cadre's page shows their ten, the community pages all 200.
  const cadres: string[] = [];
  for (let c = 0; c < 20; c++)
    cadres.push((await ok(server.fetch('/cadres', { token: admin, body: { name: `干部${c}`, unitId } }))).id);
  const fund = [];
  const householdIds: string[] = [];
  let firstEntry = '';
  for (let i = 0; i < HOUSEHOLDS; i++) {
    const first17 = `3209021980${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${String(i).padStart(3, '0')}`;
    const id = (
      await ok(
        server.fetch('/households', {
          token: admin,
          body: { headName: `户主${i}`, idNumber: first17 + checkCharacter(first17), communityId, memberCount: 3 },
        }),
      )
    ).id;
    householdIds.push(id);
    const cadreId = cadres[i % cadres.length]!;
    await ok(server.fetch('/pairings', { token: admin, body: { cadreId, householdId: id, year } }));
    const cadre = await devToken(server, { sub: cadreId, groups: ['cadre'], cadreId });
    for (const amountFen of [60_000, 30_000]) {
      const entry = await ok(
        server.fetch('/aid-records', {
          token: cadre,
          body: { householdId: id, date: today, kind: 'cash', objective: 'livelihood', amountFen, description: '基准' },
          headers: { 'idempotency-key': randomUUID() },
        }),
      );
      firstEntry ||= entry.id;
      // Each entry signed for (a thumbprint, no image), as a household page and a packet will mostly be.
      await ok(server.fetch(`/aid-records/${entry.id}/receipt`, { token: cadre, body: { method: 'thumbprint' } }));
      fund.push({ reference: randomUUID(), householdId: id, date: today, objective: 'livelihood', amountFen });
    }
    // An outcome and a visit per household (工作留痕): the household page and the packet list them.
    await ok(
      server.fetch(`/households/${id}/outcomes`, {
        token: cadre,
        body: { objective: 'education', date: today, description: '孩子已返校' },
      }),
    );
    await ok(
      server.fetch(`/households/${id}/visits`, {
        token: cadre,
        body: { date: today, note: '入户走访' },
        headers: { 'idempotency-key': randomUUID() },
      }),
    );
  }
  await ok(server.fetch('/fund-ledger', { token: admin, body: { entries: fund } }));

  const cookie = async (user: Record<string, unknown>) => `la_token=${await devToken(server, user)}`;
  const cadreCookie = await cookie({ sub: cadres[0], groups: ['cadre'], cadreId: cadres[0] });
  const ccCookie = await cookie({ sub: 'cc', groups: ['communityCadre'], communityId });
  const auditorCookie = await cookie({ sub: 'auditor', groups: ['auditor'] });
  // The cadre's field pages while the year is open (a round freezes it, and the forms give way to a notice).
  const rows = await measure([
    ['GET /health (baseline)', '/health', undefined],
    ['cadre home (10 households)', '/app/', cadreCookie],
    ['household page (entries as cards, receipts, outcome, visit)', `/app/households/${householdIds[0]}`, cadreCookie],
    ['aid form', `/app/households/${householdIds[0]}/aid/new`, cadreCookie],
    ['correction page', `/app/aid/${firstEntry}/correction`, cadreCookie],
    ['receipt page (signed)', `/app/aid/${firstEntry}/receipt`, cadreCookie],
    ['outcome form', `/app/households/${householdIds[0]}/outcomes/new`, cadreCookie],
    ['visit form', `/app/households/${householdIds[0]}/visits/new`, cadreCookie],
  ]);
  const v = await ok(server.fetch('/verifications', { token: admin, body: { communityId, year } }));
  while ((await server.fetch(`/verifications/${v.id}`, { token: admin })).json.status !== 'awaiting_confirmation') {
    await new Promise((r) => setTimeout(r, 100));
  }

  rows.push(
    ...(await measure([
      ['verification packet (200 households, receipts and outcomes)', `/app/verifications/${v.id}`, ccCookie],
      [
        'floor report, one community (200 rows)',
        `/app/reports/floor?year=${year}&communityId=${communityId}`,
        auditorCookie,
      ],
      ['public notice board', '/public/notices', undefined],
    ])),
  );
  const base = rows[0]!.median;
  console.log(`| page | median ms | p95 ms | median ÷ health |\n|---|---|---|---|`);
  for (const r of rows)
    console.log(`| ${r.name} | ${r.median.toFixed(1)} | ${r.p95.toFixed(1)} | ${(r.median / base).toFixed(1)}× |`);
} finally {
  await server.stop();
}
