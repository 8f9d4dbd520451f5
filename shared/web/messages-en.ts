/**
 * English for the domain's messages, applied only by the pages (`PageRequest.say` and `fieldErrors` in
 * functions/pages/kit.ts): the domain and the API keep their Chinese messages, and nothing in shared/ outside
 * shared/web imports this file.
 *
 * A section maps a Chinese message to its English. `{}` in a key stands for a part that varies (a number, a date,
 * a name, a label): the English refers to the parts as `{1}`, `{2}`… in order, and each part is itself translated
 * when the catalogue knows it (a label such as 帮生活, a nested message), so data stays as it was typed. A message
 * the catalogue does not know is shown in Chinese, never blank. To add a message, add its key to the section of
 * its domain (`test/unit/messages-en.test.ts` finds every Chinese message in shared/ and the page functions and
 * fails until it has one). Sections are separate constants so each page Lambda bundles only those it renders.
 */
export type MessagesEn = Readonly<Record<string, string>>;

/** Messages of the request itself, sign-in, zod's own (zh-CN locale) and the pieces other messages are made of. */
export const COMMON_EN: MessagesEn = {
  // shared/validate.ts, functions/pages/kit.ts, shared/errors.ts, shared/caller.ts
  请求内容: 'the request',
  查询参数: 'the query',
  查询条件: 'the filters',
  路径参数: 'the path',
  '{}有误：{}': 'Problem in {1}: {2}',
  格式不正确: 'wrong format',
  '提交过于频繁，请稍后再试': 'Too many attempts; please try again later',
  请先登录: 'Please sign in first',
  您的角色无权执行此操作: 'Your role may not do this',
  没有这个页面: 'There is no such page',
  '服务器内部错误，请稍后重试': 'Internal server error; please try again later',
  '页面表单只接受 application/x-www-form-urlencoded 格式': 'Page forms accept only application/x-www-form-urlencoded',
  不能为空: 'Must not be empty',
  '不超过 {} 个字符': 'At most {1} characters',
  '不超过 {} 个字': 'At most {1} characters',
  '{}不存在': '{1} does not exist',
  对象不存在: 'The item does not exist',
  翻页标记无效: 'The page marker is not valid',
  'limit 应为 1–200': 'limit must be 1–200',
  'active 应为 true 或 false': 'active must be true or false',
  没有要修改的内容: 'Nothing to change',
  // functions/pages.ts: signing in
  您的账号没有可用的角色: 'Your account has no role it can use',
  本地登录已关闭: 'Local sign-in is turned off',
  登录服务未配置: 'The sign-in service is not configured',
  登录令牌无效: 'The sign-in token is not valid',
  '该账号不存在或已停用，不能登录': 'This account does not exist or is disabled, and cannot sign in',
  没有这个演示用户: 'There is no such demo user',
  '登录失败，请重试': 'Sign-in failed; please try again',
  // zod's zh-CN locale, for schema fields without a message of their own
  '无效输入：期望 {}，实际接收 {}': 'Invalid input: expected {1}, received {2}',
  '无效输入：期望 instanceof {}，实际接收 {}': 'Invalid input: expected instanceof {1}, received {2}',
  '无效输入：期望 {}': 'Invalid input: expected {1}',
  '无效选项：期望以下之一 {}': 'Invalid option: expected one of {1}',
  '数值过大：期望 {} {}': 'Too big: expected {1} {2}',
  '数值过小：期望 {} {}': 'Too small: expected {1} {2}',
  '无效字符串：必须满足正则表达式 {}': 'Invalid text: must match {1}',
  '无效字符串：必须以 "{}" 开头': 'Invalid text: must start with "{1}"',
  '无效字符串：必须以 "{}" 结尾': 'Invalid text: must end with "{1}"',
  '无效字符串：必须包含 "{}"': 'Invalid text: must contain "{1}"',
  '无效数字：必须是 {} 的倍数': 'Invalid number: must be a multiple of {1}',
  '出现未知的键(key): {}': 'Unrecognized keys: {1}',
  '{} 中的键(key)无效': 'Invalid key in {1}',
  '{} 中包含无效值(value)': 'Invalid value in {1}',
  无效输入: 'Invalid input',
  '无效{}': 'Invalid {1}',
  '{} 字符': '{1} characters',
  '{} 字节': '{1} bytes',
  '{} 个元素': '{1} elements',
  数字: 'number',
  数组: 'array',
  '空值(null)': 'null',
  值: 'value',
  电子邮件: 'email',
  ISO日期: 'ISO date',
  ISO日期时间: 'ISO date-time',
  ISO时间: 'ISO time',
  输入: 'input',
  // Labels other messages are made of (objectives, kinds, what a record is)
  帮生活: 'livelihood',
  帮助学: 'education',
  帮就医: 'medical',
  帮就业: 'employment',
  帮住房: 'housing',
  帮扶: 'aid',
  走访: 'visit',
  帮扶成效: 'outcome',
  社区: 'community',
  帮扶单位: 'aid unit',
  单位名称: 'unit name',
  帮扶责任人: 'responsible cadre',
  编号: 'number',
  困难家庭: 'household',
  户主姓名: 'head of household',
  家庭人口: 'household size',
  未分区: 'Unassigned',
  // Shared by several sections' commands
  您无权查看该困难家庭: 'You may not see this household',
  '日期格式应为 YYYY-MM-DD，且必须是真实存在的日期': 'The date must be YYYY-MM-DD and a real date',
  请选择困难家庭: 'Please choose a household',
  困难家庭不存在: 'The household does not exist',
  帮扶责任人不存在: 'The responsible cadre does not exist',
  该帮扶责任人已停用: 'This responsible cadre is disabled',
  社区不存在: 'The community does not exist',
  该社区已停用: 'This community is disabled',
  请选择社区: 'Please choose a community',
  // shared/money.ts, shared/png.ts, shared/paging.ts
  金额必须是以分为单位的整数: 'The amount must be a whole number of fen',
  '金额必须是数字（分）': 'The amount must be a number (fen)',
  金额必须大于零: 'The amount must be more than zero',
  '金额过大：单笔帮扶不超过 ¥1,000,000': 'Amount too large: one entry is at most ¥1,000,000',
  '请提供 PNG 图片（base64）': 'Please give a PNG image (base64)',
  图片过大: 'The image is too large',
  '图片不是有效的 PNG': 'The image is not a valid PNG',
  // shared/objects.ts (uploads)
  '用途应为 receipt（签收照片）、evidence（佐证材料）、photo（走访或帮扶照片）或 import（批量导入文件）':
    'Purpose must be receipt (receipt photo), evidence, photo (visit or aid photo) or import (bulk import file)',
  '只接受 PNG、JPEG、PDF 文件，或用于导入的 CSV、XLSX 文件':
    'Only PNG, JPEG and PDF files, or CSV and XLSX for imports',
  '请给出文件大小（字节）': 'Please give the file size (bytes)',
  文件不能为空: 'The file must not be empty',
  '文件不超过 64 MB': 'The file must be at most 64 MB',
  '导入文件只接受 CSV 或 XLSX': 'Import files must be CSV or XLSX',
  '签收照片和佐证材料只接受 PNG、JPEG 或 PDF': 'Receipt photos and evidence must be PNG, JPEG or PDF',
  '照片只接受 JPEG 或 PNG': 'Photos must be JPEG or PNG',
  '文件不超过 5 MB': 'The file must be at most 5 MB',
  只有管理员可以上传批量导入文件: 'Only an admin may upload bulk import files',
  // functions/page-downloads.ts, functions/verification-pages.ts
  没有这种格式的下载: 'There is no download in this format',
  没有签字图片: 'There is no signature image',
  '签字图片与确认时记录的哈希不一致，请联系管理员核对':
    'The signature image does not match the hash recorded at confirmation; please ask an admin to check',
};

