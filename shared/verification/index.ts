/**
 * Verification (核查): one round of the pipeline per community and year. `model.ts` holds the round's types and
 * schemas, `commands.ts` what people do to a round, `steps.ts` what the workflow does, `hold.ts` the round's hold
 * on its community-year's figures, `community-year.ts` the one read they share, `checks.ts` the pure rules.
 */
export * from './checks.ts';
export * from './commands.ts';
export * from './community-year.ts';
export * from './hold.ts';
export * from './model.ts';
export * from './steps.ts';
