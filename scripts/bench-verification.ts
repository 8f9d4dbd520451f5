/**
 * `npm run bench:verification`: one community of 200 households through the whole local pipeline (snapshot,
 * checks, confirmation, notice, a one-second objection window, final), on on-disk dynalite with the real ASL
 * file and handlers. Reports the time of each phase, the state transitions (the AWS cost driver) in total and
 * per household, and, in the same run, the bare time to Query the same community-year items.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';

import { startBenchTable } from './bench-table.ts';

const HOUSEHOLDS = Number(process.env.BENCH_HOUSEHOLDS ?? 200);
const BATCH_SIZES = [50, 1];
const bench = await startBenchTable('bench-verify');
const dir = bench.dir;

const { db, idHashKey } = await import('#functions/lib/clients.ts');
const { registerLocalWorkflow } = await import('#functions/lib/workflow.ts');
const { LocalWorkflow } = await import('#infra/local/workflow.ts');
const { createCommunity, createUnit, createCadre } = await import('#shared/registry/index.ts');
const { registerHousehold, checkCharacter } = await import('#shared/household/index.ts');
const { envelopeCipher, localDataKeySource } = await import('#shared/crypto/index.ts');
const cipher = envelopeCipher(localDataKeySource(randomBytes(32)));
const { createPairing } = await import('#shared/pairing/index.ts');
const { recordAid } = await import('#shared/aid/ledger.ts');
const { recordReceipt } = await import('#shared/aid/receipt.ts');
const { importFundLedger } = await import('#shared/fund/index.ts');
const { startVerification, getVerification, decide } = await import('#shared/verification/index.ts');
const { queryAll } = await import('#shared/db.ts');
const { keys } = await import('#shared/table.ts');
const { shanghaiDate } = await import('#shared/dates.ts');

const now = new Date();
const today = shanghaiDate(now);
const year = Number(today.slice(0, 4));
const workflow = new LocalWorkflow(db);
const { LocalObjectStore } = await import('#infra/local/objects.ts');
const objects = new LocalObjectStore(join(dir, 'objects'), randomBytes(32));
registerLocalWorkflow(workflow);
const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

/** A community of HOUSEHOLDS households, each with two cash entries matched by the fund ledger and one receipted in-kind entry. */
async function seedCommunity(tag: string): Promise<string> {
  const community = await createCommunity(db, { name: `基准社区${tag}` }, now);
  const unit = await createUnit(db, { name: `基准单位${tag}` }, now);
  const cadre = await createCadre(db, { name: '基准干部', unitId: unit.id }, now);
  const caller = { sub: 'bench', roles: new Set(['cadre'] as const), cadreId: cadre.id };
  const fund = [];
  for (let i = 0; i < HOUSEHOLDS; i++) {
    const first17 = `3209021980${String(1 + (i % 12)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}${tag}${String(i).padStart(2, '0').slice(-2)}`;
    const h = await registerHousehold(
      { db, now, idHashKey: await idHashKey(), cipher },
      { headName: `户主${i}`, idNumber: first17 + checkCharacter(first17), communityId: community.id, memberCount: 3 },
    );
    await createPairing(db, { cadreId: cadre.id, householdId: h.id, year }, now);
    for (const [n, amountFen] of [60_000, 30_000].entries()) {
      await recordAid(
        db,
        caller,
        `${h.id}-${n}`,
        { householdId: h.id, date: today, kind: 'cash', objective: 'livelihood', amountFen, description: '现金' },
        now,
      );
      fund.push({
        reference: `${h.id}-${n}`,
        householdId: h.id,
        date: today,
        objective: 'livelihood' as const,
        amountFen,
      });
    }
    const gift = await recordAid(
      db,
      caller,
      `${h.id}-k`,
      {
        householdId: h.id,
        date: today,
        kind: 'in_kind',
        objective: 'livelihood',
        amountFen: 10_000,
        description: '实物',
        items: [{ name: '米', quantity: 10, unitValueFen: 1_000 }],
      },
      now,
    );
    await recordReceipt({ db, objects }, caller, gift.record.id, { method: 'signature' }, now);
  }
  await importFundLedger(db, { entries: fund }, now);
  return community.id;
}

