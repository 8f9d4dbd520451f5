/*
 * The aid form's inline script (run with the page's nonce). The page works without it: the server reads the
 * amount and values the items by the same rules. With it, the cadre sees as they type what will be recorded.
 */

/**
 * The money rules in the browser, the server's rules again (`parseAmount` in shared/money.ts, `itemValueFen` in
 * shared/aid/rules.ts): amounts and quantities read as text into whole fen and whole hundredths, a row's value
 * by BigInt, `(hundredths × fen + 50) / 100` truncated, i.e. rounded half up to the fen. No floating point.
 * Kept as plain ES2020 text so a unit test can run it beside the server's rules (test/unit/aid-form-script.test.ts).
 */
export const MONEY_SCRIPT = `
function halfWidth(t) {
  return t.replace(/[\\uFF01-\\uFF5E]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xfee0); }).replace(/\\u3000/g, ' ');
}
function parseAmountFen(text) {
  var t = halfWidth(text).trim();
  t = t.replace(/^(?:¥|￥|RMB|CNY)\\s*/i, '').replace(/\\s*(?:元|块|圆|RMB|CNY)$/i, '');
  if (/^\\d{1,3}(?:[,，、 ]\\d{3})+(?:\\.\\d+)?$/.test(t)) t = t.replace(/[,，、 ]/g, '');
  else if (/[,，、 ]/.test(t)) return null;
  var m = /^(\\d{1,9})(?:\\.(\\d{1,2}))?$/.exec(t);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}
function parseHundredths(text) {
  var t = halfWidth(text).trim();
  var m = /^(\\d{1,6})(?:\\.(\\d{1,2}))?$/.exec(t);
  if (!m) return null;
  var h = Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
  return h > 0 ? h : null;
}
var MAX_ENTRY_FEN = 100000000;
function itemFen(hundredths, unitFen) {
  var v = (BigInt(hundredths) * BigInt(unitFen) + 50n) / 100n;
  return v > BigInt(MAX_ENTRY_FEN) ? null : Number(v);
}
function groupedYuan(fen) {
  var whole = String(Math.trunc(fen / 100)).replace(/\\B(?=(\\d{3})+(?!\\d))/g, ',');
  return whole + '.' + String(fen % 100).padStart(2, '0');
}
`;

/**
 * The form's behaviour: more item rows, the item rows shown for goods only, the items' total as they are typed
 * (read-only, in the items box), and beside the amount what it was understood as. The amount field stays a
 * field for every kind (outside checks fill it by name): for goods it is relabelled and may stay empty.
 */
const FORM_SCRIPT = `
var form = document.querySelector('form[data-aid-form]');
var words = JSON.parse(form.getAttribute('data-words'));
form.querySelectorAll('[data-add-item]').forEach(function (b) {
  b.hidden = false;
  b.addEventListener('click', function () {
    var rows = form.querySelector('.items'); var first = rows.querySelector('.item');
    var row = first.cloneNode(true); row.querySelectorAll('input').forEach(function (i) { i.value = ''; i.removeAttribute('id'); i.removeAttribute('aria-invalid'); });
    row.querySelectorAll('label').forEach(function (l) { l.removeAttribute('for'); });
    rows.appendChild(row); row.querySelector('input').focus(); update();
  });
});
var kind = document.getElementById('kind');
var amount = document.getElementById('amountYuan');
var understood = document.getElementById('amountUnderstood');
var total = document.getElementById('itemsTotal');
function itemsTotalFen() {
  var sum = 0; var any = false;
  var rows = form.querySelectorAll('.items .item');
  for (var i = 0; i < rows.length; i++) {
    var inputs = rows[i].querySelectorAll('input');
    var q = inputs[1].value, u = inputs[2].value;
    if (!inputs[0].value.trim() && !q.trim() && !u.trim()) continue;
    var h = parseHundredths(q), f = parseAmountFen(u);
    if (h === null || f === null) return null;
    var v = itemFen(h, f);
    if (v === null) return null;
    sum += v; any = true;
  }
  return any && sum <= MAX_ENTRY_FEN ? sum : null;
}
function update() {
  var inKind = kind.value === 'in_kind';
  document.getElementById('items').hidden = !inKind;
  form.querySelector('label[for=amountYuan]').textContent = inKind ? words.amountInKind : words.amountCash;
  document.getElementById('amountHint').textContent = inKind ? words.hintInKind : words.hintCash;
  var itemsFen = inKind ? itemsTotalFen() : null;
  if (inKind) total.textContent = itemsFen === null ? '—' : groupedYuan(itemsFen);
  var typed = amount.value.trim();
  var fen = typed ? parseAmountFen(typed) : inKind ? itemsFen : null;
  var problem = (typed && fen === null) || (inKind && typed && fen !== null && itemsFen !== null && fen !== itemsFen);
  // A problem reads as one (the error colour), not in the colour of an amount understood.
  understood.classList.toggle('bad', !!problem);
  if (typed && fen === null) understood.textContent = words.unreadable;
  else if (fen === null || fen === 0) understood.textContent = '';
  else if (inKind && typed && itemsFen !== null && fen !== itemsFen) understood.textContent = words.mismatch.replace('{total}', groupedYuan(itemsFen));
  else understood.textContent = words.understood.replace('{amount}', groupedYuan(fen));
}
form.addEventListener('input', update);
kind.addEventListener('change', update);
update();
`;

/** The whole inline script of the aid form. */
export const AID_FORM_SCRIPT = MONEY_SCRIPT + FORM_SCRIPT;
