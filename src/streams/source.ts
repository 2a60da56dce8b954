import { DomainError } from '../domain/errors';
import type { SourceShard, StreamPosition, StreamSource, StreamSourceInfo, StreamSourceRead } from '../domain/stream-source';
import { StreamError } from './errors';
import type { StreamService } from './stream-service';

/**
 * The stream service as Lambda's stream event source mappings read it, by
 * stream ARN (`StreamSource`, src/domain/stream-source.ts). The reads are
 * GetShardIterator and GetRecords themselves, so a mapping shares each
 * shard's read throughput with every other consumer, as on AWS. Stream
 * errors become DomainErrors: NotFound, Throttled (Throughput),
 * PreconditionFailed (an expired iterator), InvalidParameter (the rest).
 */
export class StreamSourceAdapter implements StreamSource {
  constructor(private readonly streams: StreamService) {}

  private async run<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      if (e instanceof StreamError) {
        const kind = e.kind === 'NotFound' ? 'NotFound' : e.kind === 'Throughput' ? 'Throttled' : e.kind === 'ExpiredIterator' ? 'PreconditionFailed' : 'InvalidParameter';
        throw new DomainError(kind, e.message);
      }
      throw e;
    }
  }

  describe(streamArn: string): Promise<StreamSourceInfo> {
    return this.run(async () => {
      const v = await this.streams.describe(this.streams.nameOfArn(streamArn));
      if (v.status === 'CREATING') throw new StreamError('NotFound', `Stream ${v.stream.name} is being created.`);
      const shards: SourceShard[] = v.shards.map((s) => ({
        shardId: s.shardId,
        ...(s.parentShardId ? { parentShardId: s.parentShardId } : {}),
        ...(s.adjacentParentShardId ? { adjacentParentShardId: s.adjacentParentShardId } : {}),
        closed: s.seqEnd !== undefined,
      }));
      return { arn: v.stream.arn, retentionHours: v.stream.retentionHours, shards };
    });
  }

  iterator(streamArn: string, shardId: string, from: StreamPosition): Promise<string> {
    return this.run(() => {
      const name = this.streams.nameOfArn(streamArn);
      if (from.type === 'AFTER_SEQUENCE_NUMBER') return this.streams.shardIterator(name, shardId, 'AFTER_SEQUENCE_NUMBER', from.sequenceNumber);
      if (from.type === 'AT_TIMESTAMP') return this.streams.shardIterator(name, shardId, 'AT_TIMESTAMP', undefined, from.timestampMs);
      return this.streams.shardIterator(name, shardId, 'TRIM_HORIZON');
    });
  }

  latest(streamArn: string, shardId: string): Promise<string | undefined> {
    return this.run(() => this.streams.latestSequence(this.streams.nameOfArn(streamArn), shardId));
  }

  read(streamArn: string, iterator: string, limit: number): Promise<StreamSourceRead> {
    return this.run(async () => {
      const r = await this.streams.getRecords(iterator, limit, this.streams.nameOfArn(streamArn));
      return {
        records: r.records.map((x) => ({ sequenceNumber: x.sequenceNumber, partitionKey: x.partitionKey, data: x.data, arrivalMs: x.arrivalMs })),
        ...(r.nextIterator !== undefined ? { nextIterator: r.nextIterator } : {}),
        ended: r.nextIterator === undefined,
        behindMs: r.millisBehindLatest,
      };
    });
  }
}