/** The ledger: aid entries, reversals, receipts, photos, visits, outcomes, and who may record them when. */
export const LEDGER_EN: MessagesEn = {
  // shared/aid/rules.ts
  '帮扶类别应为：生活、助学、医疗、就业、住房之一':
    'The objective must be one of livelihood, education, medical, employment, housing',
  '帮扶方式应为现金（cash）或实物（in_kind）': 'The kind must be cash or in kind (in_kind)',
  物品名称不能为空: 'The item name must not be empty',
  '物品名称不超过 100 个字': 'The item name must be at most 100 characters',
  数量必须是数字: 'The quantity must be a number',
  数量必须大于零: 'The quantity must be more than zero',
  数量过大: 'The quantity is too large',
  数量最多两位小数: 'The quantity may have at most two decimal places',
  请填写帮扶日期: 'Please enter the date of the aid',
  请填写帮扶内容: 'Please describe the aid',
  '帮扶内容不超过 500 字': 'The description must be at most 500 characters',
  实物帮扶至少填写一项物品: 'In-kind aid needs at least one item',
  '物品不超过 {} 项': 'At most {1} items',
  现金帮扶不填写物品明细: 'Cash aid has no items',
  '实物帮扶须逐项填写物品、数量和单价': 'In-kind aid needs each item with its quantity and unit value',
  '该物品的数量×单价过大：单笔帮扶不超过 ¥1,000,000':
    "This item's quantity × unit value is too large: one entry is at most ¥1,000,000",
  '物品合计过大：单笔帮扶不超过 ¥1,000,000': 'The items add up to too much: one entry is at most ¥1,000,000',
  '金额应等于各物品数量×单价之和 ¥{}，实填 ¥{}':
    'The amount must equal the sum of quantity × unit value, ¥{1}; ¥{2} was entered',
  请填写冲正原因: 'Please give the reason for the correction',
  '更正原因不超过 500 字': 'The reason must be at most 500 characters',
  '缺少 Idempotency-Key 请求头': 'The Idempotency-Key header is missing',
  'Idempotency-Key 应为 8–128 个可见 ASCII 字符': 'Idempotency-Key must be 8–128 visible ASCII characters',
  // shared/aid/ledger.ts, receipt.ts
  '同一个 Idempotency-Key 已用于内容不同的登记，请重新打开表单':
    'This form was already sent with other content; please open the form again',
  帮扶记录不存在: 'The aid entry does not exist',
  '只有登记该记录的帮扶责任人（该日期负责的帮扶责任人）或管理员可以更正':
    'Only the cadre who recorded the entry (responsible on that date) or an admin may correct it',
  撤回记录不能再次更正: 'A withdrawal cannot itself be corrected',
  // A withdrawal's stored description: `更正撤回：` now, `冲正：` in entries recorded before the word changed.
  '更正撤回：{}': 'Withdrawal: {1}',
  '冲正：{}': 'Withdrawal: {1}',
  '该记录已撤回（已更正），不能重复更正': 'This entry has already been withdrawn (corrected)',
  您无权查看该家庭的帮扶记录: "You may not see this household's aid entries",
  '签收方式应为签字（signature）或按手印（thumbprint）': 'The receipt must be a signature or a thumbprint',
  只有登记该记录的帮扶责任人或所在社区干部可以登记签收:
    "Only the cadre who recorded the entry or the community's cadre may record the receipt",
  撤回记录无需签收: 'A withdrawal needs no receipt',
  签字图片和签收照片只需其一: 'Give the signature image or a photo of the receipt, not both',
  '已有签字图片，无需再上传签收照片': 'There is a signature image already; no photo of the receipt is needed',
  该记录已登记签收: 'This entry already has a receipt',
  // shared/evidence/photos.ts
  '照片应为上传后得到的 key': 'A photo must be the key an upload returned',
  '照片 key 过长': 'The photo key is too long',
  '照片应为本人上传的 JPEG 或 PNG 照片（uploads/photo/… 或 uploads/evidence/…）':
    'A photo must be a JPEG or PNG you uploaded (uploads/photo/… or uploads/evidence/…)',
  '照片应为 key 的列表': 'Photos must be a list of keys',
  '照片不超过 {} 张': 'At most {1} photos',
  同一张照片只能添加一次: 'The same photo can be added only once',
  只能使用本人上传的照片: 'Only photos you uploaded can be used',
  '这张照片不是您本人上传的，请重新上传': 'You did not upload this photo; please upload it again',
  照片尚未上传成功: 'The photo has not finished uploading',
  '找不到这张照片，请重新上传后再提交': 'The photo cannot be found; please upload it again and resend',
  '照片应为不超过 5 MB 的 JPEG 或 PNG 图片': 'A photo must be a JPEG or PNG image of at most 5 MB',
  '这张照片不是不超过 5 MB 的 JPEG 或 PNG 图片，请重新上传':
    'This photo is not a JPEG or PNG image of at most 5 MB; please upload it again',
  // shared/visit, shared/outcome
  请填写走访情况: 'Please describe the visit',
  '走访情况不超过 1000 字': 'The visit note must be at most 1000 characters',
  '同一个 Idempotency-Key 已用于内容不同的走访记录，请重新打开表单':
    'This visit form was already sent with other content; please open the form again',
  您无权查看该家庭的走访记录: "You may not see this household's visits",
  请填写帮扶成效: 'Please describe the outcome',
  '帮扶成效不超过 500 字': 'The outcome must be at most 500 characters',
  // shared/pairing/index.ts: who records for a household on a date; shared/pairing/frozen.ts
  '只有帮扶责任人可以登记{}': 'Only a responsible cadre may record {1}',
  '{}日期不能晚于今天': 'The {1} date cannot be after today',
  '{}日期不能晚于今天（北京时间）': 'The {1} date cannot be after today (Beijing time)',
  '您在 {} 年未与该家庭结对，不能为其登记{}': 'You are not paired with this household in {1} and cannot record {2}',
  '该家庭 {} 由其他帮扶责任人负责（{}），您只能登记您负责期间的{}':
    'On {1} another cadre is responsible for this household ({2}); you can record {3} only for your own period',
  '自 {} 起': 'from {1}',
  结对交接: 'handover',
  '该家庭 {} 年的结对已于 {} 结束，不能登记此后日期的{}':
    "This household's {1} pairing ended on {2}; {3} cannot be recorded after that",
  '该家庭 {} 已由其他帮扶责任人负责或结对已结束，不能登记':
    'On {1} another cadre is responsible for this household or the pairing has ended; nothing can be recorded',
  '该社区本年度帮扶数据已确认公示并锁定，如需更正请联系管理员重新开启核查':
    "This community's aid for the year is confirmed, published and locked; to correct it, ask an admin to reopen verification",
  '该家庭 {} 年的帮扶数据正在第 {} 轮核查中（{}），核查期间不能登记、更正或签收。请等待社区干部确认；如需更正，请社区干部退回该户。':
    "This household's {1} aid is in verification round {2} ({3}); nothing can be recorded, withdrawn or received until it ends. Wait for the community cadre's confirmation, or ask them to return the household to correct it.",
  // functions/household-pages.ts, household-pages/evidence.ts
  请填写更正原因: 'Please give the reason for the correction',
  请先在签字板上签字: 'Please sign on the pad first',
  您无权查看该家庭的签收: "You may not see this household's receipts",
  该记录没有签收图片: 'This entry has no receipt image',
  您无权为该家庭上传照片: 'You may not upload photos for this household',
  找不到这张照片: 'There is no such photo',
  '照片与登记时记录的哈希不一致，请联系管理员核对':
    'The photo does not match the digest recorded with it; please ask an admin to check',
  您无权查看该家庭的照片: "You may not see this household's photos",
  '您今年未与该家庭结对，不能为其登记帮扶': 'You are not paired with this household this year and cannot record aid',
  '请输入金额（元），最多两位小数，如 300、1,200 或 12.50':
    'Enter the amount in yuan, at most two decimal places, e.g. 300, 1,200 or 12.50',
  '第 {} 行物品：请填写名称、数量（最多两位小数，不超过 999,999）和单价（元）':
    'Item row {1}: enter the name, the quantity (at most two decimal places, up to 999,999) and the unit value (yuan)',
  '金额应等于各物品数量×单价之和：{} 元（可留空，自动合计）':
    'The amount must equal the sum of quantity × unit value: {1} yuan (leave it empty to add up automatically)',
};

