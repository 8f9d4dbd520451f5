import type { FloorRow } from '#shared/floor/report.ts';
import { FLOOR_FEN } from '#shared/money.ts';
import type { CadrePairing } from '#shared/pairing/index.ts';
import type { Community, Unit } from '#shared/registry/entities.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, field, type PageRequest, yuan } from './kit.ts';

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
<h2 id="h-${p.householdId}"><a href="/app/households/${p.householdId}">${p.headName}</a> <span class="muted">· ${req.t.people(p.memberCount)}</span></h2>
${floorProgress(req, totalFen)}
${p.handedOver ? html`<p class="muted">${req.t.handedOver(p.handedOver.from)}</p>` : ''}
${p.returnedBy ? html`<p class="alert">${req.t.returned}${req.t.colon}${p.returnComment ?? ''}</p>` : ''}
${recordControl(req, p.householdId, p.year, !!p.lockedBy, p.frozenBy ?? null, true)}
</section>`,
  )}`;
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
