import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DataKeySource, envelopeCipher, isSealed, localDataKeySource } from '#shared/crypto/index.ts';

/** A local source that counts how often it is asked for a data key and for an unwrap (KMS calls on AWS). */
function countingSource(master = randomBytes(32)) {
  const inner = localDataKeySource(master);
  const calls = { generate: 0, unwrap: 0 };
  const source: DataKeySource = {
    generate: () => {
      calls.generate++;
      return inner.generate();
    },
    unwrap: (wrapped) => {
      calls.unwrap++;
      return inner.unwrap(wrapped);
    },
  };
  return { source, calls };
}

const ID = '320902198001010012';
const context = { field: 'household.idNumber', householdId: 'h-1' };

describe('envelope encryption of personal data fields', () => {
  it('opens what it sealed, for any text', async () => {
    const cipher = envelopeCipher(localDataKeySource(randomBytes(32)));
    await fc.assert(
      fc.asyncProperty(fc.string(), async (text) => {
        expect(await cipher.decrypt(await cipher.encrypt(text, context), context)).toBe(text);
      }),
      { numRuns: 50 },
    );
  });

  it('stores neither the number nor any part of its digits, and marks the value as sealed', async () => {
    const sealed = await envelopeCipher(localDataKeySource(randomBytes(32))).encrypt(ID, context);
    expect(isSealed(sealed)).toBe(true);
    expect(isSealed(ID)).toBe(false);
    expect(sealed).not.toContain(ID.slice(6, 14));
  });

  it('refuses another context, a changed byte, and another master key', async () => {
    const master = randomBytes(32);
    const cipher = envelopeCipher(localDataKeySource(master));
    const sealed = await cipher.encrypt(ID, context);
    await expect(cipher.decrypt(sealed, { ...context, householdId: 'h-2' })).rejects.toThrow();
    const [format, wrapped, body] = sealed.split('.') as [string, string, string];
    const flipped = Buffer.from(body, 'base64url');
    flipped[flipped.length - 20]! ^= 1;
    await expect(cipher.decrypt([format, wrapped, flipped.toString('base64url')].join('.'), context)).rejects.toThrow();
    await expect(envelopeCipher(localDataKeySource(randomBytes(32))).decrypt(sealed, context)).rejects.toThrow();
    await expect(cipher.decrypt(ID, context)).rejects.toThrow('not an encrypted value');
  });

  it('reuses a data key for a bounded number of values and time, then asks for a fresh one', async () => {
    let now = 0;
    const { source, calls } = countingSource();
    const cipher = envelopeCipher(source, { maxUses: 3, maxAgeMs: 60_000, maxCached: 4, now: () => now });
    for (let i = 0; i < 7; i++) await cipher.encrypt(ID, context);
    expect(calls.generate).toBe(3); // 3 + 3 + 1
    now += 60_000;
    await cipher.encrypt(ID, context);
    expect(calls.generate).toBe(4);
  });

  it('unwraps a data key once for many values sealed under it', async () => {
    const { source, calls } = countingSource();
    const cipher = envelopeCipher(source);
    const sealed = await Promise.all(Array.from({ length: 20 }, (_, i) => cipher.encrypt(`${i}`, context)));
    const opened = await Promise.all(sealed.map((s) => cipher.decrypt(s, context)));
    expect(opened).toStrictEqual(Array.from({ length: 20 }, (_, i) => `${i}`));
    expect(calls.generate).toBe(1);
    expect(calls.unwrap).toBe(1);
  });
});
