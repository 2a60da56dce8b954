import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueueTagsCommand,
  SetQueueAttributesCommand,
  TagQueueCommand,
  UntagQueueCommand,
} from '@aws-sdk/client-sqs';
import { queueArn } from '../../../domain/arn';
import { feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping, nameProp, num, str } from '../values';
import { ownerTags, ownershipConflict, tagDiff, tagList } from './ownership';

/**
 * AWS::SQS::Queue through the SQS API: CreateQueue with the template's
 * attributes; on an update, GetQueueAttributes is compared with the template
 * and SetQueueAttributes / TagQueue / UntagQueue apply the difference. A new
 * QueueName (or FifoQueue, which changes the name) is a new queue, as
 * CloudFormation replaces it; the old one is deleted after.
 */

/** SQS queue names: at most 80 characters, `.fifo` included (SQS CreateQueue). */
const queueNameCharsMax = 80;
const fifoSuffix = '.fifo';

/**
 * The value each attribute returns to when the template stops setting it, as
 * CloudFormation resets a removed property: SQS's documented defaults
 * (VisibilityTimeout 30 s, MessageRetentionPeriod 345,600 s = 4 days,
 * DelaySeconds 0, ReceiveMessageWaitTimeSeconds 0, no RedrivePolicy,
 * MaximumMessageSize 1,048,576 bytes = 1 MiB since AWS raised it in 2025).
 */
const defaults: Record<string, string> = {
  VisibilityTimeout: '30',
  MessageRetentionPeriod: '345600',
  DelaySeconds: '0',
  MaximumMessageSize: '1048576',
  ReceiveMessageWaitTimeSeconds: '0',
  RedrivePolicy: '',
};
const fifoDefaults: Record<string, string> = { ContentBasedDeduplication: 'false', DeduplicationScope: 'queue', FifoThroughputLimit: 'perQueue' };

const numberAttrs = ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'MaximumMessageSize', 'ReceiveMessageWaitTimeSeconds'] as const;
const fifoAttrs = ['ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit'] as const;

export interface QueuePlan {
  url?: string;
  attrs: Record<string, string>;
  tags: Record<string, string>;
  haveTags?: Record<string, string>;
  setAttrs?: Record<string, string>;
}

const isFifo = (pr: Record<string, unknown>) => pr.FifoQueue === true || pr.FifoQueue === 'true';

/** QueueName, or `<stack>-<LogicalId>` (with `.fifo` for a FIFO queue) within SQS's 80 characters. */
function queueName(d: ResourceDecl, ctx: DeployContext): string {
  const given = nameProp(ctx, d.props, d.id, 'QueueName');
  if (given !== undefined) return given;
  const fifo = isFifo({ FifoQueue: ctx.resolver.value(d.props.FifoQueue, `Resources.${d.id}.Properties.FifoQueue`) });
  return fifo ? physicalName(ctx.stackName, d.id, queueNameCharsMax - fifoSuffix.length) + fifoSuffix : physicalName(ctx.stackName, d.id, queueNameCharsMax);
}

/** A RedrivePolicy (a mapping or its JSON) as SQS's attribute: JSON with deadLetterTargetArn and maxReceiveCount. */
function redrive(ctx: DeployContext, v: unknown, p: string): string {
  let o: unknown = v;
  if (typeof v === 'string') {
    try {
      o = JSON.parse(v);
    } catch {
      throw ctx.error(p, 'RedrivePolicy is {deadLetterTargetArn, maxReceiveCount} (a mapping or its JSON)');
    }
  }
  if (!isMapping(o) || typeof o.deadLetterTargetArn !== 'string' || o.maxReceiveCount === undefined) {
    throw ctx.error(p, 'RedrivePolicy needs deadLetterTargetArn (the dead-letter queue ARN: !GetAtt DLQ.Arn) and maxReceiveCount');
  }
  return JSON.stringify({ deadLetterTargetArn: o.deadLetterTargetArn, maxReceiveCount: num(ctx, o.maxReceiveCount, `${p}.maxReceiveCount`, 'maxReceiveCount') });
}

