/**
 * Redirect targets after sign-in: only paths of this site, so a link to the sign-in page cannot send the browser
 * elsewhere (an open redirect). Checked by the local server and again by the pages.
 */

/** A C0 control character or DEL anywhere in the text. */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

/** Where a sign-in may send the browser afterwards when `next` is missing or not a path of this site. */
export const DEFAULT_NEXT = '/app/';

/**
 * `next` if it is a path on this site, else `/app/`: it must start with one `/` (not `//`), hold no backslash,
 * whitespace or control character (browsers drop tabs and newlines, and read `\` as `/`, turning `/\t/evil` or
 * `/\evil` into `//evil`), and resolve to this origin.
 */
export function safeNextPath(next: string | null | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//')) return DEFAULT_NEXT;
  if (/[\\\s]/.test(next) || hasControlCharacter(next)) return DEFAULT_NEXT;
  try {
    const base = 'http://this.invalid';
    if (new URL(next, base).origin !== base) return DEFAULT_NEXT;
  } catch {
    return DEFAULT_NEXT;
  }
  return next;
}
