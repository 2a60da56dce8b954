import { FilterPolicyError, parseFilterPolicy, type FilterScope } from './filter-policy';
import { invalid } from './errors';
import { checkTopicPolicy } from './permissions';
import { defaultHttpDeliveryPolicy, deliveryDelaySecondsMax, deliveryRetriesMax, displayNameCharsMax } from './limits';

/**
 * Which topic and subscription attributes Kumo honours, and how each value
 * is checked. Every attribute AWS documents is either honoured here or
 * refused by name (`refusedTopicAttributes`, `refusedSubscriptionAttributes`):
 * none is accepted and dropped.
 */

/** Topic attributes Kumo does not honour, with why (refused by name, InvalidParameter). */
export const refusedTopicAttributes: Record<string, string> = {
  KmsMasterKeyId: 'Kumo does not encrypt topics with KMS keys',
  TracingConfig: 'Kumo has no X-Ray tracing',
  ArchivePolicy: 'Kumo does not archive or replay FIFO topic messages',
  BeginningArchiveTime: 'Kumo does not archive or replay FIFO topic messages',
  FifoThroughputScope: 'Kumo has no FIFO throughput modes',
  DataProtectionPolicy: 'Kumo has no message data protection',
};
for (const p of ['HTTP', 'Lambda', 'SQS', 'Application', 'Firehose']) {
  for (const s of ['SuccessFeedbackRoleArn', 'SuccessFeedbackSampleRate', 'FailureFeedbackRoleArn']) {
    refusedTopicAttributes[`${p}${s}`] = 'Kumo does not log delivery status';
  }
}

export const refusedSubscriptionAttributes: Record<string, string> = {
  SubscriptionRoleArn: 'Kumo does not deliver to Kinesis Data Firehose',
  ReplayPolicy: 'Kumo does not archive or replay FIFO topic messages',
};

