import { Unzip, UnzipInflate } from 'fflate';
import { invalid } from '../errors.ts';
import { type XmlTag, XmlTokenizer } from './xml.ts';

/**
 * Spreadsheets read as streams: a CSV or XLSX file arrives as chunks of bytes (from S3 or the local store) and
 * leaves as rows, so memory holds one chunk's rows, never the file. An XLSX file is a zip; its cells name strings
 * in `xl/sharedStrings.xml` by index, and the zip may list that file after the sheet, so an XLSX is read twice:
 * once for the shared strings (the only table held in memory) and the workbook's first sheet's path, once for
 * the sheet's rows.
 */

/** A source of the file's bytes that can be opened more than once (an object-store key). */
export type ByteSource = () => Promise<AsyncIterable<Uint8Array>>;

/** One row as the spreadsheet numbers it (1 is the first row), with its cells by column position. */
export interface SheetRow {
  row: number;
  cells: string[];
  /** Cells Excel stored as numbers (an 18-digit ID number kept as a number has lost its last digits). */
  numeric?: Set<number>;
}

export type SheetFormat = 'csv' | 'xlsx';

/** Reads a file's rows in order. */
export function readRows(format: SheetFormat, open: ByteSource): AsyncIterable<SheetRow> {
  return format === 'csv' ? readCsvRows(open) : readXlsxRows(open);
}

const notUtf8 = () =>
  invalid('import.encoding', '文件不是 UTF-8 编码的 CSV：请在 Excel 或 WPS 中“另存为 CSV UTF-8（逗号分隔）”后再上传', [
    { path: 'key', message: '文件不是 UTF-8 编码' },
  ]);
const notXlsx = (why: string) =>
  invalid('import.unreadable', `无法读取 XLSX 文件：${why}。请用 Excel 或 WPS 另存为 .xlsx 后再上传`, [
    { path: 'key', message: `无法读取 XLSX 文件：${why}` },
  ]);

/**
 * CSV rows (RFC 4180: quoted cells, doubled quotes, CRLF or LF; a leading BOM ignored). Bytes that are not
 * UTF-8 are refused with a message that says how to save the file as UTF-8 (Excel's default CSV is GBK).
 * Rows are numbered by record, as Excel numbers them when it opens the file.
 */
export async function* readCsvRows(open: ByteSource): AsyncGenerator<SheetRow> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let afterQuote = false;
  let pendingCr = false;
  let n = 0;
  const out: SheetRow[] = [];
  const endRow = () => {
    row.push(cell);
    n++;
    if (!(row.length === 1 && row[0] === '')) out.push({ row: n, cells: row });
    row = [];
    cell = '';
    afterQuote = false;
  };
  const feed = (text: string) => {
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (pendingCr) {
        pendingCr = false;
        if (c === '\n') continue;
      }
      if (quoted) {
        if (c === '"') {
          quoted = false;
          afterQuote = true;
        } else cell += c;
      } else if (c === '"') {
        // A doubled quote inside a quoted cell closes and reopens it: the quote is kept.
        if (afterQuote) cell += '"';
        quoted = true;
        afterQuote = false;
      } else if (c === ',') {
        row.push(cell);
        cell = '';
        afterQuote = false;
      } else if (c === '\n' || c === '\r') {
        pendingCr = c === '\r';
        endRow();
      } else {
        cell += c;
        afterQuote = false;
      }
    }
  };
  for await (const chunk of await open()) {
    let text: string;
    try {
      text = decoder.decode(chunk, { stream: true });
    } catch {
      throw notUtf8();
    }
    feed(text);
    yield* out.splice(0);
  }
  try {
    feed(decoder.decode());
  } catch {
    throw notUtf8();
  }
  if (quoted) {
    throw invalid('import.unreadable', `CSV 第 ${n + 1} 行的引号没有闭合`, [{ path: 'key', message: '引号没有闭合' }]);
  }
  if (cell !== '' || row.length) endRow();
  yield* out.splice(0);
}

/**
 * Feeds the named entries of a zip, as they stream past, to `onText`; other entries are skipped undecoded.
 * Yields after each chunk of the source, so a caller can hand on what the chunk produced before the next.
 */
async function* zipTexts(
  open: ByteSource,
  want: (name: string) => boolean,
  onText: (name: string, text: string, final: boolean) => void,
): AsyncGenerator<void> {
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  let failure: unknown;
  unzip.onfile = (file) => {
    if (!want(file.name)) return;
    const decoder = new TextDecoder('utf-8');
    file.ondata = (err, data, final) => {
      if (err) {
        failure ??= err;
        return;
      }
      try {
        onText(file.name, decoder.decode(data, { stream: !final }), final);
      } catch (e) {
        failure ??= e;
      }
    };
    file.start();
  };
  let sawBytes = false;
  for await (const chunk of await open()) {
    if (!sawBytes && chunk.length >= 2 && !(chunk[0] === 0x50 && chunk[1] === 0x4b)) throw notXlsx('不是 zip 格式');
    sawBytes ||= chunk.length > 0;
    try {
      unzip.push(chunk, false);
    } catch (e) {
      failure ??= e;
    }
    if (failure) break;
    yield;
  }
  if (!failure) {
    try {
      unzip.push(new Uint8Array(0), true);
    } catch (e) {
      failure = e;
    }
  }
  if (failure) {
    if ((failure as { code?: string }).code?.startsWith('import.')) throw failure;
    throw notXlsx('文件已损坏');
  }
}