async function until(id: string, status: string) {
  for (;;) {
    const v = await getVerification(db, id);
    if (v.status === status) return;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const rows = [];
for (const [n, batchSize] of BATCH_SIZES.entries()) {
  // The ID sequence digit keeps the two communities' resident IDs apart.
  const communityId = await seedCommunity(String(n));
  const bareStart = performance.now();
  const items = await queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
  });
  const bareMs = performance.now() - bareStart;

  const config = {
    confirmationTimeoutSeconds: 3600,
    maxReminders: 3,
    objectionWindowSeconds: 1,
    recheckSeconds: 1,
    batchSize,
    // The freeze's settle wait is a fixed pause, not work: kept at the minimum so it does not hide the steps.
    settleSeconds: 1,
  };
  const admin = { sub: 'admin', roles: new Set(['admin'] as const) };
  const t0 = performance.now();
  const { verification } = await startVerification({ db, workflow, now: new Date(), config }, admin, {
    communityId,
    year,
  });
  await until(verification.id, 'awaiting_confirmation');
  const t1 = performance.now();
  const cc = { sub: 'cc', roles: new Set(['communityCadre'] as const), communityId };
  await decide({ db, workflow, objects, now: new Date() }, cc, verification.id, {
    decision: 'confirm',
    signaturePng: png,
    sealId: 'S',
    digest: (await getVerification(db, verification.id)).digest!,
  });
  await until(verification.id, 'objection_window');
  const t2 = performance.now();
  await until(verification.id, 'final');
  const t3 = performance.now();
  const execution = await workflow.settled(verification.id);
  const v = await getVerification(db, verification.id);
  if (v.discrepancyCount !== 0) throw new Error(`expected a clean community, got ${v.discrepancyCount} discrepancies`);
  // The objection window and the freeze's settle wait are pauses, not work: both are left out of the times. The
  // window is what the notice announced (its close is rounded up to a whole second), measured on this clock.
  const noticeAt = await getVerification(db, verification.id);
  const notice = (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.notice(noticeAt.noticeId!) })))
    .Item as { opensAt: string; closesAt: string };
  const windowMs = Date.parse(notice.closesAt) - Date.parse(notice.opensAt);
  const settleMs = config.settleSeconds * 1000;
  rows.push({
    batchSize,
    households: HOUSEHOLDS,
    itemsRead: items.length,
    bareQueryMs: Math.round(bareMs),
    snapshotAndChecksMs: Math.round(t1 - t0 - settleMs),
    confirmAndNoticeMs: Math.round(t2 - t1),
    finalizeMs: Math.round(t3 - t2 - windowMs),
    activeMs: Math.round(t3 - t0 - windowMs - settleMs),
    activeOverBareRead: Number(((t3 - t0 - windowMs - settleMs) / bareMs).toFixed(1)),
    transitions: execution?.states.length ?? 0,
    transitionsPerHousehold: Number(((execution?.states.length ?? 0) / HOUSEHOLDS).toFixed(3)),
  });
}
console.log(JSON.stringify(rows, null, 2));
console.log(
  '\n| batch size | households | items read | bare Query ms | freeze+snapshot+checks ms | confirm+notice ms | finalize ms | active ms | active ÷ bare read | transitions | per household |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(
    `| ${r.batchSize} | ${r.households} | ${r.itemsRead} | ${r.bareQueryMs} | ${r.snapshotAndChecksMs} | ${r.confirmAndNoticeMs} | ${r.finalizeMs} | ${r.activeMs} | ${r.activeOverBareRead}× | ${r.transitions} | ${r.transitionsPerHousehold} |`,
  );
}
await workflow.close();
await bench.close();
