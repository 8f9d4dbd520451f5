import type { AdminWords } from '#shared/web/admin-words.ts';
import { html } from '#shared/web/html.ts';
import type { PageRequest, PageResult } from '../pages/kit.ts';

/** GET /app/admin: the admin's workspace, its sections in the order a coordinator's year runs. */
export async function adminHome(req: PageRequest<AdminWords>): Promise<PageResult> {
  const t = req.t;
  const sections: [string, string][] = [
    ['/app/admin/communities', t.communities],
    ['/app/admin/units', t.units],
    ['/app/admin/cadres', t.cadres],
    ['/app/admin/households', t.households],
    ['/app/admin/pairings', t.pairings],
    ['/app/admin/imports', t.imports],
    ['/app/verifications', t.verifications],
    ['/app/admin/objections', t.objections],
    ['/app/admin/users', t.accounts],
  ];
  return {
    title: t.adminHome,
    body: html`<p>${t.adminIntro}</p><ul class="sections">${sections.map(
      ([href, label]) => html`<li><a href="${href}">${label}</a></li>`,
    )}</ul>`,
  };
}
