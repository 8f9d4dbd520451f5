/** Handlers run on a schedule rather than by a route or a workflow task; `infra/schedules.ts` wires them. */
export const SCHEDULED_HANDLERS = ['remind-floor-risk'] as const;
export type ScheduledHandler = (typeof SCHEDULED_HANDLERS)[number];
