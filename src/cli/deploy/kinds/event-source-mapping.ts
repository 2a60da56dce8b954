import {
  CreateEventSourceMappingCommand,
  DeleteEventSourceMappingCommand,
  GetEventSourceMappingCommand,
  GetFunctionCommand,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
  type EventSourceMappingConfiguration,
  type FunctionResponseType,
} from '@aws-sdk/client-lambda';
import { CliError, feature } from '../../client';
import { pendingRefs } from '../../intrinsics';
import type { ResourceDecl } from '../../sam';
import type { StackResource } from '../../stack';
import type { DeployContext } from '../context';
import { defineKind, type Planned } from '../kind';
import { ignoreMissing, isMapping, num, str } from '../values';
import { templateTag } from './ownership';

/**
 * AWS::Lambda::EventSourceMapping (SQS queues and Kinesis streams) through Lambda's
 * Create/Get/Update/DeleteEventSourceMapping. The mapping is found by the
 * UUID in the stack record; an update compares GetEventSourceMapping with
 * the template and sends UpdateEventSourceMapping with the settings that
 * differ. A new EventSourceArn is a new mapping (CloudFormation replaces it).
 */

/** Longest wait for a new or changed mapping to leave Creating / Enabling / Updating / Disabling. */
const settleWaitMs = 30_000;
const settlePollMs = 100;

/** Lambda's defaults (CreateEventSourceMapping: BatchSize 10 for SQS, 100 for Kinesis; no batching window). */
const sqsBatchSizeDefault = 10;
const streamBatchSizeDefault = 100;

/** Properties of Kafka, MQ and DocumentDB sources: refused (Kumo's event source mappings read SQS queues and Kinesis streams). */
const otherSourceProps = [
  'Topics', 'Queues', 'SourceAccessConfigurations',
  'SelfManagedEventSource', 'AmazonManagedKafkaEventSourceConfig', 'SelfManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig',
];
/** Kinesis mappings' properties (a mapping with StartingPosition is a stream mapping: Lambda requires it for streams). */
const streamProps = [
  'StartingPosition', 'StartingPositionTimestamp', 'ParallelizationFactor', 'DestinationConfig', 'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError', 'MaximumRetryAttempts', 'TumblingWindowInSeconds',
];

/** A stream mapping's settings, with Lambda's defaults. */
export interface StreamSettings {
  StartingPosition: string;
  StartingPositionTimestamp?: number;
  ParallelizationFactor: number;
  MaximumRetryAttempts: number;
  MaximumRecordAgeInSeconds: number;
  BisectBatchOnFunctionError: boolean;
  TumblingWindowInSeconds: number;
  OnFailure?: string;
}

export interface MappingSettings {
  EventSourceArn: string;
  FunctionName: string;
  BatchSize: number;
  Enabled: boolean;
  MaximumBatchingWindowInSeconds: number;
  Filters: string[];
  FunctionResponseTypes: string[];
  MaximumConcurrency?: number;
  stream?: StreamSettings;
}

interface MappingPlan {
  uuid?: string;
  /** The record of the mapping found on the server. */
  rec?: StackResource;
}

