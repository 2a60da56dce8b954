/**
 * What the stream service throws: a kind in the domain's terms and AWS's
 * message. src/services/kinesis/errors.ts maps each kind to Kinesis's name.
 */
export type StreamErrorKind =
  | 'NotFound'
  | 'InUse'
  | 'InvalidArgument'
  | 'Validation'
  | 'LimitExceeded'
  | 'Throughput'
  | 'ExpiredIterator'
  | 'ExpiredNextToken'
  | 'Unsupported';

export class StreamError extends Error {
  constructor(readonly kind: StreamErrorKind, message: string) {
    super(message);
  }
}

export const streamNotFound = (name: string, account: string) => new StreamError('NotFound', `Stream ${name} under account ${account} not found.`);
export const invalidArgument = (message: string) => new StreamError('InvalidArgument', message);
/** Kinesis answers model constraints in Coral's words, naming the member in lowerCamelCase. */
export const constraint = (member: string, value: unknown, rule: string) =>
  new StreamError('Validation', `1 validation error detected: Value '${String(value)}' at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: ${rule}`);
export const throughputExceeded = (shardId: string, stream: string, account: string) =>
  new StreamError('Throughput', `Rate exceeded for shard ${shardId} in stream ${stream} under account ${account}.`);