/** The registry: communities, units, cadres, households, accounts and the working-day calendar. */
export const REGISTRY_EN: MessagesEn = {
  // shared/registry
  名称不能为空: 'The name must not be empty',
  '名称不超过 100 个字': 'The name must be at most 100 characters',
  '不超过 50 个字': 'At most 50 characters',
  编号不能为空: 'The number must not be empty',
  '编号不超过 32 个字符': 'The number must be at most 32 characters',
  '电话应为数字（可含区号和 -），如 13800138000 或 0512-12345678':
    'The phone must be digits (an area code and - allowed), e.g. 13800138000 or 0512-12345678',
  '填写街道/乡镇时，请同时填写所属区/县': 'With a street/township, also give its district/county',
  '同一街道/乡镇内已有同名社区': 'A community of this name already exists in this street/township',
  已有同名帮扶单位: 'An aid unit of this name already exists',
  该单位已有使用此编号的帮扶责任人: 'A cadre of this unit already has this number',
  帮扶单位不存在: 'The aid unit does not exist',
  该帮扶单位已停用: 'This aid unit is disabled',
  '该帮扶责任人 {} 年已有结对家庭，不能直接调到其他单位；请先调整结对（改派）后再修改单位':
    'This cadre has paired households in {1} and cannot move to another unit directly; reassign the pairings first',
  // shared/household
  户主姓名不能为空: 'The head of household must not be empty',
  '户主姓名不超过 50 个字': 'The head of household must be at most 50 characters',
  请填写户主身份证号: "Please enter the head's resident ID number",
  '身份证号应为 18 位': 'The resident ID number must have 18 characters',
  家庭人口必须是数字: 'The household size must be a number',
  家庭人口必须是整数: 'The household size must be a whole number',
  '家庭人口至少 1 人': 'The household size must be at least 1',
  '家庭人口不超过 30 人': 'The household size must be at most 30',
  '该身份证号已登记过困难家庭，不能重复登记': 'A household with this resident ID number is already registered',
  请填写更正原因: 'Please give the reason for the correction',
  '原因不超过 500 个字': 'The reason must be at most 500 characters',
  '该家庭 {} 年在原社区已有帮扶、资金、成效或走访记录，不能迁移到其他社区':
    'This household has aid, funds, outcomes or visits in {1} in its community and cannot move to another',
  更正身份证号须填写原因: 'Correcting the resident ID number needs a reason',
  '身份证号应为 18 位：17 位数字加 1 位校验码（数字或 X）':
    'The resident ID number has 18 characters: 17 digits and a check digit (a digit or X)',
  '身份证号前 6 位不是有效的行政区划代码': 'The first 6 digits of the resident ID number are not a valid region code',
  身份证号中的出生日期不存在或晚于今天: 'The birth date in the resident ID number does not exist or is after today',
  '身份证号校验码不正确，请核对是否输错': 'The check digit of the resident ID number is wrong; please check for a typo',
  '搜索内容不超过 50 个字': 'The search must be at most 50 characters',
  'active 应为 true、false 或 all': 'active must be true, false or all',
  // shared/calendar/days.ts
  请填写日期: 'Please enter the date',
  '日期格式应为 YYYY-MM-DD，且是真实的日期': 'The date must be YYYY-MM-DD and a real date',
  '请说明这一天是否上班（working: true 或 false）': 'Say whether this is a working day (working: true or false)',
  请填写说明: 'Please enter a note',
  '请填写说明（如：调休上班、本地节日）': 'Please enter a note (e.g. make-up working day, local holiday)',
  '说明不超过 200 字': 'The note must be at most 200 characters',
  请填写年份: 'Please enter the year',
  年份应为整数: 'The year must be a whole number',
  '年份应在 2000 到 2100 之间': 'The year must be between 2000 and 2100',
};

