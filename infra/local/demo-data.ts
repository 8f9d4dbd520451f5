import { recordAid } from '#shared/aid/ledger.ts';
import type { Objective } from '#shared/aid/rules.ts';
import type { FieldCipher } from '#shared/crypto/index.ts';
import { shanghaiDate } from '#shared/dates.ts';
import type { Db } from '#shared/db.ts';
import { checkCharacter, registerHousehold } from '#shared/household/index.ts';
import { createPairing } from '#shared/pairing/index.ts';
import { createCadre, createCommunity, createUnit } from '#shared/registry/index.ts';
import type { DevTokenRequest } from './tokens.ts';

/**
 * Demo data for a new local data directory: two communities, three units, three cadres, six households, their
 * pairings this year and some aid, so a newcomer sees a floor report with households above and below ¥1,000.
 * Fixed ids, so the demo users below (listed in the README) work on every fresh start.
 */

/** The demo users, by name, as `POST /auth/dev-token` bodies. */
export const DEMO_USERS = {
  admin: { sub: 'demo-admin', groups: ['admin'] },
  cadreWang: { sub: 'demo-cadre-wang', groups: ['cadre'], cadreId: 'demo-cadre-wang', unitId: 'demo-unit-finance' },
  cadreLi: { sub: 'demo-cadre-li', groups: ['cadre'], cadreId: 'demo-cadre-li', unitId: 'demo-unit-education' },
  communityCadre: { sub: 'demo-cc-xingfu', groups: ['communityCadre'], communityId: 'demo-community-xingfu' },
  auditor: { sub: 'demo-auditor', groups: ['auditor'] },
} satisfies Record<string, DevTokenRequest>;

/** A resident ID in the source city's region (Yancheng, 320902) with a valid check character. */
function demoIdNumber(birth: string, seq: number): string {
  const first17 = `320902${birth}${String(seq).padStart(3, '0')}`;
  return first17 + checkCharacter(first17);
}

export async function loadDemoData(
  db: Db,
  secrets: { idHashKey: Uint8Array; cipher: FieldCipher },
  now: Date,
): Promise<void> {
  const today = shanghaiDate(now);
  const year = Number(today.slice(0, 4));
  // Dates spread through the year but never after today, so the demo loads on 1 January too.
  const day = (month: number) => {
    const d = `${year}-${String(month).padStart(2, '0')}-15`;
    return d < today ? d : today;
  };

  await createCommunity(db, { name: '幸福社区' }, now, 'demo-community-xingfu');
  await createCommunity(db, { name: '和平村' }, now, 'demo-community-heping');
  await createUnit(db, { name: '市财政局' }, now, 'demo-unit-finance');
  await createUnit(db, { name: '市教育局' }, now, 'demo-unit-education');
  await createUnit(db, { name: '市卫健委' }, now, 'demo-unit-health');
  await createCadre(db, { name: '王建国', unitId: 'demo-unit-finance' }, now, 'demo-cadre-wang');
  await createCadre(db, { name: '李秀英', unitId: 'demo-unit-education' }, now, 'demo-cadre-li');
  await createCadre(db, { name: '张伟', unitId: 'demo-unit-health' }, now, 'demo-cadre-zhang');

  const households = [
    { headName: '陈桂兰', birth: '19560312', community: 'demo-community-xingfu', members: 2, cadre: 'demo-cadre-wang' },
    { headName: '欧阳明', birth: '19700824', community: 'demo-community-xingfu', members: 4, cadre: 'demo-cadre-wang' },
    { headName: '刘春梅', birth: '19821105', community: 'demo-community-xingfu', members: 3, cadre: 'demo-cadre-li' },
    { headName: '赵大勇', birth: '19650101', community: 'demo-community-heping', members: 5, cadre: 'demo-cadre-li' },
    {
      headName: '孙秀珍',
      birth: '19480630',
      community: 'demo-community-heping',
      members: 1,
      cadre: 'demo-cadre-zhang',
    },
    {
      headName: '周小红',
      birth: '19900218',
      community: 'demo-community-heping',
      members: 3,
      cadre: 'demo-cadre-zhang',
    },
  ];
  const ids: string[] = [];
  for (const [i, h] of households.entries()) {
    const view = await registerHousehold(
      { db, now, ...secrets },
      {
        headName: h.headName,
        idNumber: demoIdNumber(h.birth, 101 + i),
        communityId: h.community,
        memberCount: h.members,
      },
    );
    ids.push(view.id);
    await createPairing(db, { cadreId: h.cadre, householdId: view.id, year }, now);
  }

  const aid: [number, string, Objective, number, string, number?][] = [
    [0, 'demo-cadre-wang', 'livelihood', 60_000, '春节慰问金', 2],
    [0, 'demo-cadre-wang', 'medical', 50_000, '住院自付部分补助', 6],
    [1, 'demo-cadre-wang', 'education', 30_000, '孩子高中学杂费', 9],
    [2, 'demo-cadre-li', 'livelihood', 100_000, '全年生活补助', 3],
    [3, 'demo-cadre-li', 'housing', 45_000, '屋顶修缮材料费', 7],
  ];
  for (const [n, [h, cadreId, objective, amountFen, description, month]] of aid.entries()) {
    await recordAid(
      db,
      { sub: cadreId, roles: new Set(['cadre']), cadreId },
      `demo-aid-${n}`,
      { householdId: ids[h]!, date: day(month ?? 1), kind: 'cash', objective, amountFen, description },
      now,
    );
  }
  // One in-kind entry, valued item by item.
  await recordAid(
    db,
    { sub: 'demo-cadre-zhang', roles: new Set(['cadre']), cadreId: 'demo-cadre-zhang' },
    'demo-aid-in-kind',
    {
      householdId: ids[4]!,
      date: day(1),
      kind: 'in_kind',
      objective: 'livelihood',
      amountFen: 2 * 15_000 + 10 * 600,
      description: '冬季慰问物资',
      items: [
        { name: '棉被', quantity: 2, unitValueFen: 15_000 },
        { name: '大米（5 公斤装）', quantity: 10, unitValueFen: 600 },
      ],
    },
    now,
  );
}
