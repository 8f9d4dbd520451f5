import { constants, deflateRawSync } from 'node:zlib';
import { BOM, csvLine } from '../csv.ts';
import { formatYuan } from '../money.ts';
import type { ColumnKind } from '../reports/export.ts';
import type { ByteSink } from './sink.ts';

/**
 * The export files' encoders, written for a job that may stop after any chunk of rows and be continued by
 * another process: each encoder's whole state between chunks is a small JSON value (`checkpoint()`), and the
 * bytes it produced so far are complete up to that point. CSV needs nothing; XLSX carries its zip's offsets,
 * CRC and sizes, and compresses in pieces each ended by a sync flush, so the next invocation's pieces continue
 * the same deflate stream (Node's zlib: fflate 0.8.3's `flush(true)` wrote invalid stored blocks at some sizes).
 */

/** One column of an exported file: the row's field, its Chinese header, its machine code, its kind. */
export interface FileColumn {
  key: string;
  header: string;
  code: string;
  kind: ColumnKind;
  width?: number;
}

/** What a file's sheets say about themselves, and its columns. */
export interface FileLayout {
  /** The first rows: title, filters in words, generated at (Beijing time), by whom. None in `codes` mode. */
  preamble: string[];
  columns: FileColumn[];
  /** `codes`: machine field names as headers, fen as integers; `zh` (default): Chinese headers, yuan. */
  headers: 'zh' | 'codes';
  sheetName: string;
}

export interface Encoder {
  begin(): void;
  rows(rows: readonly Record<string, unknown>[]): void;
  /** Makes the bytes so far complete (a byte boundary) and answers the state a continuation starts from. */
  checkpoint(): unknown;
  end(): void;
}

const enc = new TextEncoder();
const yesNo = (v: unknown) => (v ? '是' : '否');

/** CSV: UTF-8 with BOM (Excel reads Chinese only with it), CRLF, RFC 4180, formulas neutralised. */
export function csvEncoder(layout: FileLayout, sink: ByteSink): Encoder {
  const cell = (c: FileColumn, v: unknown): unknown => {
    if (v === undefined || v === null) return '';
    if (c.kind === 'fen') return layout.headers === 'codes' ? v : formatYuan(v as number);
    if (c.kind === 'bool') return layout.headers === 'codes' ? String(Boolean(v)) : yesNo(v);
    return v;
  };
  return {
    begin() {
      let head = BOM;
      if (layout.headers === 'zh') {
        for (const line of layout.preamble) head += csvLine([line]);
        head += '\r\n';
      }
      head += csvLine(layout.columns.map((c) => (layout.headers === 'codes' ? c.code : c.header)));
      sink.write(enc.encode(head));
    },
    rows(rows) {
      let text = '';
      for (const r of rows) text += csvLine(layout.columns.map((c) => cell(c, r[c.key])));
      sink.write(enc.encode(text));
    },
    checkpoint: () => ({}),
    end() {},
  };
}

/** Excel's rows per sheet. */
export const XLSX_MAX_ROWS = 1_048_576;

/** A zip entry written: what the central directory needs of it. */
interface ZipEntry {
  name: string;
  offset: number;
  crc: number;
  csize: number;
  usize: number;
}

