/**
 * Names on a public notice: the surname kept, every other character starred (张三 → 张*, 欧阳明明 → 欧阳**),
 * as the national rules on publishing assistance lists allow. Compound surnames are kept whole.
 */
const COMPOUND_SURNAMES = new Set([
  '欧阳',
  '司马',
  '上官',
  '诸葛',
  '东方',
  '皇甫',
  '尉迟',
  '公孙',
  '慕容',
  '长孙',
  '宇文',
  '司徒',
  '夏侯',
  '轩辕',
  '令狐',
  '端木',
  '独孤',
  '南宫',
  '西门',
  '百里',
  '呼延',
  '澹台',
  '公冶',
  '太史',
  '申屠',
  '闻人',
  '赫连',
  '钟离',
  '拓跋',
  '万俟',
  '淳于',
  '单于',
  '濮阳',
  '宗政',
  '公羊',
  '仲孙',
  '司空',
  '司寇',
  '子车',
  '颛孙',
  '巫马',
  '亓官',
]);

/** Masks a head of household's name for publication. */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length === 0) return '*';
  const two = chars.slice(0, 2).join('');
  const keep = chars.length > 2 && COMPOUND_SURNAMES.has(two) ? 2 : 1;
  const rest = chars.slice(keep).map((c) => (c === '·' || c === '•' ? c : '*'));
  return chars.slice(0, keep).join('') + (rest.length ? rest.join('') : '*');
}