/** A filter pattern as Lambda stores it: the JSON text (a template may give the pattern as a mapping). */
const patternText = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The template's settings, with Lambda's defaults for what it leaves out. */
export function mappingSettings(ctx: DeployContext, d: ResourceDecl, pr: Record<string, unknown>): MappingSettings {
  const p = `Resources.${d.id}.Properties`;
  const fc = pr.FilterCriteria;
  if (fc !== undefined && (!isMapping(fc) || (fc.Filters !== undefined && !Array.isArray(fc.Filters)))) throw ctx.error(`${p}.FilterCriteria`, 'FilterCriteria is {Filters: [{Pattern: …}]}');
  const filters = ((fc as { Filters?: unknown[] } | undefined)?.Filters ?? []).map((f, i) => {
    if (!isMapping(f) || f.Pattern === undefined) throw ctx.error(`${p}.FilterCriteria.Filters[${i}]`, 'a filter is {Pattern: …}');
    return patternText(f.Pattern);
  });
  const types = pr.FunctionResponseTypes ?? [];
  if (!Array.isArray(types)) throw ctx.error(`${p}.FunctionResponseTypes`, 'FunctionResponseTypes is a list ([ReportBatchItemFailures])');
  const sc = pr.ScalingConfig;
  if (sc !== undefined && !isMapping(sc)) throw ctx.error(`${p}.ScalingConfig`, 'ScalingConfig is {MaximumConcurrency: N}');
  const enabled = pr.Enabled === undefined ? true : pr.Enabled === true || pr.Enabled === 'true';
  const stream = pr.StartingPosition !== undefined ? streamSettings(ctx, p, pr) : undefined;
  return {
    ...(stream ? { stream } : {}),
    EventSourceArn: str(ctx, pr.EventSourceArn, `${p}.EventSourceArn`, 'EventSourceArn')!,
    FunctionName: str(ctx, pr.FunctionName, `${p}.FunctionName`, 'FunctionName')!,
    BatchSize: num(ctx, pr.BatchSize, `${p}.BatchSize`, 'BatchSize') ?? (stream ? streamBatchSizeDefault : sqsBatchSizeDefault),
    Enabled: enabled,
    MaximumBatchingWindowInSeconds: num(ctx, pr.MaximumBatchingWindowInSeconds, `${p}.MaximumBatchingWindowInSeconds`, 'MaximumBatchingWindowInSeconds') ?? 0,
    Filters: filters,
    FunctionResponseTypes: types.map(String),
    MaximumConcurrency: num(ctx, (sc as Record<string, unknown> | undefined)?.MaximumConcurrency, `${p}.ScalingConfig.MaximumConcurrency`, 'ScalingConfig.MaximumConcurrency'),
  };
}

const bool = (v: unknown) => v === true || v === 'true';

function streamSettings(ctx: DeployContext, p: string, pr: Record<string, unknown>): StreamSettings {
  const dc = pr.DestinationConfig;
  if (dc !== undefined && (!isMapping(dc) || (dc.OnFailure !== undefined && !isMapping(dc.OnFailure)))) throw ctx.error(`${p}.DestinationConfig`, 'DestinationConfig is {OnFailure: {Destination: ARN of an SQS queue or SNS topic}}');
  const onFailure = (dc as { OnFailure?: Record<string, unknown> } | undefined)?.OnFailure?.Destination;
  const ts = pr.StartingPositionTimestamp;
  return {
    StartingPosition: str(ctx, pr.StartingPosition, `${p}.StartingPosition`, 'StartingPosition')!,
    ...(ts !== undefined ? { StartingPositionTimestamp: num(ctx, ts, `${p}.StartingPositionTimestamp`, 'StartingPositionTimestamp')! } : {}),
    ParallelizationFactor: num(ctx, pr.ParallelizationFactor, `${p}.ParallelizationFactor`, 'ParallelizationFactor') ?? 1,
    MaximumRetryAttempts: num(ctx, pr.MaximumRetryAttempts, `${p}.MaximumRetryAttempts`, 'MaximumRetryAttempts') ?? -1,
    MaximumRecordAgeInSeconds: num(ctx, pr.MaximumRecordAgeInSeconds, `${p}.MaximumRecordAgeInSeconds`, 'MaximumRecordAgeInSeconds') ?? -1,
    BisectBatchOnFunctionError: bool(pr.BisectBatchOnFunctionError),
    TumblingWindowInSeconds: num(ctx, pr.TumblingWindowInSeconds, `${p}.TumblingWindowInSeconds`, 'TumblingWindowInSeconds') ?? 0,
    ...(onFailure !== undefined ? { OnFailure: str(ctx, onFailure, `${p}.DestinationConfig.OnFailure.Destination`, 'Destination')! } : {}),
  };
}

/** A FunctionName (name, ARN, partial ARN, with a qualifier or not) as the function ARN the mapping reports. */
function functionArnOf(ctx: DeployContext, name: string): string {
  if (name.startsWith('arn:')) return name;
  const [fn, qualifier] = name.includes(':function:') ? [name.split(':function:')[1]!.split(':')[0]!, name.split(':function:')[1]!.split(':')[1]] : name.split(':');
  return qualifier ? `${ctx.fnArn(fn!)}:${qualifier}` : ctx.fnArn(fn!);
}

const samePattern = (a: string, b: string) => {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
};

