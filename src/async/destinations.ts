import { invalidParameter } from '../domain/errors';
import { parseArn, parseLambdaArn } from '../domain/arn';

/**
 * Which targets an async destination or a dead-letter queue may name, and
 * how AWS refuses the others. AWS accepts a queue, a topic, a function or an
 * event bus (and S3 buckets for on-failure of some sources); Kumo delivers to
 * queues, topics and functions (through `Deliveries`). An EventBridge bus or
 * an S3 bucket is refused by name until those services exist: accepting it
 * would drop the records.
 */

/** AWS's DestinationArn pattern (API model) and its 350-character limit. */
export const destinationArnPattern =
  '$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
export const destinationArnRe = new RegExp(`^(${destinationArnPattern})$`);
export const destinationArnCharsMax = 350;

export type DestinationKind = 'sqs' | 'sns' | 'lambda';

/** A destination ARN Kumo can deliver to, or undefined for a service AWS refuses ("The provided destination config … is invalid"). */
export function destinationKind(arn: string): DestinationKind | 'unsupported' | undefined {
  if (arn.startsWith('kafka://')) return 'unsupported';
  const a = parseArn(arn);
  if (!a) return undefined;
  if (a.service === 'sqs' || a.service === 'sns' || a.service === 'lambda') return a.service;
  if (a.service === 'events' || a.service === 's3') return 'unsupported';
  return undefined;
}

/** The refusal of a destination AWS would accept but Kumo cannot deliver to yet. */
export function unsupportedDestination(arn: string): Error {
  const what = arn.startsWith('kafka://') ? 'a Kafka cluster' : parseArn(arn)?.service === 's3' ? 'an S3 bucket' : 'an EventBridge event bus';
  return invalidParameter(
    `The destination ARN ${arn} is ${what}: this Kumo server delivers async invocation records to SQS queues, SNS topics and Lambda functions only (EventBridge and S3 are not built yet).`,
  );
}

/** The shape check of a queue, topic or function ARN (a name in the resource field; a function's is `function:<name>`). */
export function wellFormed(arn: string, kind: DestinationKind): boolean {
  const a = parseArn(arn);
  if (!a || !a.region || !/^\d{12}$/.test(a.account)) return false;
  if (kind === 'lambda') return parseLambdaArn(arn)?.type === 'function';
  return /^[A-Za-z0-9_.-]{1,256}$/.test(a.resource);
}
