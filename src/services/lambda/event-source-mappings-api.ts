import type { EventSourceMappingService } from '../../event-sources/mappings';
import type { CreateMappingInput, MappingSettingsInput } from '../../event-sources/validate';
import { streamOnlyMembers, unhonouredMembers } from '../../event-sources/validate';
import { timestampSeconds } from './decode';
import type { EventSourceMappingRecord } from '../../control/records';
import { bool, int, list, str, stringList, stringMap, struct } from './decode';
import { jsonBody, type Route } from './http';
import { maxItems } from './versions-api';

/** The model gives no request limit for these operations; Lambda's front door takes 6 MB bodies. */
const bodyBytesMax = 6 * 1024 * 1024;
/** ListEventSourceMappings: MaxItems 1–10,000 (model); AWS's default page is 100. */
const listPageMax = 10_000;
const listPageDefault = 100;

type Json = Record<string, unknown>;

/** CreateEventSourceMapping, Get, Update, Delete, ListEventSourceMappings (rest-json, API 2015-03-31). */
export function eventSourceMappingRoutes(deps: { mappings: EventSourceMappingService; iteratorAges?: () => { uuid: string; iteratorAgeMs?: number }[] }): Route[] {
  const base = '2015-03-31';
  const common = { bodyBytesMax, auth: true };
  return [
    {
      // Kumo's own (not an AWS operation; signed like the rest): each running stream mapping's IteratorAge in
      // milliseconds, which AWS publishes as the CloudWatch metric AWS/Lambda IteratorAge. `kumo event-sources` reads it.
      method: 'GET', path: ['kumo', 'event-source-mappings', 'iterator-age'], operation: 'KumoGetIteratorAges', ...common,
      handle: async () => ({
        status: 200,
        json: { IteratorAges: (deps.iteratorAges?.() ?? []).map((a) => ({ UUID: a.uuid, IteratorAgeMilliseconds: a.iteratorAgeMs ?? null })) },
      }),
    },
    {
      method: 'POST', path: [base, 'event-source-mappings'], operation: 'CreateEventSourceMapping', ...common,
      handle: async (req) => ({ status: 202, json: mappingShape(await deps.mappings.create(decodeCreate(jsonBody(req)))) }),
    },
    {
      method: 'GET', path: [base, 'event-source-mappings'], operation: 'ListEventSourceMappings', ...common,
      handle: async (req) => {
        const { mappings, nextMarker } = await deps.mappings.list({
          eventSourceArn: req.query.get('EventSourceArn') ?? undefined,
          functionName: req.query.get('FunctionName') ?? undefined,
          marker: req.query.get('Marker') ?? undefined,
          maxItems: maxItems(req, listPageMax, listPageDefault),
        });
        return { status: 200, json: { EventSourceMappings: mappings.map(mappingShape), ...(nextMarker ? { NextMarker: nextMarker } : {}) } };
      },
    },
    {
      method: 'GET', path: [base, 'event-source-mappings', '{uuid}'], operation: 'GetEventSourceMapping', ...common,
      handle: async (_req, p) => ({ status: 200, json: mappingShape(await deps.mappings.get(p.uuid!)) }),
    },
    {
      method: 'PUT', path: [base, 'event-source-mappings', '{uuid}'], operation: 'UpdateEventSourceMapping', ...common,
      handle: async (req, p) => ({ status: 202, json: mappingShape(await deps.mappings.update(p.uuid!, decodeSettings(jsonBody(req)))) }),
    },
    {
      method: 'DELETE', path: [base, 'event-source-mappings', '{uuid}'], operation: 'DeleteEventSourceMapping', ...common,
      handle: async (_req, p) => ({ status: 202, json: mappingShape(await deps.mappings.delete(p.uuid!)) }),
    },
  ];
}

/** EventSourceMappingConfiguration as AWS returns it for an SQS source (LastModified in epoch seconds). */
export function mappingShape(r: EventSourceMappingRecord): Json {
  return {
    UUID: r.uuid,
    BatchSize: r.batchSize,
    MaximumBatchingWindowInSeconds: r.maximumBatchingWindowInSeconds,
    EventSourceArn: r.eventSourceArn,
    ...(r.filterPatterns ? { FilterCriteria: { Filters: r.filterPatterns.map((Pattern) => ({ Pattern })) } } : {}),
    FunctionArn: r.functionArn,
    LastModified: r.lastModifiedMs / 1000,
    LastProcessingResult: r.lastProcessingResult,
    State: r.state,
    StateTransitionReason: r.stateTransitionReason,
    FunctionResponseTypes: r.functionResponseTypes,
    ...(r.maximumConcurrency !== undefined ? { ScalingConfig: { MaximumConcurrency: r.maximumConcurrency } } : {}),
    EventSourceMappingArn: r.arn,
    ...(r.stream ? streamShape(r.stream) : {}),
  };
}

