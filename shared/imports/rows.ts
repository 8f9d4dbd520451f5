import { OBJECTIVE_LABELS, OBJECTIVES, type Objective } from '../aid/rules.ts';
import { isRealDate, toShanghaiDate } from '../dates.ts';
import { getMany } from '../db.ts';
import { normalizeResidentId, RESIDENT_ID_MESSAGES, residentIdProblem } from '../household/resident-id.ts';
import { MAX_ENTRY_FEN, parseAmount, parseYuan } from '../money.ts';
import { FIRST_YEAR } from '../pairing/index.ts';
import { keys } from '../table.ts';
import { type ColumnMap, headerOf, type ImportKind, NOTES_MARK } from './columns.ts';
import type { SheetRow } from './read.ts';
import type { ImportDeps, Outcome, Registry } from './registry-port.ts';

/**
 * The rules of each kind of import, row by row: `parse` reads one row's cells (pure: formats, checksums, ranges),
 * `resolve` checks a batch of parsed rows against the registry (unknown names, conflicts) with batched reads,
 * and `apply` (`apply.ts`, apart so the API's dry run does not bundle the writes) writes a batch of valid rows
 * through the registry's idempotent functions, giving each row its
 * outcome. The dry run runs parse and resolve; the commit runs all three, chunk by chunk.
 */

/** One problem with one cell, as the admin will see it: the row as Excel numbers it and the column's header. */
export interface RowError {
  row: number;
  column: string;
  message: string;
}

/** A row on its way through the rules. */
export interface RowItem {
  row: number;
  value: Record<string, unknown>;
  /** Key that must be unique within the file (another row with it is a duplicate). */
  unique?: string;
  /** What resolve found: ids to write with. */
  resolved?: Record<string, unknown>;
  errors: RowError[];
  outcome?: Outcome;
}

export interface RuleContext {
  kind: ImportKind;
  today: string;
  registry: Registry;
  deps: ImportDeps;
}

interface KindRules {
  parse(cell: (code: string) => string, numeric: (code: string) => boolean, err: Err, today: string): RowItemInit;
  /** The message of an in-file duplicate, on this column. */
  duplicate: { column: string; message: string };
  resolve(items: RowItem[], ctx: RuleContext): Promise<void>;
}

type RowItemInit = { value: Record<string, unknown>; unique?: string };
type Err = (column: string, message: string) => void;

/** The data rows of a file: the header row is taken out, the template's notes row skipped, blank rows dropped. */
export function isNotesRow(r: SheetRow): boolean {
  return (r.cells[0] ?? '').trim().startsWith(NOTES_MARK);
}

/** Reads one row into a RowItem with the kind's pure checks. */
export function parseRow(kind: ImportKind, map: ColumnMap, r: SheetRow, today: string): RowItem {
  const errors: RowError[] = [];
  const cell = (code: string) => {
    const i = map.get(code);
    return i === undefined ? '' : (r.cells[i] ?? '').trim();
  };
  const numeric = (code: string) => {
    const i = map.get(code);
    return i !== undefined && !!r.numeric?.has(i);
  };
  const err: Err = (column, message) => errors.push({ row: r.row, column: headerOf(kind, column), message });
  const init = RULES[kind].parse(cell, numeric, err, today);
  return { row: r.row, ...init, errors };
}

/** The rules of a kind. */
export function rulesOf(kind: ImportKind): KindRules {
  return RULES[kind];
}

const NAME_MAX = 100;
function name(cell: (c: string) => string, err: Err, code: string, label: string, max = NAME_MAX): string {
  const v = cell(code);
  if (!v) err(code, `请填写${label}`);
  else if ([...v].length > max) err(code, `${label}不超过 ${max} 个字`);
  return v;
}

function residentId(cell: (c: string) => string, numeric: (c: string) => boolean, err: Err, today: string) {
  const raw = cell('idNumber');
  if (!raw) {
    err('idNumber', '请填写身份证号');
    return '';
  }
  if (numeric('idNumber') || /e\+/i.test(raw)) {
    err('idNumber', '身份证号被存成了数字，末几位已丢失：请把该列设为“文本”后重新填写');
    return '';
  }
  const id = normalizeResidentId(raw);
  const problem = residentIdProblem(id, today);
  if (problem) err('idNumber', RESIDENT_ID_MESSAGES[problem]);
  return problem ? '' : id;
}

