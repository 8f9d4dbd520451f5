import type { Lang } from './chrome-words.ts';

/*
 * Apart from the pages' words (`i18n.ts`, which re-exports it): a module whose words spread the chrome's cannot be
 * left out of a bundle, so a Lambda that needs only the labels (report-pages) imports them from here.
 */

/** Labels of values the domain stores as codes. */
export const LABELS: Record<Lang, Record<string, string>> = {
  zh: {
    livelihood: '帮生活',
    education: '帮助学',
    medical: '帮就医',
    employment: '帮就业',
    housing: '帮住房',
    cash: '现金',
    in_kind: '实物',
    checking: '核查中',
    awaiting_confirmation: '待社区确认',
    returned: '已退回',
    objection_window: '公示中',
    reinvestigating: '复查中',
    final: '已定稿',
    expired: '已失效（超过确认期限）',
    failed: '已中止（系统故障）',
    reopened: '已重新开启',
    open: '公示中',
    withdrawn: '已撤回',
    superseded: '已更新',
  },
  en: {
    livelihood: 'Livelihood',
    education: 'Education',
    medical: 'Medical',
    employment: 'Employment',
    housing: 'Housing',
    cash: 'Cash',
    in_kind: 'In kind',
    checking: 'Checking',
    awaiting_confirmation: 'Awaiting confirmation',
    returned: 'Returned',
    objection_window: 'Objection window',
    reinvestigating: 'Reinvestigating',
    final: 'Final',
    expired: 'Expired (no decision in time)',
    failed: 'Failed (system fault)',
    reopened: 'Reopened',
    open: 'Open',
    withdrawn: 'Withdrawn',
    superseded: 'Superseded',
  },
};
