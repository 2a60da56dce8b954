import type { Members } from '../../gateway/service';
import { accountInArn, arn, iamOf, one, str, type ResourcesOf } from '../iam-table';
import { kinesisErrors } from './errors';

/** The stream a call names: its StreamARN, else `arn:aws:kinesis:<r>:<a>:stream/<StreamName>`. */
const stream: ResourcesOf = (m, ctx) => one(str(m, 'StreamARN') ?? (str(m, 'StreamName') && arn('kinesis', ctx, `stream/${str(m, 'StreamName')}`)));
/** A consumer operation: the consumer's ARN when given, else its stream. */
const consumer: ResourcesOf = (m, ctx) => (str(m, 'ConsumerARN') ? [str(m, 'ConsumerARN')!] : stream(m, ctx));
const byArn: ResourcesOf = (m) => one(str(m, 'ResourceARN'));

/**
 * Several accounts (issue 18): the account whose stream or consumer a call
 * names by ARN (StreamARN, ConsumerARN, ResourceARN), or, for GetRecords
 * without StreamARN, the account of the stream its iterator was issued for;
 * undefined for a StreamName (the signer's account).
 */
export const kinesisOwnerAccount = (streamArnOfIterator: (iterator: string) => string | undefined) => (operation: string, m: Members): string | undefined => {
  const named = accountInArn(str(m, 'StreamARN')) ?? accountInArn(str(m, 'ConsumerARN')) ?? accountInArn(str(m, 'ResourceARN'));
  if (named !== undefined || operation !== 'GetRecords') return named;
  const it = str(m, 'ShardIterator');
  return it === undefined ? undefined : accountInArn(streamArnOfIterator(it));
};

/**
 * Kinesis Data Streams' operations as IAM authorises them (stream and
 * consumer ARNs; account-level reads name none). GetRecords names its stream
 * through the iterator (StreamARN is optional beside it), whose ARN names
 * the stream's account.
 */
export const kinesisIam = (streamArnOfIterator: (iterator: string) => string | undefined) => iamOf({
  prefix: 'kinesis',
  accessDenied: { name: 'AccessDeniedException', spec: kinesisErrors.AccessDeniedException! },
  resources: {
    CreateStream: stream,
    DeleteStream: stream,
    ListStreams: '*',
    DescribeStream: stream,
    DescribeStreamSummary: stream,
    ListShards: stream,
    IncreaseStreamRetentionPeriod: stream,
    DecreaseStreamRetentionPeriod: stream,
    AddTagsToStream: stream,
    RemoveTagsFromStream: stream,
    ListTagsForStream: stream,
    TagResource: byArn,
    UntagResource: byArn,
    ListTagsForResource: byArn,
    UpdateShardCount: stream,
    SplitShard: stream,
    MergeShards: stream,
    PutRecord: stream,
    PutRecords: stream,
    GetShardIterator: stream,
    GetRecords: (m) => {
      if (str(m, 'StreamARN')) return [str(m, 'StreamARN')!];
      const it = str(m, 'ShardIterator');
      return one(it === undefined ? undefined : streamArnOfIterator(it));
    },
    RegisterStreamConsumer: stream,
    DeregisterStreamConsumer: consumer,
    DescribeStreamConsumer: consumer,
    SubscribeToShard: consumer,
    ListStreamConsumers: stream,
    StartStreamEncryption: stream,
    StopStreamEncryption: stream,
    EnableEnhancedMonitoring: stream,
    DisableEnhancedMonitoring: stream,
    PutResourcePolicy: byArn,
    GetResourcePolicy: byArn,
    DeleteResourcePolicy: byArn,
    UpdateStreamMode: stream,
    UpdateAccountSettings: '*',
    DescribeAccountSettings: '*',
    UpdateMaxRecordSize: stream,
    UpdateStreamWarmThroughput: stream,
    DescribeLimits: '*',
  },
});
