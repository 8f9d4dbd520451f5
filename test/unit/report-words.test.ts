import { describe, expect, it } from 'vitest';
import { WORDS } from '#shared/web/i18n.ts';
import { REPORT_PAGE_WORDS } from '#shared/web/report-words.ts';

/**
 * `report-pages` renders with its own copy of the few page words it shares with the other pages (to keep
 * `i18n.ts` out of its bundle): the copy must say what the pages say.
 */
describe('the report pages’ words', () => {
  it('are the same text as the pages’ words, in both languages', () => {
    for (const lang of ['zh', 'en'] as const) {
      for (const [key, text] of Object.entries(REPORT_PAGE_WORDS[lang])) {
        expect(text, `${lang}.${key}`).toBe((WORDS[lang] as Record<string, unknown>)[key]);
      }
    }
  });
});