/** Verification rounds, the packet's problems, integrity checks, notices and objections. */
export const VERIFICATION_EN: MessagesEn = {
  // shared/verification/checks.ts: the packet's discrepancies
  '帮扶手册记有 {} {}现金 {}，资金台账中没有相同金额的拨付记录':
    'The aid book has {2} cash of {3} on {1}, and the fund ledger has no payment of the same amount',
  '资金台账 {}（{} {} {}）在帮扶手册中没有对应登记':
    'Fund ledger entry {1} ({2} {3} {4}) has no matching entry in the aid book',
  '{}现金：帮扶手册合计 {}，资金台账合计 {}，不一致':
    '{1} cash: the aid book totals {2}, the fund ledger {3}; they differ',
  '{} {}实物 {} 的物品明细与金额不符': 'The items of the {2} in-kind aid of {3} on {1} do not add up to its amount',
  '{} {}实物 {} 尚无困难家庭签收': 'The {2} in-kind aid of {3} on {1} has no receipt from the household yet',
  '全年帮扶合计 {}，低于 ¥1,000.00 的标准，还差 {}': "The year's aid totals {1}, below the ¥1,000.00 floor by {2}",
  // shared/verification/model.ts, commands.ts
  请填写社区印章编号: 'Please enter the community seal number',
  '缺少核查材料的摘要（digest），请刷新核查页面后再确认':
    "The packet's digest is missing; reload the packet page and confirm again",
  '核查材料的摘要（digest）格式不正确，请刷新核查页面后再确认':
    "The packet's digest is malformed; reload the packet page and confirm again",
  'acknowledgeProblems 应为 true 或 false': 'acknowledgeProblems must be true or false',
  退回时必须填写意见: 'A return needs a comment',
  退回的户数超出本轮核查的户数: 'More households are returned than the round holds',
  '决定应为 confirm（确认）或 reject（退回）': 'The decision must be confirm or reject',
  请填写重新开启的原因: 'Please give the reason for reopening',
  核查不存在: 'The verification does not exist',
  '该社区本年度结果已定稿；如需更正，请先重新开启（reopen）':
    "This community's result for the year is final; reopen it first to correct it",
  '该社区本年度没有结对家庭，无需核查': 'This community has no paired households this year; nothing to verify',
  您无权查看该社区的核查: "You may not see this community's verification",
  只有本社区的社区干部可以确认或退回: "Only this community's cadre may confirm or return",
  退回名单中有不属于本轮核查的家庭: 'Some returned households are not in this round',
  '不属于本轮核查：{}': 'Not in this round: {1}',
  '本轮核查已作出决定，不能重复确认或退回': 'This round already has a decision',
  '本轮核查已超过确认期限而失效，决定未被记录；请联系管理员重新发起核查':
    'This round expired before a decision; the decision was not recorded. Ask an admin to start verification again',
  '本轮核查因系统故障中止，决定未被记录；请联系管理员重新发起核查':
    'This round stopped on a system fault; the decision was not recorded. Ask an admin to start verification again',
  本轮核查当前不在待确认状态: 'This round is not awaiting confirmation',
  '您确认的核查材料与本轮快照不一致（页面可能已过期），请刷新核查页面，核对后重新签字确认':
    "What you confirmed is not the round's snapshot (the page may be stale); reload the packet, check it and sign again",
  '有 {} 户未达标或核查未通过（{}），确认前请勾选“已知悉以上问题”（acknowledgeProblems: true），或退回这些家庭':
    '{1} households are below the floor or fail a check ({2}); tick "I am aware of these problems" (acknowledgeProblems: true) before confirming, or return them',
  '{}等': '{1} and others',
  等: ' and others',
  '帮扶台账在本轮快照之后发生了变化，本轮材料已不是最新；请退回本轮，由管理员重新发起核查':
    "The ledger changed after this round's snapshot; return the round and ask an admin to start verification again",
  只有已定稿的核查可以重新开启: 'Only a final verification can be reopened',
  '公示异议成立：{}': 'Objection upheld: {1}',
  // shared/verification/integrity.ts
  确认记录: 'the confirmation',
  公示: 'the notice',
  核查快照: 'the snapshot',
  台账: 'the ledger',
  核查快照与台账之间: 'between the snapshot and the ledger',
  '（无）': '(none)',
  '{}中{}家庭 {}': 'In {1}: {2} household {3}',
  '{}中家庭 {} 的{}由 {} 变为 {}': 'In {1}, the {3} of household {2} changed from {4} to {5}',
  '{}中{}帮扶记录 {}（{} {} 分，家庭 {}）': 'In {1}: {2} aid entry {3} ({4}, {5} fen, household {6})',
  '{}中帮扶记录 {} 的 {} 由 {} 变为 {}（家庭 {}）':
    'In {1}, {3} of aid entry {2} changed from {4} to {5} (household {6})',
  '{}中帮扶记录 {} 的签收{}（家庭 {}）': 'In {1}, the receipt of aid entry {2} {3} (household {4})',
  被添加: 'was added',
  被移除: 'was removed',
  '{}中{}资金台账记录 {}（家庭 {}）': 'In {1}: {2} fund ledger entry {3} (household {4})',
  '{}中资金台账记录 {} 的 {} 由 {} 变为 {}（家庭 {}）':
    'In {1}, {3} of fund ledger entry {2} changed from {4} to {5} (household {6})',
  多出: 'an extra',
  缺少: 'a missing',
  您无权核验该核查: 'You may not check this verification',
  '本轮核查尚未确认，没有可核验的确认摘要': 'This round is not confirmed; there is no digest to check',
  '确认记录的签名绑定值与确认内容（摘要、签名、印章、确认人、时间）不符':
    "The confirmation's binding does not match what was confirmed (digest, signature, seal, who, when)",
  核查记录上的摘要与确认时的摘要不一致: "The round's digest differs from the confirmed one",
  公示中的摘要与确认时的摘要不一致: "The notice's digest differs from the confirmed one",
  '由核查快照重新计算的摘要与确认时的摘要不一致：快照在确认后被改动':
    'The digest recomputed from the snapshot differs from the confirmed one: the snapshot changed after confirmation',
  '由台账重新计算的摘要与确认时的摘要不一致：确认后台账被改动':
    'The digest recomputed from the ledger differs from the confirmed one: the ledger changed after confirmation',
  // shared/calendar/working-days.ts
  '按工作日计算的公示期会延续到 {}，但节假日日历只到 {} 年：请在国务院公布 {} 年放假安排、系统更新日历后再开始，或改用按天计算的公示期（OBJECTION_WINDOW）':
    "A working-day window would last until {1}, but the holiday calendar ends with {2}: start after the State Council publishes {3}'s holidays and the calendar is updated, or use a calendar-day window (OBJECTION_WINDOW)",
};

