import type { Notice, NoticeEntry } from './index.ts';

/**
 * A notice's status as the public reads it on the board, in plain words: 公示中 (open), 公示期满 (ended),
 * 复核中 (reviewing), 已更正重新公示 (corrected). The stored status tells the workflow's state, which a reader
 * does not need: a notice still `open` whose window has passed is 公示期满 until the round moves on; a notice
 * with an upheld objection (an entry `underReview`) after its window, or one withdrawn for reinvestigation, is
 * 复核中 (a notice withdrawn because its round failed is also being redone, and will be noticed again);
 * a final round reopened and noticed again leaves the old notice `superseded`: 已更正重新公示.
 */
export type PublicNoticeStatus = 'open' | 'ended' | 'reviewing' | 'corrected';

export function publicNoticeStatus(
  notice: Pick<Notice, 'status' | 'closesAt' | 'closesAtMs' | 'closedAt'>,
  entries: readonly Pick<NoticeEntry, 'underReview'>[] | undefined,
  now: Date,
): PublicNoticeStatus {
  if (notice.status === 'superseded') return 'corrected';
  if (notice.status === 'withdrawn') return 'reviewing';
  if (notice.status === 'final') return 'ended';
  const closesAtMs = notice.closesAtMs ?? Date.parse(notice.closesAt);
  if (!notice.closedAt && now.getTime() < closesAtMs) return 'open';
  return entries?.some((e) => e.underReview) ? 'reviewing' : 'ended';
}
