import { parseArn } from '../domain/arn';
import { checkResourcePolicy, type ResourcePolicyLimits } from '../identity/resource-policies';
import { QueueError } from './errors';
import { queueLimits as L } from './limits';

/**
 * Queue attributes: which exist, which can be set, their defaults, and the
 * checks SetQueueAttributes / CreateQueue make (AWS's wording). Values are
 * strings, as the API carries them; a stored queue holds every settable
 * attribute it has, defaults filled in at creation.
 */

/** Attributes GetQueueAttributes computes (never set). */
export const readOnlyAttributes = [
  'ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp', 'LastModifiedTimestamp', 'QueueArn',
] as const;

/** Settable attributes Kumo honours. */
const settable = [
  'DelaySeconds', 'MaximumMessageSize', 'MessageRetentionPeriod', 'ReceiveMessageWaitTimeSeconds', 'VisibilityTimeout',
  'RedrivePolicy', 'RedriveAllowPolicy', 'SqsManagedSseEnabled', 'Policy',
  'FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit',
] as const;

/**
 * Attributes AWS has that Kumo refuses rather than accept and ignore: SSE-KMS
 * (there is no KMS; every body is encrypted at rest with Kumo's own key anyway).
 */
const refused: Record<string, string> = {
  KmsMasterKeyId: 'Kumo has no KMS; message bodies are always encrypted at rest with its own key',
  KmsDataKeyReusePeriodSeconds: 'Kumo has no KMS; message bodies are always encrypted at rest with its own key',
};

export const allAttributeNames = new Set<string>([...readOnlyAttributes, ...settable, ...Object.keys(refused)]);

const fifoOnly = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

