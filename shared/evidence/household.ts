import type { Receipt } from '../aid/receipt.ts';
import { type Db, queryAll, queryPages } from '../db.ts';
import type { Outcome } from '../outcome/index.ts';
import { keys } from '../table.ts';
import type { Visit } from '../visit/index.ts';

/*
 * The trace a household-year leaves beside its money (工作留痕): receipts of its entries, outcomes, visits. Read
 * from the community-year index, where each sits after its household's prefix, for the household's page (one
 * household: three prefix queries at once) and for a verification packet (a community: one pass of its partition,
 * never a read per household).
 */

/** A household-year's receipts (by entry id), outcomes and visits, each in date order. */
export interface HouseholdEvidence {
  receipts: Map<string, Receipt>;
  outcomes: Outcome[];
  visits: Visit[];
}

const strip = <T>(item: Record<string, unknown>): T => {
  const { pk: _p, sk: _s, gsi1pk: _g, gsi1sk: _gs, entity: _e, requestHash: _h, ...rest } = item;
  return rest as T;
};

/**
 * Reads a household-year's evidence. No access check of its own: the caller has already read the household-year
 * through `householdYearSummary` (which checks it) and passes the community that read found.
 */
export async function householdEvidence(
  db: Db,
  householdId: string,
  communityId: string,
  year: number,
): Promise<HouseholdEvidence> {
  const partition = keys.communityYear(communityId, year).gsi1pk;
  const prefix = keys.householdInCommunityYear(householdId);
  const [receipts, outcomes, visits] = await Promise.all(
    ['RECEIPT#', 'OUTCOME#', 'VISIT#'].map((kind) =>
      queryAll(db, { index: 'byCommunityYear', partition, prefix: `${prefix}${kind}` }),
    ),
  );
  return {
    receipts: new Map(receipts!.map((r) => [r.recordId as string, strip<Receipt>(r)])),
    outcomes: outcomes!.map((o) => strip<Outcome>(o)),
    visits: visits!.map((v) => strip<Visit>(v)),
  };
}

/** What a packet shows of one household's evidence: each entry's receipt, or its absence, and the outcomes. */
export interface PacketEvidence {
  /** Entries that need the household's receipt (not a reversal, not reversed), with how it was given, if it was. */
  entries: { id: string; date: string; kind: string; amountFen: number; receipt?: Receipt['method'] }[];
  outcomes: Pick<Outcome, 'id' | 'date' | 'objective' | 'description'>[];
}

/**
 * Receipts and outcomes of every household of a community-year, by household: one pass over the community-year's
 * partition (projected to the few attributes shown), so a packet of 200 households costs one query, not 200.
 */
export async function communityYearEvidence(
  db: Db,
  communityId: string,
  year: number,
): Promise<Map<string, PacketEvidence>> {
  const entries = new Map<string, PacketEvidence['entries'][number] & { householdId: string }>();
  const reversed = new Set<string>();
  const receipts = new Map<string, Receipt['method']>();
  const out = new Map<string, PacketEvidence>();
  const of = (hid: string) => {
    const e = out.get(hid) ?? { entries: [], outcomes: [] };
    out.set(hid, e);
    return e;
  };
  for await (const page of queryPages(db, {
    index: 'byCommunityYear',
    partition: keys.communityYear(communityId, year).gsi1pk,
    prefix: 'HOUSEHOLD#',
    attributes: [
      'entity',
      'householdId',
      'id',
      'recordId',
      'date',
      'kind',
      'amountFen',
      'reverses',
      'method',
      'objective',
      'description',
    ],
  })) {
    for (const i of page) {
      if (i.entity === 'aid') {
        if (i.reverses) reversed.add(i.reverses as string);
        else {
          entries.set(i.id as string, {
            householdId: i.householdId as string,
            id: i.id as string,
            date: i.date as string,
            kind: i.kind as string,
            amountFen: i.amountFen as number,
          });
        }
      } else if (i.entity === 'receipt') receipts.set(i.recordId as string, i.method as Receipt['method']);
      else if (i.entity === 'outcome') {
        of(i.householdId as string).outcomes.push({
          id: i.id as string,
          date: i.date as string,
          objective: i.objective as Outcome['objective'],
          description: i.description as string,
        });
      }
    }
  }
  for (const { householdId, ...e } of entries.values()) {
    if (reversed.has(e.id)) continue;
    const method = receipts.get(e.id);
    of(householdId).entries.push(method ? { ...e, receipt: method } : e);
  }
  return out;
}
