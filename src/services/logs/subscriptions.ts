import type { Operation } from '../../gateway/service';
import type { LogSubscriptions } from '../../logs/subscriptions';
import { domain, logsError } from './errors';
import { m } from './shapes';
import { validate } from './validate';

const filterName = { type: 'string', min: 1, max: 512, pattern: '[^:*]*' } as const;

/** PutSubscriptionFilter, DescribeSubscriptionFilters, DeleteSubscriptionFilter (a Lambda function destination). */
export function subscriptionOperations(subs: LogSubscriptions): Record<string, Operation> {
  return {
    PutSubscriptionFilter: {
      handle: async (input) => {
        const i = validate<{
          logGroupName: string; filterName: string; filterPattern: string; destinationArn: string; roleArn?: string; distribution?: string;
          applyOnTransformedLogs?: boolean; fieldSelectionCriteria?: string; emitSystemFields?: string[];
        }>(input, {
          required: ['logGroupName', 'filterName', 'filterPattern', 'destinationArn'],
          members: {
            logGroupName: m.logGroupName, filterName, filterPattern: m.filterPattern, destinationArn: { type: 'string', min: 1 },
            roleArn: { type: 'string', min: 1 }, distribution: { type: 'string', enum: ['Random', 'ByLogStream'] },
            applyOnTransformedLogs: m.boolean, fieldSelectionCriteria: { type: 'string', min: 0, max: 2000 },
            emitSystemFields: { type: 'list', min: 0, max: 10, member: { type: 'string' } },
          },
        });
        // Settings Kumo would not honour are refused rather than dropped.
        if (i.applyOnTransformedLogs) throw logsError('InvalidParameterException', 'Kumo has no log transformers: applyOnTransformedLogs is not supported.');
        if (i.fieldSelectionCriteria) throw logsError('InvalidParameterException', 'Kumo does not support fieldSelectionCriteria on subscription filters.');
        if (i.emitSystemFields?.length) throw logsError('InvalidParameterException', 'Kumo does not support emitSystemFields on subscription filters.');
        await domain(() => subs.put(i));
      },
    },
    DescribeSubscriptionFilters: {
      handle: async (input) => {
        const i = validate<{ logGroupName: string; filterNamePrefix?: string; nextToken?: string; limit?: number }>(input, {
          required: ['logGroupName'],
          members: { logGroupName: m.logGroupName, filterNamePrefix: filterName, nextToken: m.nextToken, limit: m.describeLimit },
        });
        const r = await domain(() => subs.describe(i.logGroupName, { prefix: i.filterNamePrefix, nextToken: i.nextToken, limit: i.limit }));
        return { subscriptionFilters: r.filters, ...(r.nextToken ? { nextToken: r.nextToken } : {}) };
      },
    },
    DeleteSubscriptionFilter: {
      handle: async (input) => {
        const i = validate<{ logGroupName: string; filterName: string }>(input, {
          required: ['logGroupName', 'filterName'],
          members: { logGroupName: m.logGroupName, filterName },
        });
        await domain(() => subs.delete(i.logGroupName, i.filterName));
      },
    },
  };
}
