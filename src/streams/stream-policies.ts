import { streamArn } from '../domain/arn';
import { parsePolicy } from '../identity/policy';
import { ResourcePolicyCache, resourcePolicyCache } from '../identity/resource-policies';
import type { ResourcePolicySource } from '../identity/types';
import type { StreamStore } from '../store/streams';
import { constraint, invalidArgument, StreamError, streamNotFound } from './errors';
import { streamLimits as L } from './limits';

/** The model's ResourceARN pattern (a stream or a consumer), anchored as Coral anchors it. */
const resourceArnPattern = 'arn:aws.*:kinesis:.*:\\d{12}:.*stream/\\S+';
const resourceArnRe = /^arn:aws.*:kinesis:.*:\d{12}:.*stream\/\S+$/;
/** A stream ARN: `arn:aws:kinesis:<region>:<account>:stream/<name>`. */
const streamArnRe = /^arn:aws[a-z-]*:kinesis:([^:]+):(\d{12}):stream\/([a-zA-Z0-9_.-]+)$/;
/** A consumer ARN (the API reference's consumer pattern). */
const consumerArnRe = /^arn:aws[a-z-]*:kinesis:[^:]+:\d{12}:.*stream\/[a-zA-Z0-9_.-]+\/consumer\/[a-zA-Z0-9_.-]+:[0-9]+$/;

/**
 * Kinesis resource policies (PutResourcePolicy, GetResourcePolicy,
 * DeleteResourcePolicy) of this account's streams: one JSON document per
 * stream, kept on the stream's row (deleting the stream deletes it), and the
 * `ResourcePolicySource` of `kinesis:` calls (identity/authorizer.ts): a
 * caller of another account may PutRecord(s), GetShardIterator, GetRecords,
 * DescribeStreamSummary… on a stream of this account only when this policy
 * allows it. Kumo has no enhanced fan-out consumers, so a consumer ARN names
 * nothing here (ResourceNotFoundException).
 */
export class StreamPolicies implements ResourcePolicySource {
  private readonly cache: ResourcePolicyCache;

  constructor(private readonly store: StreamStore, private readonly scope: { region: string; accountId: string }) {
    this.cache = new ResourcePolicyCache(async (arn) => (await this.store.getStreamPolicy(this.ownStream(arn)!)) ?? undefined, resourcePolicyCache);
  }

  /** PutResourcePolicy: the document replaces the stream's policy (AWS: "Updating an existing resource-based policy means replacing the existing one"). */
  async put(resourceArn: string | undefined, policy: string | undefined): Promise<void> {
    const name = this.streamOf(resourceArn, policy === undefined ? 'Policy' : undefined);
    const text = policy!;
    const r = parsePolicy(text, 'resource');
    if (!r.ok) throw invalidArgument(`Policy is not a valid resource policy: ${r.message}`);
    const n = Buffer.byteLength(text, 'utf8');
    if (n > L.policyBytesMax) throw new StreamError('LimitExceeded', `The policy is ${n} bytes; a stream's resource policy is at most ${L.policyBytesMax} bytes.`);
    try {
      if ((await this.store.setStreamPolicy(name, text)) === 'no-stream') throw this.notFound(name);
    } finally {
      this.forget(name);
    }
  }

  /** GetResourcePolicy: the document, or `{}` for a stream without one (recorded from AWS: test_resource_policy_crud). */
  async get(resourceArn: string | undefined): Promise<string> {
    const name = this.streamOf(resourceArn);
    const p = await this.store.getStreamPolicy(name);
    if (p === undefined) throw this.notFound(name);
    return p ?? '{}';
  }

  async delete(resourceArn: string | undefined): Promise<void> {
    const name = this.streamOf(resourceArn);
    try {
      const r = await this.store.setStreamPolicy(name, null);
      if (r === 'no-stream') throw this.notFound(name);
      if (r === 'no-policy') throw new StreamError('NotFound', `No resource policy found for resource ARN ${resourceArn}.`);
    } finally {
      this.forget(name);
    }
  }

  /** ResourcePolicySource: the policy of the stream a stream ARN of this region and account names. */
  policyOf(resourceArn: string): string | undefined | Promise<string | undefined> {
    const name = this.ownStream(resourceArn);
    // Cached by the stream's own ARN (the form every change forgets), whatever partition the caller wrote.
    return name === undefined ? undefined : this.cache.get(this.arnOf(name));
  }

  /** A stream was deleted: its policy went with it. */
  forget(name: string): void {
    this.cache.forget(this.arnOf(name));
  }

  private arnOf(name: string): string {
    return streamArn(this.scope, name);
  }

  /** The stream of this region and account a ResourceARN names (AWS's checks and texts), or the error. */
  private streamOf(arn: string | undefined, missing?: string): string {
    if (arn === undefined) throw constraint('ResourceARN', null, 'Member must not be null');
    if (arn.length > L.resourceArnLengthMax) throw constraint('ResourceARN', arn, `Member must have length less than or equal to ${L.resourceArnLengthMax}`);
    if (!resourceArnRe.test(arn)) throw constraint('ResourceARN', arn, `Member must satisfy regular expression pattern: ${resourceArnPattern}`);
    if (missing !== undefined) throw constraint(missing, null, 'Member must not be null');
    if (consumerArnRe.test(arn)) throw new StreamError('NotFound', `Consumer ${arn} not found: Kumo has no enhanced fan-out consumers (RegisterStreamConsumer is not supported).`);
    const m = streamArnRe.exec(arn);
    if (!m) throw invalidArgument(`${arn} is neither a stream ARN nor a consumer ARN.`);
    if (m[1] !== this.scope.region || m[2] !== this.scope.accountId) throw streamNotFound(m[3]!, m[2]!);
    return m[3]!;
  }

  private ownStream(arn: string): string | undefined {
    const m = streamArnRe.exec(arn);
    return m && m[1] === this.scope.region && m[2] === this.scope.accountId ? m[3] : undefined;
  }

  private notFound(name: string): StreamError {
    return streamNotFound(name, this.scope.accountId);
  }
}