/** The stream members AWS returns for a Kinesis mapping (recorded: DestinationConfig is `{"OnFailure": {}}` without a destination). */
function streamShape(s: NonNullable<EventSourceMappingRecord['stream']>): Json {
  return {
    StartingPosition: s.startingPosition,
    ...(s.startingPositionTimestampMs !== undefined ? { StartingPositionTimestamp: s.startingPositionTimestampMs / 1000 } : {}),
    ParallelizationFactor: s.parallelizationFactor,
    MaximumRetryAttempts: s.maximumRetryAttempts,
    MaximumRecordAgeInSeconds: s.maximumRecordAgeInSeconds,
    BisectBatchOnFunctionError: s.bisectBatchOnFunctionError,
    TumblingWindowInSeconds: s.tumblingWindowInSeconds,
    DestinationConfig: { OnFailure: s.onFailureDestination ? { Destination: s.onFailureDestination } : {} },
  };
}

/** Every member the model defines for Create/Update that a queue mapping does not take. */
const otherMemberNames = [...streamOnlyMembers, ...unhonouredMembers];

function decodeSettings(b: Json): MappingSettingsInput {
  const fc = struct(b.FilterCriteria, 'filterCriteria');
  const sc = struct(b.ScalingConfig, 'scalingConfig');
  const dc = struct(b.DestinationConfig, 'destinationConfig');
  const filters = fc ? list(fc.Filters, 'filterCriteria.filters') : undefined;
  return {
    FunctionName: str(b.FunctionName, 'functionName'),
    Enabled: bool(b.Enabled, 'enabled'),
    BatchSize: int(b.BatchSize, 'batchSize'),
    MaximumBatchingWindowInSeconds: int(b.MaximumBatchingWindowInSeconds, 'maximumBatchingWindowInSeconds'),
    ...(fc
      ? {
          FilterCriteria: {
            Filters: filters?.map((f, i) => ({ Pattern: str(struct(f, `filterCriteria.filters.${i + 1}.member`)?.Pattern, `filterCriteria.filters.${i + 1}.member.pattern`) })),
          },
        }
      : {}),
    FunctionResponseTypes: stringList(b.FunctionResponseTypes, 'functionResponseTypes'),
    ...(sc ? { ScalingConfig: { MaximumConcurrency: int(sc.MaximumConcurrency, 'scalingConfig.maximumConcurrency') } } : {}),
    ParallelizationFactor: int(b.ParallelizationFactor, 'parallelizationFactor'),
    MaximumRetryAttempts: int(b.MaximumRetryAttempts, 'maximumRetryAttempts'),
    MaximumRecordAgeInSeconds: int(b.MaximumRecordAgeInSeconds, 'maximumRecordAgeInSeconds'),
    BisectBatchOnFunctionError: bool(b.BisectBatchOnFunctionError, 'bisectBatchOnFunctionError'),
    TumblingWindowInSeconds: int(b.TumblingWindowInSeconds, 'tumblingWindowInSeconds'),
    ...(dc ? { DestinationConfig: destinations(dc) } : {}),
    // Present means given, even empty: refused by name rather than dropped.
    otherMembers: otherMemberNames.filter((m) => b[m] !== undefined && b[m] !== null),
  };
}

function destinations(dc: Json): NonNullable<MappingSettingsInput['DestinationConfig']> {
  const f = struct(dc.OnFailure, 'destinationConfig.onFailure');
  const s = struct(dc.OnSuccess, 'destinationConfig.onSuccess');
  return {
    ...(f ? { OnFailure: { Destination: str(f.Destination, 'destinationConfig.onFailure.destination') } } : {}),
    ...(s ? { OnSuccess: { Destination: str(s.Destination, 'destinationConfig.onSuccess.destination') } } : {}),
  };
}

function decodeCreate(b: Json): CreateMappingInput {
  return {
    ...decodeSettings(b),
    EventSourceArn: str(b.EventSourceArn, 'eventSourceArn'),
    Tags: stringMap(b.Tags, 'tags'),
    StartingPosition: str(b.StartingPosition, 'startingPosition'),
    StartingPositionTimestamp: timestampSeconds(b.StartingPositionTimestamp, 'startingPositionTimestamp'),
  };
}

