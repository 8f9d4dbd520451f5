import * as z from 'zod';
import { invalid } from '../errors.ts';

/**
 * The columns of each kind of import, in template order: the Chinese header people see, the English code a
 * file may use instead (`headers=codes` style), whether it is required, what it takes (the template's notes
 * row) and the template's example. Pure data: templates, the readers and the validators all start here.
 */

export const ImportKind = z.enum(['communities', 'units', 'cadres', 'households', 'pairings', 'fund-ledger'], {
  error: '导入类型应为 communities、units、cadres、households、pairings 或 fund-ledger',
});
export type ImportKind = z.infer<typeof ImportKind>;

export interface ImportColumn {
  code: string;
  header: string;
  required: boolean;
  note: string;
  example: string;
}

const col = (code: string, header: string, required: boolean, note: string, example: string): ImportColumn => ({
  code,
  header,
  required,
  note,
  example,
});

/** The first cell of a template's notes row starts with this; readers skip that row. */
export const NOTES_MARK = '【填写说明】';

export const IMPORT_COLUMNS: Record<ImportKind, readonly ImportColumn[]> = {
  communities: [
    col('name', '社区名称', true, '必填；同一街道/乡镇内不重复', '幸福社区'),
    col('township', '街道/乡镇', false, '选填；社区所属街道或乡镇', '城东街道'),
    col('district', '区/县', false, '选填；街道/乡镇所属区或县', '海陵区'),
  ],
  units: [col('name', '单位名称', true, '必填；全市不重复', '市财政局')],
  cadres: [
    col('name', '姓名', true, '必填', '张三'),
    col('unit', '所属单位', true, '必填；须是已登记的帮扶单位名称', '市财政局'),
    col('code', '编号', false, '选填；单位给干部编的号，单位内不重复，结对表可按编号找人', 'CZ-001'),
    col('phone', '手机', false, '选填；11 位手机号', '13800000000'),
  ],
  households: [
    col('headName', '户主姓名', true, '必填', '李四'),
    col('idNumber', '身份证号', true, '必填；18 位，请把该列设为文本，以免 Excel 改成科学计数', '32090219800101001X'),
    col('community', '所属社区', true, '必填；须是已登记的社区名称', '幸福社区'),
    col('township', '街道/乡镇', false, '选填；社区重名时用来区分', '城东街道'),
    col('memberCount', '家庭人口', true, '必填；1–30 的整数', '3'),
  ],
  pairings: [
    col('idNumber', '身份证号', true, '必填；已登记困难家庭户主的身份证号', '32090219800101001X'),
    col('cadre', '帮扶责任人', true, '必填；干部编号，或单位内不重名的干部姓名', 'CZ-001'),
    col('unit', '所属单位', true, '必填；帮扶责任人所在单位', '市财政局'),
    col('year', '年度', true, '必填；四位年份，今年或明年', String(new Date().getFullYear())),
  ],
  'fund-ledger': [
    col('reference', '台账编号', true, '必填；财务的流水号，重复导入时据此识别', 'FIN-2026-0001'),
    col('idNumber', '身份证号', true, '必填；已登记困难家庭户主的身份证号', '32090219800101001X'),
    col('date', '日期', true, '必填；拨付日期，如 2026-03-01，不晚于今天', '2026-03-01'),
    col('objective', '帮扶目标', true, '必填；帮生活、帮助学、帮就医、帮就业、帮住房之一', '帮生活'),
    col('amount', '金额（元）', true, '必填；大于 0，最多两位小数', '500.00'),
  ],
};

/** Chinese names of the kinds, for file names and messages. */
export const KIND_LABELS: Record<ImportKind, string> = {
  communities: '社区',
  units: '帮扶单位',
  cadres: '帮扶干部',
  households: '困难家庭',
  pairings: '结对关系',
  'fund-ledger': '五帮资金台账',
};

/** Header text as people type it: no spaces, full-width brackets as ASCII, case-folded. */
function normalizeHeader(text: string): string {
  return text.replace(/\s+/g, '').replace(/（/g, '(').replace(/）/g, ')').toLowerCase();
}

/** Where each known column sits in a header row: by Chinese header or English code; extra columns are ignored. */
export type ColumnMap = Map<string, number>;

/**
 * Maps a header row to the kind's columns. A missing required column is one 400 naming every missing column,
 * because no row can be read without it.
 */
export function mapHeader(kind: ImportKind, header: readonly string[], headerRow: number): ColumnMap {
  const names = new Map<string, string>();
  for (const c of IMPORT_COLUMNS[kind]) {
    names.set(normalizeHeader(c.header), c.code);
    names.set(normalizeHeader(c.code), c.code);
  }
  const map: ColumnMap = new Map();
  header.forEach((h, i) => {
    const code = names.get(normalizeHeader(h.replace(/^\uFEFF/, '')));
    if (code && !map.has(code)) map.set(code, i);
  });
  const missing = IMPORT_COLUMNS[kind].filter((c) => c.required && !map.has(c.code));
  if (missing.length) {
    const list = missing.map((c) => c.header).join('、');
    throw invalid('import.columns_missing', `第 ${headerRow} 行（表头）缺少必填列：${list}。请使用导入模板的表头`, [
      ...missing.map((c) => ({ path: `columns.${c.code}`, message: `缺少“${c.header}”列` })),
    ]);
  }
  return map;
}

/** The header of a column, for error reports. */
export function headerOf(kind: ImportKind, code: string): string {
  return IMPORT_COLUMNS[kind].find((c) => c.code === code)?.header ?? code;
}
