import * as z from 'zod';
import { CampaignYearParam } from '#shared/pairing/index.ts';
import { RegionFilters } from '#shared/reports/community-year.ts';

/** The query of the unit assessment and summary pages: the year and the region, as the API's report routes. */
export const RegionQuery = z.strictObject({ year: CampaignYearParam, ...RegionFilters });

/** The verification status page's query: the year, the region, or one community. */
export const VerificationPageQuery = z.strictObject({
  year: CampaignYearParam,
  ...RegionFilters,
  communityId: z.string().trim().min(1).max(64).optional(),
});

/** A Beijing calendar date, as the page's date fields send it. */
const PageDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, '日期应为 YYYY-MM-DD');

/** The audit trail page's query: the trail's own filters (shared/audit), the person, and the page. */
export const AuditPageQuery = z.strictObject({
  entityId: z.string().trim().min(1).max(200).optional(),
  actor: z.string().trim().max(100, '操作人不超过 100 个字符').optional(),
  from: PageDate.optional(),
  to: PageDate.optional(),
  page: z.coerce
    .number({ error: '页码应为正整数' })
    .int('页码应为正整数')
    .min(1, '页码应为正整数')
    .max(1000, '页码过大')
    .default(1),
});
