import middy from '@middy/core';
import { remindFloorRisk } from '#shared/floor/reminders.ts';
import { db } from './lib/clients.ts';
import { logger } from './lib/logger.ts';

/** Scheduled weekly (EventBridge Scheduler, Asia/Shanghai): reminders for households at risk of missing ¥1,000. */
export const handler = middy({ timeoutEarlyInMillis: 0 }).handler(async () => {
  const result = await remindFloorRisk(db, new Date());
  logger.info('floor-risk reminders', result);
  return result;
});
