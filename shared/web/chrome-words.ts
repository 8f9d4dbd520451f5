/** The two languages of the pages. */
export type Lang = 'zh' | 'en';

/**
 * The words of the page chrome (header, navigation, error page): all a page-serving function needs when it
 * renders no page of its own. Kept apart from the pages' words (`i18n.ts`) so the download function does not
 * carry every page's text in its bundle.
 */
export const CHROME_WORDS = {
  zh: {
    appName: '结对帮扶',
    signOut: '退出',
    floorReport: '达标情况',
    unitReport: '单位通报',
    summaryReport: '帮扶汇总',
    verificationStatus: '核查情况',
    auditTrail: '操作留痕',
    verifications: '核查进度',
    notices: '公示',
    admin: '管理',
    language: 'English',
    colon: '：',
    openParen: '（',
    closeParen: '）',
    error: '出错了',
    back: '返回',
    csrfRefused: '表单未被接受：它来自其他网站，或页面已过期（例如其间重新登录过）。请返回，刷新页面后重新提交。',
  },
  en: {
    appName: 'Linkage Aid',
    signOut: 'Sign out',
    floorReport: 'Floor compliance',
    unitReport: 'Unit assessment',
    summaryReport: 'Summary',
    verificationStatus: 'Verification status',
    auditTrail: 'Audit trail',
    verifications: 'Verifications',
    notices: 'Notices',
    admin: 'Admin',
    language: '中文',
    colon: ': ',
    openParen: ' (',
    closeParen: ')',
    error: 'Something went wrong',
    back: 'Back',
    csrfRefused:
      'The form was not accepted: it came from another site, or the page is out of date (for example, you signed in again since). Go back, reload the page and submit it again.',
  },
} as const satisfies Record<Lang, Record<string, string>>;

export type ChromeWords = { [K in keyof (typeof CHROME_WORDS)['zh']]: string };
