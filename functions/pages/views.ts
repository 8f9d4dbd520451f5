import { randomUUID } from 'node:crypto';
import type { AidRecordView, HouseholdYearSummary } from '#shared/aid/ledger.ts';
import { OBJECTIVES } from '#shared/aid/rules.ts';
import { shanghaiDate } from '#shared/dates.ts';
import type { FloorRow } from '#shared/floor/report.ts';
import { FLOOR_FEN } from '#shared/money.ts';
import type { CadrePairing } from '#shared/pairing/index.ts';
import type { Community, Unit } from '#shared/registry/entities.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, invalidAttrs, type PageRequest, yuan } from './kit.ts';

/** A progress bar toward the ¥1,000 floor, with the same facts in words for screen readers and small screens. */
export function floorProgress(req: PageRequest, totalFen: number): Html {
  const shortfall = Math.max(0, FLOOR_FEN - totalFen);
  return html`<progress max="${FLOOR_FEN}" value="${Math.min(totalFen, FLOOR_FEN)}" aria-label="${req.t.total} ${yuan(totalFen)} / ${yuan(FLOOR_FEN)}"></progress>
<p class="row"><span>${req.t.total} <strong data-total-fen="${totalFen}">${yuan(totalFen)}</strong> / ${yuan(FLOOR_FEN)}</span>${
    shortfall === 0
      ? html`<span class="ok">✓ ${req.t.met}</span>`
      : html`<span class="bad">${req.t.shortfall} <strong>${yuan(shortfall)}</strong></span>`
  }</p>`;
}

/** The round number in a verification id (`verify-<year>-<community>-<round>`). */
export const roundOf = (verificationId: string) => /-(\d+)$/.exec(verificationId)?.[1] ?? '?';

/**
 * What a household-year offers its cadre: the record button, or, when a round holds or has locked its figures,
 * why not. Said before a form is filled in, not after it is refused.
 */
export function recordControl(
  req: PageRequest,
  householdId: string,
  year: number,
  locked: boolean,
  frozenBy: string | null,
  canRecord: boolean,
): Html {
  if (locked) return html`<p class="notice" data-locked>${req.t.locked}</p>`;
  if (frozenBy) return html`<p class="notice" data-frozen>${req.t.frozen(year, roundOf(frozenBy))}</p>`;
  return canRecord
    ? html`<a class="button" href="/app/households/${householdId}/aid/new">${req.t.recordAid}</a>`
    : html``;
}

/** The cadre's home: this year's households, each with its progress toward the floor. */
export function cadreHome(req: PageRequest, households: { pairing: CadrePairing; totalFen: number }[]): Html {
  if (!households.length) return html`<p>${req.t.noEntries}</p>`;
  return html`<p class="muted">${req.t.year} ${req.year}</p>${households.map(
    ({ pairing: p, totalFen }) => html`<section class="card" aria-labelledby="h-${p.householdId}">
<h2 id="h-${p.householdId}"><a href="/app/households/${p.householdId}">${p.headName}</a> <span class="muted">· ${p.memberCount} 人</span></h2>
${floorProgress(req, totalFen)}
${p.handedOver ? html`<p class="muted">${req.t.handedOver(p.handedOver.from)}</p>` : ''}
${p.returnedBy ? html`<p class="alert">${req.t.returned}：${p.returnComment ?? ''}</p>` : ''}
${recordControl(req, p.householdId, p.year, !!p.lockedBy, p.frozenBy ?? null, true)}
</section>`,
  )}`;
}