/** Pairings: creating, listing, handing over, ending, carrying over; the audit trail's queries. */
export const PAIRING_EN: MessagesEn = {
  年份必须是数字: 'The year must be a number',
  年份必须是整数: 'The year must be a whole number',
  '年份不早于 {}': 'The year must be {1} or later',
  年份超出范围: 'The year is out of range',
  请给出年份: 'Please give the year',
  年份应为四位数字: 'The year must have four digits',
  请选择帮扶责任人: 'Please choose a responsible cadre',
  只能为今年或明年建立结对: 'Pairings can be made only for this year or next',
  该家庭本年度已与其他帮扶责任人结对: 'This household is already paired with another cadre this year',
  请给出四位数字的年份: 'Please give a four-digit year',
  '请按帮扶责任人、社区或单位中的一项查询': 'Please search by one of cadre, community or unit',
  '请给出{}': 'Please give the {1}',
  '{}应为有效日期（YYYY-MM-DD）': 'The {1} must be a valid date (YYYY-MM-DD)',
  交接日期: 'handover date',
  结束日期: 'end date',
  '该家庭 {} 年没有结对': 'This household has no pairing in {1}',
  '该结对已于 {} 结束，不能再交接': 'This pairing ended on {1} and cannot be handed over',
  '交接日期应在 {} 年内': 'The handover date must be in {1}',
  '交接日期不能早于当前帮扶责任人的开始日期（{}）':
    "The handover date cannot be before the current cadre's start ({1})",
  '该结对正被同时修改，请稍后重试': 'This pairing is being changed at the same time; please try again',
  '该结对已于 {} 结束': 'This pairing ended on {1}',
  '结束日期应在 {} 年内': 'The end date must be in {1}',
  '结束日期不能早于当前帮扶责任人的开始日期（{}）': "The end date cannot be before the current cadre's start ({1})",
  'dryRun 应为 true（预览）或 false（执行）': 'dryRun must be true (preview) or false (run)',
  只能结转到下一年: 'Pairings carry over only to the next year',
  '应为 {}': 'Must be {1}',
  只能结转到今年或明年: 'Pairings carry over only to this year or next',
  '应为 {} 或 {}': 'Must be {1} or {2}',
  结转任务不存在: 'The carry-over does not exist',
  // shared/audit
  '时间应为 YYYY-MM-DD 或带时区的 ISO 时间': 'A time must be YYYY-MM-DD or an ISO time with a zone',
  '格式应为 json、csv 或 xlsx': 'The format must be json, csv or xlsx',
  开始时间不能晚于结束时间: 'The start cannot be after the end',
  '不指定对象时，必须给出开始和结束时间（from、to）': 'Without an entity, give the start and end (from, to)',
  '不指定对象时，必须给出开始和结束时间': 'Without an entity, give the start and end',
  '时间范围不超过 {} 天': 'The range must be at most {1} days',
};

