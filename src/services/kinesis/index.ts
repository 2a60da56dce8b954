import type { ServiceDefinition } from '../../gateway/service';
import { kinesisIam, kinesisOwnerAccount } from './iam';
import { kinesisErrors, mapKinesisError } from './errors';
import type { KinesisDeps } from './operation';
import { recordOperations } from './records-api';
import { policyOperations } from './policies-api';
import { refusedOperations } from './refused-api';
import { streamOperations } from './streams-api';

export type { KinesisDeps } from './operation';

/**
 * Amazon Kinesis Data Streams (2013-12-02), SigV4 service `kinesis`: JSON 1.1
 * (`X-Amz-Target: Kinesis_20131202.<Operation>`, as @aws-sdk/client-kinesis
 * and the aws CLI send it), also with a CBOR body
 * (`Content-Type: application/x-amz-cbor-1.1`, as the Java SDK and KPL send
 * it; the gateway decodes and answers in kind). Operations call the domain
 * `StreamService`; nothing here touches the store.
 */
export function kinesisService(d: KinesisDeps): ServiceDefinition {
  return {
    name: 'kinesis',
    signingName: 'kinesis',
    // Every operation's IAM action and resources (./iam.ts).
    iam: kinesisIam((it) => d.streams.streamArnOfIterator(it)),
    // Several accounts: a call naming another account's stream by ARN (or by an iterator of its stream) is served by that account.
    ownerAccount: kinesisOwnerAccount((it) => d.streams.streamArnOfIterator(it)),
    // Data events in CloudTrail's terms: not in the audit trail (gateway/service.ts `dataPlane`).
    dataPlane: new Set(['PutRecord', 'PutRecords', 'GetRecords', 'GetShardIterator', 'SubscribeToShard']),
    errors: kinesisErrors,
    internalErrorName: 'InternalFailureException',
    json: { targetPrefix: 'Kinesis_20131202', version: '1.1', cborContentType: 'application/x-amz-cbor-1.1' },
    operations: { ...streamOperations(d), ...recordOperations(d), ...policyOperations(d), ...refusedOperations() },
    mapError: mapKinesisError,
  };
}
