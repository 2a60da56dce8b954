import {
  AddTagsToStreamCommand, CreateStreamCommand, DecreaseStreamRetentionPeriodCommand, DeleteStreamCommand, DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand, ListTagsForStreamCommand, RemoveTagsFromStreamCommand, UpdateShardCountCommand,
} from '@aws-sdk/client-kinesis';
import { streamArn } from '../../../domain/arn';
import { CliError, feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { isMapping, nameProp, num, str } from '../values';
import { ownerTags, ownershipConflict, tagDiff, tagList } from './ownership';

/**
 * AWS::Kinesis::Stream through the Kinesis API: CreateStream (provisioned
 * with ShardCount, default 1 as CloudFormation's, or ON_DEMAND), then the
 * retention and tags; on an update DescribeStreamSummary and
 * ListTagsForStream are compared with the template and UpdateShardCount
 * (UNIFORM_SCALING), Increase/DecreaseStreamRetentionPeriod and
 * AddTagsToStream / RemoveTagsFromStream apply the difference. A new Name is
 * a new stream (CloudFormation replaces it); the old one is deleted after.
 */

/** Stream names: 1–128 characters (Kinesis CreateStream). */
const streamNameCharsMax = 128;
/** CloudFormation's defaults: ShardCount 1 (provisioned), RetentionPeriodHours 24. */
const shardCountDefault = 1;
const retentionHoursDefault = 24;
/** Longest wait for a stream to become ACTIVE (Kumo's CREATING/UPDATING last ~100 ms). */
const activeWaitMs = 30_000;

interface StreamPlan {
  exists: boolean;
  changes?: { shards?: number; retention?: number; setTags?: Record<string, string>; unsetTags?: string[] };
}

interface Desired {
  mode: 'PROVISIONED' | 'ON_DEMAND';
  shards?: number;
  retention: number;
  tags: Record<string, string>;
}

function streamName(d: ResourceDecl, ctx: DeployContext): string {
  return nameProp(ctx, d.props, d.id, 'Name') ?? physicalName(ctx.stackName, d.id, streamNameCharsMax);
}

function desired(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): Desired {
  const p = `Resources.${d.id}.Properties`;
  const smd = pr.StreamModeDetails;
  if (smd !== undefined && !isMapping(smd)) throw ctx.error(`${p}.StreamModeDetails`, 'StreamModeDetails is {StreamMode: PROVISIONED or ON_DEMAND}');
  const mode = (str(ctx, (smd as Record<string, unknown> | undefined)?.StreamMode, `${p}.StreamModeDetails.StreamMode`, 'StreamMode') ?? 'PROVISIONED') as Desired['mode'];
  if (mode !== 'PROVISIONED' && mode !== 'ON_DEMAND') throw ctx.error(`${p}.StreamModeDetails.StreamMode`, `StreamMode is PROVISIONED or ON_DEMAND, not ${mode}`);
  const shards = num(ctx, pr.ShardCount, `${p}.ShardCount`, 'ShardCount');
  if (mode === 'ON_DEMAND' && shards !== undefined) throw ctx.error(`${p}.ShardCount`, 'ShardCount is for PROVISIONED streams (an ON_DEMAND stream scales itself)');
  return {
    mode,
    ...(mode === 'PROVISIONED' ? { shards: shards ?? shardCountDefault } : {}),
    retention: num(ctx, pr.RetentionPeriodHours, `${p}.RetentionPeriodHours`, 'RetentionPeriodHours') ?? retentionHoursDefault,
    tags: { ...tagList(ctx, pr.Tags, `${p}.Tags`), ...ownerTags(ctx) },
  };
}

const missing = (e: unknown) => (e as { name?: string }).name === 'ResourceNotFoundException';
const what = (d: ResourceDecl) => `streams (${d.id}, AWS::Kinesis::Stream)`;

async function waitActive(ctx: DeployContext, name: string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const s = (await ctx.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
    if (s.StreamStatus === 'ACTIVE') return;
    if (Date.now() - t0 > activeWaitMs) throw new CliError(`stream ${name} is still ${s.StreamStatus} after ${activeWaitMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function tagsOf(ctx: DeployContext, name: string): Promise<Record<string, string>> {
  const t = await ctx.kinesis.send(new ListTagsForStreamCommand({ StreamName: name }));
  return Object.fromEntries((t.Tags ?? []).map((x) => [x.Key!, x.Value ?? '']));
}

export const kinesisStream = defineKind<StreamPlan>({
  type: 'AWS::Kinesis::Stream',
  schema: {
    handled: ['Name', 'ShardCount', 'StreamModeDetails', 'RetentionPeriodHours', 'Tags'],
    // Kumo seals every record at rest with its own key whatever StreamEncryption says (Kumo has no KMS).
    ignored: ['StreamEncryption', 'DesiredShardLevelMetrics'],
  },
  replacedOnRename: true,
  deleteOrder: 3,
  physicalId: streamName,
  ref: (d, ctx) => ctx.physicalOf(d),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Arn') return streamArn(ctx.cfg, ctx.physicalOf(d));
    throw ctx.error(p, `${d.id} (AWS::Kinesis::Stream) has the attribute Arn, not ${attr}`);
  },
  async plan(d, ctx) {
    const name = ctx.physicalOf(d);
    const want = desired(ctx, d, ctx.props(d));
    const pl: Planned<StreamPlan> = { decl: d, action: 'create', reasons: [], physical: name, data: { exists: false } };
    let have;
    try {
      have = (await feature(what(d), 'DescribeStreamSummary', () => ctx.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name })))).StreamDescriptionSummary!;
    } catch (e) {
      if (!missing(e)) throw e;
      return pl;
    }
    const tags = await tagsOf(ctx, name);
    const conflict = ownershipConflict(ctx, d.id, 'stream', name, tags);
    if (conflict) return { ...pl, action: 'skip', conflict, reasons: ['name taken'] };
    ctx.state[d.id] = { type: d.type, physicalId: name, ref: name, arn: streamArn(ctx.cfg, name) };
    const mode = have.StreamModeDetails?.StreamMode ?? 'PROVISIONED';
    if (mode !== want.mode) throw ctx.error(`Resources.${d.id}.Properties.StreamModeDetails`, `stream ${name} is ${mode}; changing the mode is not supported by Kumo (UpdateStreamMode)`);
    const changes: NonNullable<StreamPlan['changes']> = {};
    if (want.shards !== undefined && want.shards !== have.OpenShardCount) changes.shards = want.shards;
    if (want.retention !== have.RetentionPeriodHours) changes.retention = want.retention;
    const td = tagDiff(want.tags, tags);
    if (Object.keys(td.set).length) changes.setTags = td.set;
    if (td.unset.length) changes.unsetTags = td.unset;
    pl.data = { exists: true, changes };
    if (changes.shards !== undefined) pl.reasons.push('ShardCount');
    if (changes.retention !== undefined) pl.reasons.push('RetentionPeriodHours');
    if (changes.setTags || changes.unsetTags) pl.reasons.push('Tags');
    const pending = pendingRefs(ctx.props(d));
    if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    const want = desired(ctx, d, ctx.props(d));
    const rec = { type: d.type, physicalId: name, ref: name, arn: streamArn(ctx.cfg, name) };
    if (pl.action === 'create') {
      await feature(what(d), 'CreateStream', () => ctx.kinesis.send(new CreateStreamCommand({
        StreamName: name, ...(want.shards !== undefined ? { ShardCount: want.shards } : {}), StreamModeDetails: { StreamMode: want.mode }, Tags: want.tags,
      })));
      ctx.record.resources[d.id] = rec;
      await waitActive(ctx, name);
      if (want.retention > retentionHoursDefault) await ctx.kinesis.send(new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: want.retention }));
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: created stream ${name} (${want.mode === 'ON_DEMAND' ? 'on demand' : `${want.shards} shard${want.shards === 1 ? '' : 's'}`})`);
      return rec;
    }
    const have = (await ctx.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary!;
    const changed: string[] = [];
    if (want.shards !== undefined && want.shards !== have.OpenShardCount) {
      await ctx.kinesis.send(new UpdateShardCountCommand({ StreamName: name, TargetShardCount: want.shards, ScalingType: 'UNIFORM_SCALING' }));
      await waitActive(ctx, name);
      changed.push('ShardCount');
    }
    if (want.retention !== have.RetentionPeriodHours) {
      const Cmd = want.retention > (have.RetentionPeriodHours ?? retentionHoursDefault) ? IncreaseStreamRetentionPeriodCommand : DecreaseStreamRetentionPeriodCommand;
      await ctx.kinesis.send(new Cmd({ StreamName: name, RetentionPeriodHours: want.retention }));
      changed.push('RetentionPeriodHours');
    }
    const td = tagDiff(want.tags, await tagsOf(ctx, name));
    if (Object.keys(td.set).length) await ctx.kinesis.send(new AddTagsToStreamCommand({ StreamName: name, Tags: td.set }));
    if (td.unset.length) await ctx.kinesis.send(new RemoveTagsFromStreamCommand({ StreamName: name, TagKeys: td.unset }));
    if (Object.keys(td.set).length || td.unset.length) changed.push('Tags');
    if (changed.length) {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: updated stream ${name} (${changed.join(', ')})`);
    }
    return rec;
  },
  async remove(r, ctx) {
    try {
      await ctx.kinesis.send(new DeleteStreamCommand({ StreamName: r.physicalId, EnforceConsumerDeletion: true }));
    } catch (e) {
      if (!missing(e)) throw e;
    }
  },
});
