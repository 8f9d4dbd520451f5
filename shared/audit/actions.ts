/**
 * Plain names of the writes the audit trail records (`AuditEntry.action`), for people reading the trail on a
 * page or in an export. An entry names its route as API Gateway does (`POST /aid-records`), or, for a page's
 * form, `PAGE POST /app/…` with the path as it was requested (ids in it). Pure: no table, no page code, so the
 * export writer can use it too.
 */

/** The API's writes, by route key (functions/routes.ts). */
export const API_ACTIONS: Readonly<Record<string, string>> = {
  'POST /aid-records': '登记帮扶',
  'POST /aid-records/{id}/reversal': '更正撤回帮扶记录',
  'POST /aid-records/{id}/receipt': '上传签收凭证',
  'POST /households': '登记家庭',
  'PATCH /households/{id}': '修改家庭信息',
  'POST /households/{id}/outcomes': '登记帮扶成效',
  'POST /households/{id}/visits': '登记走访',
  'POST /communities': '登记社区',
  'PATCH /communities/{id}': '修改社区信息',
  'POST /units': '登记帮扶单位',
  'PATCH /units/{id}': '修改帮扶单位信息',
  'POST /cadres': '登记帮扶干部',
  'PATCH /cadres/{id}': '修改帮扶干部信息',
  'POST /pairings': '建立结对',
  'POST /pairings/end': '结束结对',
  'POST /pairings/reassignment': '调整结对干部',
  'POST /pairings/carry-over': '结对延续到新年度',
  'POST /fund-ledger': '登记资金台账',
  'POST /imports': '开始导入',
  'POST /uploads': '上传文件',
  'POST /verifications': '启动核查',
  'POST /verifications/{id}/decision': '社区确认核查结果',
  'POST /verifications/{id}/reopen': '重新开启核查',
  'POST /notices/{id}/objections': '提出异议',
  'POST /public/notices/{id}/objections': '提出异议',
  'POST /objections/{id}/resolution': '处理异议',
  'POST /users': '邀请账号',
  'POST /users/{username}/disable': '停用账号',
  'POST /users/{username}/enable': '启用账号',
  'POST /users/{username}/resend': '重发邀请',
  'PUT /calendar/days/{date}': '设置工作日',
  'POST /exports': '导出报表',
};

/**
 * The pages' writes, by method and path template (functions/routes.ts `*_PAGE_ROUTES`); a page entry holds the
 * requested path, matched against these in order.
 */
export const PAGE_ACTIONS: readonly (readonly [string, string])[] = [
  ['POST /app/households/{id}/aid', '登记帮扶'],
  ['POST /app/aid/{id}/reverse', '更正撤回帮扶记录'],
  ['POST /app/aid/{id}/correction', '更正撤回帮扶记录'],
  ['POST /app/aid/{id}/receipt', '上传签收凭证'],
  ['POST /app/households/{id}/outcomes', '登记帮扶成效'],
  ['POST /app/households/{id}/visits', '登记走访'],
  ['POST /app/households/{id}/uploads', '上传照片'],
  ['POST /app/verifications', '启动核查'],
  ['POST /app/verifications/{id}/decision', '社区确认核查结果'],
  ['POST /app/verifications/{id}/reopen', '重新开启核查'],
  ['POST /app/admin/objections/{id}/resolution', '处理异议'],
  ['POST /app/admin/users', '邀请账号'],
  ['POST /app/admin/users/{id}/disable', '停用账号'],
  ['POST /app/admin/users/{id}/enable', '启用账号'],
  ['POST /app/admin/users/{id}/resend', '重发邀请'],
  ['POST /app/admin/pairings', '建立结对'],
  ['POST /app/admin/pairings/reassignment', '调整结对干部'],
  ['POST /app/admin/pairings/end', '结束结对'],
  ['POST /app/admin/pairings/carry-over', '结对延续到新年度'],
  ['POST /app/admin/imports/uploads', '上传导入文件'],
  ['POST /app/admin/imports', '开始导入'],
  ['POST /app/admin/communities', '登记社区'],
  ['POST /app/admin/communities/{id}/active', '停用或启用社区'],
  ['POST /app/admin/communities/{id}', '修改社区信息'],
  ['POST /app/admin/units', '登记帮扶单位'],
  ['POST /app/admin/units/{id}/active', '停用或启用帮扶单位'],
  ['POST /app/admin/units/{id}', '修改帮扶单位信息'],
  ['POST /app/admin/cadres', '登记帮扶干部'],
  ['POST /app/admin/cadres/{id}/active', '停用或启用帮扶干部'],
  ['POST /app/admin/cadres/{id}', '修改帮扶干部信息'],
  ['POST /app/admin/households', '登记家庭'],
  ['POST /app/admin/households/{id}/active', '停用或启用家庭'],
  ['POST /app/admin/households/{id}/id-number', '更正身份证号'],
  ['POST /app/admin/households/{id}', '修改家庭信息'],
  ['POST /app/admin/calendar', '设置工作日'],
  ['POST /app/exports', '导出报表'],
];

const PAGE_PATTERNS = PAGE_ACTIONS.map(([key, name]) => {
  const [method, path] = key.split(' ') as [string, string];
  return { method, pattern: new RegExp(`^${path.replace(/\{\w+\}/g, '[^/]+')}$`), name };
});

/**
 * The plain Chinese name of an audit entry's action (`POST /aid-records` → 登记帮扶). An action this map does not
 * know is returned as it is, so a new route shows up rather than disappearing.
 */
export function actionName(action: string): string {
  const api = API_ACTIONS[action];
  if (api) return api;
  const page = /^PAGE (\w+) (\S+)$/.exec(action);
  if (page) {
    const [, method, path] = page;
    const found = PAGE_PATTERNS.find((p) => p.method === method && p.pattern.test(path!.replace(/\/+$/, '')));
    if (found) return `${found.name}（页面）`;
  }
  return action;
}

/** Every plain name, once each (for the page's filter of actions and for the English catalogue's test). */
export const ACTION_NAMES: readonly string[] = [
  ...new Set([...Object.values(API_ACTIONS), ...PAGE_ACTIONS.map(([, n]) => n)]),
];

/** The roles as people say them (the audit export's role column, its "exported by" line). */
export const ROLE_NAMES: Readonly<Record<string, string>> = {
  admin: '管理员',
  auditor: '审计',
  cadre: '帮扶干部',
  communityCadre: '社区干部',
  public: '公众',
};
