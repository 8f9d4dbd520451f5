import ExcelJS from 'exceljs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '#shared/csv.ts';
import { formatYuan, MAX_ENTRY_FEN } from '#shared/money.ts';
import { csvChunks, type ExportColumn, toCsvText, toXlsx } from '#shared/reports/export.ts';

interface Line {
  name: string;
  amountFen: number;
  households: number;
  ok: boolean;
}

const COLUMNS: ExportColumn<Line>[] = [
  { key: 'name', header: '名称', kind: 'text' },
  { key: 'amountFen', header: '金额（元）', kind: 'fen' },
  { key: 'households', header: '户数', kind: 'int' },
  { key: 'ok', header: '是否达标', kind: 'bool' },
];

async function readBack(book: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(book as unknown as ArrayBuffer);
  return wb.worksheets[0]!;
}

describe('CSV exports', () => {
  it('writes a BOM, Chinese headers, yuan with two decimals, 是/否, and RFC 4180 quoting', async () => {
    const text = await toCsvText(COLUMNS, [
      { name: '一局,"直属"', amountFen: 100_000, households: 3, ok: true },
      { name: '=HYPERLINK("x")', amountFen: -1_250, households: 0, ok: false },
      { name: '二行\n文字', amountFen: 5, households: 1, ok: false },
    ]);
    expect(text).toBe(
      '\uFEFF名称,金额（元）,户数,是否达标\r\n' +
        '"一局,""直属""",1000.00,3,是\r\n' +
        '"\'=HYPERLINK(""x"")",-12.50,0,否\r\n' +
        '"二行\n文字",0.05,1,否\r\n',
    );
    expect(parseCsv(text)[1]).toStrictEqual(['一局,"直属"', '1000.00', '3', '是']);
  });

  it('streams rows from an async generator in batches, never as one string', async () => {
    async function* rows() {
      for (let i = 0; i < 1_234; i++) yield { name: `户${i}`, amountFen: i, households: 1, ok: i % 2 === 0 };
    }
    const chunks: string[] = [];
    for await (const chunk of csvChunks(COLUMNS, rows())) chunks.push(chunk);
    expect(chunks).toHaveLength(1 + 3);
    expect(parseCsv(chunks.join(''))).toHaveLength(1 + 1_234);
  });
});

describe('XLSX exports', () => {
  it('writes one sheet with a Chinese header row and typed cells', async () => {
    const ws = await readBack(
      await toXlsx('达标情况：2026/全市', COLUMNS, [{ name: '甲', amountFen: 99_999, households: 2, ok: false }]),
    );
    expect(ws.name).toBe('达标情况：2026 全市');
    expect((ws.getRow(1).values as unknown[]).slice(1)).toStrictEqual(['名称', '金额（元）', '户数', '是否达标']);
    expect((ws.getRow(2).values as unknown[]).slice(1)).toStrictEqual(['甲', 999.99, 2, '否']);
    expect(ws.getCell('B2').numFmt).toBe('0.00');
    expect(ws.getCell('A1').font?.bold).toBe(true);
  });

  it('holds every fen amount as exactly its two-decimal yuan', async () => {
    const amounts = fc.sample(fc.integer({ min: -MAX_ENTRY_FEN * 1000, max: MAX_ENTRY_FEN * 1000 }), 2_000);
    const ws = await readBack(
      await toXlsx(
        't',
        COLUMNS,
        amounts.map((amountFen) => ({ name: '', amountFen, households: 0, ok: true })),
      ),
    );
    amounts.forEach((fen, i) => {
      const value = ws.getCell(`B${i + 2}`).value as number;
      expect(value).toBe(Number(formatYuan(fen)));
      expect(Math.round(value * 100)).toBe(fen);
    });
  });
});
