import { publishNoticeStep } from '#shared/notice/index.ts';
import { stepHandler } from './lib/step.ts';

/** Workflow task of the state "PublishNotice" (see infra/workflows/verification.asl.json). */
export const handler = stepHandler('PublishNotice', publishNoticeStep);
