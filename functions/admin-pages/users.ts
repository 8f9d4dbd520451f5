import {
  inviteUser,
  listUsers,
  resendInvitation,
  setUserEnabled,
  type User,
  type UserStatus,
} from '#shared/accounts/index.ts';
import type { Role } from '#shared/caller.ts';
import { beijingTime } from '#shared/dates.ts';
import { AppError } from '#shared/errors.ts';
import { listEntities } from '#shared/registry/index.ts';
import { listCadres } from '#shared/registry/lists.ts';
import { namesOf } from '#shared/reports/names.ts';
import type { AdminWords } from '#shared/web/admin-words.ts';
import { type Html, html } from '#shared/web/html.ts';
import { getAccountDirectory, usesLocalAccounts } from '../lib/accounts.ts';
import { db } from '../lib/clients.ts';
import { csrfField, field, fieldErrors, invalidAttrs, type PageRequest, type PageResult } from '../pages/kit.ts';

type Req = PageRequest<AdminWords>;

interface Named {
  id: string;
  name: string;
  unitId?: string;
  active?: boolean;
}

const ROLE_WORD = {
  admin: 'roleAdmin',
  cadre: 'roleCadre',
  communityCadre: 'roleCommunityCadre',
  auditor: 'roleAuditor',
} as const satisfies Record<Role, keyof AdminWords>;

const STATUS_WORD = {
  invited: 'statusInvited',
  active: 'statusActive',
  disabled: 'statusDisabled',
} as const satisfies Record<UserStatus, keyof AdminWords>;

/**
 * The registry the form chooses from and the list names scopes by. A city has ~19,000 cadres: the form offers
 * those of one unit (`?unitId=`, chosen first), and the listed accounts' cadres are named by one BatchGet.
 */
async function registry(unitId: string | undefined, users: readonly User[]) {
  const [communities, units, cadres] = await Promise.all([
    listEntities<Named>(db, 'community'),
    listEntities<Named>(db, 'unit'),
    unitId ? cadresOf(unitId) : Promise.resolve([] as Named[]),
  ]);
  const byName = (a: Named, b: Named) => a.name.localeCompare(b.name, 'zh-CN');
  const names = new Map([...cadres, ...communities, ...units].map((e) => [e.id, e.name]));
  const unnamed = users.flatMap((u) => (u.cadreId && !names.has(u.cadreId) ? [u.cadreId] : []));
  for (const [id, name] of await namesOf(db, 'cadre', unnamed)) names.set(id, name);
  return { cadres: cadres.sort(byName), communities: communities.sort(byName), units: units.sort(byName), names };
}

