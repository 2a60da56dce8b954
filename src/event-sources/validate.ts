import { Checker, checkTags } from '../control/validate';
import { DomainError, invalidParameter, required } from '../domain/errors';
import { parseArn } from '../domain/arn';
import { parsePattern, PatternError } from '../domain/event-pattern';
import * as L from './limits';

/**
 * CreateEventSourceMapping / UpdateEventSourceMapping inputs, decoded by the
 * service layer (members of their JSON types, AWS's names), and the checks
 * that need nothing stored: model constraints (ValidationException, AWS's
 * Coral text), then the rules of SQS mappings (InvalidParameterValueException).
 */
export interface MappingSettingsInput {
  FunctionName?: string;
  Enabled?: boolean;
  BatchSize?: number;
  MaximumBatchingWindowInSeconds?: number;
  FilterCriteria?: { Filters?: { Pattern?: string }[] };
  FunctionResponseTypes?: string[];
  ScalingConfig?: { MaximumConcurrency?: number };
  // Stream members (Kinesis; refused for queues as AWS does).
  ParallelizationFactor?: number;
  MaximumRetryAttempts?: number;
  MaximumRecordAgeInSeconds?: number;
  BisectBatchOnFunctionError?: boolean;
  TumblingWindowInSeconds?: number;
  DestinationConfig?: { OnFailure?: { Destination?: string }; OnSuccess?: { Destination?: string } };
  /** The members given that no Kumo mapping takes (Kafka, MQ, DocumentDB, the unhonoured ones), by AWS name (refused: never accepted and dropped). */
  otherMembers: string[];
}

export interface CreateMappingInput extends MappingSettingsInput {
  EventSourceArn?: string;
  Tags?: Record<string, string>;
  StartingPosition?: string;
  /** Epoch seconds (the wire's timestamp). */
  StartingPositionTimestamp?: number;
}

/** Which kind of source a mapping reads (from its EventSourceArn). */
export type SourceKind = 'sqs' | 'kinesis';

/** The stream members Kumo honours for Kinesis: AWS refuses each for SQS with "Unsupported <member> parameter for given event source mapping type." */
export const streamMembers = [
  'StartingPosition', 'StartingPositionTimestamp', 'ParallelizationFactor', 'DestinationConfig', 'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError', 'MaximumRetryAttempts', 'TumblingWindowInSeconds',
] as const;

/** Members of Kafka, MQ and DocumentDB sources: refused for queues and streams in AWS's words. */
export const streamOnlyMembers = [
  'Topics', 'Queues', 'SourceAccessConfigurations', 'SelfManagedEventSource', 'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig',
] as const;

/** Members AWS takes for SQS that Kumo does not honour yet: refused by name. */
export const unhonouredMembers = ['KMSKeyArn', 'MetricsConfig', 'LoggingConfig', 'ProvisionedPollerConfig'] as const;

/** AWS's model pattern for EventSourceArn. */
const eventSourceArnPattern = 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const eventSourceArnRe = new RegExp(`^${eventSourceArnPattern}$`);

/** The settings a mapping keeps, after the checks (undefined: not given). */
export interface CheckedSettings {
  enabled?: boolean;
  batchSize?: number;
  window?: number;
  filterPatterns?: string[];
  functionResponseTypes?: string[];
  maximumConcurrency?: number | null;
  parallelizationFactor?: number;
  maximumRetryAttempts?: number;
  maximumRecordAgeInSeconds?: number;
  bisectBatchOnFunctionError?: boolean;
  tumblingWindowInSeconds?: number;
  /** '' removes the destination (AWS: an empty Destination). */
  onFailureDestination?: string;
}

/** DestinationConfig's model pattern (DestinationArn). */
const destinationPattern = '$|kafka://([^.]([a-zA-Z0-9\\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const destinationRe = new RegExp(`^(${destinationPattern})`);