/** Topic attributes that can be set (at CreateTopic; all but FifoTopic also by SetTopicAttributes). */
const topicSettable = new Set(['DisplayName', 'DeliveryPolicy', 'FifoTopic', 'ContentBasedDeduplication', 'SignatureVersion', 'Policy']);
const subscriptionSettable = new Set(['RawMessageDelivery', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy', 'DeliveryPolicy']);

function refuse(name: string, why: string): never {
  throw invalid(`Invalid parameter: ${name} Reason: ${why}`);
}

const bool = (name: string, v: string) => {
  if (v !== 'true' && v !== 'false') throw invalid(`Invalid parameter: ${name} Reason: must be true or false`);
  return v;
};

/** Checks one topic attribute; returns the value to store. `isFifo` of the topic it is for. */
export function checkTopicAttribute(name: string, value: string, isFifo: boolean, onCreate: boolean): string {
  if (refusedTopicAttributes[name]) refuse(name, refusedTopicAttributes[name]!);
  if (!topicSettable.has(name) || (name === 'FifoTopic' && !onCreate)) throw invalid('Invalid parameter: AttributeName');
  switch (name) {
    case 'DisplayName':
      if ([...value].length > displayNameCharsMax) throw invalid('Invalid parameter: DisplayName');
      return value;
    case 'FifoTopic':
      return bool(name, value);
    case 'ContentBasedDeduplication':
      bool(name, value);
      if (!isFifo && value === 'true') {
        throw invalid('Invalid parameter: Attributes Reason: ContentBasedDeduplication can only be set for FIFO topics');
      }
      return value;
    case 'SignatureVersion':
      if (value !== '1' && value !== '2') throw invalid('Invalid parameter: SignatureVersion');
      return value;
    case 'DeliveryPolicy':
      if (value !== '') parseTopicDeliveryPolicy(value); // empty: back to AWS's default
      return value;
    case 'Policy':
      return checkTopicPolicy(value);
  }
  throw invalid('Invalid parameter: AttributeName');
}

export interface RetryPolicy {
  minDelayTarget: number;
  maxDelayTarget: number;
  numRetries: number;
  numMaxDelayRetries: number;
  numNoDelayRetries: number;
  numMinDelayRetries: number;
  backoffFunction: string;
}

const backoffFunctions = new Set(['linear', 'arithmetic', 'geometric', 'exponential']);

function parseJson(name: string, text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw invalid(`Invalid parameter: ${name}: failed to parse JSON`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(`Invalid parameter: ${name}: must be a JSON object`);
  return v as Record<string, unknown>;
}

/** A healthyRetryPolicy object with AWS's bounds; missing members take AWS's defaults. */
export function checkRetryPolicy(name: string, o: unknown): RetryPolicy {
  if (o === undefined) return { ...defaultHttpDeliveryPolicy };
  if (typeof o !== 'object' || o === null) throw invalid(`Invalid parameter: ${name}: healthyRetryPolicy must be an object`);
  const p = { ...defaultHttpDeliveryPolicy, ...(o as Record<string, unknown>) } as Record<string, unknown>;
  const int = (k: string, max: number, min = 0) => {
    const v = p[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw invalid(`Invalid parameter: ${name}: ${k} must be an integer between ${min} and ${max}`);
    }
    return v;
  };
  const policy: RetryPolicy = {
    minDelayTarget: int('minDelayTarget', deliveryDelaySecondsMax, 1),
    maxDelayTarget: int('maxDelayTarget', deliveryDelaySecondsMax, 1),
    numRetries: int('numRetries', deliveryRetriesMax),
    numMaxDelayRetries: int('numMaxDelayRetries', deliveryRetriesMax),
    numNoDelayRetries: int('numNoDelayRetries', deliveryRetriesMax),
    numMinDelayRetries: int('numMinDelayRetries', deliveryRetriesMax),
    backoffFunction: String(p.backoffFunction),
  };
  if (!backoffFunctions.has(policy.backoffFunction)) throw invalid(`Invalid parameter: ${name}: backoffFunction must be linear, arithmetic, geometric or exponential`);
  if (policy.maxDelayTarget < policy.minDelayTarget) throw invalid(`Invalid parameter: ${name}: maxDelayTarget must be greater than or equal to minDelayTarget`);
  if (policy.numNoDelayRetries + policy.numMinDelayRetries + policy.numMaxDelayRetries > policy.numRetries) {
    throw invalid(`Invalid parameter: ${name}: numRetries must be at least numNoDelayRetries + numMinDelayRetries + numMaxDelayRetries`);
  }
  return policy;
}

/** A topic's DeliveryPolicy: `{"http": {"defaultHealthyRetryPolicy": {...}, "disableSubscriptionOverrides": bool}}`. */
export function parseTopicDeliveryPolicy(text: string): { retry: RetryPolicy; disableSubscriptionOverrides: boolean } {
  const o = parseJson('DeliveryPolicy', text);
  for (const k of Object.keys(o)) if (k !== 'http') throw invalid(`Invalid parameter: DeliveryPolicy: Kumo applies delivery policies to http/https only, not ${k}`);
  const http = (o.http ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(http)) {
    if (k !== 'defaultHealthyRetryPolicy' && k !== 'disableSubscriptionOverrides') {
      throw invalid(`Invalid parameter: DeliveryPolicy: Kumo does not support ${k}`);
    }
  }
  return { retry: checkRetryPolicy('DeliveryPolicy', http.defaultHealthyRetryPolicy), disableSubscriptionOverrides: http.disableSubscriptionOverrides === true };
}

/** A subscription's DeliveryPolicy: `{"healthyRetryPolicy": {...}}`. */
export function parseSubscriptionDeliveryPolicy(text: string): RetryPolicy {
  const o = parseJson('DeliveryPolicy', text);
  for (const k of Object.keys(o)) if (k !== 'healthyRetryPolicy') throw invalid(`Invalid parameter: DeliveryPolicy: Kumo does not support ${k}`);
  return checkRetryPolicy('DeliveryPolicy', o.healthyRetryPolicy);
}

/** The policy an http/https delivery follows: the subscription's unless the topic disables overrides. */
export function effectiveRetryPolicy(topicAttrs: Record<string, string>, subAttrs: Record<string, string>): RetryPolicy {
  const topic = topicAttrs.DeliveryPolicy ? parseTopicDeliveryPolicy(topicAttrs.DeliveryPolicy) : undefined;
  if (subAttrs.DeliveryPolicy && !topic?.disableSubscriptionOverrides) return parseSubscriptionDeliveryPolicy(subAttrs.DeliveryPolicy);
  return topic?.retry ?? { ...defaultHttpDeliveryPolicy };
}

/**
 * Checks one subscription attribute (with the other attributes it depends
 * on: a FilterPolicy is checked in its scope). `isHttp`: DeliveryPolicy is
 * only for http/https; `dlqOk`: whether Kumo can deliver to a dead-letter ARN.
 */
export function checkSubscriptionAttribute(
  name: string, value: string, ctx: { protocol: string; scope: string | undefined; dlqOk: (arn: string) => boolean },
): string {
  if (refusedSubscriptionAttributes[name]) refuse(name, refusedSubscriptionAttributes[name]!);
  if (!subscriptionSettable.has(name)) throw invalid('Invalid parameter: AttributeName');
  switch (name) {
    case 'RawMessageDelivery':
      if (ctx.protocol === 'lambda') {
        throw invalid('Invalid parameter: Attributes Reason: Delivery protocol [lambda] does not support raw message delivery attribute');
      }
      return bool(name, value);
    case 'FilterPolicyScope':
      if (value !== 'MessageAttributes' && value !== 'MessageBody') throw invalid('Invalid parameter: FilterPolicyScope: Invalid filter policy scope');
      return value;
    case 'FilterPolicy':
      try {
        if (value !== '') parseFilterPolicy(value, (ctx.scope ?? 'MessageAttributes') as FilterScope);
      } catch (e) {
        if (e instanceof FilterPolicyError) throw invalid(e.message);
        throw e;
      }
      return value;
    case 'DeliveryPolicy':
      if (ctx.protocol !== 'http' && ctx.protocol !== 'https') throw invalid(`Invalid parameter: DeliveryPolicy: Kumo applies delivery policies to http/https only, not ${ctx.protocol}`);
      if (value !== '') parseSubscriptionDeliveryPolicy(value);
      return value;
    case 'RedrivePolicy': {
      if (value === '') return value;
      const o = parseJson('RedrivePolicy', value);
      const arn = o.deadLetterTargetArn;
      if (typeof arn !== 'string' || !/^arn:[^:]+:sqs:[^:]+:[0-9]{12}:.+$/.test(arn)) {
        throw invalid('Invalid parameter: RedrivePolicy: deadLetterTargetArn is an invalid arn');
      }
      if (!ctx.dlqOk(arn)) throw invalid(`Invalid parameter: RedrivePolicy: Kumo cannot deliver to ${arn}`);
      return value;
    }
  }
  throw invalid('Invalid parameter: AttributeName');
}