/** The attributes the template asks for, in SQS's string form, with defaults for what it leaves out. */
export function desiredAttributes(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): Record<string, string> {
  const p = `Resources.${d.id}.Properties`;
  const fifo = isFifo(pr);
  const out: Record<string, string> = { ...defaults, ...(fifo ? fifoDefaults : {}) };
  for (const k of numberAttrs) {
    const n = num(ctx, pr[k], `${p}.${k}`, k);
    if (n !== undefined) out[k] = String(n);
  }
  if (pr.RedrivePolicy !== undefined) out.RedrivePolicy = redrive(ctx, pr.RedrivePolicy, `${p}.RedrivePolicy`);
  if (pr.RedriveAllowPolicy !== undefined) out.RedriveAllowPolicy = typeof pr.RedriveAllowPolicy === 'string' ? pr.RedriveAllowPolicy : JSON.stringify(pr.RedriveAllowPolicy);
  for (const k of fifoAttrs) {
    if (pr[k] === undefined) continue;
    if (!fifo) throw ctx.error(`${p}.${k}`, `${k} is for FIFO queues only (FifoQueue: true)`);
    // ContentBasedDeduplication is a boolean in templates (true or 'true'); the others are strings.
    out[k] = typeof pr[k] === 'boolean' ? String(pr[k]) : str(ctx, pr[k], `${p}.${k}`, k)!;
  }
  if (fifo) out.FifoQueue = 'true';
  return out;
}

/** Two RedrivePolicy values mean the same (SQS may answer maxReceiveCount as a string or a number). */
function sameRedrive(a: string, b: string | undefined): boolean {
  if (!a || !b) return !a && !b;
  try {
    const x = JSON.parse(a) as Record<string, unknown>;
    const y = JSON.parse(b) as Record<string, unknown>;
    return x.deadLetterTargetArn === y.deadLetterTargetArn && Number(x.maxReceiveCount) === Number(y.maxReceiveCount);
  } catch {
    return a === b;
  }
}

/** The attributes whose value on the server differs from the template's. */
export function attributeDiff(want: Record<string, string>, have: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(want)) {
    if (k === 'FifoQueue') continue;
    if (k === 'RedrivePolicy' ? sameRedrive(v, have[k]) : k === 'RedriveAllowPolicy' ? sameJson(v, have[k]) : (have[k] ?? '') === v) continue;
    out[k] = v;
  }
  // A RedriveAllowPolicy the template dropped: back to SQS's default, any source may use this queue as its DLQ.
  if (want.RedriveAllowPolicy === undefined && have.RedriveAllowPolicy && !sameJson(allowAll, have.RedriveAllowPolicy)) out.RedriveAllowPolicy = allowAll;
  return out;
}

const allowAll = '{"redrivePermission":"allowAll"}';

function sameJson(a: string, b: string | undefined): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b ?? ''));
  } catch {
    return a === b;
  }
}