/** The settings that differ between the template and the mapping on the server. */
export function mappingDiff(ctx: DeployContext, want: MappingSettings, have: EventSourceMappingConfiguration): string[] {
  const diff: string[] = [];
  if (functionArnOf(ctx, want.FunctionName) !== have.FunctionArn) diff.push('FunctionName');
  if (want.BatchSize !== (have.BatchSize ?? sqsBatchSizeDefault)) diff.push('BatchSize');
  const enabled = have.State === 'Enabled' || have.State === 'Enabling' || (have.State === 'Creating' && want.Enabled) || (have.State === 'Updating' && want.Enabled);
  if (want.Enabled !== enabled) diff.push('Enabled');
  if (want.MaximumBatchingWindowInSeconds !== (have.MaximumBatchingWindowInSeconds ?? 0)) diff.push('MaximumBatchingWindowInSeconds');
  const havePatterns = (have.FilterCriteria?.Filters ?? []).map((f) => f.Pattern ?? '');
  if (want.Filters.length !== havePatterns.length || want.Filters.some((f, i) => !samePattern(f, havePatterns[i]!))) diff.push('FilterCriteria');
  if (JSON.stringify(want.FunctionResponseTypes) !== JSON.stringify(have.FunctionResponseTypes ?? [])) diff.push('FunctionResponseTypes');
  if (want.MaximumConcurrency !== have.ScalingConfig?.MaximumConcurrency) diff.push('ScalingConfig');
  const st = want.stream;
  if (st) {
    if (st.ParallelizationFactor !== have.ParallelizationFactor) diff.push('ParallelizationFactor');
    if (st.MaximumRetryAttempts !== have.MaximumRetryAttempts) diff.push('MaximumRetryAttempts');
    if (st.MaximumRecordAgeInSeconds !== have.MaximumRecordAgeInSeconds) diff.push('MaximumRecordAgeInSeconds');
    if (st.BisectBatchOnFunctionError !== (have.BisectBatchOnFunctionError ?? false)) diff.push('BisectBatchOnFunctionError');
    if (st.TumblingWindowInSeconds !== (have.TumblingWindowInSeconds ?? 0)) diff.push('TumblingWindowInSeconds');
    if ((st.OnFailure ?? '') !== (have.DestinationConfig?.OnFailure?.Destination ?? '')) diff.push('DestinationConfig');
  }
  return diff;
}

/** The stream settings UpdateEventSourceMapping takes (StartingPosition is fixed at creation). */
const streamUpdate = (s: MappingSettings) => s.stream ? {
  ParallelizationFactor: s.stream.ParallelizationFactor,
  MaximumRetryAttempts: s.stream.MaximumRetryAttempts,
  MaximumRecordAgeInSeconds: s.stream.MaximumRecordAgeInSeconds,
  BisectBatchOnFunctionError: s.stream.BisectBatchOnFunctionError,
  TumblingWindowInSeconds: s.stream.TumblingWindowInSeconds,
  DestinationConfig: { OnFailure: { Destination: s.stream.OnFailure ?? '' } },
} : {};

/** What Create and Update both send. */
const apiSettings = (s: MappingSettings) => ({
  FunctionName: s.FunctionName,
  BatchSize: s.BatchSize,
  Enabled: s.Enabled,
  MaximumBatchingWindowInSeconds: s.MaximumBatchingWindowInSeconds,
  FunctionResponseTypes: s.FunctionResponseTypes as FunctionResponseType[],
});

const what = (d: ResourceDecl) => `event source mappings (${d.id}, AWS::Lambda::EventSourceMapping)`;

