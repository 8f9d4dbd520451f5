import { describe, expect, it } from 'vitest';
import { publicNoticeStatus } from '#shared/notice/public-status.ts';

/** The notice's status as the public reads it, from the stored status, the window and the entries. */
describe('publicNoticeStatus', () => {
  const closesAt = '2026-12-07T04:00:00Z';
  const before = new Date('2026-12-07T03:59:59Z');
  const after = new Date('2026-12-07T04:00:00Z');
  const open = { status: 'open' as const, closesAt, closesAtMs: Date.parse(closesAt) };
  const clean = [{ underReview: false }];
  const upheld = [{ underReview: false }, { underReview: true }];

  it('is open (公示中) only before the closing instant and before the close is decided', () => {
    expect(publicNoticeStatus(open, clean, before)).toBe('open');
    expect(publicNoticeStatus(open, clean, after)).toBe('ended');
    expect(publicNoticeStatus({ ...open, closedAt: '2026-12-01T00:00:00Z' }, clean, before)).toBe('ended');
    // An upheld objection during the window leaves the notice open; the entry carries its own 复核中.
    expect(publicNoticeStatus(open, upheld, before)).toBe('open');
  });

  it('is under review (复核中) after the window with an upheld objection, or when withdrawn for reinvestigation', () => {
    expect(publicNoticeStatus(open, upheld, after)).toBe('reviewing');
    expect(publicNoticeStatus({ ...open, status: 'withdrawn' }, clean, before)).toBe('reviewing');
  });

  it('is ended (公示期满) when final, and corrected (已更正重新公示) when superseded by a new round', () => {
    expect(publicNoticeStatus({ ...open, status: 'final' }, upheld, before)).toBe('ended');
    expect(publicNoticeStatus({ ...open, status: 'superseded' }, undefined, before)).toBe('corrected');
  });

  it('reads the closing instant from closesAt when a notice has no closesAtMs', () => {
    expect(publicNoticeStatus({ status: 'open', closesAt }, undefined, before)).toBe('open');
    expect(publicNoticeStatus({ status: 'open', closesAt }, undefined, after)).toBe('ended');
  });
});