const missingQueue = (e: unknown) => ['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes((e as { name?: string }).name ?? '');
const what = (d: ResourceDecl) => `queues (${d.id}, AWS::SQS::Queue)`;

export const sqsQueue = defineKind<QueuePlan>({
  type: 'AWS::SQS::Queue',
  schema: {
    handled: [
      'QueueName', 'FifoQueue', 'VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds', 'MaximumMessageSize', 'ReceiveMessageWaitTimeSeconds',
      'RedrivePolicy', 'RedriveAllowPolicy', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit', 'Tags',
    ],
    // Kumo has no KMS: every message body is encrypted at rest with Kumo's own key whatever these say.
    ignored: ['KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled'],
    check({ props, fail }) {
      const fifo = props.FifoQueue === true || props.FifoQueue === 'true';
      if (fifo && typeof props.QueueName === 'string' && !props.QueueName.endsWith(fifoSuffix)) fail('QueueName', `a FIFO queue's name ends with ${fifoSuffix}`);
      if (!fifo && typeof props.QueueName === 'string' && props.QueueName.endsWith(fifoSuffix)) fail('QueueName', `a queue named ….fifo needs FifoQueue: true`);
    },
  },
  replacedOnRename: true,
  deleteOrder: 3,
  physicalId: queueName,
  // A queue's URL is the server's answer (its host is the server's); the ARN is known from the name.
  ref: (d, ctx) => ctx.state[d.id]?.ref ?? ctx.known(d.id, undefined),
  getAtt(d, attr, p, ctx) {
    const name = ctx.physicalOf(d);
    if (attr === 'Arn') return queueArn(ctx.cfg, name);
    if (attr === 'QueueName') return name;
    if (attr === 'QueueUrl') return ctx.state[d.id]?.ref ?? ctx.known(d.id, undefined);
    throw ctx.error(p, `${d.id} (AWS::SQS::Queue) has the attributes Arn, QueueName and QueueUrl, not ${attr}`);
  },
  async plan(d, ctx) {
    const pr = ctx.props(d);
    const name = ctx.physicalOf(d);
    const attrs = desiredAttributes(ctx, d, pr);
    const tags = { ...tagList(ctx, pr.Tags, `Resources.${d.id}.Properties.Tags`), ...ownerTags(ctx) };
    const pl: Planned<QueuePlan> = { decl: d, action: 'create', reasons: [], physical: name, data: { attrs, tags } };
    let url: string | undefined;
    try {
      url = (await feature(what(d), 'GetQueueUrl', () => ctx.sqs.send(new GetQueueUrlCommand({ QueueName: name })))).QueueUrl;
    } catch (e) {
      if (!missingQueue(e)) throw e;
    }
    if (!url) return pl;
    const [a, t] = await Promise.all([
      ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] })),
      ctx.sqs.send(new ListQueueTagsCommand({ QueueUrl: url })),
    ]);
    const conflict = ownershipConflict(ctx, d.id, 'queue', name, t.Tags);
    if (conflict) return { ...pl, action: 'skip', conflict, reasons: ['name taken'] };
    ctx.state[d.id] = { type: d.type, physicalId: name, ref: url, arn: queueArn(ctx.cfg, name) };
    const set = attributeDiff(attrs, a.Attributes ?? {});
    const td = tagDiff(tags, t.Tags ?? {});
    pl.data = { url, attrs, tags, haveTags: t.Tags ?? {}, setAttrs: set };
    pl.reasons.push(...Object.keys(set));
    if (Object.keys(td.set).length || td.unset.length) pl.reasons.push('Tags');
    const pending = pendingRefs(pr);
    if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    // Re-resolved: a RedrivePolicy's dead-letter queue exists now.
    const pr = ctx.props(d);
    const attrs = desiredAttributes(ctx, d, pr);
    const tags = { ...tagList(ctx, pr.Tags, `Resources.${d.id}.Properties.Tags`), ...ownerTags(ctx) };
    const arn = queueArn(ctx.cfg, name);
    let url = pl.data!.url;
    if (pl.action === 'create') {
      // Defaults are what CreateQueue gives anyway; only what the template sets is sent.
      const given = Object.fromEntries(Object.entries(attrs).filter(([k, v]) => defaults[k] !== v && fifoDefaults[k] !== v));
      url = (await feature(what(d), 'CreateQueue', () => ctx.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: given, tags })))).QueueUrl!;
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: created queue ${name}`);
      return { type: d.type, physicalId: name, ref: url, arn };
    }
    const have = (await ctx.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['All'] }))).Attributes ?? {};
    const set = attributeDiff(attrs, have);
    const td = tagDiff(tags, (await ctx.sqs.send(new ListQueueTagsCommand({ QueueUrl: url }))).Tags ?? {});
    const changed = [...Object.keys(set)];
    if (changed.length) await ctx.sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: set }));
    if (Object.keys(td.set).length) await ctx.sqs.send(new TagQueueCommand({ QueueUrl: url, Tags: td.set }));
    if (td.unset.length) await ctx.sqs.send(new UntagQueueCommand({ QueueUrl: url, TagKeys: td.unset }));
    if (Object.keys(td.set).length || td.unset.length) changed.push('Tags');
    if (changed.length) {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: updated queue ${name} (${changed.join(', ')})`);
    }
    return { type: d.type, physicalId: name, ref: url, arn };
  },
  async remove(r, ctx) {
    try {
      const url = r.ref ?? (await ctx.sqs.send(new GetQueueUrlCommand({ QueueName: r.physicalId }))).QueueUrl;
      await ctx.sqs.send(new DeleteQueueCommand({ QueueUrl: url }));
    } catch (e) {
      if (!missingQueue(e)) throw e;
    }
  },
});
