import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ACCOUNTS_EN,
  COMMON_EN,
  englishCatalogue,
  IMPORT_EN,
  LEDGER_EN,
  NOTICE_EN,
  PAIRING_EN,
  REGISTRY_EN,
  REPORTS_EN,
  toEnglish,
  VERIFICATION_EN,
} from '#shared/web/messages-en.ts';

/** Every section: a message must have English in one of them. */
const ALL_EN = [
  COMMON_EN,
  LEDGER_EN,
  REGISTRY_EN,
  ACCOUNTS_EN,
  VERIFICATION_EN,
  NOTICE_EN,
  PAIRING_EN,
  IMPORT_EN,
  REPORTS_EN,
];

const HAN = /\p{Script=Han}/u;

/**
 * Files whose Chinese is data or a Chinese file format, not a message an English page shows: the compound
 * surnames the notice masks by, the import templates' headers and hints and the error report's sheet (a file
 * cadres fill in Chinese), the report exports' column headers, and a page script's source.
 */
const NOT_MESSAGES = [
  'shared/notice/mask.ts',
  'shared/imports/columns.ts',
  'shared/imports/files.ts',
  'shared/floor/report.ts',
  'shared/reports/',
  // Export files: headers, titles, action and status names are the Chinese file people hand on.
  'shared/exports/encoders.ts',
  'shared/exports/reports.ts',
  'shared/web/',
  // The aid form's script: its regular expressions name full-width characters and 元; its words come from i18n.
  'functions/household-pages/aid-script.ts',
];

/** Literals that are the Chinese side of a choice by language (besides `zh:` entries, skipped by the scan). */
const BY_LANGUAGE = new Set(['跳到正文', 'X年X月X日']);

/** The page functions: every Lambda serving pages, their views, and what their pages call in functions/lib. */
const isPageCode = (path: string) =>
  /^functions\/(pages|[\w-]+-pages|page-downloads|import-downloads)(\.ts|\/)/.test(path) ||
  path === 'functions/lib/accounts.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The string literals of a TypeScript source, each as a message would read with every `${…}` as `X`; literals
 * joined by `+` are one message, and the literals inside a template's `${…}` are found too. Comments are skipped.
 */