/** Every active cadre of a unit (a few hundred at most), page by page. */
async function cadresOf(unitId: string): Promise<Named[]> {
  const all: Named[] = [];
  let cursor: string | undefined;
  do {
    const page = await listCadres(db, { unitId, active: 'true', limit: 200, ...(cursor ? { cursor } : {}) });
    all.push(...(page.items as Named[]));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}
type Registry = Awaited<ReturnType<typeof registry>>;

function scopeText(u: User, r: Registry): string {
  const name = (id: string) => r.names.get(id) ?? id;
  if (u.cadreId) return `${name(u.cadreId)}${u.unitId ? ` · ${name(u.unitId)}` : ''}`;
  if (u.communityId) return name(u.communityId);
  return '—';
}

/** The forms of one row: disable or enable, and resend while the invitation is open. */
function actions(req: Req, u: User): Html {
  const post = (verb: 'disable' | 'enable' | 'resend', label: string, secondary = false) =>
    html`<form method="post" action="/app/admin/users/${u.username}/${verb}" class="inline">${csrfField(req)}<button type="submit"${
      secondary ? html` class="secondary"` : ''
    }>${label}</button></form> `;
  return html`${u.status === 'disabled' ? post('enable', req.t.enable) : post('disable', req.t.disable, true)}${
    u.status === 'invited' ? post('resend', req.t.resend, true) : ''
  }`;
}

function userRow(req: Req, u: User, r: Registry): Html {
  return html`<tr id="user-${u.username}" data-status="${u.status}"><td>${u.username}</td><td>${u.email}</td><td>${
    req.t[ROLE_WORD[u.role]]
  }</td><td>${scopeText(u, r)}</td><td><span class="tag${u.status === 'disabled' ? '' : ' review'}">${
    req.t[STATUS_WORD[u.status]]
  }</span></td><td>${u.invitations} · ${beijingTime(u.lastInvitedAt)}</td><td>${actions(req, u)}</td></tr>`;
}

interface FormState {
  errors: Record<string, string>;
  values: Record<string, string>;
}

function inviteForm(req: Req, r: Registry, state: FormState = { errors: {}, values: {} }): Html {
  const { errors, values } = state;
  const option = (value: string, label: string, chosen: string | undefined) =>
    html`<option value="${value}"${value === (chosen ?? '') ? html` selected` : ''}>${label}</option>`;
  const active = (e: Named) => e.active !== false;
  return html`<section class="card"><h2>${req.t.inviteUser}</h2>
${errors._ ? html`<div class="alert" role="alert">${errors._}</div>` : ''}
<form method="get" action="/app/admin/users" class="row">${field(
    'unitId',
    req.t.unit,
    html`<select id="unitId" name="unitId">${option('', req.t.chooseUnit, unitOf(req))}${r.units
      .filter(active)
      .map((u) => option(u.id, u.name, unitOf(req)))}</select>`,
  )}<button type="submit" class="secondary">${req.t.show}</button></form>
<form method="post" action="/app/admin/users${unitOf(req) ? `?unitId=${unitOf(req)}` : ''}">${csrfField(req)}
${field(
  'username',
  req.t.username,
  html`<input id="username" name="username" required maxlength="64" autocomplete="off" value="${values.username ?? ''}"${invalidAttrs('username', errors.username)}><p class="muted">${req.t.usernameHint}</p>`,
  errors.username,
)}
${field(
  'email',
  req.t.email,
  html`<input id="email" name="email" type="email" required maxlength="254" value="${values.email ?? ''}"${invalidAttrs('email', errors.email)}><p class="muted">${req.t.emailHint}</p>`,
  errors.email,
)}
${field(
  'role',
  req.t.role,
  html`<select id="role" name="role"${invalidAttrs('role', errors.role)}>${(Object.keys(ROLE_WORD) as Role[]).map(
    (role) => option(role, req.t[ROLE_WORD[role]], values.role ?? 'cadre'),
  )}</select>`,
  errors.role,
)}
<fieldset><legend>${req.t.scope}</legend><p class="muted">${req.t.scopeHint}</p>
${field(
  'cadreId',
  req.t.scopeCadre,
  html`<select id="cadreId" name="cadreId"${invalidAttrs('cadreId', errors.cadreId)}>${option('', unitOf(req) ? req.t.scopeNone : req.t.chooseUnitFirst, values.cadreId)}${r.cadres
    .filter(active)
    .map((c) =>
      option(c.id, `${c.name} · ${r.names.get(c.unitId ?? '') ?? c.unitId ?? ''}`, values.cadreId),
    )}</select>`,
  errors.cadreId ?? errors.unitId,
)}
${field(
  'communityId',
  req.t.scopeCommunity,
  html`<select id="communityId" name="communityId"${invalidAttrs('communityId', errors.communityId)}>${option('', req.t.scopeNone, values.communityId)}${r.communities
    .filter(active)
    .map((c) => option(c.id, c.name, values.communityId))}</select>`,
  errors.communityId,
)}</fieldset>
<button type="submit">${req.t.inviteUser}</button></form></section>`;
}

/** The unit whose cadres the form offers (`?unitId=`), when it is an id. */
const unitOf = (req: Req) => {
  const id = req.query.get('unitId') ?? '';
  return /^[\w-]{1,64}$/.test(id) ? id : undefined;
};

const DONE = [
  ['invited', 'invitedOk'],
  ['disabled', 'disabledOk'],
  ['enabled', 'enabledOk'],
  ['resent', 'resentOk'],
] as const;

/**
 * GET /app/admin/users: every account with its role, its scope named from the registry, and its status, with
 * disable / enable / resend beside each; then the invitation form, whose scope is chosen from the registry (a
 * cadre for a cadre, a community for a community cadre). One form without script: both selects are sent and the
 * domain decides which the role takes, its errors shown beside the fields.
 */
export async function usersPage(req: Req, state?: FormState): Promise<PageResult> {
  const cursor = req.query.get('cursor') || undefined;
  const users = await listUsers(db, {
    limit: 200,
    ...(cursor && /^[a-z][a-z0-9_-]{2,63}$/.test(cursor) ? { cursor } : {}),
  });
  const r = await registry(unitOf(req), users.items);
  const done = DONE.find(([q]) => req.query.get(q));
  return {
    status: state ? 400 : 200,
    title: req.t.accounts,
    body: html`${done ? html`<p class="notice" role="status">${req.t[done[1]]}${req.t.colon}${req.query.get(done[0])}</p>` : ''}
<p class="muted">${usesLocalAccounts() ? req.t.localAccounts : req.t.cognitoAccounts}</p>
${
  users.items.length
    ? html`<div class="table-wrap"><table class="users"><thead><tr><th>${req.t.username}</th><th>${req.t.email}</th><th>${req.t.role}</th><th>${req.t.scope}</th><th>${req.t.userStatus}</th><th>${req.t.invitations}${req.t.openParen}${req.t.lastInvited}，${req.t.beijingTime}${req.t.closeParen}</th><th>${req.t.actions}</th></tr></thead>
<tbody>${users.items.map((u) => userRow(req, u, r))}</tbody></table></div>`
    : html`<p>${req.t.noUsers}</p>`
}
${users.nextCursor ? html`<p><a href="/app/admin/users?cursor=${users.nextCursor}">${req.t.more}</a></p>` : ''}
${inviteForm(req, r, state)}`,
  };
}

/** POST /app/admin/users: the invitation, through the same command as `POST /users`; errors beside the fields. */
export async function inviteFromPage(req: Req): Promise<PageResult> {
  const values: Record<string, string> = {};
  for (const f of ['username', 'email', 'role', 'cadreId', 'communityId']) values[f] = req.form.get(f) ?? '';
  // An empty select is "not applicable": the command sees the field absent, as an API caller would send it.
  const input = Object.fromEntries(
    Object.entries(values).filter(([k, v]) => v !== '' || k === 'username' || k === 'email'),
  );
  try {
    const user = await inviteUser({ db, directory: getAccountDirectory() }, req.caller!.sub, input, req.now);
    return { redirect: `/app/admin/users?invited=${encodeURIComponent(user.username)}`, audited: user.username };
  } catch (e) {
    if (e instanceof AppError && e.code === 'user.exists') {
      return usersPage(req, { errors: { username: req.say(e.message) }, values });
    }
    if (e instanceof AppError && e.kind !== 'invalid') throw e;
    return usersPage(req, { errors: fieldErrors(e), values });
  }
}

/** POST /app/admin/users/{username}/disable, /enable, /resend: one account's act; back to the list. */
export function accountAct(act: 'disable' | 'enable' | 'resend') {
  return async (req: Req, m: RegExpExecArray): Promise<PageResult> => {
    const deps = { db, directory: getAccountDirectory() };
    const username = m[1]!;
    const user =
      act === 'resend'
        ? await resendInvitation(deps, req.caller!.sub, username, req.now)
        : await setUserEnabled(deps, req.caller!.sub, username, act === 'enable', req.now);
    const q = act === 'disable' ? 'disabled' : act === 'enable' ? 'enabled' : 'resent';
    return { redirect: `/app/admin/users?${q}=${encodeURIComponent(user.username)}`, audited: user.username };
  };
}
