import type { Operation } from '../../gateway/service';
import { logsLimits } from '../../logs/limits';
import type { LogService } from '../../logs/log-service';
import { domain, logsError } from './errors';
import { m } from './shapes';
import { groupOf } from './streams';
import { validate } from './validate';

/** PutLogEvents' body: the 1,048,576-byte batch plus its JSON framing (AWS measures the events; the body may be larger). */
const putLogEventsBodyBytesMax = 5 * 1024 * 1024;

/** PutLogEvents, GetLogEvents, FilterLogEvents. */
export function eventOperations(logs: LogService): Record<string, Operation> {
  return {
    PutLogEvents: {
      bodyBytesMax: putLogEventsBodyBytesMax,
      handle: async (input) => {
        const i = validate<{ logGroupName: string; logStreamName: string; logEvents: { timestamp: number; message: string }[]; entity?: object }>(input, {
          required: ['logGroupName', 'logStreamName', 'logEvents'],
          members: {
            logGroupName: m.logGroupName,
            logStreamName: m.logStreamName,
            logEvents: {
              type: 'list', min: 1, max: logsLimits.putEventsMax,
              member: { type: 'structure', required: ['timestamp', 'message'], members: { timestamp: m.timestamp, message: { type: 'string', min: 1 } } },
            },
            sequenceToken: m.sequenceToken,
          },
        });
        if (i.entity !== undefined) throw logsError('InvalidParameterException', 'Entities (PutLogEvents entity) are not supported by Kumo yet.');
        const r = await domain(() =>
          logs.putEvents(i.logGroupName, i.logStreamName, i.logEvents.map((e) => ({ timestampMs: e.timestamp, message: e.message }))),
        );
        return { nextSequenceToken: r.nextSequenceToken, ...(r.rejected ? { rejectedLogEventsInfo: r.rejected } : {}) };
      },
    },
    GetLogEvents: {
      handle: async (input) => {
        const i = validate<{
          logGroupName?: string; logGroupIdentifier?: string; logStreamName: string; startTime?: number; endTime?: number;
          nextToken?: string; limit?: number; startFromHead?: boolean;
        }>(input, {
          required: ['logStreamName'],
          members: {
            logGroupName: m.logGroupName, logGroupIdentifier: m.logGroupIdentifier, logStreamName: m.logStreamName,
            startTime: m.timestamp, endTime: m.timestamp, nextToken: m.nextToken, limit: m.eventsLimit,
            startFromHead: m.boolean, unmask: m.boolean,
          },
        });
        const group = groupOf(logs, i);
        const r = await domain(() =>
          logs.getEvents(group, i.logStreamName, { startMs: i.startTime, endMs: i.endTime, nextToken: i.nextToken, limit: i.limit, startFromHead: i.startFromHead }),
        );
        return {
          events: r.events.map((e) => ({ timestamp: e.timestampMs, message: e.message, ingestionTime: e.ingestionMs })),
          nextForwardToken: r.nextForwardToken,
          nextBackwardToken: r.nextBackwardToken,
        };
      },
    },
    FilterLogEvents: {
      handle: async (input) => {
        const i = validate<{
          logGroupName?: string; logGroupIdentifier?: string; logStreamNames?: string[]; logStreamNamePrefix?: string;
          startTime?: number; endTime?: number; filterPattern?: string; nextToken?: string; limit?: number;
        }>(input, {
          members: {
            logGroupName: m.logGroupName, logGroupIdentifier: m.logGroupIdentifier,
            logStreamNames: { type: 'list', min: 1, max: 100, member: m.logStreamName }, logStreamNamePrefix: m.logStreamName,
            startTime: m.timestamp, endTime: m.timestamp, filterPattern: m.filterPattern, nextToken: m.nextToken,
            limit: m.eventsLimit, startFromHead: m.boolean, interleaved: m.boolean, unmask: m.boolean,
          },
        });
        const group = groupOf(logs, i);
        const r = await domain(() =>
          logs.filterEvents(group, {
            streams: i.logStreamNames, streamPrefix: i.logStreamNamePrefix, startMs: i.startTime, endMs: i.endTime,
            pattern: i.filterPattern, nextToken: i.nextToken, limit: i.limit,
          }),
        );
        return {
          events: r.events.map((e) => ({
            logStreamName: e.stream, timestamp: e.timestampMs, message: e.message, ingestionTime: e.ingestionMs, eventId: e.eventId,
          })),
          // AWS: "As of May 15, 2020, this parameter is no longer supported. This parameter returns an empty list."
          searchedLogStreams: [],
          nextToken: r.nextToken,
        };
      },
    },
  };
}