/** Bulk import: files, rows, the fund ledger. */
export const IMPORT_EN: MessagesEn = {
  '导入类型应为 communities、units、cadres、households、pairings 或 fund-ledger':
    'The import kind must be communities, units, cadres, households, pairings or fund-ledger',
  '第 {} 行（表头）缺少必填列：{}。请使用导入模板的表头':
    "Row {1} (the header) lacks required columns: {2}. Please use the template's header",
  '缺少“{}”列': 'The "{1}" column is missing',
  '请给出上传文件的 key': "Please give the uploaded file's key",
  'key 应为用途为 import 的上传所返回的 key': 'The key must be one an import upload returned',
  'dryRun 应为 true 或 false': 'dryRun must be true or false',
  'skipInvalid 应为 true 或 false': 'skipInvalid must be true or false',
  '文件是空的：第一行应为表头': 'The file is empty: its first row must be the header',
  文件是空的: 'The file is empty',
  '{}（与第 {} 行重复）': '{1} (same as row {2})',
  '文件只有表头，没有数据行': 'The file has a header and no data rows',
  没有数据行: 'No data rows',
  '文件有 {} 处错误，未导入任何行。请改正后重新上传，或选择只导入正确的行':
    'The file has {1} errors and no row was imported. Correct them and upload again, or import only the correct rows',
  '找不到上传的文件：请重新上传后再导入': 'The uploaded file cannot be found: upload it again, then import',
  导入任务不存在: 'The import does not exist',
  '文件不是 UTF-8 编码的 CSV：请在 Excel 或 WPS 中“另存为 CSV UTF-8（逗号分隔）”后再上传':
    'The file is not a UTF-8 CSV: in Excel or WPS "Save as CSV UTF-8 (comma delimited)", then upload it',
  '文件不是 UTF-8 编码': 'The file is not UTF-8',
  '无法读取 XLSX 文件：{}。请用 Excel 或 WPS 另存为 .xlsx 后再上传':
    'The XLSX file cannot be read: {1}. Save it as .xlsx in Excel or WPS, then upload it',
  '无法读取 XLSX 文件：{}': 'The XLSX file cannot be read: {1}',
  'CSV 第 {} 行的引号没有闭合': 'A quote on CSV line {1} is not closed',
  引号没有闭合: 'A quote is not closed',
  '不是 zip 格式': 'not a zip file',
  文件已损坏: 'the file is damaged',
  找不到工作簿: 'no workbook found',
  'XML 不完整': 'incomplete XML',
  'XML 标签不匹配：{}': 'mismatched XML tag: {1}',
  'XML 标签无效': 'invalid XML tag',
  导入任务编号无效: 'The import id is not valid',
  '格式应为 xlsx 或 csv': 'The format must be xlsx or csv',
  没有这种导入模板: 'There is no such import template',
  // shared/imports/columns.ts: what each column takes, as the imports page explains it
  必填: 'Required',
  '必填；{}': 'Required; {1}',
  '选填；{}': 'Optional; {1}',
  '18 位，请把该列设为文本，以免 Excel 改成科学计数':
    '18 characters; format the column as Text so Excel does not turn it into a number',
  '1–30 的整数': 'a whole number from 1 to 30',
  全市不重复: 'unique in the city',
  '同一街道/乡镇内不重复': 'unique within its street/township',
  '四位年份，今年或明年': 'a four-digit year, this year or next',
  '大于 0，最多两位小数': 'more than 0, at most two decimal places',
  已登记困难家庭户主的身份证号: "the resident ID number of a registered household's head",
  帮扶责任人所在单位: "the responsible cadre's unit",
  '帮生活、帮助学、帮就医、帮就业、帮住房之一':
    'one of livelihood, education, medical, employment, housing, written in Chinese as in the example',
  '干部编号，或单位内不重名的干部姓名': "the cadre's number, or a name unique within the unit",
  '拨付日期，如 2026-03-01，不晚于今天': 'the payment date, e.g. 2026-03-01, not after today',
  '财务的流水号，重复导入时据此识别': "the finance office's serial number, which recognises a repeated import",
  须是已登记的帮扶单位名称: 'the name of a registered aid unit',
  须是已登记的社区名称: 'the name of a registered community',
  '11 位手机号': 'an 11-digit mobile number',
  '单位给干部编的号，单位内不重复，结对表可按编号找人':
    "the unit's number for the cadre, unique within the unit; pairings can find the cadre by it",
  社区所属街道或乡镇: "the community's street or township",
  社区重名时用来区分: 'tells communities of the same name apart',
  '街道/乡镇所属区或县': "the street/township's district or county",
  // shared/imports/rows.ts: row errors
  '请填写{}': 'Please fill in {1}',
  '{}不超过 {} 个字': '{1} must be at most {2} characters',
  请填写身份证号: 'Please fill in the resident ID number',
  '身份证号被存成了数字，末几位已丢失：请把该列设为“文本”后重新填写':
    'The resident ID number was saved as a number and lost its last digits: format the column as "Text" and type it again',
  '该身份证号没有登记困难家庭：请先导入困难家庭':
    'No household has this resident ID number: import the households first',
  '帮扶单位“{}”尚未登记：请先导入帮扶单位': 'Aid unit "{1}" is not registered: import the aid units first',
  社区名称: 'the community name',
  '填写了街道/乡镇时，请同时填写所属区/县': 'With a street/township, also fill in its district/county',
  '文件中已有同一街道/乡镇的同名社区': 'The file already has a community of this name in this street/township',
  文件中已有同名单位: 'The file already has a unit of this name',
  姓名: 'the name',
  所属单位: 'the unit',
  '编号只能是 1–32 个字母、数字、- 或 _': 'The number can only be 1–32 letters, digits, - or _',
  '手机号应为 11 位数字，以 1 开头': 'The mobile number has 11 digits and starts with 1',
  文件中同一单位的干部编号重复: 'The file repeats a cadre number within one unit',
  请填写家庭人口: 'Please fill in the household size',
  '家庭人口应为 1–30 的整数': 'The household size must be a whole number from 1 to 30',
  所属社区: 'the community',
  文件中该身份证号出现了不止一次: 'This resident ID number appears more than once in the file',
  '有多个名为“{}”的社区：请填写街道/乡镇加以区分':
    'Several communities are named "{1}": fill in the street/township to tell them apart',
  '社区“{}”尚未登记：请先导入社区': 'Community "{1}" is not registered: import the communities first',
  请填写年度: 'Please fill in the year',
  '年度应为 {}–{} 的四位年份': 'The year must be a four-digit year from {1} to {2}',
  文件中同一家庭同一年度出现了不止一次: 'The file has the same household and year more than once',
  '{}有 {} 位名为“{}”的干部：请填写干部编号': '{1} has {2} cadres named "{3}": fill in the cadre number',
  '{}没有编号或姓名为“{}”的干部': '{1} has no cadre numbered or named "{2}"',
  '该家庭 {} 年已与另一位干部结对：如需调整请使用“年中调整结对”':
    'This household is paired with another cadre in {1}: use "Reassign a pairing" to change it',
  请填写台账编号: 'Please fill in the ledger reference',
  '台账编号应为 1–64 个可见 ASCII 字符': 'The ledger reference must be 1–64 visible ASCII characters',
  拨付日期不能晚于今天: 'The payment date cannot be after today',
  请填写帮扶目标: 'Please fill in the objective',
  '帮扶目标应为 帮生活、帮助学、帮就医、帮就业、帮住房 之一':
    'The objective must be one of livelihood, education, medical, employment, housing, written in Chinese as in the template',
  请填写金额: 'Please fill in the amount',
  '金额应为以元为单位的数字，最多两位小数': 'The amount must be a number of yuan with at most two decimal places',
  '金额过大：单笔不超过 1,000,000 元': 'Amount too large: one entry is at most 1,000,000 yuan',
  文件中该台账编号出现了不止一次: 'This ledger reference appears more than once in the file',
  '该台账编号已导入过，但家庭、日期、目标或金额不同：请核对，不能重复使用编号':
    'This ledger reference was imported before with another household, date, objective or amount: check it; a reference cannot be reused',
  '该台账编号已导入过，但内容不同': 'This ledger reference was imported before with other content',
  // shared/fund
  请填写困难家庭编号: 'Please fill in the household id',
  至少导入一条台账记录: 'Import at least one ledger entry',
  '一次最多导入 {} 条': 'At most {1} entries at once',
  同一文件中台账编号重复: 'The file repeats a ledger reference',
  '台账有 {} 处错误，未导入任何记录': 'The ledger has {1} errors; nothing was imported',
  '台账中有 {} 条属于正在核查或已确认的家庭，未导入任何记录。{}':
    '{1} ledger entries belong to households under verification or confirmed; nothing was imported. {2}',
};