function entryRow(
  req: PageRequest,
  r: AidRecordView & { reversedBy?: string },
  canReverse: boolean,
  householdId: string,
): Html {
  const items = r.items?.map((i) => `${i.name} ×${i.quantity} @ ${yuan(i.unitValueFen)}`).join('；');
  return html`<tr>
<td>${r.date}</td><td>${req.label(r.kind)}</td><td>${req.label(r.objective)}</td>
<td class="num">${yuan(r.amountFen)}</td>
<td>${r.reverses ? html`<strong>${req.t.reversal}</strong>：` : ''}${r.description}${items ? html`<br><span class="muted">${items}</span>` : ''}${
    r.reason ? html`<br><span class="muted">${req.t.reason}：${r.reason}</span>` : ''
  }</td>
<td>${
    r.reversedBy
      ? html`<span class="muted">${req.t.reversed}</span>`
      : canReverse && !r.reverses
        ? html`<form method="post" action="/app/aid/${r.id}/reverse">${csrfField(req)}<input type="hidden" name="householdId" value="${householdId}">
<label for="reason-${r.id}" class="muted">${req.t.reason}</label><input id="reason-${r.id}" name="reason" required maxlength="500">
<button class="secondary">${req.t.reverse}</button></form>`
        : ''
  }</td></tr>`;
}

/** A household-year: progress, entries (reversals listed), and the way to the aid form. */
export function householdPage(
  req: PageRequest,
  s: HouseholdYearSummary,
  canRecord: boolean,
  saved: boolean,
  refused?: string,
): Html {
  return html`${saved ? html`<p class="notice" role="status">${req.t.saved}</p>` : ''}
${refused ? html`<div class="alert" role="alert">${refused}</div>` : ''}
<section class="card">${floorProgress(req, s.totalFen)}
${s.returned ? html`<p class="alert">${req.t.returned}：${s.returned.comment}</p>` : ''}
${recordControl(req, s.householdId, s.year, s.locked, s.frozenBy, canRecord)}
</section>
<h2>${req.t.entries}</h2>
${
  s.records.length
    ? html`<div class="table-wrap"><table><thead><tr><th>${req.t.date}</th><th>${req.t.kind}</th><th>${req.t.objective}</th><th class="num">${req.t.amountYuan}</th><th>${req.t.description}</th><th></th></tr></thead>
<tbody>${s.records.map((r) => entryRow(req, r, canRecord && !s.locked && !s.frozenBy, s.householdId))}</tbody></table></div>`
    : html`<p>${req.t.noEntries}</p>`
}`;
}

/** Values of the aid form, as typed (re-shown with the errors when it is refused). */
export interface AidFormValues {
  idempotencyKey: string;
  kind: string;
  objective: string;
  date: string;
  amountYuan: string;
  description: string;
  items: { name: string; quantity: string; unitValueYuan: string }[];
}

/** Empty form values for a fresh load: a new idempotency key, today's date in Shanghai. */
export function freshAidForm(now: Date): AidFormValues {
  return {
    idempotencyKey: randomUUID(),
    kind: 'cash',
    objective: 'livelihood',
    date: shanghaiDate(now),
    amountYuan: '',
    description: '',
    items: [],
  };
}

const ITEM_SCRIPT = `
document.querySelectorAll('[data-add-item]').forEach(function (b) {
  b.hidden = false;
  b.addEventListener('click', function () {
    var rows = document.querySelector('.items'); var first = rows.querySelector('.item');
    var row = first.cloneNode(true); row.querySelectorAll('input').forEach(function (i) { i.value = ''; i.removeAttribute('id'); });
    rows.appendChild(row); row.querySelector('input').focus();
  });
});
var kind = document.getElementById('kind');
function sync() { document.getElementById('items').hidden = kind.value !== 'in_kind'; }
if (kind) { kind.addEventListener('change', sync); sync(); }
`;