/** The first sheet's path and the shared strings, from one pass over the zip. */
async function workbookIndex(open: ByteSource): Promise<{ sheet: string; strings: string[] }> {
  const strings: string[] = [];
  let firstSheetRel: string | undefined;
  const rels = new Map<string, string>();
  const parsers = new Map<string, XmlTokenizer>();
  let si: string | undefined;
  let inT = false;
  const parserFor = (name: string) => {
    let p = parsers.get(name);
    if (p) return p;
    p = new XmlTokenizer();
    if (name === 'xl/sharedStrings.xml') {
      p.on('opentag', (t: XmlTag) => {
        if (t.name === 'si') si = '';
        else if (t.name === 't') inT = true;
        else if (t.name === 'rPh') inT = false;
      });
      p.on('text', (text) => {
        if (inT && si !== undefined) si += text;
      });
      p.on('closetag', (t: XmlTag) => {
        if (t.name === 't') inT = false;
        else if (t.name === 'si') {
          strings.push(si ?? '');
          si = undefined;
        }
      });
    } else if (name === 'xl/workbook.xml') {
      p.on('opentag', (t: XmlTag) => {
        if (t.name === 'sheet' && firstSheetRel === undefined) firstSheetRel = String(t.attributes['r:id'] ?? '');
      });
    } else {
      p.on('opentag', (t: XmlTag) => {
        if (t.name === 'Relationship') rels.set(String(t.attributes.Id), String(t.attributes.Target));
      });
    }
    parsers.set(name, p);
    return p;
  };
  const wanted = new Set(['xl/sharedStrings.xml', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels']);
  const pass = zipTexts(
    open,
    (name) => wanted.has(name),
    (name, text, final) => {
      const p = parserFor(name);
      p.write(text);
      if (final) p.close();
    },
  );
  for await (const _ of pass);
  const target = firstSheetRel ? rels.get(firstSheetRel) : undefined;
  if (!target) {
    if (!parsers.has('xl/workbook.xml')) throw notXlsx('找不到工作簿');
    return { sheet: 'xl/worksheets/sheet1.xml', strings };
  }
  const sheet = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
  return { sheet, strings };
}

/** `C12` → 2 (zero-based column). */
function columnOf(ref: string): number {
  let col = 0;
  for (const ch of ref) {
    const code = ch.charCodeAt(0);
    if (code < 65 || code > 90) break;
    col = col * 26 + (code - 64);
  }
  return col - 1;
}

/** XLSX rows of the workbook's first sheet, in order, with shared, inline and formula strings resolved. */
export async function* readXlsxRows(open: ByteSource): AsyncGenerator<SheetRow> {
  const { sheet, strings } = await workbookIndex(open);
  const out: SheetRow[] = [];
  const parser = new XmlTokenizer();
  let current: SheetRow | undefined;
  let nextRow = 1;
  let cellCol = -1;
  let nextCol = 0;
  let cellType = '';
  let value = '';
  let inValue = false;
  parser.on('opentag', (t: XmlTag) => {
    switch (t.name) {
      case 'row': {
        const r = Number(t.attributes.r);
        current = { row: Number.isInteger(r) && r > 0 ? r : nextRow, cells: [] };
        nextRow = current.row + 1;
        nextCol = 0;
        break;
      }
      case 'c': {
        const ref = t.attributes.r;
        cellCol = ref ? columnOf(String(ref)) : nextCol;
        nextCol = cellCol + 1;
        cellType = String(t.attributes.t ?? 'n');
        value = '';
        break;
      }
      case 'v':
      case 't':
        inValue = true;
        break;
      case 'rPh':
        inValue = false;
        break;
    }
  });
  parser.on('text', (text) => {
    if (inValue) value += text;
  });
  parser.on('closetag', (t: XmlTag) => {
    if (t.name === 'v' || t.name === 't') inValue = false;
    else if (t.name === 'c' && current && cellCol >= 0) {
      let text = value;
      if (cellType === 's') text = strings[Number(value)] ?? '';
      else if (cellType === 'b') text = value === '1' ? 'TRUE' : 'FALSE';
      else if (cellType === 'n' && value !== '') {
        current.numeric ??= new Set();
        current.numeric.add(cellCol);
      }
      while (current.cells.length < cellCol) current.cells.push('');
      current.cells[cellCol] = text;
    } else if (t.name === 'row' && current) {
      if (current.cells.some((c) => c.trim() !== '')) out.push(current);
      current = undefined;
    }
  });
  const pass = zipTexts(
    open,
    (name) => name === sheet,
    (_name, text, final) => {
      parser.write(text);
      if (final) parser.close();
    },
  );
  for await (const _ of pass) yield* out.splice(0);
  yield* out.splice(0);
}