function messageLiterals(src: string): string[] {
  const found: string[] = [];
  let pendingJoin = false;
  /** The last literal read at this level, which a `+` joins the next one to. */
  let last = -1;
  let i = 0;
  /** Where the literal being read starts. */
  let start = 0;
  const push = (text: string, at = found.length) => {
    const zhEntry = /\bzh:\s*$/.test(src.slice(Math.max(0, start - 40), start));
    if (pendingJoin && last >= 0) found[last] += text;
    else {
      found.splice(at, 0, zhEntry ? '' : text);
      last = at;
    }
    pendingJoin = false;
  };
  /** Reads code from `i` until a `}` at depth 0 (or the end), collecting literals; returns where it stopped. */
  const code = (stopAtBrace: boolean): void => {
    let depth = 0;
    while (i < src.length) {
      const c = src[i]!;
      if (c === '/' && src[i + 1] === '/') {
        i = src.indexOf('\n', i);
        if (i < 0) i = src.length;
        continue;
      }
      if (c === '/' && src[i + 1] === '*') {
        i = src.indexOf('*/', i) + 2;
        continue;
      }
      if (c === '/' && /[(,=:[!&|?{};]\s*$|\breturn\s*$/.test(src.slice(Math.max(0, i - 20), i))) {
        // A regular expression: skipped to its closing slash (outside a character class).
        let j = i + 1;
        let inClass = false;
        while (j < src.length && (inClass || src[j] !== '/')) {
          if (src[j] === '\\') j++;
          else if (src[j] === '[') inClass = true;
          else if (src[j] === ']') inClass = false;
          j++;
        }
        i = j + 1;
        continue;
      }
      if (c === "'" || c === '"') {
        start = i;
        let j = i + 1;
        let text = '';
        while (j < src.length && src[j] !== c) {
          if (src[j] === '\\') {
            text += src[j + 1];
            j += 2;
          } else text += src[j++];
        }
        i = j + 1;
        push(text);
        continue;
      }
      if (c === '`') {
        start = i;
        i++;
        let text = '';
        const outer = found.length;
        const joined = pendingJoin;
        const joinTo = last;
        pendingJoin = false;
        while (i < src.length && src[i] !== '`') {
          if (src[i] === '\\') {
            text += src[i + 1];
            i += 2;
          } else if (src[i] === '$' && src[i + 1] === '{') {
            i += 2;
            code(true);
            i++;
            text += 'X';
          } else text += src[i++];
        }
        i++;
        // The template itself goes before the literals found inside it.
        pendingJoin = joined;
        last = joinTo;
        push(text, outer);
        continue;
      }
      if (c === '+' && src[i + 1] !== '+' && src[i + 1] !== '=') {
        // A `+` right after a literal joins the next literal to it.
        if (/['"`]\s*$/.test(src.slice(Math.max(0, i - 40), i))) pendingJoin = true;
      } else if (!/\s/.test(c)) pendingJoin = false;
      if (c === '{') depth++;
      if (c === '}') {
        if (stopAtBrace && depth === 0) return;
        depth--;
      }
      i++;
    }
  };
  code(false);
  return found;
}

describe('English for the domain’s messages', () => {
  const catalogue = englishCatalogue(...ALL_EN);

  it('has an English entry for every Chinese message in shared/ and the page functions', () => {
    // Prepare
    const files = [...sourceFiles('shared'), ...sourceFiles('functions').filter(isPageCode)].filter(
      (f) => !NOT_MESSAGES.some((skip) => f.startsWith(skip)),
    );
    // Act
    const missing = files.flatMap((file) =>
      messageLiterals(readFileSync(file, 'utf8'))
        .filter((text) => HAN.test(text) && !BY_LANGUAGE.has(text))
        .filter((text) => HAN.test(toEnglish(catalogue, text)))
        .map((text) => `${file}: ${text}`),
    );
    // Assess
    expect(missing).toStrictEqual([]);
  });

  it('translates a message with varying parts, keeping numbers, dates and names and translating labels', () => {
    const c = englishCatalogue(COMMON_EN, LEDGER_EN);
    expect(toEnglish(c, '请求内容有误：物品不超过 20 项')).toBe('Problem in the request: At most 20 items');
    expect(toEnglish(c, '该家庭 2026-03-01 由其他帮扶责任人负责（自 2026-02-01 起），您只能登记您负责期间的帮扶')).toBe(
      'On 2026-03-01 another cadre is responsible for this household (from 2026-02-01); you can record aid only for your own period',
    );
    expect(toEnglish(englishCatalogue(...ALL_EN), '2026-03-01 帮助学实物 ¥120.00 尚无困难家庭签收')).toBe(
      'The education in-kind aid of ¥120.00 on 2026-03-01 has no receipt from the household yet',
    );
  });

  it('starts a message with a capital when a label begins it', () => {
    const c = englishCatalogue(...ALL_EN);
    expect(toEnglish(c, '帮助学现金：帮扶手册合计 ¥1.00，资金台账合计 ¥0.00，不一致')).toBe(
      'Education cash: the aid book totals ¥1.00, the fund ledger ¥0.00; they differ',
    );
  });

  it('shows a message it does not know as it is, never blank', () => {
    expect(toEnglish(catalogue, '一条新的消息')).toBe('一条新的消息');
    expect(toEnglish(englishCatalogue(), '困难家庭不存在')).toBe('困难家庭不存在');
  });

  it('reads the messages out of source as they would be shown', () => {
    const src = "throw invalid('x', `有 ${n} 户（${a ? `自 ${b} 起` : '交接'}），` + '请确认'); // 注释 '不算'";
    expect(messageLiterals(src)).toStrictEqual(['x', '有 X 户（X），请确认', '自 X 起', '交接']);
  });
});