interface Pattern {
  re: RegExp;
  en: string;
  /** Characters of the key outside its `{}`: the more a key fixes, the earlier it is tried. */
  fixed: number;
}

/** A catalogue ready to use: exact messages and the keys with varying parts as anchored patterns. */
export interface EnglishCatalogue {
  exact: ReadonlyMap<string, string>;
  patterns: readonly Pattern[];
}

/** The admin's accounts (a section of its own: the admin's pages carry it and little else). */
export const ACCOUNTS_EN: MessagesEn = {
  // shared/accounts, functions/lib/accounts.ts
  '用户名为 3–64 位小写字母、数字、下划线或连字符，以字母开头':
    'The username is 3–64 lowercase letters, digits, underscores or hyphens, starting with a letter',
  请填写电子邮箱: 'Please enter an email address',
  '电子邮箱不超过 254 个字符': 'The email address must be at most 254 characters',
  电子邮箱格式不正确: 'The email address is not valid',
  '角色应为 admin、cadre、communityCadre 或 auditor': 'The role must be admin, cadre, communityCadre or auditor',
  该角色不需要此项: 'This role does not take this',
  帮扶责任人账号须选择一名帮扶责任人: 'A cadre account needs a responsible cadre',
  帮扶单位与该帮扶责任人所在单位不一致: "The aid unit is not the responsible cadre's unit",
  社区干部账号须选择一个社区: 'A community cadre account needs a community',
  '账号范围有误：{}': "Problem in the account's scope: {1}",
  没有这个账号: 'There is no such account',
  该用户名已被使用: 'This username is already taken',
  '该账号已停用，请先启用再重发邀请': 'This account is disabled; enable it before resending the invitation',
  '该用户已登录过，无需重发邀请': 'This user has signed in already; no invitation is needed',
};