export function defaultAttributes(fifo: boolean): Record<string, string> {
  const a: Record<string, string> = {
    DelaySeconds: '0',
    MaximumMessageSize: String(L.messageBytesMax),
    MessageRetentionPeriod: String(L.retentionSDefault),
    ReceiveMessageWaitTimeSeconds: '0',
    VisibilityTimeout: String(L.visibilitySDefault),
    SqsManagedSseEnabled: 'true',
  };
  if (fifo) Object.assign(a, { FifoQueue: 'true', ContentBasedDeduplication: 'false', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' });
  return a;
}

const invalidAttr = (name: string, reason?: string) =>
  new QueueError('InvalidAttributeValue', reason ? `Invalid value for the parameter ${name}. Reason: ${reason}` : `Invalid value for the parameter ${name}.`);

function intIn(name: string, v: string, min: number, max: number): void {
  if (!/^-?[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) throw invalidAttr(name);
}

function bool(name: string, v: string): void {
  if (v !== 'true' && v !== 'false') throw invalidAttr(name);
}

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export function parseRedrivePolicy(v: string): RedrivePolicy {
  let p: unknown;
  try {
    p = JSON.parse(v);
  } catch {
    throw invalidAttr('RedrivePolicy', 'Redrive policy is not a valid JSON map.');
  }
  const o = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
  const arn = o.deadLetterTargetArn;
  if (typeof arn !== 'string' || parseArn(arn)?.service !== 'sqs') throw invalidAttr('RedrivePolicy', 'Invalid value for deadLetterTargetArn.');
  const n = typeof o.maxReceiveCount === 'string' ? Number(o.maxReceiveCount) : o.maxReceiveCount;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < L.maxReceiveCountMin || n > L.maxReceiveCountMax) {
    throw invalidAttr('RedrivePolicy', `Value ${String(o.maxReceiveCount)} for parameter maxReceiveCount is invalid. Reason: Must be between ${L.maxReceiveCountMin} and ${L.maxReceiveCountMax}.`);
  }
  for (const k of Object.keys(o)) if (k !== 'deadLetterTargetArn' && k !== 'maxReceiveCount') throw invalidAttr('RedrivePolicy', `Unknown key ${k}.`);
  return { deadLetterTargetArn: arn, maxReceiveCount: n };
}

export interface RedriveAllowPolicy {
  redrivePermission: 'allowAll' | 'denyAll' | 'byQueue';
  sourceQueueArns?: string[];
}

export function parseRedriveAllowPolicy(v: string): RedriveAllowPolicy {
  let p: unknown;
  try {
    p = JSON.parse(v);
  } catch {
    throw invalidAttr('RedriveAllowPolicy', 'Redrive allow policy is not a valid JSON map.');
  }
  const o = (typeof p === 'object' && p !== null ? p : {}) as Record<string, unknown>;
  const perm = o.redrivePermission;
  if (perm !== 'allowAll' && perm !== 'denyAll' && perm !== 'byQueue') throw invalidAttr('RedriveAllowPolicy', 'Invalid value for redrivePermission.');
  const arns = o.sourceQueueArns;
  if (perm === 'byQueue') {
    if (!Array.isArray(arns) || arns.length < 1 || arns.length > L.redriveSourcesMax || !arns.every((a) => typeof a === 'string' && parseArn(a)?.service === 'sqs')) {
      throw invalidAttr('RedriveAllowPolicy', `sourceQueueArns must list 1 to ${L.redriveSourcesMax} queue ARNs when redrivePermission is byQueue.`);
    }
    return { redrivePermission: perm, sourceQueueArns: arns as string[] };
  }
  if (arns !== undefined) throw invalidAttr('RedriveAllowPolicy', 'sourceQueueArns is only allowed when redrivePermission is byQueue.');
  return { redrivePermission: perm };
}

/** Whether a dead-letter queue's RedriveAllowPolicy lets `sourceArn` use it (no policy: allowAll). */
export function redriveAllowed(dlqAttributes: Record<string, string>, sourceArn: string): boolean {
  const v = dlqAttributes.RedriveAllowPolicy;
  if (!v) return true;
  const p = parseRedriveAllowPolicy(v);
  return p.redrivePermission === 'allowAll' || (p.redrivePermission === 'byQueue' && (p.sourceQueueArns ?? []).includes(sourceArn));
}

/**
 * Checks attributes a caller sets (CreateQueue or SetQueueAttributes) and
 * returns them normalised. `fifo`: the queue is (or is being created as) FIFO.
 */
export function checkAttributes(attrs: Record<string, string>, fifo: boolean, creating: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(attrs)) {
    if (typeof v !== 'string') throw invalidAttr(name);
    if (refused[name]) throw new QueueError('InvalidAttributeValue', `Invalid value for the parameter ${name}. Reason: ${refused[name]}.`);
    if (!allAttributeNames.has(name) || (readOnlyAttributes as readonly string[]).includes(name)) throw new QueueError('UnknownAttribute', `Unknown Attribute ${name}.`);
    if (fifoOnly.has(name) && !fifo && !(name === 'FifoQueue' && v === 'false')) {
      throw new QueueError('UnknownAttribute', `Unknown Attribute ${name}.`);
    }
    switch (name) {
      case 'DelaySeconds': intIn(name, v, 0, L.delaySMax); break;
      case 'MaximumMessageSize': intIn(name, v, L.messageBytesMin, L.messageBytesMax); break;
      case 'MessageRetentionPeriod': intIn(name, v, L.retentionSMin, L.retentionSMax); break;
      case 'ReceiveMessageWaitTimeSeconds': intIn(name, v, 0, L.waitSMax); break;
      case 'VisibilityTimeout': intIn(name, v, 0, L.visibilitySMax); break;
      case 'RedrivePolicy': if (v !== '') parseRedrivePolicy(v); break;
      case 'RedriveAllowPolicy': if (v !== '') parseRedriveAllowPolicy(v); break;
      case 'Policy': if (v !== '') checkQueuePolicy(v); break;
      case 'SqsManagedSseEnabled': case 'ContentBasedDeduplication': bool(name, v); break;
      case 'FifoQueue':
        bool(name, v);
        if (!creating) throw new QueueError('InvalidAttributeValue', 'Invalid value for the parameter FifoQueue. Reason: Modifying queue type is not supported.');
        break;
      case 'DeduplicationScope': if (v !== 'queue' && v !== 'messageGroup') throw invalidAttr(name); break;
      case 'FifoThroughputLimit': if (v !== 'perQueue' && v !== 'perMessageGroupId') throw invalidAttr(name); break;
    }
    out[name] = name === 'RedrivePolicy' && v !== '' ? JSON.stringify(parseRedrivePolicy(v)) : v;
  }
  return out;
}

/** SQS's quotas on a queue policy (limits.ts). */
export const queuePolicyLimits: ResourcePolicyLimits = {
  bytesMax: L.policyBytesMax, statementsMax: L.policyStatementsMax, principalsMax: L.policyPrincipalsMax, principalsPer: 'policy', conditionsMax: L.policyConditionsMax,
};

/**
 * A queue's Policy attribute: an IAM resource policy (identity/policy's
 * rules) within SQS's quotas. AWS answers a bad one "Invalid value for the
 * parameter Policy." (InvalidAttributeValue); Kumo adds the reason in SQS's
 * `Reason:` form.
 */
export function checkQueuePolicy(v: string): void {
  const r = checkResourcePolicy(v, queuePolicyLimits);
  if (!r.ok) throw new QueueError('InvalidAttributeValue', `Invalid value for the parameter Policy. Reason: ${capitalise(r.reason)}.`);
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).replace(/\.$/, '');

/** AWS refuses perMessageGroupId throughput unless deduplication is scoped to the message group. */
export function checkFifoCombination(a: Record<string, string>): void {
  if (a.FifoThroughputLimit === 'perMessageGroupId' && a.DeduplicationScope === 'queue') {
    throw new QueueError('InvalidAttributeValue', 'Invalid value for the parameter FifoThroughputLimit. Reason: perMessageGroupId requires DeduplicationScope messageGroup.');
  }
}
