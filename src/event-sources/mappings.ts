import type { RoleAccess } from '../identity/role-access';
import { randomUUID } from 'node:crypto';
import { DomainError, conflict, invalidParameter, notFound } from '../domain/errors';
import { formatArn } from '../domain/arn';
import type { QueueSource, QueueSourceInfo } from '../domain/queue-source';
import type { StreamSource } from '../domain/stream-source';
import type { EventSourceMappingRecord, EventSourceMappingState, StreamMappingSettings } from '../domain/event-source-mapping';
import type { FunctionService } from '../control/functions';
import { StoreConflict, type EventSourceMappingStore } from '../store/types';
import { checkBatching, checkCreate, checkWindowFactor, checkUpdate, kindOf, type CheckedSettings, type CreateMappingInput, type MappingSettingsInput } from './validate';
import * as L from './limits';

/** AWS's text for a UUID that names no mapping. */
const notFoundMessage = 'The resource you requested does not exist.';
/** ListEventSourceMappings: MaxItems 1–10,000 (model); AWS's page when none is given is 100. */
const listPageDefault = 100;

export type MappingListener = (uuid: string) => void;

/** What the mappings need of the functions (FunctionService is it). */
export type MappingFunctions = Pick<FunctionService, 'ref' | 'get' | 'arn'>;

/**
 * Lambda's event source mappings, the control-plane half (the pollers are
 * pollers.ts): create, get, update, delete, list, each one store call that
 * is an insert or a compare-and-swap (a lost CAS re-reads and re-applies the
 * request, bounded by `casRetriesMax`). A change leaves the mapping in a
 * transitional state (Creating, Enabling, Disabling, Updating, Deleting) and
 * tells the listeners; the pollers settle it (Enabled, Disabled, or the row
 * deleted), as AWS's asynchronous state changes do.
 *
 * Deleting a function keeps its mappings, as AWS does (DeleteFunction: "To
 * delete Lambda event source mappings that invoke a function, use
 * DeleteEventSourceMapping"); their pollers stop receiving and report
 * `PROBLEM: Function not found` until the function exists again.
 */
