import { retentionDaysAllowed } from '../../logs/limits';
import type { Rule } from './validate';

/** Member constraints of logs-2014-03-28, as the model states them. */
export const m = {
  logGroupName: { type: 'string', min: 1, max: 512, pattern: '[\\.\\-_/#A-Za-z0-9]+' },
  logGroupIdentifier: { type: 'string', min: 1, max: 2048, pattern: '[\\w#+=/:,.@-]*' },
  logGroupNamePattern: { type: 'string', min: 0, max: 512, pattern: '[\\.\\-_/#A-Za-z0-9]*' },
  logStreamName: { type: 'string', min: 1, max: 512, pattern: '[^:*]*' },
  nextToken: { type: 'string', min: 1 },
  describeLimit: { type: 'integer', min: 1, max: 50 },
  eventsLimit: { type: 'integer', min: 1, max: 10000 },
  timestamp: { type: 'long', min: 0 },
  boolean: { type: 'boolean' },
  kmsKeyId: { type: 'string', max: 256 },
  tags: { type: 'map', min: 1, max: 50 },
  logGroupClass: { type: 'string', enum: ['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'] },
  orderBy: { type: 'string', enum: ['LogStreamName', 'LastEventTime'] },
  filterPattern: { type: 'string', min: 0, max: 1024 },
  sequenceToken: { type: 'string', min: 1 },
  // The model types Days as a plain integer; the service accepts only these values and says so.
  retentionInDays: { type: 'integer', enum: retentionDaysAllowed },
  accountIds: { type: 'list', min: 0, max: 20, member: { type: 'string', min: 12, max: 12, pattern: '\\d{12}' } },
} satisfies Record<string, Rule>;
