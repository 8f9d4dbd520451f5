import type { Db } from '../db.ts';
import { activeMatches, HouseholdListQuery, householdSegments, listingPage, nameMatches } from '../registry/lists.ts';
import { namesOf } from '../reports/names.ts';
import { parseInput } from '../validate.ts';
import { type Household, householdView } from './index.ts';

/**
 * The attributes a household list reads: never the sealed number (`idNumberEnc`), nor plaintext of items
 * written before encryption (`idNumber`); the masked form is all a list shows.
 */
const LISTED = ['id', 'headName', 'communityId', 'memberCount', 'createdAt', 'updatedAt', 'idNumberMasked', 'active'];

/** Four characters that may end an ID number: a search for the number's last four. */
const LAST_FOUR = /^\d{3}[\dXx]$/;

/**
 * Households, by community then id (`GET /households`). A community filter is a key condition on the listing
 * (`<communityId>#…`); a township or district filter reads the segments of its communities in turn. Search is
 * by the head's name, or by the last four characters of the ID number (the masked form ends with them). Each
 * with `idNumberMasked` and its community's name; never the number itself.
 */
export async function listHouseholds(db: Db, rawQuery: unknown) {
  const q = parseInput(HouseholdListQuery, rawQuery, '查询参数');
  const active = activeMatches(q.active);
  const search = q.search?.trim();
  const tail = search && LAST_FOUR.test(search) ? search.toUpperCase() : undefined;
  const page = await listingPage(db, 'household', {
    prefixes: await householdSegments(db, q),
    cursor: q.cursor,
    limit: q.limit,
    attributes: LISTED,
    match: (i) =>
      active(i) &&
      (!search ||
        nameMatches(i.headName, search) ||
        (!!tail && typeof i.idNumberMasked === 'string' && i.idNumberMasked.endsWith(tail))),
  });
  const households = page.items.map((i) => {
    const { gsi3sk: _sk, ...h } = i;
    return householdView(h as unknown as Household);
  });
  const communities = await namesOf(
    db,
    'community',
    households.map((h) => h.communityId),
  );
  return {
    items: households.map((h) => ({ ...h, communityName: communities.get(h.communityId) ?? null })),
    nextCursor: page.nextCursor,
  };
}
