import type { ImportDeps } from '#shared/imports/registry-port.ts';
import type { ObjectStore } from '#shared/objects.ts';
import { getFieldCipher } from './cipher.ts';
import { db, idHashKey } from './clients.ts';
import { getObjectStore } from './objects.ts';

/** What an import needs: the table, the resident-ID hash key and cipher (households), the object store. */
export async function importDeps(now = new Date()): Promise<ImportDeps & { store: ObjectStore }> {
  return { db, now, idHashKey: await idHashKey(), cipher: getFieldCipher(), store: getObjectStore() };
}