/** The XLSX encoder's state between chunks. */
export interface XlsxState {
  /** Bytes of the file so far. */
  offset: number;
  entries: ZipEntry[];
  /** The sheet being written (its entry is open: data descriptor not yet written). */
  current?: ZipEntry | undefined;
  sheet: number;
  /** Rows of the current sheet so far (preamble and header included). */
  rowsInSheet: number;
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32 continued from `crc` (the zip's checksum, carried between invocations as a number). */
export function crc32(crc: number, bytes: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

// MS-DOS date and time of the entries: a fixed 2020-01-01 00:00 (the file's own time is in its first rows).
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;
// Bit 3: sizes and CRC follow the data (we know them only at the end); bit 11: names are UTF-8.
const FLAGS = 0x0808;

function localHeader(name: Uint8Array): Uint8Array {
  const b = Buffer.alloc(30 + name.length);
  b.writeUInt32LE(0x04034b50, 0);
  b.writeUInt16LE(20, 4);
  b.writeUInt16LE(FLAGS, 6);
  b.writeUInt16LE(8, 8);
  b.writeUInt16LE(DOS_TIME, 10);
  b.writeUInt16LE(DOS_DATE, 12);
  // CRC and sizes (14–25) stay zero: the data descriptor carries them.
  b.writeUInt16LE(name.length, 26);
  b.set(name, 30);
  return b;
}

function dataDescriptor(e: ZipEntry): Uint8Array {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x08074b50, 0);
  b.writeUInt32LE(e.crc, 4);
  b.writeUInt32LE(e.csize, 8);
  b.writeUInt32LE(e.usize, 12);
  return b;
}

function centralDirectory(entries: readonly ZipEntry[], at: number): Uint8Array {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const name = enc.encode(e.name);
    const b = Buffer.alloc(46 + name.length);
    b.writeUInt32LE(0x02014b50, 0);
    b.writeUInt16LE(20, 4);
    b.writeUInt16LE(20, 6);
    b.writeUInt16LE(FLAGS, 8);
    b.writeUInt16LE(8, 10);
    b.writeUInt16LE(DOS_TIME, 12);
    b.writeUInt16LE(DOS_DATE, 14);
    b.writeUInt32LE(e.crc, 16);
    b.writeUInt32LE(e.csize, 20);
    b.writeUInt32LE(e.usize, 24);
    b.writeUInt16LE(name.length, 28);
    b.writeUInt32LE(e.offset, 42);
    b.set(name, 46);
    parts.push(b);
  }
  const dir = Buffer.concat(parts);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(at, 16);
  return Buffer.concat([dir, end]);
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 cannot carry these characters at all.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;
function xmlText(s: string): string {
  return s.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function columnLetters(i: number): string {
  let s = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

/** Width of a column in characters: CJK characters are about two wide. */
function widthOf(c: FileColumn): number {
  if (c.width) return c.width;
  const text = [...c.header].reduce((w, ch) => w + (ch.charCodeAt(0) > 0x2e80 ? 2 : 1), 0);
  return Math.max(10, text + 2);
}

// Styles: 0 plain, 1 yuan (built-in number format 2, `0.00`), 2 bold.
const STYLES =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  '<xf numFmtId="2" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs></styleSheet>';

const MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** Excel refuses sheet names over 31 characters or with any of `[]:*?/\`. */
function sheetNameOf(name: string, n: number): string {
  const base = name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 26) || 'Sheet';
  return n === 1 ? base : `${base}（${n}）`;
}

/**
 * XLSX written as a stream with inline strings (no shared-string table to hold), one zip entry per sheet. The
 * sheets come first in the zip and the workbook, its relations and content types last, because how many sheets
 * there are is known only at the end; the zip's entries use data descriptors (CRC and sizes after the data) and
 * the central directory closes the file. Past `maxRows` rows a sheet is closed and the rows continue on the
 * next, which repeats the first rows and the header.
 */
export function xlsxEncoder(
  layout: FileLayout,
  sink: ByteSink,
  opts: { maxRows?: number; level?: number; state?: XlsxState } = {},
): Encoder & { checkpoint(): XlsxState } {
  const maxRows = opts.maxRows ?? XLSX_MAX_ROWS;
  const level = opts.level ?? 3;
  const s: XlsxState = opts.state ? structuredClone(opts.state) : { offset: 0, entries: [], sheet: 0, rowsInSheet: 0 };
  const out = (bytes: Uint8Array) => {
    sink.write(bytes);
    s.offset += bytes.byteLength;
  };
  // Text waiting to be compressed: compressed in pieces of about 256 KB, each a raw deflate stream of its own
  // ended by a sync flush (byte-aligned, not final), so the pieces concatenate into one valid stream and no
  // compressor outlives a piece: a checkpoint needs only the CRC and sizes.
  let pending = '';
  const compress = (final: boolean) => {
    const bytes = enc.encode(pending);
    pending = '';
    const e = s.current!;
    e.crc = crc32(e.crc, bytes);
    e.usize += bytes.byteLength;
    const z = deflateRawSync(bytes, { level, finishFlush: final ? constants.Z_FINISH : constants.Z_SYNC_FLUSH });
    e.csize += z.byteLength;
    out(z);
  };
  const put = (text: string) => {
    pending += text;
    if (pending.length > 256_000) compress(false);
  };
  const open = (name: string) => {
    s.current = { name, offset: s.offset, crc: 0, csize: 0, usize: 0 };
    out(localHeader(enc.encode(name)));
  };
  const close = () => {
    compress(true);
    const e = s.current!;
    out(dataDescriptor(e));
    s.entries.push(e);
    s.current = undefined;
  };
  const whole = (name: string, text: string) => {
    open(name);
    put(text);
    close();
  };
  const cell = (ref: string, c: FileColumn, v: unknown): string => {
    if (v === undefined || v === null || v === '') return '';
    if (c.kind === 'fen') {
      return layout.headers === 'codes'
        ? `<c r="${ref}"><v>${v as number}</v></c>`
        : `<c r="${ref}" s="1"><v>${(v as number) / 100}</v></c>`;
    }
    if (c.kind === 'int') return `<c r="${ref}"><v>${v as number}</v></c>`;
    const text = c.kind === 'bool' ? (layout.headers === 'codes' ? String(Boolean(v)) : yesNo(v)) : String(v);
    return `<c r="${ref}" t="inlineStr"><is><t xml:space="preserve">${xmlText(text)}</t></is></c>`;
  };
  const letters = layout.columns.map((_c, i) => columnLetters(i));
  const textRow = (cells: string[], bold: boolean) => {
    const r = ++s.rowsInSheet;
    const xml = cells
      .map(
        (t, i) =>
          `<c r="${letters[i] ?? columnLetters(i)}${r}" t="inlineStr"${bold ? ' s="2"' : ''}><is><t xml:space="preserve">${xmlText(t)}</t></is></c>`,
      )
      .join('');
    return `<row r="${r}">${xml}</row>`;
  };
  const headRows = () => (layout.headers === 'zh' ? layout.preamble.length + 2 : 1);
  const startSheet = () => {
    s.sheet++;
    s.rowsInSheet = 0;
    open(`xl/worksheets/sheet${s.sheet}.xml`);
    const top = headRows();
    const cols = layout.columns
      .map((c, i) => `<col min="${i + 1}" max="${i + 1}" width="${widthOf(c)}" customWidth="1"/>`)
      .join('');
    let xml =
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="${MAIN}"><sheetViews><sheetView workbookViewId="0">` +
      `<pane ySplit="${top}" topLeftCell="A${top + 1}" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>` +
      `<cols>${cols}</cols><sheetData>`;
    if (layout.headers === 'zh') {
      layout.preamble.forEach((line, i) => {
        xml += textRow([line], i === 0);
      });
      s.rowsInSheet++;
      xml += `<row r="${s.rowsInSheet}"/>`;
    }
    xml += textRow(
      layout.columns.map((c) => (layout.headers === 'codes' ? c.code : c.header)),
      true,
    );
    put(xml);
  };
  const endSheet = () => {
    put('</sheetData></worksheet>');
    close();
  };
  return {
    begin() {
      startSheet();
    },
    rows(rows) {
      let xml = '';
      for (const row of rows) {
        if (s.rowsInSheet >= maxRows) {
          put(xml);
          xml = '';
          endSheet();
          startSheet();
        }
        const r = ++s.rowsInSheet;
        let cells = '';
        layout.columns.forEach((c, i) => {
          cells += cell(`${letters[i]}${r}`, c, row[c.key]);
        });
        xml += `<row r="${r}">${cells}</row>`;
        if (xml.length > 256_000) {
          put(xml);
          xml = '';
        }
      }
      if (xml) put(xml);
    },
    checkpoint() {
      // What is pending is compressed and sync-flushed: the file so far ends on a byte boundary, and the next
      // invocation's pieces continue the same deflate stream.
      if (s.current && pending) compress(false);
      return structuredClone(s);
    },
    end() {
      endSheet();
      const n = s.sheet;
      const sheets = Array.from({ length: n }, (_v, i) => i + 1);
      whole(
        'xl/workbook.xml',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="${MAIN}" xmlns:r="${REL}"><sheets>${sheets
          .map((i) => `<sheet name="${xmlText(sheetNameOf(layout.sheetName, i))}" sheetId="${i}" r:id="rId${i}"/>`)
          .join('')}</sheets></workbook>`,
      );
      whole(
        'xl/_rels/workbook.xml.rels',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${sheets
          .map((i) => `<Relationship Id="rId${i}" Type="${REL}/worksheet" Target="worksheets/sheet${i}.xml"/>`)
          .join('')}<Relationship Id="rId${n + 1}" Type="${REL}/styles" Target="styles.xml"/></Relationships>`,
      );
      whole('xl/styles.xml', STYLES);
      whole(
        '_rels/.rels',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
      );
      whole(
        '[Content_Types].xml',
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>${sheets
          .map(
            (i) =>
              `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
          )
          .join(
            '',
          )}<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>`,
      );
      out(centralDirectory(s.entries, s.offset));
    },
  };
}
