/**
 * The guards of local sign-in (`POST /auth/dev-token`, `/app/dev-login`), pure so they can be tested alone.
 * Local sign-in hands out any role to whoever asks, so it answers only what is plainly this machine talking to
 * itself: a loopback `Host` (a DNS-rebinding page names its own host), no foreign `Origin`, a JSON body for the
 * token (a cross-site form cannot send one without a preflight), and only while the data is local: it is off
 * by default when `DYNAMODB_ENDPOINT` points at another machine.
 */

/** `LOCAL_SIGN_IN`: `on` forces it on, `off` switches it off, unset (or `auto`) decides from the endpoint. */
export type LocalSignInSetting = 'on' | 'off' | 'auto';

export interface LocalSignInDecision {
  enabled: boolean;
  /** Why, in one line, for the start-up log. */
  reason: string;
  /** `DYNAMODB_ENDPOINT` points at another machine (real data). */
  remoteEndpoint: boolean;
}

/** Reads `LOCAL_SIGN_IN`; anything but `on`, `off`, `auto` or empty is a mistake worth stopping for. */
export function parseLocalSignIn(value: string | undefined): LocalSignInSetting {
  const v = (value ?? '').trim().toLowerCase();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'on' || v === 'off') return v;
  throw new Error(`LOCAL_SIGN_IN must be on, off or auto (unset), not ${JSON.stringify(value)}`);
}

/** A host name (no port; IPv6 with or without brackets) that can only mean this machine. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return !!m && m[1] === '127' && m.slice(2).every((o) => Number(o) <= 255);
}

/**
 * A `Host` header naming this machine: `localhost`, an address in 127.0.0.0/8 or `[::1]`, with any port.
 * Missing, empty, or anything else (including a name that resolves to 127.0.0.1, which is what DNS rebinding
 * looks like) is not.
 */
export function isLoopbackHostHeader(host: string | undefined): boolean {
  if (!host) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(host.trim());
  if (!m) return false;
  if (m[2] !== undefined && Number(m[2]) > 65_535) return false;
  return isLoopbackHostname(m[1]!);
}

/** An `Origin` header a loopback page sent, or none at all (`null` is a foreign origin). */
export function isLoopbackOriginOrNone(origin: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && isLoopbackHostname(url.hostname);
  } catch {
    return false;
  }
}

/** A DynamoDB endpoint on this machine (an unparseable one is not). */
export function isLoopbackEndpoint(endpoint: string): boolean {
  try {
    return isLoopbackHostname(new URL(endpoint).hostname);
  } catch {
    return false;
  }
}

/**
 * Whether local sign-in is served. Off with `LOCAL_SIGN_IN=off`; on with `LOCAL_SIGN_IN=on`, even against a
 * remote endpoint (a deliberate choice, logged as a warning); otherwise on for the embedded store or a loopback
 * endpoint, and off when `DYNAMODB_ENDPOINT` points anywhere else (real data, so no free tokens).
 */
export function decideLocalSignIn(env: { LOCAL_SIGN_IN?: string; DYNAMODB_ENDPOINT?: string }): LocalSignInDecision {
  const setting = parseLocalSignIn(env.LOCAL_SIGN_IN);
  const endpoint = env.DYNAMODB_ENDPOINT || undefined;
  const remote = endpoint !== undefined && !isLoopbackEndpoint(endpoint);
  if (setting === 'off') return { enabled: false, reason: 'LOCAL_SIGN_IN=off', remoteEndpoint: remote };
  if (setting === 'on') {
    return {
      enabled: true,
      remoteEndpoint: remote,
      reason: remote
        ? `LOCAL_SIGN_IN=on, although DYNAMODB_ENDPOINT (${endpoint}) is not on this machine`
        : 'LOCAL_SIGN_IN=on',
    };
  }
  if (remote) {
    return {
      enabled: false,
      remoteEndpoint: true,
      reason: `DYNAMODB_ENDPOINT (${endpoint}) is not on this machine; set LOCAL_SIGN_IN=on to sign in locally anyway`,
    };
  }
  return {
    enabled: true,
    remoteEndpoint: false,
    reason: endpoint ? 'DYNAMODB_ENDPOINT is on this machine' : 'embedded store',
  };
}

/** `application/json`, with or without parameters. */
export function isJsonContentType(type: string | undefined): boolean {
  return /^application\/json\s*(;|$)/i.test(type ?? '');
}

// Kept with the pages' code, which checks `next` too; re-exported for the local server.
export { DEFAULT_NEXT, hasControlCharacter, safeNextPath } from '#shared/web/redirect.ts';
