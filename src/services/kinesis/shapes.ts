import type { Members } from '../../gateway/service';
import type { ShardRecord, StreamRecord } from '../../streams/records';
import { formatSequence } from '../../streams/sequence';
import type { StreamStatus } from '../../streams/stream-service';

/** The `Shard` shape: ids, hash key range, sequence number range (an ending number once closed). */
export function shardShape(s: ShardRecord): Members {
  return {
    ShardId: s.shardId,
    ParentShardId: s.parentShardId,
    AdjacentParentShardId: s.adjacentParentShardId,
    HashKeyRange: { StartingHashKey: s.hashStart, EndingHashKey: s.hashEnd },
    SequenceNumberRange: {
      StartingSequenceNumber: formatSequence(s.ordinal, s.seqStart + 1),
      EndingSequenceNumber: s.seqEnd === undefined ? undefined : formatSequence(s.ordinal, s.seqEnd),
    },
  };
}

/** What DescribeStream, DescribeStreamSummary and ListStreams' summaries share. */
export function streamHead(s: StreamRecord, status: StreamStatus): Members {
  return {
    StreamName: s.name,
    StreamARN: s.arn,
    StreamStatus: status,
    StreamModeDetails: { StreamMode: s.mode },
    StreamCreationTimestamp: new Date(s.createdMs),
  };
}

/**
 * Kumo seals every record with its own keyring (not KMS), so the stream's
 * EncryptionType is NONE as AWS means it: no KMS key, nothing to configure.
 */
export function streamBody(s: StreamRecord): Members {
  return { RetentionPeriodHours: s.retentionHours, EnhancedMonitoring: [{ ShardLevelMetrics: [] }], EncryptionType: 'NONE' };
}
