import type { Community } from '#shared/registry/entities.ts';
import type { Verification } from '#shared/verification/index.ts';
import { type Html, html } from '#shared/web/html.ts';
import { csrfField, field, type PageRequest } from '../pages/kit.ts';

/** Verification status of every community-year round, newest first, with the admin's start button. */
export function verificationsPage(
  req: PageRequest,
  rounds: Verification[],
  communities: Community[],
  isAdmin: boolean,
): Html {
  const names = new Map(communities.map((c) => [c.id, c.name]));
  return html`<div class="table-wrap"><table><thead><tr><th>${req.t.community}</th><th>${req.t.year}</th><th>#</th><th>${req.t.status}</th><th>${req.t.households}</th><th>${req.t.discrepancies}</th></tr></thead>
<tbody>${rounds.map(
    (
      v,
    ) => html`<tr><td><a href="/app/verifications/${v.id}">${names.get(v.communityId) ?? v.communityId}</a></td><td>${v.year}</td><td>${v.round}</td>
<td>${req.label(v.status)}</td><td class="num">${v.householdCount ?? ''}</td><td class="num">${v.discrepancyCount ?? ''}</td></tr>`,
  )}</tbody></table></div>
${
  isAdmin
    ? html`<h2>${req.t.start}</h2><form method="post" action="/app/verifications" class="card">${csrfField(req)}
${field('communityId', req.t.community, html`<select id="communityId" name="communityId">${communities.map((c) => html`<option value="${c.id}">${c.name}</option>`)}</select>`)}
${field('year', req.t.year, html`<input id="year" name="year" type="number" value="${req.year}" min="2000" max="2100">`)}
<button type="submit">${req.t.start}</button></form>`
    : ''
}`;
}