/** The aid form (帮扶登记). One idempotency key per form load: a double click or a resent form records once. */
export function aidForm(
  req: PageRequest,
  householdId: string,
  headName: string,
  v: AidFormValues,
  errors: Record<string, string>,
): Html {
  const rows = v.items.length
    ? v.items
    : [
        { name: '', quantity: '', unitValueYuan: '' },
        { name: '', quantity: '', unitValueYuan: '' },
      ];
  const opt = (value: string, current: string, text: string) =>
    html`<option value="${value}"${current === value ? raw(' selected') : ''}>${text}</option>`;
  return html`<p class="muted">${headName}</p>
${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : Object.keys(errors).length ? html`<div class="alert" role="alert">${req.t.fixErrors}</div>` : ''}
<form method="post" action="/app/households/${householdId}/aid" class="card" novalidate>${csrfField(req)}
<input type="hidden" name="idempotencyKey" value="${v.idempotencyKey}">
<div class="grid2">
${field('kind', req.t.kind, html`<select id="kind" name="kind"${invalidAttrs('kind', errors.kind)}>${opt('cash', v.kind, req.t.cash)}${opt('in_kind', v.kind, req.t.inKind)}</select>`, errors.kind)}
${field(
  'objective',
  req.t.objective,
  html`<select id="objective" name="objective"${invalidAttrs('objective', errors.objective)}>${OBJECTIVES.map((o) => opt(o, v.objective, req.label(o)))}</select>`,
  errors.objective,
)}
${field('date', req.t.date, html`<input id="date" name="date" type="date" value="${v.date}" max="${shanghaiDate(req.now)}" required${invalidAttrs('date', errors.date)}>`, errors.date)}
${field(
  'amountYuan',
  req.t.amountYuan,
  html`<input id="amountYuan" name="amountYuan" inputmode="decimal" autocomplete="off" value="${v.amountYuan}" placeholder="0.00"${invalidAttrs('amountYuan', errors.amountYuan)}><p class="muted">${req.t.amountHint}</p>`,
  errors.amountYuan,
)}
</div>
${field('description', req.t.description, html`<textarea id="description" name="description" rows="2" maxlength="500" required${invalidAttrs('description', errors.description)}>${v.description}</textarea>`, errors.description)}
<fieldset id="items"><legend>${req.t.items}</legend>
<div class="items">${rows.map(
    (r, i) => html`<div class="item">
<div><label for="${i === 0 ? 'itemName' : `itemName${i}`}">${req.t.itemName}</label><input id="${i === 0 ? 'itemName' : `itemName${i}`}" name="itemName" value="${r.name}"></div>
<div><label for="${i === 0 ? 'itemQuantity' : `itemQuantity${i}`}">${req.t.quantity}</label><input id="${i === 0 ? 'itemQuantity' : `itemQuantity${i}`}" name="itemQuantity" inputmode="numeric" value="${r.quantity}"></div>
<div><label for="${i === 0 ? 'itemUnitValueYuan' : `itemUnitValueYuan${i}`}">${req.t.unitValueYuan}</label><input id="${i === 0 ? 'itemUnitValueYuan' : `itemUnitValueYuan${i}`}" name="itemUnitValueYuan" inputmode="decimal" value="${r.unitValueYuan}"></div>
</div>`,
  )}</div>
${errors.items ? html`<p class="error" role="alert">${errors.items}</p>` : ''}
<button type="button" class="secondary" data-add-item hidden>${req.t.addItem}</button>
</fieldset>
<button type="submit">${req.t.save}</button>
</form>
<script nonce="${req.nonce}">${raw(ITEM_SCRIPT)}</script>`;
}

/** Compliance per unit as horizontal bars (SVG drawn here, no script), with the figures as text too. */
export function unitChart(req: PageRequest, rows: FloorRow[], units: Map<string, string>): Html {
  const byUnit = new Map<string, { n: number; ok: number }>();
  for (const r of rows) {
    const u = byUnit.get(r.unitId) ?? { n: 0, ok: 0 };
    u.n++;
    if (r.meetsFloor) u.ok++;
    byUnit.set(r.unitId, u);
  }
  const entries = [...byUnit].sort((a, b) => a[1].ok / a[1].n - b[1].ok / b[1].n);
  const barH = 26;
  const height = entries.length * barH + 8;
  const bars = entries.map(([unitId, u], i) => {
    const pct = Math.round((u.ok / u.n) * 100);
    const y = i * barH + 4;
    return html`<g><text x="0" y="${y + 17}" font-size="14">${units.get(unitId) ?? unitId}</text>
<rect x="110" y="${y + 4}" width="${(pct / 100) * 150}" height="16" fill="${pct === 100 ? '#137333' : '#b3261e'}"></rect>
<text x="${116 + (pct / 100) * 150}" y="${y + 17}" font-size="14">${pct}% (${u.ok}/${u.n})</text></g>`;
  });
  return html`<figure class="card"><figcaption>${req.t.complianceByUnit}</figcaption>
<svg viewBox="0 0 340 ${height}" width="100%" role="img" aria-label="${req.t.complianceByUnit}">${bars}</svg></figure>`;
}

