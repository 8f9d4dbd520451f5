/**
 * The table design: one DynamoDB table, generic key attributes, and indexes named after the access pattern
 * they serve. Repositories build every key through `keys` below, and `infra/table.ts` creates the table from
 * `TABLE_DESIGN`, so code and infrastructure cannot drift apart. docs/ARCHITECTURE.md explains the choices.
 *
 * No transactions: the embedded engine (dynalite) has none. Every write is a single-item put, most of them
 * conditional on the item not existing; the ledger is append-only and totals are derived from it.
 */

/** Key attribute names and index definitions, in the shape CDK and CreateTable both need. */
export const TABLE_DESIGN = {
  partitionKey: 'pk',
  sortKey: 'sk',
  indexes: {
    /** Everything of one community in one year: pairings and aid, sorted by household (floor report, snapshot). */
    byCommunityYear: { partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** A cadre's pairings in one year ("my households"). */
    byCadreYear: { partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    /** Registry listings (all communities, all units, all cadres, all households), and the audit trail by day. */
    byKind: { partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
  },
  /**
   * Epoch seconds after which DynamoDB's TTL may delete an item. Only short-lived items carry it (rate-limit
   * counters); the ledger never does. dynalite ignores TTL, so locally such items stay until the data is wiped.
   */
  timeToLiveAttribute: 'expiresAt',
} as const;

export type IndexName = keyof typeof TABLE_DESIGN.indexes;

/** The entity kinds that have a registry listing in `byKind`. */
export type RegistryKind = 'community' | 'unit' | 'cadre' | 'household' | 'verification' | 'notice';

/** Partition of the community-year index. */
const communityYear = (communityId: string, year: number) => ({ gsi1pk: `COMMUNITY#${communityId}#YEAR#${year}` });
/** Partition of the cadre-year index. */
const cadreYear = (cadreId: string, year: number) => ({ gsi2pk: `CADRE#${cadreId}#YEAR#${year}` });
/** Partition of a unit's pairings of one year, in the byKind index. */
const unitYear = (unitId: string, year: number) => ({ gsi3pk: `UNIT#${unitId}#YEAR#${year}` });

/**
 * Every key the code writes or reads. `pk`/`sk` identify the item; `gsiN*` place it in an index.
 * Comments give the item's one-line purpose.
 */
export const keys = {
  /** A registry entity (community, unit, cadre, household) under its own partition. */
  entity: (kind: RegistryKind, id: string) => ({ pk: `${kind.toUpperCase()}#${id}`, sk: kind.toUpperCase() }),
  /**
   * Where a registry entity appears in its kind's listing. Cadres sort under their unit and households under
   * their community (`<unitId>#<id>`, `<communityId>#<id>`), so a unit's cadres and a community's households are
   * one key condition (`begins_with`), not a filter over the city; the others sort by id.
   */
  entityListing: (kind: RegistryKind, id: string, parentId?: string) => ({
    gsi3pk: `KIND#${kind}`,
    gsi3sk: parentId === undefined ? id : `${parentId}#${id}`,
  }),
  /**
   * A district (区/县) and its townships (街道/乡镇), under the district's partition. Ids are derived from the
   * names (`shared/registry/regions.ts`), so two first uses of one name write the same item.
   */
  district: (districtId: string) => ({ pk: `REGION#${districtId}`, sk: 'DISTRICT' }),
  township: (districtId: string, townshipId: string) => ({ pk: `REGION#${districtId}`, sk: `TOWNSHIP#${townshipId}` }),
  /** Where a region sits in the one listing of every region: districts, each followed by its townships. */
  regionListing: (districtId: string, townshipId?: string) => ({
    gsi3pk: 'KIND#region',
    gsi3sk: townshipId ? `${districtId}#${townshipId}` : districtId,
  }),
  /**
   * Guard that makes a name unique where people expect it (a community's name within its township, a unit's
   * name city-wide, a cadre's code within the unit): keyed by a hash of the scope and the normalized name, and
   * pointing at the entity that holds it.
   */
  nameGuard: (scope: 'community' | 'unit' | 'cadre-code', hash: string) => ({
    pk: `NAME#${scope}#${hash}`,
    sk: 'NAME',
  }),
  /** Guard that makes a resident ID number unique: keyed by a keyed hash, never by the number itself. */
  residentGuard: (idHash: string) => ({ pk: `RESIDENT#${idHash}`, sk: 'RESIDENT' }),
  /**
   * A day of the working-day calendar an admin added or corrected (`shared/calendar`): one partition per year, so
   * a window's overrides are one query per year it touches.
   */
  calendarDay: (date: string) => ({ pk: `CALENDAR#${date.slice(0, 4)}`, sk: `DAY#${date}` }),
  /** The pairing of one household in one year, which is also that household-year's state (lock, status). */
  pairing: (householdId: string, year: number) => ({ pk: `HOUSEHOLD#${householdId}`, sk: `PAIRING#${year}` }),
  communityYear,
  /** Sort-key prefix of one household inside its community-year partition. */
  householdInCommunityYear: (householdId: string) => `HOUSEHOLD#${householdId}#`,
  cadreYear,
  /**
   * Where a pairing sits in the community-year and cadre-year indexes, and in its unit-year listing (byKind):
   * the pairings a unit answers for, without reading its cadres one by one.
   */
  pairingIndexes: (p: { householdId: string; communityId: string; cadreId: string; unitId: string; year: number }) => ({
    ...communityYear(p.communityId, p.year),
    gsi1sk: `HOUSEHOLD#${p.householdId}#PAIRING`,
    ...cadreYear(p.cadreId, p.year),
    gsi2sk: `HOUSEHOLD#${p.householdId}`,
    ...unitYear(p.unitId, p.year),
    gsi3sk: `HOUSEHOLD#${p.householdId}`,
  }),
  unitYear,
  /**
   * A former cadre's mark on a reassigned household-year: only in that cadre's byCadreYear partition, so the
   * household stays among the cadre's "my households" (handed over). Never in byCommunityYear: reports read
   * the pairing alone, once per household.
   */
  pairingHandover: (householdId: string, year: number, cadreId: string) => ({
    pk: `HOUSEHOLD#${householdId}`,
    sk: `HANDOVER#${year}#${cadreId}`,
    ...cadreYear(cadreId, year),
    gsi2sk: `HOUSEHOLD#${householdId}`,
  }),
  /**
   * One ledger entry. Its own partition, keyed by an id derived from the idempotency key, so that the
   * conditional put of the entry is also the idempotency check: one write, no separate guard item.
   */
  aidRecord: (recordId: string) => ({ pk: `AID#${recordId}`, sk: 'AID' }),
  /** Where a ledger entry sits in the community-year index: after its household's prefix, in date order. */
  aidRecordIndexes: (r: { householdId: string; communityId: string; year: number; date: string; id: string }) => ({
    ...communityYear(r.communityId, r.year),
    gsi1sk: `HOUSEHOLD#${r.householdId}#AID#${r.date}#${r.id}`,
  }),
  /** The household's acknowledgement (签收) of one entry; one per entry. */
  receipt: (recordId: string) => ({ pk: `AID#${recordId}`, sk: 'RECEIPT' }),
  receiptIndexes: (r: { householdId: string; communityId: string; year: number; recordId: string }) => ({
    ...communityYear(r.communityId, r.year),
    gsi1sk: `HOUSEHOLD#${r.householdId}#RECEIPT#${r.recordId}`,
  }),
  /** One fund-ledger disbursement, keyed by finance's own reference, so a re-import is recognised. */
  fundEntry: (reference: string) => ({ pk: `FUND#${reference}`, sk: 'FUND' }),
  fundEntryIndexes: (f: {
    householdId: string;
    communityId: string;
    year: number;
    date: string;
    reference: string;
  }) => ({
    ...communityYear(f.communityId, f.year),
    gsi1sk: `HOUSEHOLD#${f.householdId}#FUND#${f.date}#${f.reference}`,
  }),
  /** One round of verification of a community-year; its id is also the workflow execution's name. */
  verification: (id: string) => ({ pk: `VERIFICATION#${id}`, sk: 'VERIFICATION' }),
  /** Which round of a community-year is current. */
  currentRound: (communityId: string, year: number) => ({ pk: `COMMUNITY#${communityId}`, sk: `VERIFY#${year}` }),
  /** A household's snapshot and check result within one round. */
  verifiedHousehold: (verificationId: string, householdId: string) => ({
    pk: `VERIFICATION#${verificationId}`,
    sk: `HOUSEHOLD#${householdId}`,
  }),
  /** A public notice (公示) and its entries. */
  notice: (id: string) => ({ pk: `NOTICE#${id}`, sk: 'NOTICE' }),
  noticeEntry: (noticeId: string, entryId: string) => ({ pk: `NOTICE#${noticeId}`, sk: `ENTRY#${entryId}` }),
  /** An objection's reference code (what the public reads aloud and looks up), pointing at the objection. */
  objectionReference: (reference: string) => ({ pk: `OBJREF#${reference}`, sk: 'OBJREF' }),
  /** Every objection, newest last (the admin's workspace): the listing of the byKind index. */
  objectionListing: (filedAt: string, id: string) => ({ gsi3pk: 'KIND#objection', gsi3sk: `${filedAt}#${id}` }),
  /** An objection (异议) from the public, listed with its community-year. */
  objection: (id: string) => ({ pk: `OBJECTION#${id}`, sk: 'OBJECTION' }),
  objectionIndexes: (o: { communityId: string; year: number; noticeId: string; id: string }) => ({
    ...communityYear(o.communityId, o.year),
    gsi1sk: `OBJECTION#${o.noticeId}#${o.id}`,
  }),
  /** A reminder sent to the community cadre while a decision is pending. */
  reminder: (verificationId: string, n: number) => ({ pk: `VERIFICATION#${verificationId}`, sk: `REMINDER#${n}` }),
  /** An outcome (a problem solved: a child back in school, a job found) of a household-year; append-only. */
  outcome: (householdId: string, year: number, id: string) => ({
    pk: `HOUSEHOLD#${householdId}`,
    sk: `OUTCOME#${year}#${id}`,
  }),
  /** Where an outcome sits in the community-year index, so reports count it in the same read as the money. */
  outcomeIndexes: (o: { householdId: string; communityId: string; year: number; date: string; id: string }) => ({
    ...communityYear(o.communityId, o.year),
    gsi1sk: `HOUSEHOLD#${o.householdId}#OUTCOME#${o.date}#${o.id}`,
  }),
  /**
   * A visit (走访) to a household: a note and photos, never money. Keyed by an id derived from the cadre and the
   * idempotency key, in the household's partition without its year, so a retry collides whatever it changed.
   */
  visit: (householdId: string, id: string) => ({ pk: `HOUSEHOLD#${householdId}`, sk: `VISIT#${id}` }),
  /** Where a visit sits in the community-year index, in date order after its household's prefix. */
  visitIndexes: (v: { householdId: string; communityId: string; year: number; date: string; id: string }) => ({
    ...communityYear(v.communityId, v.year),
    gsi1sk: `HOUSEHOLD#${v.householdId}#VISIT#${v.date}#${v.id}`,
  }),
  /** A rate-limit counter: one client (a keyed hash of its address and the window, never the address) in one window. */
  rateLimit: (scope: string, clientWindowHash: string) => ({ pk: `RATE#${scope}#${clientWindowHash}`, sk: 'RATE' }),
  /** An account of the user list (issue #12, item 7): what the admin's page shows and local sign-in reads. */
  user: (username: string) => ({ pk: `USER#${username}`, sk: 'USER' }),
  /** Where an account sits in the list of accounts (byKind), in username order. */
  userListing: (username: string) => ({ gsi3pk: 'KIND#user', gsi3sk: username }),
  /** A bulk import (a dry run's report or a commit's job): its progress and counts, checkpointed per chunk. */
  importJob: (id: string) => ({ pk: `IMPORT#${id}`, sk: 'IMPORT' }),
  /** Where a running import is listed until it ends, so a restart or the sweep finds it (a sparse listing). */
  runningImport: (id: string) => ({ gsi3pk: 'IMPORTS#running', gsi3sk: id }),
  /** An export job: its report, filters, progress (`rowsDone`), and the checkpoint a continuation starts from. */
  exportJob: (id: string) => ({ pk: `EXPORT#${id}`, sk: 'EXPORT' }),
  /** Where a running export is listed until it ends, so a restart or the sweep finds it (a sparse listing). */
  runningExport: (id: string) => ({ gsi3pk: 'EXPORTS#running', gsi3sk: id }),
  /** A requester's exports, newest last by sort key (`GET /exports`); the job item holds the state. */
  exportOfRequester: (requester: string, createdAt: string, id: string) => ({
    pk: `EXPORTS#${requester}`,
    sk: `${createdAt}#${id}`,
  }),
  /** A carry-over of pairings run as a background job (listed under `runningImport` while it runs). */
  carryOverJob: (id: string) => ({ pk: `CARRYOVER#${id}`, sk: 'CARRYOVER' }),
  /** A one-off data migration that has run on this table (so it is not run again at every start). */
  migration: (name: string) => ({ pk: `MIGRATION#${name}`, sk: 'MIGRATION' }),
  /** One audit entry: a successful write to an entity, in time order within the entity's trail. */
  auditEntry: (entityId: string, at: string, requestId: string) => ({
    pk: `AUDIT#${entityId}`,
    sk: `${at}#${requestId}`,
  }),
  /** Where an audit entry sits in its Shanghai day's listing (byKind), for time ranges across entities. */
  auditDay: (day: string, at: string, requestId: string) => ({ gsi3pk: `AUDIT#${day}`, gsi3sk: `${at}#${requestId}` }),
};

/**
 * Attributes that are storage detail and never leave the repository layer: the keys, and `entity`, the item
 * type every item carries so a raw scan of the table can be read.
 */
export const STORAGE_ATTRIBUTES = [
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'gsi3pk',
  'gsi3sk',
  'entity',
] as const;

/** Removes the storage attributes from an item read from the table. */
export function stripKeys<T extends Record<string, unknown>>(item: T): Omit<T, (typeof STORAGE_ATTRIBUTES)[number]> {
  const out: Record<string, unknown> = { ...item };
  for (const k of STORAGE_ATTRIBUTES) delete out[k];
  return out as Omit<T, (typeof STORAGE_ATTRIBUTES)[number]>;
}
