/** Handlers run on a schedule rather than by a route or a workflow task; `infra/schedules.ts` wires them. */
export const SCHEDULED_HANDLERS = ['remind-floor-risk', 'resume-imports'] as const;
export type ScheduledHandler = (typeof SCHEDULED_HANDLERS)[number];

/** Handlers invoked by another function, asynchronously: the import's and the export's background workers. */
export const BACKGROUND_HANDLERS = ['import-worker', 'export-worker'] as const;
export type BackgroundHandler = (typeof BACKGROUND_HANDLERS)[number];