export const eventSourceMapping = defineKind<MappingPlan>({
  type: 'AWS::Lambda::EventSourceMapping',
  schema: {
    handled: [
      'EventSourceArn', 'FunctionName', 'BatchSize', 'Enabled', 'MaximumBatchingWindowInSeconds', 'FilterCriteria', 'FunctionResponseTypes', 'ScalingConfig',
      ...otherSourceProps, ...streamProps,
    ],
    // Tags on a mapping and KMS-encrypted filters change nothing Kumo runs; metrics and provisioned pollers are CloudWatch / capacity settings.
    ignored: ['Tags', 'KmsKeyArn', 'MetricsConfig', 'ProvisionedPollerConfig', 'LoggingConfig'],
    check({ props, need, fail }) {
      need('FunctionName');
      need('EventSourceArn', ' (an SQS queue ARN: !GetAtt Queue.Arn, or a Kinesis stream ARN: !GetAtt Stream.Arn)');
      for (const k of otherSourceProps) {
        if (props[k] !== undefined) fail(k, `${k} is for Kafka, MQ or DocumentDB sources; Kumo's event source mappings read SQS queues and Kinesis streams`);
      }
      if (props.StartingPosition === undefined) {
        for (const k of streamProps) if (props[k] !== undefined) fail(k, `${k} is for Kinesis mappings, which need StartingPosition (TRIM_HORIZON, LATEST or AT_TIMESTAMP)`);
      }
    },
  },
  replacedOnRename: true,
  deleteOrder: -1,
  physicalId: (d, ctx) => ctx.state[d.id]?.physicalId ?? ctx.prev[d.id]?.physicalId ?? `${d.id} (new)`,
  ref: (d, ctx) => ctx.known(d.id, ctx.state[d.id]?.physicalId),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Id') return ctx.known(d.id, ctx.state[d.id]?.physicalId);
    if (attr === 'EventSourceMappingArn') return ctx.known(d.id, ctx.state[d.id]?.arn);
    throw ctx.error(p, `${d.id} (AWS::Lambda::EventSourceMapping) has the attributes Id and EventSourceMappingArn, not ${attr}`);
  },
  async plan(d, ctx) {
    const pr = ctx.props(d);
    const want = mappingSettings(ctx, d, pr);
    const prev = ctx.prev[d.id];
    const pl: Planned<MappingPlan> = { decl: d, action: 'create', reasons: [], physical: `${d.id} (new)`, data: {} };
    const pending = pendingRefs(want);
    let have: EventSourceMappingConfiguration | undefined;
    if (prev) {
      try {
        have = await feature(what(d), 'GetEventSourceMapping', () => ctx.client.send(new GetEventSourceMappingCommand({ UUID: prev.physicalId })));
      } catch (e) {
        if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
      }
    }
    if (!have && !pending.length) {
      // A mapping of this queue and function that the record does not name (AWS refuses a second one): this stack's own if
      // this stack owns the function (a lost .kumo-stack.json), else someone else's, which is not taken over.
      const r = await feature(what(d), 'ListEventSourceMappings', () =>
        ctx.client.send(new ListEventSourceMappingsCommand({ EventSourceArn: want.EventSourceArn, FunctionName: want.FunctionName })),
      ).catch((e: unknown) => {
        if ((e as { name?: string }).name === 'ResourceNotFoundException') return { EventSourceMappings: [] };
        throw e;
      });
      const other = r.EventSourceMappings?.find((m) => m.FunctionArn === functionArnOf(ctx, want.FunctionName));
      if (other && !(await ownsFunction(ctx, want.FunctionName))) {
        const conflict = `a mapping of ${want.EventSourceArn} to ${want.FunctionName} already exists (UUID ${other.UUID}) and was not created by this stack; delete it (aws lambda delete-event-source-mapping --uuid ${other.UUID}) or remove it from the template`;
        return { ...pl, action: 'skip', conflict, reasons: ['mapping exists'] };
      }
      have = other;
    }
    if (!have) return { ...pl, reasons: prev ? ['gone from the server'] : [`${want.EventSourceArn.split(':').pop()} → ${want.FunctionName.split(':').slice(-2).join(':')}`] };
    // CloudFormation replaces a mapping whose EventSourceArn changed (the old one is deleted after the new one exists).
    if (have.EventSourceArn !== want.EventSourceArn && !pendingRefs(want.EventSourceArn).length) return { ...pl, reasons: ['replaced: EventSourceArn'] };
    // StartingPosition cannot be updated: CloudFormation replaces the mapping (its checkpoints go with it).
    if (want.stream && (have.StartingPosition !== want.stream.StartingPosition || (want.stream.StartingPositionTimestamp ?? undefined) !== (have.StartingPositionTimestamp ? have.StartingPositionTimestamp.getTime() / 1000 : undefined))) {
      return { ...pl, reasons: ['replaced: StartingPosition'] };
    }
    pl.physical = have.UUID!;
    const rec = { type: d.type, physicalId: have.UUID!, ref: have.UUID!, arn: have.EventSourceMappingArn, functionName: want.FunctionName };
    pl.data = { uuid: have.UUID, rec };
    ctx.state[d.id] = rec;
    if (pending.length) pl.reasons.push(`depends on ${pending.join(', ')}`);
    else pl.reasons.push(...mappingDiff(ctx, want, have));
    pl.action = pl.reasons.length ? 'update' : 'unchanged';
    return pl;
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const want = mappingSettings(ctx, d, ctx.props(d));
    const uuid = pl.data?.uuid;
    if (pl.action === 'unchanged' && pl.data?.rec) return pl.data.rec;
    if (pl.action === 'update' && uuid) {
      const have = await ctx.client.send(new GetEventSourceMappingCommand({ UUID: uuid }));
      // A source known only now (it was a placeholder in the plan) that differs: replace in place, so no mapping is left unrecorded.
      if (have.EventSourceArn !== want.EventSourceArn) await ignoreMissing(() => ctx.client.send(new DeleteEventSourceMappingCommand({ UUID: uuid })));
      else {
        const diff = mappingDiff(ctx, want, have);
        if (diff.length) {
          await settled(ctx, uuid);
          await ctx.client.send(
            new UpdateEventSourceMappingCommand({
              UUID: uuid,
              ...apiSettings(want),
              // Empty values remove a filter or a concurrency cap (UpdateEventSourceMapping).
              FilterCriteria: { Filters: want.Filters.map((Pattern) => ({ Pattern })) },
              ...(want.stream ? streamUpdate(want) : { ScalingConfig: want.MaximumConcurrency !== undefined ? { MaximumConcurrency: want.MaximumConcurrency } : {} }),
            }),
          );
          await settled(ctx, uuid);
          ctx.markChanged(d.id);
          ctx.out(`  ✓ ${d.id}: updated event source mapping ${uuid} (${diff.join(', ')})`);
        }
        return { type: d.type, physicalId: uuid, ref: uuid, arn: have.EventSourceMappingArn, functionName: want.FunctionName };
      }
    }
    const r = await feature(what(d), 'CreateEventSourceMapping', () =>
      ctx.client.send(
        new CreateEventSourceMappingCommand({
          EventSourceArn: want.EventSourceArn,
          ...apiSettings(want),
          FilterCriteria: want.Filters.length ? { Filters: want.Filters.map((Pattern) => ({ Pattern })) } : undefined,
          ScalingConfig: want.MaximumConcurrency !== undefined ? { MaximumConcurrency: want.MaximumConcurrency } : undefined,
          ...(want.stream ? {
            ...streamUpdate(want),
            DestinationConfig: want.stream.OnFailure ? { OnFailure: { Destination: want.stream.OnFailure } } : undefined,
            StartingPosition: want.stream.StartingPosition as 'LATEST',
            ...(want.stream.StartingPositionTimestamp !== undefined ? { StartingPositionTimestamp: new Date(want.stream.StartingPositionTimestamp * 1000) } : {}),
          } : {}),
        }),
      ),
    );
    // Recorded before waiting, so a failure while it settles never orphans the mapping.
    const rec = { type: d.type, physicalId: r.UUID!, ref: r.UUID!, arn: r.EventSourceMappingArn, functionName: want.FunctionName };
    ctx.record.resources[d.id] = rec;
    await settled(ctx, r.UUID!);
    ctx.markChanged(d.id);
    ctx.out(`  ✓ ${d.id}: ${want.EventSourceArn.split(':').pop()} → ${want.FunctionName.split(':').slice(-2).join(':')} (event source mapping ${r.UUID})`);
    return rec;
  },
  async remove(r, ctx) {
    await ignoreMissing(() => feature('event source mappings', 'DeleteEventSourceMapping', () => ctx.client.send(new DeleteEventSourceMappingCommand({ UUID: r.physicalId }))));
  },
});

/** True when the function carries this template's ownership tag (kind function.ts creates it so). */
async function ownsFunction(ctx: DeployContext, name: string): Promise<boolean> {
  try {
    const f = await ctx.client.send(new GetFunctionCommand({ FunctionName: name }));
    return f.Tags?.[templateTag] === ctx.templateFile;
  } catch (e) {
    if ((e as { name?: string }).name === 'ResourceNotFoundException') return false;
    throw e;
  }
}

/** Waits while the mapping is in a transitional state (Creating, Enabling, Updating, Disabling); an update in one is refused by Lambda. */
async function settled(ctx: DeployContext, uuid: string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const m = await ctx.client.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    if (m.State === 'Enabled' || m.State === 'Disabled') return;
    if (Date.now() - t0 > settleWaitMs) throw new CliError(`event source mapping ${uuid} is still ${m.State} after ${settleWaitMs / 1000} s${m.StateTransitionReason ? ` (${m.StateTransitionReason})` : ''}`);
    await new Promise((res) => setTimeout(res, settlePollMs));
  }
}
