import type { Operation } from '../../gateway/service';
import type { LogGroupView, LogService } from '../../logs/log-service';
import { domain, logsError } from './errors';
import { m } from './shapes';
import { validate } from './validate';

/** AWS's own words for an over-long name on create (recorded responses), ahead of the generic length message. */
export function checkNameLengths(...names: unknown[]): void {
  for (const n of names) {
    if (typeof n === 'string' && [...n].length > 512) {
      throw logsError('InvalidParameterException', 'Invalid LogGroup or LogStream, both must have length less than or equal to 512.');
    }
  }
}

/** CreateLogGroup, DeleteLogGroup, DescribeLogGroups, PutRetentionPolicy, DeleteRetentionPolicy. */
export function groupOperations(logs: LogService): Record<string, Operation> {
  return {
    CreateLogGroup: {
      handle: async (input) => {
        checkNameLengths(input.logGroupName);
        const i = validate<{ logGroupName: string; kmsKeyId?: string; tags?: object; logGroupClass?: string; deletionProtectionEnabled?: boolean }>(input, {
          required: ['logGroupName'],
          members: { logGroupName: m.logGroupName, kmsKeyId: m.kmsKeyId, tags: m.tags, logGroupClass: m.logGroupClass, deletionProtectionEnabled: m.boolean },
        });
        // Settings Kumo would not honour are refused rather than dropped.
        if (i.logGroupClass !== undefined && i.logGroupClass !== 'STANDARD') {
          throw logsError('InvalidParameterException', `Kumo supports only the STANDARD log group class, not ${i.logGroupClass}.`);
        }
        if (i.tags !== undefined) throw logsError('InvalidParameterException', 'Tags on log groups are not supported by Kumo yet.');
        if (i.deletionProtectionEnabled) throw logsError('InvalidParameterException', 'Deletion protection of log groups is not supported by Kumo yet.');
        await domain(() => logs.createGroup(i.logGroupName, { kmsKeyId: i.kmsKeyId }));
      },
    },
    DeleteLogGroup: {
      handle: async (input) => {
        const i = validate<{ logGroupName: string }>(input, { required: ['logGroupName'], members: { logGroupName: m.logGroupName } });
        await domain(() => logs.deleteGroup(i.logGroupName));
      },
    },
    DescribeLogGroups: {
      handle: async (input) => {
        const i = validate<{
          logGroupNamePrefix?: string; logGroupNamePattern?: string; nextToken?: string; limit?: number;
          logGroupClass?: string; logGroupIdentifiers?: string[];
        }>(input, {
          members: {
            accountIdentifiers: m.accountIds, logGroupNamePrefix: m.logGroupName, logGroupNamePattern: m.logGroupNamePattern,
            nextToken: m.nextToken, limit: m.describeLimit, includeLinkedAccounts: m.boolean, logGroupClass: m.logGroupClass,
            logGroupIdentifiers: { type: 'list', min: 1, max: 50, member: m.logGroupIdentifier },
          },
        });
        if (i.logGroupNamePrefix !== undefined && i.logGroupNamePattern !== undefined) {
          throw logsError('InvalidParameterException', 'LogGroup name prefix and LogGroup name pattern are mutually exclusive parameters.');
        }
        // Every group here is STANDARD; asking for another class finds none.
        if (i.logGroupClass !== undefined && i.logGroupClass !== 'STANDARD') return { logGroups: [] };
        const wanted = i.logGroupIdentifiers ? new Set(i.logGroupIdentifiers.map((x) => logs.groupNameOf(x))) : undefined;
        const r = await domain(() =>
          logs.describeGroups({ prefix: i.logGroupNamePrefix, contains: i.logGroupNamePattern || undefined, nextToken: i.nextToken, limit: i.limit }),
        );
        return { logGroups: r.groups.filter((g) => !wanted || wanted.has(g.name)).map(groupOut), nextToken: r.nextToken };
      },
    },
    PutRetentionPolicy: {
      handle: async (input) => {
        const i = validate<{ logGroupName: string; retentionInDays: number }>(input, {
          required: ['logGroupName', 'retentionInDays'],
          members: { logGroupName: m.logGroupName, retentionInDays: m.retentionInDays },
        });
        await domain(() => logs.putRetention(i.logGroupName, i.retentionInDays));
      },
    },
    DeleteRetentionPolicy: {
      handle: async (input) => {
        const i = validate<{ logGroupName: string }>(input, { required: ['logGroupName'], members: { logGroupName: m.logGroupName } });
        await domain(() => logs.deleteRetention(i.logGroupName));
      },
    },
  };
}

/** The LogGroup shape as AWS returns it (both ARN forms; classes and protection as Kumo has them). */
function groupOut(g: LogGroupView): Record<string, unknown> {
  return {
    logGroupName: g.name,
    creationTime: g.createdMs,
    ...(g.retentionDays !== null ? { retentionInDays: g.retentionDays } : {}),
    metricFilterCount: 0,
    arn: g.arn,
    storedBytes: g.storedBytes,
    ...(g.kmsKeyId !== null ? { kmsKeyId: g.kmsKeyId } : {}),
    logGroupClass: 'STANDARD',
    logGroupArn: g.logGroupArn,
    deletionProtectionEnabled: false,
  };
}
