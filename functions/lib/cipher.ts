import { type DataKeySource, envelopeCipher, type FieldCipher } from '#shared/crypto/index.ts';
import { getStringFromEnv } from './env.ts';
import { localPort, registerLocalPort } from './local-ports.ts';

/**
 * The KMS encryption context of resident-ID data keys. KMS binds it to every data key it issues (Decrypt
 * needs the same context), and the IAM grants in `infra/api.ts` are conditioned on it, so the grants that let
 * two functions handle ID numbers allow nothing else on the key.
 */
export const RESIDENT_ID_KMS_CONTEXT = { purpose: 'linkage-aid/resident-id' } as const;

/**
 * The cipher of personal data fields. On AWS: envelope encryption under the KMS key DATA_KEY_ARN (only the
 * functions that encrypt or reveal ID numbers get that variable and its grant). In the local stack: the cipher
 * registered by `infra/local/` with the data directory's key.
 */
export function getFieldCipher(): FieldCipher {
  return localPort('cipher') ?? kmsCipher();
}

/** Registers the local cipher (local stack, tests and scripts only). */
export function registerLocalFieldCipher(cipher: FieldCipher | undefined): void {
  registerLocalPort('cipher', cipher);
}

let kms: FieldCipher | undefined;
function kmsCipher(): FieldCipher {
  if (kms) return kms;
  const keyId = getStringFromEnv('DATA_KEY_ARN');
  // Loaded on first use: only the functions that handle ID numbers pay for the KMS client's cold start.
  const sdk = import('@aws-sdk/client-kms').then((m) => ({ m, client: new m.KMSClient({}) }));
  const source: DataKeySource = {
    async generate() {
      const { m, client } = await sdk;
      const out = await client.send(
        new m.GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: RESIDENT_ID_KMS_CONTEXT }),
      );
      if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS returned no data key');
      return { plaintext: out.Plaintext, wrapped: out.CiphertextBlob };
    },
    async unwrap(wrapped) {
      const { m, client } = await sdk;
      const out = await client.send(
        new m.DecryptCommand({ KeyId: keyId, CiphertextBlob: wrapped, EncryptionContext: RESIDENT_ID_KMS_CONTEXT }),
      );
      if (!out.Plaintext) throw new Error('KMS returned no plaintext');
      return out.Plaintext;
    },
  };
  kms = envelopeCipher(source);
  return kms;
}
