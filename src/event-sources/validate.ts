import { Checker, checkTags } from '../control/validate';
import { invalidParameter, required } from '../domain/errors';
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
  /** The members given that a queue mapping does not take, by AWS name (refused: never accepted and dropped). */
  otherMembers: string[];
}

export interface CreateMappingInput extends MappingSettingsInput {
  EventSourceArn?: string;
  Tags?: Record<string, string>;
}

/**
 * Members of stream, Kafka, MQ and DocumentDB sources: AWS refuses them for
 * SQS with "Unsupported <member> parameter for given event source mapping type."
 */
export const streamOnlyMembers = [
  'StartingPosition', 'StartingPositionTimestamp', 'ParallelizationFactor', 'DestinationConfig', 'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError', 'MaximumRetryAttempts', 'TumblingWindowInSeconds', 'Topics', 'Queues',
  'SourceAccessConfigurations', 'SelfManagedEventSource', 'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig', 'DocumentDBEventSourceConfig',
] as const;

/** Members AWS takes for SQS that Kumo does not honour yet: refused by name. */
export const unhonouredMembers = ['KMSKeyArn', 'MetricsConfig', 'LoggingConfig', 'ProvisionedPollerConfig'] as const;

/** AWS's model pattern for EventSourceArn. */
const eventSourceArnPattern = 'arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1})?:(\\d{12})?:(.*)';
const eventSourceArnRe = new RegExp(`^${eventSourceArnPattern}$`);

/** The settings a queue mapping keeps, after the checks. */
export interface CheckedSettings {
  enabled?: boolean;
  batchSize?: number;
  window?: number;
  filterPatterns?: string[];
  functionResponseTypes?: string[];
  maximumConcurrency?: number | null;
}

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
  return {
    enabled: input.Enabled,
    batchSize: input.BatchSize,
    window: input.MaximumBatchingWindowInSeconds,
    functionResponseTypes: types,
    // An empty ScalingConfig removes MaximumConcurrency (AWS: "To remove the configuration, pass an empty value").
    maximumConcurrency: input.ScalingConfig ? (input.ScalingConfig.MaximumConcurrency ?? null) : undefined,
  };
}

/** After the model constraints: the rules AWS answers as InvalidParameterValueException. */
export function checkRules(input: MappingSettingsInput): string[] | undefined {
  for (const m of input.otherMembers) {
    if ((streamOnlyMembers as readonly string[]).includes(m)) throw invalidParameter(`Unsupported ${m} parameter for given event source mapping type.`);
    throw invalidParameter(`${m} is not supported by this Kumo server for event source mappings.`);
  }
  return input.FilterCriteria ? checkFilters(input.FilterCriteria) : undefined;
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

/** The event source must be an SQS queue for now (streams come with a later issue). */
export function checkEventSource(arn: string | undefined, c: Checker): string {
  if (arn === undefined) throw invalidParameter('Unrecognized event source.');
  c.string(arn, 'eventSourceArn', { min: 0, max: 10_000, pattern: eventSourceArnPattern, re: eventSourceArnRe });
  c.done();
  const a = parseArn(arn);
  if (!a || a.service !== 'sqs') {
    const what = a ? `${a.service} event sources` : 'this event source';
    throw invalidParameter(`${what[0]!.toUpperCase()}${what.slice(1)} are not supported by this Kumo server yet: event source mappings read SQS queues only (${arn}).`);
  }
  return arn;
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

export function checkCreate(input: CreateMappingInput): { source: string; settings: CheckedSettings; filters: string[] | undefined; tags: Record<string, string> } {
  const c = new Checker();
  if (input.FunctionName === undefined) throw required('functionName');
  const settings = checkSettings(input, c);
  const tags = checkTags(c, input.Tags) ?? {};
  c.done();
  const source = checkEventSource(input.EventSourceArn, c);
  const filters = checkRules(input);
  return { source, settings, filters, tags };
}

export function checkUpdate(input: MappingSettingsInput): { settings: CheckedSettings; filters: string[] | undefined } {
  const c = new Checker();
  const settings = checkSettings(input, c);
  c.done();
  return { settings, filters: checkRules(input) };
}

