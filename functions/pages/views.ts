import { FLOOR_FEN } from '#shared/money.ts';
import type { CadrePairing } from '#shared/pairing/index.ts';
import { type Html, html, raw } from '#shared/web/html.ts';
import { csrfField, type PageRequest, yuan } from './kit.ts';

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
