/**
 * Round statuses in which a round holds its community-year's figures: from the freeze before its snapshot until
 * it is returned, expires, fails, is sent for reinvestigation or (after final) reopened. A module of its own,
 * importing nothing, so the pairing rules (which the verification module imports) can read it too.
 */
export const HOLDS_FIGURES = ['checking', 'awaiting_confirmation', 'objection_window', 'final'] as const;