/** The public notice and its objections (the public pages, the packet's and the admin's objections pages). */
export const NOTICE_EN: MessagesEn = {
  // shared/notice
  公示不存在: 'The notice does not exist',
  请选择对哪一户有异议: 'Please choose the household you object to',
  请填写异议内容: 'Please write your objection',
  '异议内容不超过 1000 字': 'The objection must be at most 1000 characters',
  '请说明异议是否成立（upheld: true/false）': 'Say whether the objection is upheld (upheld: true/false)',
  请填写处理说明: 'Please write how it was resolved',
  '公示期已结束，不能再提出异议': 'The objection window has closed',
  公示中没有这一户: 'This household is not in the notice',
  异议不存在: 'The objection does not exist',
  该异议已处理: 'This objection is already resolved',
  请填写异议回执编号: 'Please enter the objection reference',
  '回执编号应为 9 位字母数字，如 K7M-QX9-PA4': 'The reference has 9 letters and digits, e.g. K7M-QX9-PA4',
  回执编号: 'reference',
  没有这个回执编号的异议: 'There is no objection with this reference',
  'status 应为 open 或 resolved': 'status must be open or resolved',
};

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The auditor's report pages: their filters (shared/floor/page.ts, functions/report-pages/report-queries.ts) and the audit trail's action names (shared/audit/actions.ts). */
export const REPORTS_EN: MessagesEn = {
  // shared/exports (export jobs: a report written to a file in the background; the report pages show them)
  '报表应为 floor、units、summary、audit 或 verifications':
    'The report must be floor, units, summary, audit or verifications',
  '格式应为 csv 或 xlsx': 'The format must be csv or xlsx',
  '表头应为 zh（中文）或 codes（字段名）': 'Headers must be zh (Chinese) or codes (field names)',
  筛选条件应为对象: 'The filters must be an object',
  筛选条件不能使用这个名称: 'No filter has this name',
  筛选条件: 'the filters',
  导出任务不存在: 'There is no such export',
  '导出失败：{}': 'The export failed: {1}',
  续写所需的缓存片段丢失: 'The saved piece of the file needed to continue the export is missing',
  '报表超过接口单次响应的上限（6 MB）：请用导出任务（POST /exports）生成文件下载，或按社区（communityId）、帮扶单位（unitId）缩小范围':
    'The report is over the 6 MB one answer may carry: export it as a file with an export job (POST /exports), or narrow it by community (communityId) or unit (unitId)',
  // shared/audit/actions.ts: the roles as people say them
  管理员: 'Admin',
  审计: 'Auditor',
  帮扶干部: 'Cadre',
  社区干部: 'Community cadre',
  公众: 'The public',
  '只看未达标应为 1': '“Only below the floor” must be 1',
  '搜索词不超过 40 个字': 'The search is at most 40 characters',
  '排序应为姓名、社区、单位、合计或差额': 'Sort by name, community, unit, total or shortfall',
  '顺序应为 asc 或 desc': 'The order must be asc or desc',
  页码应为正整数: 'The page must be a positive whole number',
  页码过大: 'The page number is too large',
  '日期应为 YYYY-MM-DD': 'A date must be YYYY-MM-DD',
  '操作人不超过 100 个字符': 'The person is at most 100 characters',
  '{}（页面）': '{1} (page)',
  登记帮扶: 'Recorded aid',
  更正撤回帮扶记录: 'Withdrew an aid entry',
  上传签收凭证: 'Uploaded a receipt',
  登记家庭: 'Registered a household',
  修改家庭信息: 'Edited a household',
  登记帮扶成效: 'Recorded an outcome',
  登记走访: 'Recorded a visit',
  登记社区: 'Registered a community',
  修改社区信息: 'Edited a community',
  登记帮扶单位: 'Registered a work unit',
  修改帮扶单位信息: 'Edited a work unit',
  登记帮扶干部: 'Registered a cadre',
  修改帮扶干部信息: 'Edited a cadre',
  建立结对: 'Paired a household',
  结束结对: 'Ended a pairing',
  调整结对干部: 'Reassigned a pairing',
  结对延续到新年度: 'Carried pairings over to a new year',
  登记资金台账: 'Recorded a fund-ledger entry',
  开始导入: 'Started an import',
  上传文件: 'Uploaded a file',
  上传照片: 'Uploaded a photo',
  上传导入文件: 'Uploaded an import file',
  启动核查: 'Started a verification',
  社区确认核查结果: 'Community decided on a verification',
  重新开启核查: 'Reopened a verification',
  提出异议: 'Filed an objection',
  处理异议: 'Resolved an objection',
  邀请账号: 'Invited an account',
  停用账号: 'Disabled an account',
  启用账号: 'Enabled an account',
  重发邀请: 'Resent an invitation',
  设置工作日: 'Set a working day',
  停用或启用社区: 'Deactivated or reactivated a community',
  停用或启用帮扶单位: 'Deactivated or reactivated a work unit',
  停用或启用帮扶干部: 'Deactivated or reactivated a cadre',
  停用或启用家庭: 'Deactivated or reactivated a household',
  更正身份证号: 'Corrected a resident ID number',
  导出报表: 'Exported a report',
};

/** Compiles sections (later ones win on the same key) into a catalogue for `toEnglish`. */
export function englishCatalogue(...sections: MessagesEn[]): EnglishCatalogue {
  const exact = new Map<string, string>();
  const patterns: Pattern[] = [];
  for (const [zh, en] of Object.entries(Object.assign({}, ...sections) as MessagesEn)) {
    if (!zh.includes('{}')) {
      exact.set(zh, en);
      continue;
    }
    const parts = zh.split('{}');
    patterns.push({
      re: new RegExp(`^${parts.map(escapeRegExp).join('([\\s\\S]+?)')}$`),
      en,
      fixed: parts.join('').length,
    });
  }
  patterns.sort((a, b) => b.fixed - a.fixed);
  return { exact, patterns };
}

/**
 * A domain message in English: by the exact message, else by the first pattern that matches, with each varying
 * part translated in turn; a message the catalogue does not know comes back as it is (Chinese, never blank).
 */
export function toEnglish(catalogue: EnglishCatalogue, message: string): string {
  const english = translate(catalogue, message);
  // A label that starts a sentence (帮助学 → education) starts it with a capital.
  return english === message ? message : english.charAt(0).toUpperCase() + english.slice(1);
}

function translate(catalogue: EnglishCatalogue, message: string): string {
  const exact = catalogue.exact.get(message);
  if (exact !== undefined) return exact;
  for (const { re, en } of catalogue.patterns) {
    const m = re.exec(message);
    if (!m) continue;
    const parts = m.slice(1).map((part) => translate(catalogue, part));
    return en.replace(/\{(\d)\}/g, (_, i: string) => parts[Number(i) - 1] ?? '');
  }
  return message;
}