/** The auditor's floor compliance page: filters, the chart, the table, downloads. */
export function floorReportPage(
  req: PageRequest,
  rows: FloorRow[],
  communities: Community[],
  units: Unit[],
  filters: { year: number; communityId?: string; unitId?: string },
): Html {
  const unitNames = new Map(units.map((u) => [u.id, u.name]));
  const communityNames = new Map(communities.map((c) => [c.id, c.name]));
  const q = new URLSearchParams({ year: String(filters.year) });
  if (filters.communityId) q.set('communityId', filters.communityId);
  if (filters.unitId) q.set('unitId', filters.unitId);
  const below = rows.filter((r) => !r.meetsFloor).length;
  const sel = (current: string | undefined, value: string) => (current === value ? raw(' selected') : raw(''));
  return html`<form method="get" action="/app/reports/floor" class="card grid2">
${field('year', req.t.year, html`<input id="year" name="year" type="number" min="2000" max="2100" value="${filters.year}">`)}
${field(
  'communityId',
  req.t.community,
  html`<select id="communityId" name="communityId"><option value="">${req.t.all}</option>${communities.map(
    (c) => html`<option value="${c.id}"${sel(filters.communityId, c.id)}>${c.name}</option>`,
  )}</select>`,
)}
${field(
  'unitId',
  req.t.unit,
  html`<select id="unitId" name="unitId"><option value="">${req.t.all}</option>${units.map(
    (u) => html`<option value="${u.id}"${sel(filters.unitId, u.id)}>${u.name}</option>`,
  )}</select>`,
)}
<div><button type="submit">${req.t.filter}</button></div>
</form>
<p class="row"><span>${req.t.households} <strong>${rows.length}</strong></span><span class="ok">${req.t.met} ${rows.length - below}</span><span class="bad">${req.t.notMet} ${below}</span>
<a class="button secondary" href="/app/downloads/floor.csv?${q}">${req.t.downloadCsv}</a><a class="button secondary" href="/app/downloads/floor.xlsx?${q}">${req.t.downloadXlsx}</a></p>
${rows.length ? unitChart(req, rows, unitNames) : ''}
<div class="table-wrap"><table><thead><tr><th>${req.t.name}</th><th>${req.t.community}</th><th>${req.t.unit}</th><th class="num">${req.t.aidTotal}</th><th>${req.t.status}</th></tr></thead>
<tbody>${rows.map(
    (
      r,
    ) => html`<tr><td>${r.headName}</td><td>${communityNames.get(r.communityId) ?? r.communityId}</td><td>${unitNames.get(r.unitId) ?? r.unitId}</td>
<td class="num">${yuan(r.totalFen)}</td><td>${r.meetsFloor ? html`<span class="ok">${req.t.met}</span>` : html`<span class="bad">${req.t.shortfall} ${yuan(r.shortfallFen)}</span>`}</td></tr>`,
  )}</tbody></table></div>`;
}

/**
 * The local sign-in page: one choice per demo user, then one per account an admin invited (with its role and
 * scope), local stack only.
 */
export function devLoginPage(
  req: PageRequest,
  users: string[],
  accounts: { value: string; label: string }[] = [],
): Html {
  return html`<p class="muted">${req.t.devLoginHint}</p><form method="post" action="/app/dev-login" class="card">${csrfField(req)}
<fieldset><legend>${req.t.chooseUser}</legend>${users.map(
    (u, i) => html`<label><input type="radio" name="user" value="${u}"${i === 0 ? raw(' checked') : ''}> ${u}</label>`,
  )}</fieldset>${
    accounts.length
      ? html`<fieldset class="accounts"><legend>${req.t.invitedAccounts}</legend>${accounts.map(
          (a) => html`<label><input type="radio" name="user" value="${a.value}"> ${a.label}</label>`,
        )}</fieldset>`
      : ''
  }<button type="submit">${req.t.signIn}</button></form>`;
}