/** Model constraints and the member rules shared by create and update. */
export function checkSettings(input: MappingSettingsInput, c: Checker): CheckedSettings {
  c.string(input.FunctionName, 'functionName', { min: 1, max: 256 });
  c.int(input.BatchSize, 'batchSize', 1, L.sqsBatchSizeMax);
  c.int(input.MaximumBatchingWindowInSeconds, 'maximumBatchingWindowInSeconds', 0, L.batchingWindowSecondsMax);
  c.int(input.ScalingConfig?.MaximumConcurrency, 'scalingConfig.maximumConcurrency', L.maximumConcurrencyMin, L.maximumConcurrencyMax);
  const types = input.FunctionResponseTypes;
  if (types && types.length > 1) {
    c.failures.push({ value: types, path: 'functionResponseTypes', constraint: 'Member must have length less than or equal to 1' });
  }
  types?.forEach((t, i) => c.enumOf(t, `functionResponseTypes.${i + 1}.member`, ['ReportBatchItemFailures']));
  input.FilterCriteria?.Filters?.forEach((f, i) => c.string(f.Pattern, `filterCriteria.filters.${i + 1}.member.pattern`, { min: 0, max: 4096 }));
  c.int(input.ParallelizationFactor, 'parallelizationFactor', L.parallelizationFactorMin, L.parallelizationFactorMax);
  c.int(input.MaximumRetryAttempts, 'maximumRetryAttempts', -1, L.maximumRetryAttemptsMax);
  c.int(input.MaximumRecordAgeInSeconds, 'maximumRecordAgeInSeconds', -1, L.maximumRecordAgeSecondsMax);
  c.int(input.TumblingWindowInSeconds, 'tumblingWindowInSeconds', 0, L.tumblingWindowSecondsMax);
  c.string(input.DestinationConfig?.OnFailure?.Destination, 'destinationConfig.onFailure.destination', { min: 0, max: 350, pattern: destinationPattern, re: destinationRe });
  c.string(input.DestinationConfig?.OnSuccess?.Destination, 'destinationConfig.onSuccess.destination', { min: 0, max: 350, pattern: destinationPattern, re: destinationRe });
  return {
    parallelizationFactor: input.ParallelizationFactor,
    maximumRetryAttempts: input.MaximumRetryAttempts,
    maximumRecordAgeInSeconds: input.MaximumRecordAgeInSeconds,
    bisectBatchOnFunctionError: input.BisectBatchOnFunctionError,
    tumblingWindowInSeconds: input.TumblingWindowInSeconds,
    onFailureDestination: input.DestinationConfig ? (input.DestinationConfig.OnFailure?.Destination ?? '') : undefined,
    enabled: input.Enabled,
    batchSize: input.BatchSize,
    window: input.MaximumBatchingWindowInSeconds,
    functionResponseTypes: types,
    // An empty ScalingConfig removes MaximumConcurrency (AWS: "To remove the configuration, pass an empty value").
    maximumConcurrency: input.ScalingConfig ? (input.ScalingConfig.MaximumConcurrency ?? null) : undefined,
  };
}

const unsupported = (m: string) => invalidParameter(`Unsupported ${m} parameter for given event source mapping type.`);

/** After the model constraints: the rules AWS answers as InvalidParameterValueException. */
export function checkRules(input: CreateMappingInput, kind: SourceKind): string[] | undefined {
  for (const m of input.otherMembers) {
    if ((streamOnlyMembers as readonly string[]).includes(m)) throw unsupported(m);
    throw invalidParameter(`${m} is not supported by this Kumo server for event source mappings.`);
  }
  if (kind === 'sqs') {
    for (const m of streamMembers) if (input[m] !== undefined) throw unsupported(m);
  } else {
    if (input.ScalingConfig !== undefined) throw unsupported('ScalingConfig');
    checkStreamRules(input);
  }
  return input.FilterCriteria ? checkFilters(input.FilterCriteria) : undefined;
}

/**
 * Kumo keeps a tumbling window's state with the shard's checkpoint, one
 * window per shard at a time; ParallelizationFactor above 1 would need one
 * per slot, which Kumo does not do yet: the pair is refused, not run
 * differently. (Create and Update, on the settings the mapping would have.)
 */
export function checkWindowFactor(tumblingS: number, factor: number): void {
  if (tumblingS > 0 && factor > 1) {
    throw invalidParameter(`TumblingWindowInSeconds with a ParallelizationFactor above 1 is not supported by this Kumo server yet: set ParallelizationFactor to 1 or TumblingWindowInSeconds to 0 (${factor} and ${tumblingS} were given).`);
  }
}

/** Kinesis mappings' semantic rules. */
function checkStreamRules(input: CreateMappingInput): void {
  const age = input.MaximumRecordAgeInSeconds;
  if (age !== undefined && age !== -1 && age < L.maximumRecordAgeSecondsMin) {
    throw invalidParameter(`MaximumRecordAgeInSeconds must be -1 (records never expire before the stream's retention) or between ${L.maximumRecordAgeSecondsMin} and ${L.maximumRecordAgeSecondsMax} seconds; ${age} was given.`);
  }
  checkWindowFactor(input.TumblingWindowInSeconds ?? 0, input.ParallelizationFactor ?? 1);
  const dc = input.DestinationConfig;
  if (dc?.OnSuccess?.Destination) {
    // AWS's text for an OnSuccess destination on a stream mapping.
    throw invalidParameter(`The provided destination config DestinationConfig(onSuccess=OnSuccess(destination=${dc.OnSuccess.Destination}), onFailure=${dc.OnFailure?.Destination ? `OnFailure(destination=${dc.OnFailure.Destination})` : 'null'}) is invalid.`);
  }
  const dest = dc?.OnFailure?.Destination;
  if (dest) {
    const a = parseArn(dest);
    if (a?.service === 's3') throw invalidParameter(`The destination ARN ${dest} is invalid: Amazon S3 on-failure destinations are not supported by this Kumo server (use an SQS queue or an SNS topic).`);
    if (!a || (a.service !== 'sqs' && a.service !== 'sns')) throw invalidParameter(`The destination ARN ${dest} is invalid.`);
  }
  if (input.StartingPosition === 'AT_TIMESTAMP' && input.StartingPositionTimestamp === undefined) {
    throw invalidParameter('StartingPositionTimestamp must be specified when StartingPosition is AT_TIMESTAMP.');
  }
  if (input.StartingPositionTimestamp !== undefined && input.StartingPosition !== 'AT_TIMESTAMP') {
    throw invalidParameter('StartingPositionTimestamp can only be specified when StartingPosition is AT_TIMESTAMP.');
  }
}

