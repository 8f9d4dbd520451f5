import { StartVerification, startVerification } from '#shared/verification/index.ts';
import { db } from './lib/clients.ts';
import { apiHandler } from './lib/http.ts';
import { verificationConfig } from './lib/verification-config.ts';
import { getWorkflow } from './lib/workflow.ts';

/** POST /verifications: starts the next round for a community-year, or returns the one in flight. */
export const handler = apiHandler({ body: StartVerification }, async ({ caller, body, now }) => {
  const deps = { db, workflow: getWorkflow(), now, config: verificationConfig() };
  const { verification } = await startVerification(deps, caller, body);
  return { status: 202, json: { id: verification.id, status: verification.status, round: verification.round } };
});
