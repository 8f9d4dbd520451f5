import { type AidRecord, itemValueFen } from '../aid/rules.ts';
import { type Db, queryAll, queryPages } from '../db.ts';
import type { Pairing } from '../pairing/index.ts';
import { keys } from '../table.ts';
import type { FundEntry, HouseholdSnapshot, ManualEntry } from './checks.ts';

// The community-year read: one index partition, grouped by household, as the snapshot and the checks see it.

/** Reads one community-year from the ledger into per-household snapshots. */
export async function readCommunityYear(db: Db, communityId: string, year: number): Promise<HouseholdSnapshot[]> {
  const byHousehold = new Map<string, HouseholdSnapshot>();
  const manual = new Map<string, ManualEntry[]>();
  const funds = new Map<string, FundEntry[]>();
  const receipts = new Set<string>();
  const push = <T>(m: Map<string, T[]>, k: string, v: T) => {
    const list = m.get(k);
    if (list) list.push(v);
    else m.set(k, [v]);
  };
  for await (const page of queryPages(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: 'HOUSEHOLD#',
  })) {
    for (const item of page) {
      const hid = item.householdId as string;
      if (item.entity === 'pairing') {
        const p = item as unknown as Pairing;
        byHousehold.set(hid, {
          householdId: hid,
          headName: p.headName,
          memberCount: p.memberCount,
          cadreId: p.cadreId,
          unitId: p.unitId,
          manual: [],
          funds: [],
        });
      } else if (item.entity === 'aid') {
        const r = item as unknown as AidRecord;
        push(manual, hid, {
          id: r.id,
          date: r.date,
          kind: r.kind,
          objective: r.objective,
          amountFen: r.amountFen,
          reverses: r.reverses,
          // The one value rule (2.5 斤 × ¥3.33 = ¥8.33); an item it cannot value makes the sum NaN, a discrepancy.
          itemsTotalFen: r.items ? r.items.reduce((t, i) => t + (itemValueFen(i) ?? Number.NaN), 0) : undefined,
          receipt: false,
        });
      } else if (item.entity === 'fund') {
        push(funds, hid, {
          reference: item.reference as string,
          date: item.date as string,
          objective: item.objective as FundEntry['objective'],
          amountFen: item.amountFen as number,
        });
      } else if (item.entity === 'receipt') receipts.add(item.recordId as string);
    }
  }
  for (const [hid, h] of byHousehold) {
    h.manual = (manual.get(hid) ?? []).map((e) => ({ ...e, receipt: receipts.has(e.id) }));
    h.funds = funds.get(hid) ?? [];
  }
  return [...byHousehold.values()];
}

/** The pairings of a community-year: household ids and the marks of the rounds that hold them. */
export async function pairingsOfCommunityYear(db: Db, communityId: string, year: number) {
  const items = await queryAll(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: 'HOUSEHOLD#',
    attributes: ['entity', 'householdId', 'frozenBy', 'lockedBy'],
  });
  return items.filter((i) => i.entity === 'pairing') as { householdId: string; frozenBy?: string; lockedBy?: string }[];
}
