import { createHash } from 'node:crypto';
import { QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { OBJECTIVES } from '#shared/aid/rules.ts';
import { type Db, inParallel, putAll } from '#shared/db.ts';
import { checkCharacter } from '#shared/household/resident-id.ts';
import { REPORT_ATTRIBUTES } from '#shared/reports/community-year.ts';
import { keys, TABLE_DESIGN } from '#shared/table.ts';

/**
 * The source city as the benchmarks load it (`bench:reports`, `bench:exports`): at full size 75,952 households
 * in 400 communities (120–260 each), 60 units and ~19,000 cadres with ~4 aid entries per household, written
 * straight into the table with BatchWrite of items built with the key builders (not through handlers).
 * Deterministic (a seeded generator), so every run loads the same city; `scale` shrinks it (a quarter city:
 * 0.25), keeping the units and the shape of each community.
 */
export interface CityOptions {
  /** 1 = the source city (75,952 households, 400 communities). */
  scale?: number;
}

export interface LoadedCity {
  year: number;
  households: number;
  cadres: number;
  /** Items in the community-year partitions the reports read. */
  partitionItems: number;
  itemsLoaded: number;
  loadSeconds: number;
  units: { id: string; name: string }[];
  communities: { id: string; name: string; size: number }[];
}

export async function loadCity(db: Db, opts: CityOptions = {}): Promise<LoadedCity> {
  const scale = opts.scale ?? 1;
  const HOUSEHOLDS = Math.round(75_952 * scale);
  const COMMUNITIES = Math.round(400 * scale);
  const UNITS = 60;
  const HOUSEHOLDS_PER_CADRE = 4;
  let seed = 0x2f6b_1a3d;
  /** mulberry32: a small seeded generator, so every run loads the same city. */
  function random(): number {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const uuid = () => {
    const h = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20)}`;
  };
  const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '欧阳'];
  const GIVEN = ['建国', '秀英', '桂兰', '志强', '玉兰', '海燕', '明', '伟', '芳', '军', '丽', '强', '敏', '静', '磊'];
  const name = () => pick(SURNAMES) + pick(GIVEN);

  const year = new Date(Date.now() + 8 * 3600_000).getUTCFullYear() - 1;
  const at = new Date().toISOString();
  const units = Array.from({ length: UNITS }, (_, i) => ({ id: uuid(), name: `第${i + 1}帮扶单位` }));
  // Community sizes vary (120–260) and add up to exactly 75,952.
  const sizes = Array.from({ length: COMMUNITIES }, () => int(120, 260));
  let excess = sizes.reduce((a, b) => a + b, 0) - HOUSEHOLDS;
  for (let i = 0; excess !== 0; i = (i + 1) % COMMUNITIES) {
    const step = Math.sign(excess);
    if (sizes[i]! - step >= 100 && sizes[i]! - step <= 280) {
      sizes[i]! -= step;
      excess -= step;
    }
  }
  const communities = sizes.map((size, i) => ({ id: uuid(), name: `第${i + 1}社区`, size }));

  let itemsLoaded = 0;
  let partitionItems = 0;
  let households = 0;
  let cadres = 0;
  let idSeq = 0;

  /** Every item of one community: its households and cadres, this year's pairings, entries and outcomes. */
  function communityItems(c: (typeof communities)[number], index: number): Record<string, unknown>[] {
    const items: Record<string, unknown>[] = [
      {
        ...keys.entity('community', c.id),
        ...keys.entityListing('community', c.id),
        entity: 'community',
        id: c.id,
        name: c.name,
        createdAt: at,
      },
    ];
    // 40 % of community-years are final, 10 % confirmed and in their objection window, the rest not yet verified.
    const state = index % 10 < 4 ? 'final' : index % 10 === 4 ? 'objection_window' : undefined;
    const verificationId = `verify-${year}-${c.id}-1`;
    if (state) {
      items.push({
        ...keys.verification(verificationId),
        ...keys.entityListing('verification', verificationId),
        entity: 'verification',
        id: verificationId,
        communityId: c.id,
        year,
        round: 1,
        status: state,
        startedBy: 'bench',
        startedAt: at,
      });
    }
    let cadre: { id: string; unitId: string } | undefined;
    for (let n = 0; n < c.size; n++) {
      if (n % HOUSEHOLDS_PER_CADRE === 0) {
        cadre = { id: uuid(), unitId: pick(units).id };
        items.push({
          ...keys.entity('cadre', cadre.id),
          ...keys.entityListing('cadre', cadre.id, cadre.unitId),
          entity: 'cadre',
          id: cadre.id,
          name: name(),
          unitId: cadre.unitId,
          createdAt: at,
        });
        cadres++;
      }
      const householdId = uuid();
      const headName = name();
      const memberCount = int(1, 6);
      const seq = String(idSeq++ % 1000).padStart(3, '0');
      const first17 = `320902${1950 + (idSeq % 50)}0${1 + (idSeq % 9)}1${idSeq % 10}${seq}`;
      items.push({
        ...keys.entity('household', householdId),
        ...keys.entityListing('household', householdId, c.id),
        entity: 'household',
        id: householdId,
        headName,
        idNumber: first17 + checkCharacter(first17),
        communityId: c.id,
        memberCount,
        createdAt: at,
      });
      const pairing = {
        householdId,
        cadreId: cadre!.id,
        unitId: cadre!.unitId,
        communityId: c.id,
        year,
        headName,
        memberCount,
        pairedAt: at,
        ...(state ? { lockedBy: verificationId } : {}),
      };
      items.push({
        ...keys.pairing(householdId, year),
        ...keys.pairingIndexes(pairing),
        entity: 'pairing',
        ...pairing,
      });
      partitionItems++;
      households++;

      // ~85 % reach the floor; entries split the household's total into 2–6 parts (about 4).
      const target = random() < 0.85 ? int(100_000, 220_000) : int(0, 99_999);
      const parts = int(2, 6);
      let left = target;
      for (let p = 0; p < parts; p++) {
        const amountFen = p === parts - 1 ? left : Math.floor((left * int(20, 60)) / 100);
        left -= amountFen;
        if (amountFen <= 0) continue;
        const id = `a${createHash('sha256').update(`${householdId}/${p}`).digest('base64url').slice(0, 26)}`;
        const date = `${year}-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}`;
        const inKind = random() < 0.3;
        const record = {
          id,
          householdId,
          communityId: c.id,
          unitId: cadre!.unitId,
          cadreId: cadre!.id,
          year,
          date,
          kind: inKind ? 'in_kind' : 'cash',
          objective: pick(OBJECTIVES),
          amountFen,
          description: inKind ? '米面油等生活物资' : '生活补助金',
          ...(inKind ? { items: [{ name: '米面油', quantity: 1, unitValueFen: amountFen }] } : {}),
          recordedBy: `cadre-${cadre!.id}`,
          recordedAt: at,
          requestHash: createHash('sha256').update(id).digest('hex'),
        };
        items.push({ ...keys.aidRecord(id), ...keys.aidRecordIndexes(record), entity: 'aid', ...record });
        partitionItems++;
        // About one entry in forty was a mistake, corrected by a reversal and a new entry.
        if (random() < 0.025) {
          const wrong = { ...record, id: `${id}x`, amountFen: amountFen * 10 };
          const reversal = {
            ...wrong,
            id: `${id}x-r`,
            amountFen: -wrong.amountFen,
            reverses: wrong.id,
            reason: '金额多录一位',
          };
          for (const r of [wrong, reversal]) {
            items.push({ ...keys.aidRecord(r.id), ...keys.aidRecordIndexes(r), entity: 'aid', ...r });
            partitionItems++;
          }
        }
      }
      // A third of households have an outcome; one in ten a job found.
      if (random() < 0.33) {
        const id = `o${uuid()}`;
        const outcome = {
          id,
          householdId,
          communityId: c.id,
          unitId: cadre!.unitId,
          cadreId: cadre!.id,
          year,
          date: `${year}-09-01`,
          objective: random() < 0.3 ? 'employment' : pick(OBJECTIVES),
          description: '帮扶成效',
          recordedBy: `cadre-${cadre!.id}`,
          recordedAt: at,
        };
        items.push({
          ...keys.outcome(householdId, year, id),
          ...keys.outcomeIndexes(outcome),
          entity: 'outcome',
          ...outcome,
        });
        partitionItems++;
      }
    }
    return items;
  }

  const loadStarted = performance.now();
  await putAll(
    db,
    units.map((u) => ({
      ...keys.entity('unit', u.id),
      ...keys.entityListing('unit', u.id),
      entity: 'unit',
      ...u,
      createdAt: at,
    })),
  );
  await inParallel(
    communities.map((c, i) => [c, i] as const),
    4,
    async ([c, i]) => {
      const items = communityItems(c, i);
      await putAll(db, items);
      itemsLoaded += items.length;
    },
  );
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  return {
    year,
    households,
    cadres,
    partitionItems,
    itemsLoaded: itemsLoaded + UNITS,
    loadSeconds,
    units,
    communities,
  };
}

/**
 * The benchmarks' bare baseline: one community-year partition read with plain QueryCommand pages, items counted;
 * whole items, or with the reports' (and the exports' row sources') projection.
 */
export async function bareQuery(db: Db, communityId: string, year: number, projected: boolean): Promise<number> {
  const names = TABLE_DESIGN.indexes.byCommunityYear;
  const input: QueryCommandInput = {
    TableName: db.table,
    IndexName: 'byCommunityYear',
    KeyConditionExpression: '#p = :p AND begins_with(#s, :s)',
    ExpressionAttributeNames: { '#p': names.partitionKey, '#s': names.sortKey },
    ExpressionAttributeValues: { ':p': keys.communityYear(communityId, year).gsi1pk, ':s': 'HOUSEHOLD#' },
  };
  if (projected) {
    input.ProjectionExpression = REPORT_ATTRIBUTES.map((_a, i) => `#a${i}`).join(', ');
    REPORT_ATTRIBUTES.forEach((a, i) => {
      input.ExpressionAttributeNames![`#a${i}`] = a;
    });
  }
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const out = await db.doc.send(new QueryCommand({ ...input, ExclusiveStartKey: start }));
    count += out.Items?.length ?? 0;
    start = out.LastEvaluatedKey;
  } while (start);
  return count;
}
