import type { Members, Operation } from '../../gateway/service';
import { constraint, StreamError } from '../../streams/errors';
import { streamLimits as L } from '../../streams/limits';
import type { IteratorType, PutInput } from '../../streams/stream-service';
import { blob, int, list, str, timestampMs } from './decode';
import { kinesisErrorName } from './errors';
import { required, streamOf, type KinesisDeps } from './operation';

const iteratorTypes = new Set(['TRIM_HORIZON', 'LATEST', 'AT_SEQUENCE_NUMBER', 'AFTER_SEQUENCE_NUMBER', 'AT_TIMESTAMP']);

function record(m: Members): PutInput {
  return { partitionKey: required(str(m, 'PartitionKey'), 'PartitionKey'), data: required(blob(m, 'Data'), 'Data'), explicitHashKey: str(m, 'ExplicitHashKey') };
}

/**
 * PutRecord(s), GetShardIterator, GetRecords. Request bodies: a record is at
 * most 1 MiB of data (base64 in JSON: 4/3 of it), PutRecords 5 MiB; the
 * limits below leave room for that encoding and the other members.
 */
export function recordOperations(d: KinesisDeps): Record<string, Operation> {
  return {
    PutRecord: {
      bodyBytesMax: Math.ceil((L.recordBytesMax * 4) / 3) + 64 * 1024,
      async handle(m) {
        // SequenceNumberForOrdering: honoured trivially, a shard's numbers always grow in the order puts commit.
        const [r] = await d.streams.put(streamOf(d, m), [record(m)]);
        if ('error' in r!) throw r.error;
        return { ShardId: r!.shardId, SequenceNumber: r!.sequenceNumber };
      },
    },
    PutRecords: {
      bodyBytesMax: Math.ceil((L.putRecordsBytesMax * 4) / 3) + 256 * 1024,
      async handle(m) {
        const entries = required(list(m, 'Records'), 'Records');
        if (entries.length < 1) throw constraint('Records', '[]', 'Member must have length greater than or equal to 1');
        if (entries.length > L.putRecordsMax) throw constraint('Records', `${entries.length} records`, `Member must have length less than or equal to ${L.putRecordsMax}`);
        const inputs = entries.map((e) => record((e ?? {}) as Members));
        const total = inputs.reduce((n, x) => n + x.data.length + Buffer.byteLength(x.partitionKey, 'utf8'), 0);
        if (total > L.putRecordsBytesMax) throw new StreamError('InvalidArgument', `Records size exceeds ${L.putRecordsBytesMax / 1024 / 1024} MB limit`);
        const results = await d.streams.put(streamOf(d, m), inputs);
        let failed = 0;
        const Records = results.map((r) => {
          if ('error' in r) {
            failed++;
            return { ErrorCode: kinesisErrorName(r.error.kind), ErrorMessage: r.error.message };
          }
          return { SequenceNumber: r.sequenceNumber, ShardId: r.shardId };
        });
        return { FailedRecordCount: failed, Records };
      },
    },
    GetShardIterator: {
      async handle(m) {
        const type = required(str(m, 'ShardIteratorType'), 'ShardIteratorType');
        if (!iteratorTypes.has(type)) throw constraint('ShardIteratorType', type, `Member must satisfy enum value set: [${[...iteratorTypes].join(', ')}]`);
        const it = await d.streams.shardIterator(
          streamOf(d, m), required(str(m, 'ShardId'), 'ShardId'), type as IteratorType, str(m, 'StartingSequenceNumber'), timestampMs(m, 'Timestamp'),
        );
        return { ShardIterator: it };
      },
    },
    GetRecords: {
      async handle(m) {
        // StreamARN may accompany the iterator; the iterator names its stream, and the two must agree.
        const arn = str(m, 'StreamARN');
        const r = await d.streams.getRecords(required(str(m, 'ShardIterator'), 'ShardIterator'), int(m, 'Limit'), arn === undefined ? undefined : d.streams.nameOfArn(arn));
        return {
          Records: r.records.map((x) => ({ SequenceNumber: x.sequenceNumber, ApproximateArrivalTimestamp: new Date(x.arrivalMs), Data: x.data, PartitionKey: x.partitionKey })),
          NextShardIterator: r.nextIterator,
          MillisBehindLatest: r.millisBehindLatest,
          ChildShards: r.childShards?.map((c) => ({
            ShardId: c.shardId,
            ParentShards: [c.parentShardId, c.adjacentParentShardId].filter((p): p is string => p !== undefined),
            HashKeyRange: { StartingHashKey: c.hashStart, EndingHashKey: c.hashEnd },
          })),
        };
      },
    },
  };
}
