import type { AdminWords } from '#shared/web/admin-words.ts';
import { html } from '#shared/web/html.ts';
import type { PageRequest, PageResult } from '../pages/kit.ts';

/** GET /app/admin: the admin's workspace, its sections in the order a coordinator's year runs. */
export async function adminHome(req: PageRequest<AdminWords>): Promise<PageResult> {
  const t = req.t;
  const steps: [string, string, [string, string][]][] = [
    [
      t.stepRegistry,
      t.stepRegistryHint,
      [
        ['/app/admin/imports', t.imports],
        ['/app/admin/communities', t.communities],
        ['/app/admin/units', t.units],
        ['/app/admin/cadres', t.cadres],
        ['/app/admin/households', t.households],
      ],
    ],
    [t.accounts, t.stepAccountsHint, [['/app/admin/users', t.accounts]]],
    [
      t.pairings,
      t.stepPairingsHint,
      [
        ['/app/admin/pairings', t.pairings],
        ['/app/admin/imports?kind=pairings', t.imports],
      ],
    ],
    [t.stepFund, t.stepFundHint, [['/app/admin/imports?kind=fund-ledger', t.imports]]],
    [
      t.verifications,
      t.stepVerifyHint,
      [
        ['/app/verifications', t.verifications],
        ['/app/reports/floor', t.floorReport],
        ['/app/admin/calendar', t.calendar],
      ],
    ],
    [t.objections, t.stepObjectionsHint, [['/app/admin/objections', t.objections]]],
  ];
  return {
    title: t.adminHome,
    body: html`<p>${t.adminIntro}</p><ol class="steps">${steps.map(
      ([title, hint, links]) =>
        html`<li class="card"><h2>${title}</h2><p class="muted">${hint}</p><p class="row">${links.map(
          ([href, label]) => html`<a href="${href}">${label}</a>`,
        )}</p></li>`,
    )}</ol>`,
  };
}
