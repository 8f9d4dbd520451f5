import { Logger } from '@aws-lambda-powertools/logger';

/**
 * One structured JSON logger for every function. Request bodies are never logged: they carry resident ID
 * numbers and names. The level comes from POWERTOOLS_LOG_LEVEL (tests set SILENT).
 */
export const logger = new Logger({ serviceName: 'linkage-aid' });