/** Excel keeps dates as days since 1899-12-30 when the cell is a date; people also type them as text. */
function dateCell(text: string, numeric: boolean): string | undefined {
  if (numeric && /^\d{1,6}(\.\d+)?$/.test(text)) {
    const days = Math.floor(Number(text));
    const d = new Date(Date.UTC(1899, 11, 30) + days * 86_400_000);
    return d.toISOString().slice(0, 10);
  }
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$/.exec(text);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    return isRealDate(y, mo, d) ? `${m[1]}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}` : undefined;
  }
  return toShanghaiDate(text);
}

/**
 * Yuan with at most two decimals → integer fen, through the text (never a float). A number cell Excel wrote with
 * binary noise (`12.300000000000001`) is read at its two-decimal value when it is that value to 10^-6 fen.
 */
function amountCell(text: string, numeric: boolean): number | undefined {
  const exact = parseAmount(text);
  if (exact !== undefined || !numeric) return exact;
  const clean = text.trim();
  const m = /^(\d{1,9})\.(\d{3,17})$/.exec(clean);
  if (!m) return undefined;
  const rounded = parseYuan(`${m[1]}.${m[2]!.slice(0, 2)}`);
  const rest = m[2]!.slice(2);
  // Noise is a run of 9s or 0s after the cents; anything else is a third decimal someone typed.
  if (/^0+\d?$/.test(rest)) return rounded;
  if (/^9+\d?$/.test(rest) && rounded !== undefined) return rounded + 1;
  return undefined;
}

const OBJECTIVE_BY_TEXT = new Map<string, Objective>([
  ...OBJECTIVES.map((o) => [o, o] as const),
  ...OBJECTIVES.map((o) => [OBJECTIVE_LABELS[o], o] as const),
  ...OBJECTIVES.map((o) => [OBJECTIVE_LABELS[o].slice(1), o] as const),
]);

/** Region names in one key: a community is unique within its township. */
const regionKey = (name: string, township: string) => `${township}\u0000${name}`;

/** The households named by resident ID in a batch, or an error on the row when none is registered. */
async function resolveHouseholds(items: RowItem[], ctx: RuleContext): Promise<void> {
  const ids = [...new Set(items.map((i) => i.value.idNumber as string))];
  const found = await ctx.registry.findHouseholdIdsByResidentIds(ids);
  for (const item of items) {
    const householdId = found.get(item.value.idNumber as string);
    if (!householdId) {
      item.errors.push({
        row: item.row,
        column: headerOf(ctx.kind, 'idNumber'),
        message: '该身份证号没有登记困难家庭：请先导入困难家庭',
      });
    } else item.resolved = { ...item.resolved, householdId };
  }
}

async function resolveUnit(item: RowItem, ctx: RuleContext) {
  const unit = await ctx.registry.findUnitByName(item.value.unit as string);
  if (!unit) {
    item.errors.push({
      row: item.row,
      column: headerOf(ctx.kind, 'unit'),
      message: `帮扶单位“${item.value.unit}”尚未登记：请先导入帮扶单位`,
    });
  }
  return unit;
}

