import type { AccountDirectory } from '#shared/accounts/index.ts';
import type { FieldCipher } from '#shared/crypto/index.ts';
import type { ExportRunner } from '#shared/exports/job.ts';
import type { ImportRunner } from '#shared/imports/index.ts';
import type { ObjectStore } from '#shared/objects.ts';
import type { Workflow } from '#shared/verification/index.ts';

/**
 * The engines a handler reaches through a port, which the local stack (and tests) replace with their own: the
 * workflow runner, the object store, the field cipher, the sign-in verifier and the account directory. On AWS none is registered and
 * each port falls back to its AWS service. Kept on `globalThis` under one symbol because the local server and
 * the test runner may load a handler module more than once; every copy must see the same registration.
 */
export interface LocalPorts {
  workflow: Workflow;
  objects: ObjectStore;
  cipher: FieldCipher;
  session: LocalSession;
  accounts: AccountDirectory;
  /** Runs an import's chunks in the background (an async Lambda invocation on AWS). */
  imports: ImportRunner;
  /** Runs export jobs in the background (an async Lambda invocation of the export worker on AWS). */
  exports: ExportRunner;
}

/** The local stack's sign-in: verifies its own tokens and signs demo users in (none when sign-in is off). */
export interface LocalSession {
  verify(token: string): Promise<Record<string, unknown> | undefined>;
  signDemo(user: string): Promise<string | undefined>;
  demoUsers: string[];
  /** The accounts an admin invited that may sign in (not disabled), with a label naming role and scope. */
  accounts?(): Promise<{ username: string; label: string }[]>;
  /**
   * Signs an invited account in with exactly the role and scope stored in the list, and marks its first sign-in;
   * undefined when it may not (unknown, disabled, or local sign-in off).
   */
  signAccount?(username: string, now: Date): Promise<string | undefined>;
}

const KEY = Symbol.for('linkage-aid.local-ports');

function ports(): Partial<LocalPorts> {
  const g = globalThis as Record<symbol, Partial<LocalPorts> | undefined>;
  g[KEY] ??= {};
  return g[KEY];
}

/** The engine registered for a port, if any. */
export function localPort<K extends keyof LocalPorts>(name: K): LocalPorts[K] | undefined {
  return ports()[name];
}

/** Registers (or, with undefined, removes) the engine of a port: the local stack, tests and scripts only. */
export function registerLocalPort<K extends keyof LocalPorts>(name: K, engine: LocalPorts[K] | undefined): void {
  if (engine === undefined) delete ports()[name];
  else ports()[name] = engine;
}