/** What a mapping's function role must be allowed on its source (AWS checks these at CreateEventSourceMapping). */
const sqsActions = ['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'sqs:GetQueueAttributes'] as const;
const kinesisActions = ['kinesis:GetRecords', 'kinesis:GetShardIterator', 'kinesis:DescribeStream', 'kinesis:ListShards'] as const;

export class EventSourceMappingService {
  private readonly listeners: MappingListener[] = [];
  /**
   * The function's execution role as the pollers act (issue 18): when set,
   * a mapping whose role may not read its source is refused with AWS's
   * message. The composition root sets it (enforcement is on).
   */
  roleAccess: RoleAccess | undefined;

  /** `queues`: the queue service, as the pollers read it (describe: visibility timeout, FIFO-ness, existence). */
  constructor(
    private readonly store: EventSourceMappingStore,
    private readonly functions: MappingFunctions,
    private readonly queues: QueueSource,
    private readonly scope: { region: string; accountId: string },
    private readonly now: () => number = Date.now,
    /** The stream service, for Kinesis mappings (absent: Kinesis ARNs are refused as unsupported sources). */
    private readonly streams?: StreamSource,
  ) {}

  onChange(l: MappingListener): void {
    this.listeners.push(l);
  }

  private changed(uuid: string): void {
    for (const l of this.listeners) l(uuid);
  }

  async create(input: CreateMappingInput): Promise<EventSourceMappingRecord> {
    const { source, kind, settings, filters, tags } = checkCreate(input);
    const { name, qualifier } = this.functions.ref(input.FunctionName!, undefined, 'get');
    const batchSize = settings.batchSize ?? (kind === 'kinesis' ? L.streamBatchSizeDefault : L.sqsBatchSizeDefault);
    const window = settings.window ?? 0;
    if (kind === 'sqs') checkBatching(batchSize, window, undefined);
    const fn = await this.functions.get(name, qualifier); // ResourceNotFoundException for a missing function or qualifier
    let stream: StreamMappingSettings | undefined;
    if (kind === 'sqs') {
      const queue = await this.describeQueue(source);
      checkBatching(batchSize, window, queue.fifo);
      checkVisibility(queue, fn.config.timeoutSeconds);
    } else {
      await this.describeStream(source);
    }
    await this.checkRole(fn.config.role, name, kind, source);
    if (kind === 'kinesis') {
      stream = streamSettings(settings, {
        startingPosition: input.StartingPosition as StreamMappingSettings['startingPosition'],
        ...(input.StartingPositionTimestamp !== undefined ? { startingPositionTimestampMs: Math.round(input.StartingPositionTimestamp * 1000) } : {}),
        parallelizationFactor: 1, maximumRetryAttempts: -1, maximumRecordAgeInSeconds: -1, bisectBatchOnFunctionError: false, tumblingWindowInSeconds: 0,
      });
    }
    const uuid = randomUUID();
    const enabled = settings.enabled ?? true;
    const rec: EventSourceMappingRecord = {
      uuid,
      arn: formatArn({ partition: 'aws', service: 'lambda', region: this.scope.region, account: this.scope.accountId, resource: `event-source-mapping:${uuid}` }),
      eventSourceArn: source,
      functionName: name,
      ...(qualifier !== undefined ? { qualifier } : {}),
      functionArn: this.functions.arn(name, qualifier),
      batchSize,
      maximumBatchingWindowInSeconds: window,
      enabled,
      state: 'Creating',
      stateTransitionReason: userAction(kind),
      lastModifiedMs: this.now(),
      lastProcessingResult: 'No records processed',
      ...(filters ? { filterPatterns: filters } : {}),
      functionResponseTypes: settings.functionResponseTypes ?? [],
      ...(typeof settings.maximumConcurrency === 'number' ? { maximumConcurrency: settings.maximumConcurrency } : {}),
      tags,
      revisionId: randomUUID(),
      ...(stream ? { stream } : {}),
    };
    try {
      await this.store.createEventSourceMapping(rec);
    } catch (e) {
      if (e instanceof StoreConflict) throw await this.duplicate(rec);
      throw e;
    }
    this.changed(uuid);
    return rec;
  }

  async get(uuid: string): Promise<EventSourceMappingRecord> {
    const rec = await this.store.getEventSourceMapping(uuid);
    if (!rec) throw notFound(notFoundMessage);
    return rec;
  }

  async list(q: { eventSourceArn?: string; functionName?: string; marker?: string; maxItems?: number }): Promise<{ mappings: EventSourceMappingRecord[]; nextMarker?: string }> {
    if (q.maxItems !== undefined && (q.maxItems < 1 || q.maxItems > 10_000)) {
      throw new DomainError('Validation', `1 validation error detected: Value '${q.maxItems}' at 'maxItems' failed to satisfy constraint: Member must have value ${q.maxItems < 1 ? 'greater than or equal to 1' : 'less than or equal to 10000'}`);
    }
    // An unqualified FunctionName lists the function's mappings whatever their qualifier; a qualified one, that ARN's.
    let functionName: string | undefined;
    let functionArn: string | undefined;
    if (q.functionName !== undefined) {
      const ref = this.functions.ref(q.functionName, undefined, 'get');
      functionName = ref.name;
      if (ref.qualifier !== undefined) functionArn = this.functions.arn(ref.name, ref.qualifier);
    }
    const limit = q.maxItems ?? listPageDefault;
    const rows = await this.store.listEventSourceMappings({ eventSourceArn: q.eventSourceArn, functionName, functionArn, afterUuid: q.marker, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return rows.length > limit ? { mappings: page, nextMarker: page[page.length - 1]!.uuid } : { mappings: page };
  }

  async update(uuid: string, input: MappingSettingsInput): Promise<EventSourceMappingRecord> {
    const source = (await this.get(uuid)).eventSourceArn;
    const kind = kindOf(source);
    const { settings, filters } = checkUpdate(input, kind);
    let target: { name: string; qualifier: string | undefined } | undefined;
    let timeoutS: number | undefined;
    if (input.FunctionName !== undefined) {
      target = this.functions.ref(input.FunctionName, undefined, 'get');
      const fn = await this.functions.get(target.name, target.qualifier);
      timeoutS = fn.config.timeoutSeconds;
      // Another function: its role must be allowed to read the source too.
      await this.checkRole(fn.config.role, target.name, kind, source);
    }
    for (let i = 0; i < L.casRetriesMax; i++) {
      const cur = await this.get(uuid);
      if (cur.state === 'Deleting') throw new DomainError('Conflict', `The resource you requested is currently in use: mapping ${uuid} is being deleted.`);
      const batchSize = settings.batchSize ?? cur.batchSize;
      const window = settings.window ?? cur.maximumBatchingWindowInSeconds;
      if (kind === 'sqs') {
        const queue = timeoutS !== undefined || settings.batchSize !== undefined || settings.window !== undefined ? await this.describeQueue(cur.eventSourceArn) : undefined;
        checkBatching(batchSize, window, queue?.fifo);
        if (queue && timeoutS !== undefined) checkVisibility(queue, timeoutS);
      }
      const stream = cur.stream ? streamSettings(settings, cur.stream) : undefined;
      if (stream) checkWindowFactor(stream.tumblingWindowInSeconds, stream.parallelizationFactor);
      const enabled = settings.enabled ?? cur.enabled;
      const state: EventSourceMappingState = enabled !== cur.enabled ? (enabled ? 'Enabling' : 'Disabling') : 'Updating';
      const next: EventSourceMappingRecord = {
        ...cur,
        ...(target ? { functionName: target.name, qualifier: target.qualifier, functionArn: this.functions.arn(target.name, target.qualifier) } : {}),
        batchSize,
        maximumBatchingWindowInSeconds: window,
        enabled,
        state,
        stateTransitionReason: userAction(kind),
        lastModifiedMs: this.now(),
        ...(stream ? { stream } : {}),
        ...(filters !== undefined ? { filterPatterns: filters.length ? filters : undefined } : {}),
        ...(settings.functionResponseTypes !== undefined ? { functionResponseTypes: settings.functionResponseTypes } : {}),
        ...(settings.maximumConcurrency !== undefined ? { maximumConcurrency: settings.maximumConcurrency ?? undefined } : {}),
        revisionId: randomUUID(),
      };
      if (next.qualifier === undefined) delete next.qualifier;
      if (next.maximumConcurrency === undefined) delete next.maximumConcurrency;
      if (next.filterPatterns === undefined) delete next.filterPatterns;
      try {
        if (await this.store.updateEventSourceMapping(next, cur.revisionId)) {
          this.changed(uuid);
          return next;
        }
      } catch (e) {
        if (e instanceof StoreConflict) throw await this.duplicate(next);
        throw e;
      }
    }
    throw conflict(`The operation cannot be performed at this time: mapping ${uuid} is being changed. Try again.`);
  }

  /** Marks the mapping Deleting and answers it so; the pollers stop, then remove the row. */
  async delete(uuid: string): Promise<EventSourceMappingRecord> {
    for (let i = 0; i < L.casRetriesMax; i++) {
      const cur = await this.get(uuid);
      if (cur.state === 'Deleting') return cur;
      const next: EventSourceMappingRecord = { ...cur, state: 'Deleting', stateTransitionReason: userAction(kindOf(cur.eventSourceArn)), lastModifiedMs: this.now(), revisionId: randomUUID() };
      if (await this.store.updateEventSourceMapping(next, cur.revisionId)) {
        this.changed(uuid);
        return next;
      }
    }
    throw conflict(`The operation cannot be performed at this time: mapping ${uuid} is being changed. Try again.`);
  }

  /**
   * TagResource / UntagResource on a mapping ARN: merges or removes keys in
   * one compare-and-swap of the mapping row (a read-then-write would lose a
   * concurrent change), refusing more than `tagsMax` tags. The mapping's
   * state and its pollers are untouched.
   */
  async changeTags(uuid: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): Promise<'ok' | 'not-found' | 'too-many'> {
    for (let i = 0; i < L.casRetriesMax; i++) {
      const cur = await this.store.getEventSourceMapping(uuid);
      if (!cur) return 'not-found';
      const tags = { ...cur.tags, ...change.set };
      for (const k of change.remove ?? []) delete tags[k];
      if (Object.keys(tags).length > tagsMax) return 'too-many';
      if (await this.store.updateEventSourceMapping({ ...cur, tags, revisionId: randomUUID() }, cur.revisionId)) return 'ok';
    }
    throw conflict(`The operation cannot be performed at this time: mapping ${uuid} is being changed. Try again.`);
  }

  /** AWS's refusals when the function's role may not read the source (the first missing action, for SQS). */
  private async checkRole(role: string, functionName: string, kind: 'sqs' | 'kinesis', source: string): Promise<void> {
    if (!this.roleAccess) return;
    const denied = await this.roleAccess.firstDenied(role, functionName, kind === 'sqs' ? sqsActions : kinesisActions, source);
    if (denied === undefined) return;
    if (kind === 'sqs') throw invalidParameter(`The function execution role does not have permissions to call ${denied.slice('sqs:'.length)} on SQS`);
    // ListShards or ListStreams: either lets Lambda find the shards.
    if (denied === 'kinesis:ListShards' && (await this.roleAccess.allows(role, functionName, 'kinesis:ListStreams', '*'))) return;
    throw invalidParameter(
      `Cannot access stream ${source}. Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, and ListShards or ListStreams Actions on your stream in IAM.`,
    );
  }

  private async describeQueue(arn: string): Promise<QueueSourceInfo> {
    try {
      return await this.queues.describe(arn);
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') {
        // AWS's text when the queue does not exist (Lambda tried ReceiveMessage on it).
        throw invalidParameter(
          'Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. SQS Error Message: The specified queue does not exist or you do not have access to it.',
        );
      }
      throw e;
    }
  }

  private async describeStream(arn: string): Promise<void> {
    if (!this.streams) throw invalidParameter(`Kinesis event sources are not supported by this Kumo server: ${arn}`);
    try {
      await this.streams.describe(arn);
    } catch (e) {
      // AWS's text (recorded): InvalidParameterValueException "Stream not found: <arn>".
      if (e instanceof DomainError && e.kind === 'NotFound') throw invalidParameter(`Stream not found: ${arn}`);
      throw e;
    }
  }

  /** AWS's ResourceConflictException for a second mapping of one queue and function. */
  private async duplicate(rec: EventSourceMappingRecord): Promise<DomainError> {
    const existing = (await this.store.listEventSourceMappings({ eventSourceArn: rec.eventSourceArn, functionName: rec.functionName, limit: 1000 }))
      .find((m) => m.functionArn === rec.functionArn && m.uuid !== rec.uuid);
    return conflict(
      `The event source arn (" ${rec.eventSourceArn} ") and function (" ${rec.functionName} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${existing?.uuid ?? 'unknown'}`,
    );
  }
}

/** AWS: the queue's visibility timeout must cover the function's timeout. */
function checkVisibility(queue: QueueSourceInfo, functionTimeoutS: number): void {
  if (queue.visibilityTimeoutS < functionTimeoutS) {
    throw invalidParameter(`Queue visibility timeout: ${queue.visibilityTimeoutS} seconds is less than Function timeout: ${functionTimeoutS} seconds`);
  }
}

/** StateTransitionReason after a user's change: AWS words it per source ("USER_INITIATED" for SQS; "User action" for streams, recorded). */
function userAction(kind: 'sqs' | 'kinesis'): string {
  return kind === 'kinesis' ? 'User action' : 'USER_INITIATED';
}

/** A stream mapping's settings: what the request gave over `base` (the defaults, or the stored ones on update). */
function streamSettings(s: CheckedSettings, base: StreamMappingSettings): StreamMappingSettings {
  const next: StreamMappingSettings = {
    ...base,
    ...(s.parallelizationFactor !== undefined ? { parallelizationFactor: s.parallelizationFactor } : {}),
    ...(s.maximumRetryAttempts !== undefined ? { maximumRetryAttempts: s.maximumRetryAttempts } : {}),
    ...(s.maximumRecordAgeInSeconds !== undefined ? { maximumRecordAgeInSeconds: s.maximumRecordAgeInSeconds } : {}),
    ...(s.bisectBatchOnFunctionError !== undefined ? { bisectBatchOnFunctionError: s.bisectBatchOnFunctionError } : {}),
    ...(s.tumblingWindowInSeconds !== undefined ? { tumblingWindowInSeconds: s.tumblingWindowInSeconds } : {}),
  };
  if (s.onFailureDestination !== undefined) {
    if (s.onFailureDestination === '') delete next.onFailureDestination;
    else next.onFailureDestination = s.onFailureDestination;
  }
  return next;
}
