import type { Members, Operation } from '../../gateway/service';
import { constraint, StreamError } from '../../streams/errors';
import { streamLimits as L } from '../../streams/limits';
import type { StreamMode } from '../../streams/records';
import { int, obj, str, strList, strMap, timestampMs } from './decode';
import { pageToken, refuseMember, required, streamOf, type KinesisDeps } from './operation';
import { shardShape, streamBody, streamHead } from './shapes';

const op = (handle: (m: Members) => Promise<Members | void>): Operation => ({ handle });

function range(member: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (v < min) throw constraint(member, v, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw constraint(member, v, `Member must have value less than or equal to ${max}`);
}

/** Streams, shards listing, retention, tags and resharding. */
export function streamOperations(d: KinesisDeps): Record<string, Operation> {
  return {
    CreateStream: op(async (m) => {
      refuseMember(m, 'WarmThroughputMiBps', 'warm throughput is an on-demand capacity setting Kumo does not provision.');
      refuseMember(m, 'MaxRecordSizeInKiB', `records are limited to AWS's default of ${L.recordBytesMax} bytes.`);
      const mode = (str(obj(m, 'StreamModeDetails') ?? {}, 'StreamMode') ?? 'PROVISIONED') as StreamMode;
      if (mode !== 'PROVISIONED' && mode !== 'ON_DEMAND') throw constraint('StreamModeDetails.streamMode', mode, 'Member must satisfy enum value set: [PROVISIONED, ON_DEMAND]');
      const name = required(str(m, 'StreamName'), 'StreamName');
      await d.streams.createStream(name, int(m, 'ShardCount'), mode, strMap(m, 'Tags') ?? {});
    }),
    DeleteStream: op(async (m) => {
      // EnforceConsumerDeletion: accepted; Kumo has no consumers to delete.
      await d.streams.deleteStream(streamOf(d, m));
    }),
    ListStreams: op(async (m) => {
      const limit = int(m, 'Limit') ?? L.listStreamsDefault;
      range('Limit', limit, 1, L.listMax);
      const token = str(m, 'NextToken');
      const after = token !== undefined ? pageToken.decode<{ after: string }>(token, 'NextToken').after : str(m, 'ExclusiveStartStreamName');
      const r = await d.streams.list(after, limit);
      const last = r.streams[r.streams.length - 1]?.stream.name;
      return {
        StreamNames: r.streams.map((s) => s.stream.name),
        HasMoreStreams: r.more,
        NextToken: r.more && last !== undefined ? pageToken.encode({ after: last }) : undefined,
        StreamSummaries: r.streams.map((s) => streamHead(s.stream, s.status)),
      };
    }),
    DescribeStream: op(async (m) => {
      const limit = int(m, 'Limit') ?? 100;
      range('Limit', limit, 1, L.listMax);
      const after = str(m, 'ExclusiveStartShardId');
      const v = await d.streams.describe(streamOf(d, m));
      const shards = after === undefined ? v.shards : v.shards.filter((s) => s.shardId > after);
      return {
        StreamDescription: {
          ...streamHead(v.stream, v.status), ...streamBody(v.stream),
          Shards: shards.slice(0, limit).map(shardShape), HasMoreShards: shards.length > limit,
        },
      };
    }),
    DescribeStreamSummary: op(async (m) => {
      const v = await d.streams.describe(streamOf(d, m));
      return {
        StreamDescriptionSummary: {
          ...streamHead(v.stream, v.status), ...streamBody(v.stream),
          OpenShardCount: v.shards.filter((s) => s.seqEnd === undefined).length, ConsumerCount: 0,
        },
      };
    }),
    ListShards: op(async (m) => {
      const max = int(m, 'MaxResults') ?? L.listShardsDefault;
      range('MaxResults', max, 1, L.listMax);
      const token = str(m, 'NextToken');
      let name: string;
      let after: string | undefined;
      if (token !== undefined) {
        if (m.StreamName !== undefined || m.StreamARN !== undefined) {
          throw new StreamError('InvalidArgument', 'NextToken and StreamName cannot be provided together.');
        }
        const t = pageToken.decode<{ s: string; after: string; at: number }>(token, 'NextToken');
        if (Date.now() - t.at > L.nextTokenTtlMs) throw new StreamError('ExpiredNextToken', `The timestamp of the token ${token} has expired.`);
        name = t.s;
        after = t.after;
      } else {
        name = streamOf(d, m);
        after = str(m, 'ExclusiveStartShardId');
      }
      const createdMs = timestampMs(m, 'StreamCreationTimestamp');
      const filter = obj(m, 'ShardFilter');
      const v = await d.streams.describe(name);
      // StreamCreationTimestamp tells apart streams that had the same name: another creation time is not this stream.
      if (createdMs !== undefined && Math.floor(createdMs / 1000) !== Math.floor(v.stream.createdMs / 1000)) {
        throw new StreamError('NotFound', `Stream ${name} under account ${d.streams.accountId} created at ${new Date(createdMs).toISOString()} not found.`);
      }
      let shards = v.shards;
      if (filter) {
        const type = str(filter, 'Type');
        if (type === 'AFTER_SHARD_ID') {
          const id = str(filter, 'ShardId');
          shards = shards.filter((s) => id === undefined || s.shardId > id);
        } else if (type === 'AT_LATEST') shards = shards.filter((s) => s.seqEnd === undefined);
        else if (type === 'AT_TRIM_HORIZON' || type === 'FROM_TRIM_HORIZON') {
          // Every shard Kumo still lists holds records within retention (closed shards past it are swept).
        } else throw new StreamError('Unsupported', `Kumo does not support ShardFilter type ${String(type)}; use AFTER_SHARD_ID, AT_LATEST, AT_TRIM_HORIZON or FROM_TRIM_HORIZON.`);
      }
      if (after !== undefined) shards = shards.filter((s) => s.shardId > after!);
      const page = shards.slice(0, max);
      const more = shards.length > max;
      return {
        Shards: page.map(shardShape),
        NextToken: more ? pageToken.encode({ s: name, after: page[page.length - 1]!.shardId, at: Date.now() }) : undefined,
      };
    }),
    IncreaseStreamRetentionPeriod: op(async (m) => {
      await d.streams.changeRetention(streamOf(d, m), required(int(m, 'RetentionPeriodHours'), 'RetentionPeriodHours'), 'increase');
    }),
    DecreaseStreamRetentionPeriod: op(async (m) => {
      await d.streams.changeRetention(streamOf(d, m), required(int(m, 'RetentionPeriodHours'), 'RetentionPeriodHours'), 'decrease');
    }),
    AddTagsToStream: op(async (m) => {
      await d.streams.addTags(streamOf(d, m), required(strMap(m, 'Tags'), 'Tags'));
    }),
    RemoveTagsFromStream: op(async (m) => {
      await d.streams.removeTags(streamOf(d, m), required(strList(m, 'TagKeys'), 'TagKeys'));
    }),
    ListTagsForStream: op(async (m) => {
      const limit = int(m, 'Limit') ?? L.tagsPerStreamMax;
      range('Limit', limit, 1, L.tagsPerStreamMax);
      const after = str(m, 'ExclusiveStartTagKey');
      const v = await d.streams.describe(streamOf(d, m));
      const keys = Object.keys(v.stream.tags).sort().filter((k) => after === undefined || k > after);
      return { Tags: keys.slice(0, limit).map((k) => ({ Key: k, Value: v.stream.tags[k] })), HasMoreTags: keys.length > limit };
    }),
    TagResource: op(async (m) => {
      await d.streams.addTags(d.streams.nameOfArn(required(str(m, 'ResourceARN'), 'ResourceARN')), required(strMap(m, 'Tags'), 'Tags'));
    }),
    UntagResource: op(async (m) => {
      await d.streams.removeTags(d.streams.nameOfArn(required(str(m, 'ResourceARN'), 'ResourceARN')), required(strList(m, 'TagKeys'), 'TagKeys'));
    }),
    ListTagsForResource: op(async (m) => {
      const v = await d.streams.describe(d.streams.nameOfArn(required(str(m, 'ResourceARN'), 'ResourceARN')));
      return { Tags: Object.keys(v.stream.tags).sort().map((k) => ({ Key: k, Value: v.stream.tags[k] })) };
    }),
    UpdateShardCount: op(async (m) => {
      const target = required(int(m, 'TargetShardCount'), 'TargetShardCount');
      const scaling = required(str(m, 'ScalingType'), 'ScalingType');
      if (scaling !== 'UNIFORM_SCALING') throw constraint('ScalingType', scaling, 'Member must satisfy enum value set: [UNIFORM_SCALING]');
      const name = streamOf(d, m);
      const r = await d.streams.updateShardCount(name, target);
      return { StreamName: name, StreamARN: d.streams.arnOf(name), CurrentShardCount: r.current, TargetShardCount: target };
    }),
    SplitShard: op(async (m) => {
      await d.streams.splitShard(streamOf(d, m), required(str(m, 'ShardToSplit'), 'ShardToSplit'), required(str(m, 'NewStartingHashKey'), 'NewStartingHashKey'));
    }),
    MergeShards: op(async (m) => {
      await d.streams.mergeShards(streamOf(d, m), required(str(m, 'ShardToMerge'), 'ShardToMerge'), required(str(m, 'AdjacentShardToMerge'), 'AdjacentShardToMerge'));
    }),
  };
}
