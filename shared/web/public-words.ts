/**
 * The public pages' words (the notice board, a notice, its print layout, an objection's status), zh and en:
 * apart from `i18n.ts` so the public pages' Lambda carries only its own text and the chrome's.
 */
import { CHROME_WORDS, type ChromeWords, type Lang } from './chrome-words.ts';

const zh = {
  ...(CHROME_WORDS.zh as ChromeWords),
  noticeBoard: '帮扶结果公示',
  noNotices: '暂无公示。',
  window: '公示期',
  beijingTime: '（北京时间）',
  noticeTitle: (community: string, year: number) => `${community} ${year} 年度结对帮扶结果公示`,
  basis: (yuan: string) =>
    `根据结对帮扶工作要求，每户结对困难家庭全年获得帮扶不少于 ${yuan} 元，现将本社区经核查、社区确认的帮扶结果予以公示，接受群众监督。`,
  name: '户主',
  memberCount: '家庭人口',
  aidTotal: '帮扶合计（元）',
  objection: '提出异议',
  objectionText: '异议内容',
  submit: '提交',
  objectionFiled: '异议已提交，回执编号（可凭此查询处理结果）',
  lookUpStatus: '查询处理结果',
  windowClosed: '公示期已结束。',
  underReview: '复核中',
  underReviewNote: '标“复核中”的家庭：有异议经核实成立，其帮扶数据正在重新核查，核查后将重新公示。',
  verify: '核验',
  verifyHint: '核验公示数据的完整性（数据摘要）',
  scan: '扫码查看网上公示',
  issuer: '公示单位',
  seal: '（盖章）',
  issuedOn: '日期',
  supervisionPhone: '监督电话',
  print: '打印公示',
  rateLimited: (at: string) => `提交过于频繁，请稍后再试：${at}（北京时间）后可再次提交。您填写的内容已保留。`,
  objectionStatus: '异议处理结果查询',
  reference: '回执编号',
  lookUp: '查询',
  filedAt: '提交时间',
  status: '处理状态',
  referenceHint: '回执编号在提交异议后显示，如 K7M-QX9-PA4。',
  entryOption: (name: string, people: number, yuan: string) => `${name}（${people} 人，${yuan} 元）`,
};

export type PublicWords = typeof zh;

const en: PublicWords = {
  ...(CHROME_WORDS.en as ChromeWords),
  noticeBoard: 'Public notices',
  noNotices: 'No notices yet.',
  window: 'Objection window',
  beijingTime: ' (Beijing time)',
  noticeTitle: (community, year) => `${community}: linkage aid results for ${year}`,
  basis: (yuan) =>
    `Under the family-linkage aid campaign every paired household receives at least ¥${yuan} of aid in the year; the community's checked and confirmed results are posted here for public scrutiny.`,
  name: 'Head of household',
  memberCount: 'Household size',
  aidTotal: 'Aid total (¥)',
  objection: 'File an objection',
  objectionText: 'Your objection',
  submit: 'Submit',
  objectionFiled: 'Objection filed; your reference (to look up what became of it):',
  lookUpStatus: 'Look up its status',
  windowClosed: 'The objection window has closed.',
  underReview: 'Under review',
  underReviewNote:
    'Marked “Under review”: an objection was upheld and the household’s figures are being re-investigated; they will be noticed again.',
  verify: 'Verify',
  verifyHint: 'Verify the posted figures (their digest)',
  scan: 'Scan to read this notice online',
  issuer: 'Posted by',
  seal: '(seal)',
  issuedOn: 'Date',
  supervisionPhone: 'Supervision phone',
  print: 'Print this notice',
  rateLimited: (at) => `Too many submissions; try again after ${at} (Beijing time). What you typed is kept below.`,
  objectionStatus: 'Look up an objection',
  reference: 'Reference',
  lookUp: 'Look up',
  filedAt: 'Filed',
  status: 'Status',
  referenceHint: 'The reference is shown after you file an objection, e.g. K7M-QX9-PA4.',
  entryOption: (name: string, people: number, yuan: string) =>
    `${name} (${people === 1 ? '1 person' : `${people} people`}, ${yuan} yuan)`,
};

export const PUBLIC_WORDS: Record<Lang, PublicWords> = { zh, en };

/** A notice's public status (`publicNoticeStatus`) and an objection's (`objectionStatus`) in plain words. */
export const PUBLIC_LABELS: Record<Lang, Record<string, string>> = {
  zh: {
    open: '公示中',
    ended: '公示期满',
    reviewing: '复核中',
    corrected: '已更正重新公示',
    'objection:open': '处理中',
    'objection:upheld': '成立',
    'objection:dismissed': '不成立',
  },
  en: {
    open: 'Open for objections',
    ended: 'Notice period over',
    reviewing: 'Under review',
    corrected: 'Corrected and posted again',
    'objection:open': 'Being handled',
    'objection:upheld': 'Upheld',
    'objection:dismissed': 'Not upheld',
  },
};