const RULES: Record<ImportKind, KindRules> = {
  communities: {
    parse(cell, _n, err) {
      const value = {
        name: name(cell, err, 'name', '社区名称'),
        township: cell('township'),
        district: cell('district'),
      };
      // The registry places a township in its district (a name such as 城关镇 recurs from county to county).
      if (value.township && !value.district) err('district', '填写了街道/乡镇时，请同时填写所属区/县');
      return { value, unique: regionKey(value.name, value.township) };
    },
    duplicate: { column: 'name', message: '文件中已有同一街道/乡镇的同名社区' },
    async resolve() {},
  },
  units: {
    parse(cell, _n, err) {
      const value = { name: name(cell, err, 'name', '单位名称') };
      return { value, unique: value.name };
    },
    duplicate: { column: 'name', message: '文件中已有同名单位' },
    async resolve() {},
  },
  cadres: {
    parse(cell, _n, err) {
      const value = {
        name: name(cell, err, 'name', '姓名', 50),
        unit: name(cell, err, 'unit', '所属单位'),
        code: cell('code'),
        phone: cell('phone').replace(/[\s-]/g, ''),
      };
      if (value.code && !/^[\w-]{1,32}$/.test(value.code)) err('code', '编号只能是 1–32 个字母、数字、- 或 _');
      if (value.phone && !/^1\d{10}$/.test(value.phone)) err('phone', '手机号应为 11 位数字，以 1 开头');
      return { value, ...(value.code ? { unique: `${value.unit}\u0000${value.code}` } : {}) };
    },
    duplicate: { column: 'code', message: '文件中同一单位的干部编号重复' },
    async resolve(items, ctx) {
      for (const item of items) {
        const unit = await resolveUnit(item, ctx);
        if (unit) item.resolved = { unitId: unit.id };
      }
    },
  },
  households: {
    parse(cell, numeric, err, today) {
      const count = cell('memberCount');
      const memberCount = /^\d{1,2}$/.test(count) ? Number(count) : Number.NaN;
      if (!count) err('memberCount', '请填写家庭人口');
      else if (!(memberCount >= 1 && memberCount <= 30)) err('memberCount', '家庭人口应为 1–30 的整数');
      const value = {
        headName: name(cell, err, 'headName', '户主姓名', 50),
        idNumber: residentId(cell, numeric, err, today),
        community: name(cell, err, 'community', '所属社区'),
        township: cell('township'),
        memberCount,
      };
      return { value, ...(value.idNumber ? { unique: value.idNumber } : {}) };
    },
    duplicate: { column: 'idNumber', message: '文件中该身份证号出现了不止一次' },
    async resolve(items, ctx) {
      for (const item of items) {
        const v = item.value as { community: string; township: string };
        const found = await ctx.registry.findCommunityByName({ name: v.community, township: v.township || undefined });
        if (found === 'ambiguous') {
          item.errors.push({
            row: item.row,
            column: headerOf('households', 'township'),
            message: `有多个名为“${v.community}”的社区：请填写街道/乡镇加以区分`,
          });
        } else if (!found) {
          item.errors.push({
            row: item.row,
            column: headerOf('households', 'community'),
            message: `社区“${v.community}”尚未登记：请先导入社区`,
          });
        } else item.resolved = { communityId: found.id };
      }
    },
  },
  pairings: {
    parse(cell, numeric, err, today) {
      const yearText = cell('year');
      const year = /^\d{4}$/.test(yearText) ? Number(yearText) : Number.NaN;
      const thisYear = Number(today.slice(0, 4));
      if (!yearText) err('year', '请填写年度');
      else if (!(year >= FIRST_YEAR && year <= thisYear + 1))
        err('year', `年度应为 ${FIRST_YEAR}–${thisYear + 1} 的四位年份`);
      const value = {
        idNumber: residentId(cell, numeric, err, today),
        cadre: name(cell, err, 'cadre', '帮扶责任人', 50),
        unit: name(cell, err, 'unit', '所属单位'),
        year,
      };
      return { value, ...(value.idNumber ? { unique: `${value.idNumber}#${year}` } : {}) };
    },
    duplicate: { column: 'idNumber', message: '文件中同一家庭同一年度出现了不止一次' },
    async resolve(items, ctx) {
      await resolveHouseholds(items, ctx);
      for (const item of items) {
        const unit = await resolveUnit(item, ctx);
        if (!unit) continue;
        const given = item.value.cadre as string;
        const byCode = await ctx.registry.findCadreByCode(unit.id, given);
        const byName = byCode ? [] : await ctx.registry.findCadresByName(unit.id, given);
        const column = headerOf('pairings', 'cadre');
        if (byCode || byName.length === 1) item.resolved = { ...item.resolved, cadreId: (byCode ?? byName[0])!.id };
        else if (byName.length > 1) {
          item.errors.push({
            row: item.row,
            column,
            message: `${unit.name}有 ${byName.length} 位名为“${given}”的干部：请填写干部编号`,
          });
        } else item.errors.push({ row: item.row, column, message: `${unit.name}没有编号或姓名为“${given}”的干部` });
      }
      // A household-year paired with another cadre is a conflict; the same cadre is simply unchanged.
      const ready = items.filter((i) => i.resolved?.householdId && i.resolved.cadreId);
      const existing = await getMany(
        ctx.deps.db,
        ready.map((i) => keys.pairing(i.resolved!.householdId as string, i.value.year as number)),
        ['householdId', 'year', 'cadreId'],
      );
      const cadreOf = new Map(existing.map((p) => [`${p.householdId}#${p.year}`, p.cadreId]));
      for (const item of ready) {
        const current = cadreOf.get(`${item.resolved!.householdId}#${item.value.year}`);
        if (current && current !== item.resolved!.cadreId) {
          item.errors.push({
            row: item.row,
            column: headerOf('pairings', 'cadre'),
            message: `该家庭 ${item.value.year} 年已与另一位干部结对：如需调整请使用“年中调整结对”`,
          });
        }
      }
    },
  },
  'fund-ledger': {
    parse(cell, numeric, err, today) {
      const reference = cell('reference');
      if (!reference) err('reference', '请填写台账编号');
      else if (!/^[\x21-\x7e]{1,64}$/.test(reference)) err('reference', '台账编号应为 1–64 个可见 ASCII 字符');
      const dateText = cell('date');
      const date = dateText ? dateCell(dateText, numeric('date')) : undefined;
      if (!dateText) err('date', '请填写日期');
      else if (!date) err('date', '日期格式应为 YYYY-MM-DD，且必须是真实存在的日期');
      else if (date > today) err('date', '拨付日期不能晚于今天');
      const objectiveText = cell('objective');
      const objective = OBJECTIVE_BY_TEXT.get(objectiveText);
      if (!objectiveText) err('objective', '请填写帮扶目标');
      else if (!objective) err('objective', '帮扶目标应为 帮生活、帮助学、帮就医、帮就业、帮住房 之一');
      const amountText = cell('amount');
      const amountFen = amountText ? amountCell(amountText, numeric('amount')) : undefined;
      if (!amountText) err('amount', '请填写金额');
      else if (amountFen === undefined) err('amount', '金额应为以元为单位的数字，最多两位小数');
      else if (amountFen <= 0) err('amount', '金额必须大于零');
      else if (amountFen > MAX_ENTRY_FEN) err('amount', '金额过大：单笔不超过 1,000,000 元');
      const value = { reference, idNumber: residentId(cell, numeric, err, today), date, objective, amountFen };
      return { value, ...(reference ? { unique: reference } : {}) };
    },
    duplicate: { column: 'reference', message: '文件中该台账编号出现了不止一次' },
    async resolve(items, ctx) {
      await resolveHouseholds(items, ctx);
      // A reference imported before with other figures is refused; with the same figures it is unchanged.
      const stored = await getMany(
        ctx.deps.db,
        items.map((i) => keys.fundEntry(i.value.reference as string)),
        ['reference', 'householdId', 'date', 'objective', 'amountFen'],
      );
      const byRef = new Map(stored.map((s) => [s.reference as string, s]));
      for (const item of items) {
        const s = byRef.get(item.value.reference as string);
        if (!s || !item.resolved?.householdId) continue;
        const same =
          s.householdId === item.resolved.householdId &&
          s.date === item.value.date &&
          s.objective === item.value.objective &&
          s.amountFen === item.value.amountFen;
        if (!same) {
          item.errors.push({
            row: item.row,
            column: headerOf('fund-ledger', 'reference'),
            message: '该台账编号已导入过，但家庭、日期、目标或金额不同：请核对，不能重复使用编号',
          });
        }
      }
    },
  },
};
