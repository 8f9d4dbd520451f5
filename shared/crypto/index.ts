import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Field-level envelope encryption of personal data (resident ID numbers). Each value is sealed with AES-256-GCM
 * under a data key; the data key itself is stored with the value, wrapped by a master key that never leaves its
 * keeper (KMS on AWS, the data directory's `keys.json` in the local stack). Reading a value back needs the
 * master key's unwrap permission, which only the functions that must show a full number hold.
 *
 * The encryption context (e.g. `{ householdId }`) is bound to every value as GCM additional data: a ciphertext
 * copied onto another household's item does not decrypt.
 */

/** Non-secret facts a value is bound to; the same context must be given to decrypt it. */
export type EncryptionContext = Readonly<Record<string, string>>;

/** The port handlers and domain functions use; the value it returns is opaque text, safe to store. */
export interface FieldCipher {
  encrypt(plaintext: string, context: EncryptionContext): Promise<string>;
  decrypt(stored: string, context: EncryptionContext): Promise<string>;
}

/** Where data keys come from: KMS GenerateDataKey/Decrypt on AWS, a local master key otherwise. */
export interface DataKeySource {
  /** A fresh 256-bit data key, in plaintext and wrapped by the master key (the form stored with each value). */
  generate(): Promise<{ plaintext: Uint8Array; wrapped: Uint8Array }>;
  /** The plaintext of a wrapped data key. */
  unwrap(wrapped: Uint8Array): Promise<Uint8Array>;
}

/** How long, and for how many values, one data key is reused before a fresh one is asked for. */
export interface DataKeyLimits {
  maxAgeMs: number;
  maxUses: number;
  /** Distinct unwrapped data keys kept for decryption at once. */
  maxCached: number;
  now?: () => number;
}

/**
 * Reuse a data key for five minutes or a thousand values, whichever comes first (the bounds of the AWS
 * Encryption SDK's caching examples): a registration costs no KMS call most of the time, and one leaked
 * data key exposes few values.
 */
export const DEFAULT_LIMITS: DataKeyLimits = { maxAgeMs: 5 * 60_000, maxUses: 1_000, maxCached: 64 };

const FORMAT = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const unb64 = (text: string) => Buffer.from(text, 'base64url');

/** Canonical bytes of a context (keys sorted), so the same facts always give the same additional data. */
function aad(context: EncryptionContext): Buffer {
  const sorted = Object.keys(context)
    .sort()
    .map((k) => [k, context[k]]);
  return Buffer.from(JSON.stringify([FORMAT, sorted]), 'utf8');
}

function seal(key: Uint8Array, plaintext: Uint8Array, additional: Uint8Array): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(additional);
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Uint8Array, sealed: Uint8Array, additional: Uint8Array): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value is too short');
  const iv = sealed.subarray(0, IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(additional);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

/** True when a stored value has this module's format (and is therefore not plaintext). */
export function isSealed(stored: unknown): stored is string {
  return typeof stored === 'string' && stored.startsWith(`${FORMAT}.`) && stored.split('.').length === 3;
}

/**
 * The envelope cipher over a data-key source. Stored form: `v1.<wrapped data key>.<iv ‖ ciphertext ‖ tag>`,
 * base64url. The current data key is cached per container within `limits`; unwrapped keys are cached by their
 * wrapped form, so reading many values sealed under one data key costs one unwrap.
 */
export function envelopeCipher(source: DataKeySource, limits: DataKeyLimits = DEFAULT_LIMITS): FieldCipher {
  const now = limits.now ?? Date.now;
  let current: Promise<{ plaintext: Uint8Array; wrapped: Uint8Array; at: number; uses: number }> | undefined;
  const unwrapped = new Map<string, { key: Promise<Uint8Array>; at: number }>();

  async function dataKey() {
    let entry = current ? await current : undefined;
    if (!entry || entry.uses >= limits.maxUses || now() - entry.at >= limits.maxAgeMs) {
      // The old key is not zeroed: a concurrent encrypt may still be sealing with it.
      // Concurrent callers share one request for a fresh key.
      const fresh = source.generate().then((k) => ({ ...k, at: now(), uses: 0 }));
      current = fresh;
      fresh.catch(() => {
        if (current === fresh) current = undefined;
      });
      entry = await fresh;
    }
    entry.uses++;
    return entry;
  }

  function unwrap(wrapped: string): Promise<Uint8Array> {
    const hit = unwrapped.get(wrapped);
    if (hit && now() - hit.at < limits.maxAgeMs) return hit.key;
    unwrapped.delete(wrapped);
    while (unwrapped.size >= limits.maxCached) unwrapped.delete(unwrapped.keys().next().value!);
    const key = source.unwrap(unb64(wrapped));
    key.catch(() => unwrapped.delete(wrapped));
    unwrapped.set(wrapped, { key, at: now() });
    return key;
  }

  return {
    async encrypt(plaintext, context) {
      const key = await dataKey();
      return [FORMAT, b64(key.wrapped), b64(seal(key.plaintext, Buffer.from(plaintext, 'utf8'), aad(context)))].join(
        '.',
      );
    },
    async decrypt(stored, context) {
      if (!isSealed(stored)) throw new Error('not an encrypted value');
      const [, wrapped, sealed] = stored.split('.') as [string, string, string];
      return open(await unwrap(wrapped), unb64(sealed), aad(context)).toString('utf8');
    },
  };
}

const WRAP_CONTEXT = Buffer.from('linkage-aid/data-key', 'utf8');

/**
 * A data-key source over a local 256-bit master key: data keys are random and wrapped with AES-256-GCM, as
 * KMS would wrap them. For the local stack and tests; on AWS the master key is in KMS.
 */
export function localDataKeySource(masterKey: Uint8Array): DataKeySource {
  if (masterKey.length !== 32) throw new Error('the local data master key must be 32 bytes');
  return {
    async generate() {
      const plaintext = randomBytes(32);
      return { plaintext, wrapped: seal(masterKey, plaintext, WRAP_CONTEXT) };
    },
    async unwrap(wrapped) {
      return open(masterKey, wrapped, WRAP_CONTEXT);
    },
  };
}