/** FilterCriteria: at most 5 filters, each an EventBridge pattern (src/domain/event-pattern.ts). */
export function checkFilters(fc: NonNullable<MappingSettingsInput['FilterCriteria']>): string[] {
  const filters = fc.Filters ?? [];
  if (filters.length > L.filtersMax) {
    throw invalidParameter(`Invalid filter criteria: an event source mapping has at most ${L.filtersMax} filters, ${filters.length} were given.`);
  }
  return filters.map((f) => {
    try {
      parsePattern(f.Pattern ?? '');
    } catch (e) {
      if (e instanceof PatternError) throw invalidParameter(`Invalid filter pattern definition. (${e.message})`);
      throw e;
    }
    return f.Pattern ?? '';
  });
}

/** The kind of source an EventSourceArn names (mappings stored before streams were supported are all SQS). */
export function kindOf(arn: string): SourceKind {
  return parseArn(arn)?.service === 'kinesis' ? 'kinesis' : 'sqs';
}

/** The event source must be an SQS queue or a Kinesis stream (DynamoDB streams, Kafka, MQ, DocumentDB are not served here). */
export function checkEventSource(arn: string | undefined, c: Checker): { arn: string; kind: SourceKind } {
  if (arn === undefined) throw invalidParameter('Unrecognized event source.');
  c.string(arn, 'eventSourceArn', { min: 0, max: 10_000, pattern: eventSourceArnPattern, re: eventSourceArnRe });
  c.done();
  const a = parseArn(arn);
  if (a?.service === 'sqs') return { arn, kind: 'sqs' };
  if (a?.service === 'kinesis' && a.resource.startsWith('stream/') && !a.resource.includes('/consumer/')) return { arn, kind: 'kinesis' };
  const what = a ? `${a.service} event sources` : 'this event source';
  throw invalidParameter(`${what[0]!.toUpperCase()}${what.slice(1)} are not supported by this Kumo server yet: event source mappings read SQS queues and Kinesis streams only (${arn}).`);
}

/** StartingPosition: required for streams (AWS answers its absence as a model constraint), refused for queues. */
function checkStartingPosition(input: CreateMappingInput, kind: SourceKind, c: Checker): void {
  if (kind !== 'kinesis') return;
  if (input.StartingPosition === undefined) {
    // Recorded on AWS with the value unquoted and a final period.
    const failures = [{ value: null, path: 'startingPosition', constraint: 'Member must not be null.' }];
    throw new DomainError('Validation', "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.", { failures });
  }
  // AWS lists the enum in this order (recorded: "[LATEST, AT_TIMESTAMP, TRIM_HORIZON]").
  else c.enumOf(input.StartingPosition, 'startingPosition', ['LATEST', 'AT_TIMESTAMP', 'TRIM_HORIZON'] as const);
  c.done();
}

/** AWS: an SQS BatchSize over 10 needs a batching window. */
export function checkBatching(batchSize: number, windowS: number, fifo: boolean | undefined): void {
  if (batchSize > L.sqsBatchSizeWithoutWindowMax && windowS < 1) {
    throw invalidParameter('Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10');
  }
  if (fifo && batchSize > L.sqsFifoBatchSizeMax) {
    throw invalidParameter(`Batch size for FIFO queues must be less than or equal to ${L.sqsFifoBatchSizeMax}.`);
  }
  if (fifo && windowS > 0) throw invalidParameter('Batching window is not supported for FIFO queues.');
}

export function checkCreate(input: CreateMappingInput): { source: string; kind: SourceKind; settings: CheckedSettings; filters: string[] | undefined; tags: Record<string, string> } {
  const c = new Checker();
  if (input.FunctionName === undefined) throw required('functionName');
  const settings = checkSettings(input, c);
  const tags = checkTags(c, input.Tags) ?? {};
  c.done();
  const { arn: source, kind } = checkEventSource(input.EventSourceArn, c);
  checkStartingPosition(input, kind, c);
  const filters = checkRules(input, kind);
  return { source, kind, settings, filters, tags };
}

export function checkUpdate(input: MappingSettingsInput, kind: SourceKind): { settings: CheckedSettings; filters: string[] | undefined } {
  const c = new Checker();
  const settings = checkSettings(input, c);
  c.done();
  return { settings, filters: checkRules(input, kind) };
}

