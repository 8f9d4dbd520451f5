import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BOM, csvRecords, parseCsv, toCsv } from '#shared/csv.ts';
import { durationSeconds } from '#shared/dates.ts';
import { maskName } from '#shared/notice/mask.ts';
import { PngBase64 } from '#shared/png.ts';

describe('names masked for a public notice', () => {
  it.each([
    ['张三', '张*'],
    ['张', '张*'],
    ['王小明', '王**'],
    ['欧阳明', '欧阳*'],
    ['欧阳明明', '欧阳**'],
    ['诸葛亮', '诸葛*'],
    ['欧阳', '欧*'],
    [' 张三 ', '张*'],
    ['', '*'],
  ])('masks %j as %j', (name, masked) => {
    expect(maskName(name)).toBe(masked);
  });

  it('keeps the separating dot of a transliterated name', () => {
    expect(maskName('买买提·艾力')).toBe('买**·**');
    expect(maskName('阿依古丽•吐尔逊')).toBe('阿***•***');
  });

  it('keeps the surname, single or compound, and stars every character of the given name', () => {
    const surname = fc.constantFrom('王', '李', '张', '刘', '陈', '杨', '欧阳', '诸葛', '司马', '上官', '慕容');
    const givenName = fc.string({
      unit: fc.constantFrom('明', '华', '丽', '强', '伟', '芳', '军', '红', '霞', '涛', '张', '王'),
      minLength: 1,
      maxLength: 3,
    });
    fc.assert(
      fc.property(surname, givenName, (s, g) => {
        expect(maskName(s + g)).toBe(s + '*'.repeat([...g].length));
      }),
    );
  });

  it('never shows a character of the name past the kept surname, and keeps the name’s length', () => {
    const hanzi = fc.integer({ min: 0x4e00, max: 0x9fa5 }).map((c) => String.fromCodePoint(c));
    fc.assert(
      fc.property(fc.string({ unit: hanzi, minLength: 2, maxLength: 8 }), (name) => {
        const masked = [...maskName(name)];
        const chars = [...name];
        const kept = masked.indexOf('*');
        expect(masked).toHaveLength(chars.length);
        expect([1, 2]).toContain(kept);
        expect(masked.slice(0, kept)).toStrictEqual(chars.slice(0, kept));
        expect(masked.slice(kept).every((c) => c === '*')).toBe(true);
      }),
    );
  });
});

describe('ISO-8601 durations in seconds', () => {
  it.each([
    ['P7D', 604_800],
    ['PT2S', 2],
    ['P1DT12H', 129_600],
    ['P2W', 1_209_600],
    ['PT1H30M', 5_400],
    ['P1WT1S', 604_801],
  ])('reads %s as %i seconds', (text, seconds) => {
    expect(durationSeconds(text)).toBe(seconds);
  });

  it.each(['P1M', 'P1Y', 'P', 'PT', 'P1DT', '7D', '', 'P1.5D', 'p7d', 'P-1D'])('refuses %j', (text) => {
    expect(durationSeconds(text)).toBeUndefined();
  });
});

describe('CSV parsing', () => {
  it('reads quoted cells holding commas, doubled quotes and line breaks', () => {
    expect(parseCsv('a,"b,c","say ""hi""","two\r\nlines"\r\n')).toStrictEqual([
      ['a', 'b,c', 'say "hi"', 'two\r\nlines'],
    ]);
  });

  it('reads CRLF and LF line ends alike and skips blank lines', () => {
    expect(parseCsv('a,b\r\n1,2\n\n3,4')).toStrictEqual([
      ['a', 'b'],
      ['1', '2'],
      ['3', '4'],
    ]);
  });

  it('drops a leading byte-order mark', () => {
    expect(parseCsv(`${BOM}名称,金额\r\n张三,100\r\n`)).toStrictEqual([
      ['名称', '金额'],
      ['张三', '100'],
    ]);
  });

  it('keeps empty cells', () => {
    expect(parseCsv('a,,c\r\n,,\r\n')).toStrictEqual([
      ['a', '', 'c'],
      ['', '', ''],
    ]);
  });

  it('throws on an unterminated quoted cell', () => {
    expect(() => parseCsv('a,"b\r\n1,2\r\n')).toThrow(SyntaxError);
  });

  it('reads records keyed by the trimmed header, filling missing cells with empty text', () => {
    expect(csvRecords(`${BOM} 户主 ,金额\r\n张三,100\r\n李四\r\n`)).toStrictEqual([
      { 户主: '张三', 金额: '100' },
      { 户主: '李四', 金额: '' },
    ]);
  });

  it('reads no records from an empty document', () => {
    expect(csvRecords('')).toStrictEqual([]);
  });

  it('round-trips any rows of printable text through toCsv and csvRecords', () => {
    const columns = ['name', 'amount', 'note'] as const;
    const text = fc.string().filter((s) => !/^[=+\-@]/.test(s));
    const row = fc.record({ name: text, amount: text, note: text }, { noNullPrototype: true });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 20 }), (rows) => {
        expect(csvRecords(toCsv(columns, rows))).toStrictEqual(rows);
      }),
    );
  });

  it('round-trips Chinese text, commas, quotes and line breaks', () => {
    const rows = [{ name: '张三', note: '米 10 斤, 油 "金龙鱼"\r\n第二行' }];
    expect(csvRecords(toCsv(['name', 'note'], rows))).toStrictEqual(rows);
  });

  it('reads a cell that would be an Excel formula back as text behind an apostrophe', () => {
    const rows = ['=1+1', '+86 138', '-5', '@SUM(A1)'].map((note) => ({ id: 'x', note }));
    expect(csvRecords(toCsv(['id', 'note'], rows))).toStrictEqual([
      { id: 'x', note: "'=1+1" },
      { id: 'x', note: "'+86 138" },
      { id: 'x', note: "'-5" },
      { id: 'x', note: "'@SUM(A1)" },
    ]);
  });

  it('leaves numbers that start with a minus sign alone', () => {
    expect(csvRecords(toCsv(['amount'], [{ amount: -500 }]))).toStrictEqual([{ amount: '-500' }]);
  });
});

describe('PNG images as base64', () => {
  const onePixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

  it('accepts a real PNG as bare base64', () => {
    expect(PngBase64.safeParse(onePixel)).toStrictEqual({ success: true, data: onePixel });
  });

  it('accepts a canvas data URL and returns bare base64', () => {
    expect(PngBase64.safeParse(`data:image/png;base64,${onePixel}`)).toStrictEqual({ success: true, data: onePixel });
  });

  it.each([
    [
      'a JPEG',
      '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHRofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/',
    ],
    ['text that is not base64', 'this is not an image!'],
    ['an empty string', ''],
    ['a PNG signature with nothing after it', 'iVBORw0KGgo='],
    [
      'a data URL of another type',
      `data:image/jpeg;base64,${'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='}`,
    ],
    ['a number', 42],
  ])('refuses %s', (_label, input) => {
    const result = PngBase64.safeParse(input);
    expect(result.success).toBe(false);
  });

  it('says in Chinese that the image is not a valid PNG', () => {
    expect(PngBase64.safeParse('this is not an image!').error?.issues.map((i) => i.message)).toStrictEqual([
      '图片不是有效的 PNG',
    ]);
  });
});
