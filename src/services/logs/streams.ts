import type { Members, Operation } from '../../gateway/service';
import type { LogService } from '../../logs/log-service';
import { domain, logsError } from './errors';
import { checkNameLengths } from './groups';
import { m } from './shapes';
import { validate } from './validate';

/**
 * The group an operation names by `logGroupName` or `logGroupIdentifier` (name or ARN): exactly one
 * (AWS's words, from its recorded responses, for both).
 */
export function groupOf(logs: LogService, i: { logGroupName?: string; logGroupIdentifier?: string }): string {
  if (i.logGroupName !== undefined && i.logGroupIdentifier !== undefined) {
    throw logsError('ValidationException', 'LogGroup name and LogGroup ARN are mutually exclusive parameters.');
  }
  if (i.logGroupIdentifier !== undefined) return logs.groupNameOf(i.logGroupIdentifier);
  if (i.logGroupName !== undefined) return i.logGroupName;
  throw logsError('InvalidParameterException', 'Either logGroupName or logGroupIdentifier must be specified.');
}

/** CreateLogStream, DeleteLogStream, DescribeLogStreams. */
export function streamOperations(logs: LogService): Record<string, Operation> {
  return {
    CreateLogStream: {
      handle: async (input) => {
        checkNameLengths(input.logGroupName, input.logStreamName);
        const i = validate<{ logGroupName: string; logStreamName: string }>(input, {
          required: ['logGroupName', 'logStreamName'],
          members: { logGroupName: m.logGroupName, logStreamName: m.logStreamName },
        });
        await domain(() => logs.createStream(i.logGroupName, i.logStreamName));
      },
    },
    DeleteLogStream: {
      handle: async (input) => {
        const i = validate<{ logGroupName: string; logStreamName: string }>(input, {
          required: ['logGroupName', 'logStreamName'],
          members: { logGroupName: m.logGroupName, logStreamName: m.logStreamName },
        });
        await domain(() => logs.deleteStream(i.logGroupName, i.logStreamName));
      },
    },
    DescribeLogStreams: {
      handle: async (input) => {
        const i = validate<{
          logGroupName?: string; logGroupIdentifier?: string; logStreamNamePrefix?: string;
          orderBy?: 'LogStreamName' | 'LastEventTime'; descending?: boolean; nextToken?: string; limit?: number;
        }>(input, {
          members: {
            logGroupName: m.logGroupName, logGroupIdentifier: m.logGroupIdentifier, logStreamNamePrefix: m.logStreamName,
            orderBy: m.orderBy, descending: m.boolean, nextToken: m.nextToken, limit: m.describeLimit,
          },
        });
        const group = groupOf(logs, i);
        const r = await domain(() =>
          logs.describeStreams(group, { prefix: i.logStreamNamePrefix, orderBy: i.orderBy, descending: i.descending, nextToken: i.nextToken, limit: i.limit }),
        );
        return {
          logStreams: r.streams.map((s): Members => ({
            logStreamName: s.name,
            creationTime: s.createdMs,
            ...(s.firstEventMs !== null ? { firstEventTimestamp: s.firstEventMs } : {}),
            ...(s.lastEventMs !== null ? { lastEventTimestamp: s.lastEventMs } : {}),
            ...(s.lastIngestionMs !== null ? { lastIngestionTime: s.lastIngestionMs } : {}),
            ...(s.uploadSequenceToken ? { uploadSequenceToken: s.uploadSequenceToken } : {}),
            arn: s.arn,
            // AWS: "storedBytes … is deprecated for log streams and is always reported as zero."
            storedBytes: 0,
          })),
          nextToken: r.nextToken,
        };
      },
    },
  };
}
