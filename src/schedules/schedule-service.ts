import { DomainError, validationFailed, type ConstraintFailure } from '../domain/errors';
import { formatArn, parseArn, type ArnScope } from '../domain/arn';
import type { Deliveries } from '../domain/delivery';
import type { ScheduleStore } from '../store/schedules';
import type { ScheduleGroupRecord, ScheduleRecord, ScheduleSpec, ScheduleTarget } from './records';
import { isTimeZone, parseScheduleExpression } from './expression';
import { planFirst, type PlanSettings } from './plan';
import * as L from './limits';

/**
 * EventBridge Scheduler's control plane in the domain's terms: schedule
 * groups (the `default` one always there), schedules, tags on groups. Every
 * member is checked before anything is written (model constraints first, as
 * Coral does, then Scheduler's own rules), and each change is one store
 * transaction that also plans the schedule's next due time, so the engine
 * (engine.ts) needs no second write to pick it up; it is poked to re-arm its
 * timer. Targets Kumo can deliver to: Lambda functions, SQS queues, SNS
 * topics and (when the events sink is registered) EventBridge buses;
 * universal targets and the other templated ones are refused.
 */
export interface ScheduleInput {
  Name: string;
  GroupName?: string;
  ScheduleExpression?: string;
  ScheduleExpressionTimezone?: string;
  /** ms since the epoch (the wire's epoch seconds, decoded). */
  StartDate?: number;
  EndDate?: number;
  State?: string;
  Description?: string;
  FlexibleTimeWindow?: { Mode?: string; MaximumWindowInMinutes?: number };
  Target?: Record<string, unknown>;
  ActionAfterCompletion?: string;
  ClientToken?: string;
  KmsKeyArn?: string;
}

export const defaultGroup = 'default';
const nameRe = /^[0-9a-zA-Z-_.]+$/;
const clientTokenRe = /^[a-zA-Z0-9-_]+$/;
const roleArnRe = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const dlqArnRe = /^arn:aws(-[a-z]+)?:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9\-_]+$/;
const sourceRe = /^(?=[/.\-_A-Za-z0-9]+)((?!aws\.).*)|(\$(\.[\w_-]+(\[(\d+|\*)\])*)*)$/;
/** Templated targets Kumo delivers, by the target ARN's service; each goes through `Deliveries`. */
const templatedServices = ['lambda', 'sqs', 'sns', 'events'];
/** Target members for templated targets Kumo does not run: refused by name. */
const refusedTargetMembers = ['EcsParameters', 'KinesisParameters', 'SageMakerPipelineParameters'];

export class ScheduleService {
  private readonly listeners: (() => void)[] = [];

  constructor(
    private readonly store: ScheduleStore,
    private readonly deliveries: Deliveries,
    private readonly scope: ArnScope,
    private readonly settings: PlanSettings,
  ) {}

  /** Creates the `default` group if this data has none (AWS's accounts always have it). */
  async start(): Promise<void> {
    await this.store.createScheduleGroup({ name: defaultGroup, arn: this.groupArn(defaultGroup), tags: {} });
  }

  /** `fn` runs after any schedule is created, changed or deleted (the engine re-arms its timer). */
  onChange(fn: () => void): void {
    this.listeners.push(fn);
  }

  groupArn(name: string): string {
    return formatArn({ partition: 'aws', service: 'scheduler', region: this.scope.region, account: this.scope.accountId, resource: `schedule-group/${name}` });
  }

  scheduleArn(group: string, name: string): string {
    return formatArn({ partition: 'aws', service: 'scheduler', region: this.scope.region, account: this.scope.accountId, resource: `schedule/${group}/${name}` });
  }

  // ---- schedules ----------------------------------------------------------------

  async createSchedule(input: ScheduleInput): Promise<ScheduleRecord> {
    const group = input.GroupName ?? defaultGroup;
    const spec = this.checkSchedule(input);
    const r = await this.store.createSchedule(
      { group, name: input.Name, arn: this.scheduleArn(group, input.Name), spec, clientToken: input.ClientToken },
      (now) => planFirst(spec, now, this.settings),
    );
    if (r.kind === 'no-group') throw groupNotFound(group);
    if (r.kind === 'exists') {
      // A retry of the same request (same ClientToken) succeeds again, as AWS's idempotency token promises.
      if (input.ClientToken !== undefined && r.schedule.clientToken === input.ClientToken) return r.schedule;
      throw new DomainError('Conflict', `Schedule ${input.Name} already exists.`);
    }
    this.changed();
    return r.schedule;
  }

  async getSchedule(name: string, groupName?: string): Promise<ScheduleRecord> {
    checkNames([['name', name], ['groupName', groupName]]);
    const s = await this.store.getSchedule(groupName ?? defaultGroup, name);
    if (!s) throw scheduleNotFound(name);
    return s;
  }

  async updateSchedule(input: ScheduleInput): Promise<ScheduleRecord> {
    const group = input.GroupName ?? defaultGroup;
    const spec = this.checkSchedule(input);
    const r = await this.store.updateSchedule(group, input.Name, spec, input.ClientToken, (now) => planFirst(spec, now, this.settings));
    if (r.kind === 'missing') throw scheduleNotFound(input.Name);
    this.changed();
    return r.schedule;
  }

  async deleteSchedule(name: string, groupName?: string, clientToken?: string): Promise<void> {
    checkNames([['name', name], ['groupName', groupName]]);
    checkClientToken(clientToken);
    if (!(await this.store.deleteSchedule(groupName ?? defaultGroup, name))) throw scheduleNotFound(name);
    this.changed();
  }

  async listSchedules(q: { groupName?: string; namePrefix?: string; state?: string; maxResults?: number; nextToken?: string }):
    Promise<{ schedules: ScheduleRecord[]; nextToken?: string }> {
    const failures: ConstraintFailure[] = [];
    nameFailures(failures, 'groupName', q.groupName);
    nameFailures(failures, 'namePrefix', q.namePrefix);
    if (q.state !== undefined && q.state !== 'ENABLED' && q.state !== 'DISABLED') failures.push(enumFailure(q.state, 'state', ['ENABLED', 'DISABLED']));
    pageFailures(failures, q.maxResults, q.nextToken);
    if (failures.length) throw validationFailed(failures);
    if (q.groupName !== undefined && !(await this.store.getScheduleGroup(q.groupName))) throw groupNotFound(q.groupName);
    const limit = q.maxResults ?? L.listPageMax;
    const after = q.nextToken === undefined ? undefined : decodeScheduleToken(q.nextToken);
    const rows = await this.store.listSchedules({ group: q.groupName, prefix: q.namePrefix, state: q.state, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { schedules: page, nextToken: rows.length > limit && last ? encodeToken(`${last.group}\n${last.name}`) : undefined };
  }

  // ---- groups -------------------------------------------------------------------

  async createScheduleGroup(name: string, tags: Record<string, string>, clientToken?: string): Promise<ScheduleGroupRecord> {
    const failures: ConstraintFailure[] = [];
    nameFailures(failures, 'name', name, true);
    if (Object.keys(tags).length > L.tagsPerGroupMax) failures.push({ value: Object.entries(tags).map(([k, v]) => ({ Key: k, Value: v })), path: 'tags', constraint: `Member must have length less than or equal to ${L.tagsPerGroupMax}` });
    if (failures.length) throw validationFailed(failures);
    checkClientToken(clientToken);
    const r = await this.store.createScheduleGroup({ name, arn: this.groupArn(name), tags, clientToken });
    if (r.kind === 'exists') {
      if (clientToken !== undefined && r.group.clientToken === clientToken) return r.group;
      throw new DomainError('Conflict', `Schedule group ${name} already exists.`);
    }
    return r.group;
  }

  async getScheduleGroup(name: string): Promise<ScheduleGroupRecord> {
    checkNames([['name', name]]);
    const g = await this.store.getScheduleGroup(name);
    if (!g) throw groupNotFound(name);
    return g;
  }

  async deleteScheduleGroup(name: string, clientToken?: string): Promise<void> {
    checkNames([['name', name]]);
    checkClientToken(clientToken);
    if (name === defaultGroup) throw new DomainError('Validation', 'You cannot delete the default group.');
    if (!(await this.store.deleteScheduleGroup(name))) throw groupNotFound(name);
    this.changed();
  }

  async listScheduleGroups(q: { namePrefix?: string; maxResults?: number; nextToken?: string }): Promise<{ groups: ScheduleGroupRecord[]; nextToken?: string }> {
    const failures: ConstraintFailure[] = [];
    nameFailures(failures, 'namePrefix', q.namePrefix);
    pageFailures(failures, q.maxResults, q.nextToken);
    if (failures.length) throw validationFailed(failures);
    const limit = q.maxResults ?? L.listPageMax;
    const afterName = q.nextToken === undefined ? undefined : decodeToken(q.nextToken);
    const rows = await this.store.listScheduleGroups({ prefix: q.namePrefix, afterName, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { groups: page, nextToken: rows.length > limit && last ? encodeToken(last.name) : undefined };
  }

  // ---- tags (schedule groups only: the model's TagResourceArn) -----------------

  async listTags(arn: string): Promise<Record<string, string>> {
    return (await this.getScheduleGroup(this.groupOfArn(arn))).tags;
  }

  async tag(arn: string, tags: Record<string, string>): Promise<void> {
    const name = this.groupOfArn(arn);
    for (const [k, v] of Object.entries(tags)) checkTag(k, v);
    const r = await this.store.changeScheduleGroupTags(name, { set: tags }, L.tagsPerGroupMax);
    if (r.kind === 'no-group') throw groupNotFound(name);
    if (r.kind === 'too-many') throw new DomainError('Validation', `A schedule group can have at most ${L.tagsPerGroupMax} tags.`);
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const name = this.groupOfArn(arn);
    const r = await this.store.changeScheduleGroupTags(name, { remove: keys }, L.tagsPerGroupMax);
    if (r.kind === 'no-group') throw groupNotFound(name);
  }

  private groupOfArn(arn: string): string {
    const m = /^arn:aws(-[a-z]+)?:scheduler:([a-z0-9-]+):(\d{12}):schedule-group\/([0-9a-zA-Z-_.]+)$/.exec(arn);
    if (!m || arn.length > 1011) {
      throw validationFailed([{ value: arn, path: 'resourceArn', constraint: 'Member must satisfy regular expression pattern: ^arn:aws(-[a-z]+)?:scheduler:[a-z0-9\\-]+:\\d{12}:schedule-group\\/[0-9a-zA-Z-_.]+$' }]);
    }
    // Another region's or account's group is not here.
    if (m[2] !== this.scope.region || m[3] !== this.scope.accountId) throw groupNotFound(m[4]!);
    return m[4]!;
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  // ---- checks -------------------------------------------------------------------

  /** Every member of Create/UpdateSchedule, model constraints first (all in one message), then Scheduler's rules. */
  private checkSchedule(input: ScheduleInput): ScheduleSpec {
    const f: ConstraintFailure[] = [];
    nameFailures(f, 'name', input.Name, true);
    nameFailures(f, 'groupName', input.GroupName);
    const t = input.Target;
    if (input.FlexibleTimeWindow === undefined) f.push(notNull('flexibleTimeWindow'));
    if (input.ScheduleExpression === undefined) f.push(notNull('scheduleExpression'));
    if (t === undefined) f.push(notNull('target'));
    lengthFailures(f, 'scheduleExpression', input.ScheduleExpression, 1, L.expressionCharsMax);
    lengthFailures(f, 'scheduleExpressionTimezone', input.ScheduleExpressionTimezone, 1, L.timezoneCharsMax);
    lengthFailures(f, 'description', input.Description, 0, L.descriptionCharsMax);
    if (input.State !== undefined && input.State !== 'ENABLED' && input.State !== 'DISABLED') f.push(enumFailure(input.State, 'state', ['ENABLED', 'DISABLED']));
    if (input.ActionAfterCompletion !== undefined && input.ActionAfterCompletion !== 'NONE' && input.ActionAfterCompletion !== 'DELETE') {
      f.push(enumFailure(input.ActionAfterCompletion, 'actionAfterCompletion', ['NONE', 'DELETE']));
    }
    const w = input.FlexibleTimeWindow;
    if (w) {
      if (w.Mode === undefined) f.push(notNull('flexibleTimeWindow.mode'));
      else if (w.Mode !== 'OFF' && w.Mode !== 'FLEXIBLE') f.push(enumFailure(w.Mode, 'flexibleTimeWindow.mode', ['OFF', 'FLEXIBLE']));
      rangeFailures(f, 'flexibleTimeWindow.maximumWindowInMinutes', w.MaximumWindowInMinutes, L.flexibleWindowMinutesMin, L.flexibleWindowMinutesMax);
    }
    if (t) targetFailures(f, t);
    if (input.ClientToken !== undefined) clientTokenFailures(f, input.ClientToken);
    if (f.length) throw validationFailed(f);

    // Scheduler's own rules.
    if (input.KmsKeyArn !== undefined) throw new DomainError('Validation', 'KmsKeyArn is not supported by Kumo: schedules are stored with Kumo\'s own encryption at rest only.');
    const expression = input.ScheduleExpression!;
    parseScheduleExpression(expression, { allowAt: true, allowSeconds: this.settings.allowSeconds });
    const timezone = input.ScheduleExpressionTimezone ?? 'UTC';
    if (!isTimeZone(timezone)) throw new DomainError('Validation', `Invalid ScheduleExpressionTimezone ${timezone}.`);
    if (w!.Mode === 'FLEXIBLE' && w!.MaximumWindowInMinutes === undefined) {
      throw new DomainError('Validation', 'MaximumWindowInMinutes must be provided when FlexibleTimeWindow Mode is FLEXIBLE.');
    }
    if (w!.Mode === 'OFF' && w!.MaximumWindowInMinutes !== undefined) {
      throw new DomainError('Validation', 'MaximumWindowInMinutes must not be provided when FlexibleTimeWindow Mode is OFF.');
    }
    if (input.StartDate !== undefined && input.EndDate !== undefined && input.EndDate <= input.StartDate) {
      throw new DomainError('Validation', 'The StartDate must come before the EndDate.');
    }
    const target = this.checkTarget(t!);
    return {
      expression, timezone, startMs: input.StartDate, endMs: input.EndDate, state: (input.State ?? 'ENABLED') as ScheduleSpec['state'],
      flexibleWindow: w!.Mode === 'FLEXIBLE' ? { mode: 'FLEXIBLE', maxMinutes: w!.MaximumWindowInMinutes } : { mode: 'OFF' },
      target, description: input.Description, actionAfterCompletion: (input.ActionAfterCompletion ?? 'NONE') as ScheduleSpec['actionAfterCompletion'],
    };
  }

  /** The target's semantics: a templated target Kumo delivers, parameters that fit it. */
  private checkTarget(t: Record<string, unknown>): ScheduleTarget {
    const arn = t.Arn as string;
    for (const m of refusedTargetMembers) {
      if (t[m] !== undefined) throw new DomainError('Validation', `Target ${m} is not supported by Kumo (its templated target cannot be invoked here).`);
    }
    const a = parseArn(arn);
    if (a?.service === 'scheduler' && a.resource.startsWith('aws-sdk:')) {
      throw new DomainError('Validation', `Universal targets (${arn}) are not supported by Kumo; use a Lambda function, SQS queue, SNS topic or event bus ARN.`);
    }
    if (!a || !templatedServices.includes(a.service)) {
      throw new DomainError('Validation', `Target ${arn} is not supported by Kumo; use a Lambda function, SQS queue, SNS topic or event bus ARN.`);
    }
    if (!this.deliveries.accepts(arn)) throw new DomainError('Validation', `Target ${arn} is not supported by Kumo: no ${a.service} service runs here.`);
    const eb = t.EventBridgeParameters as ScheduleTarget['EventBridgeParameters'];
    if (eb !== undefined && a.service !== 'events') throw new DomainError('Validation', 'EventBridgeParameters can only be used with an EventBridge event bus target.');
    if (a.service === 'events' && eb === undefined) throw new DomainError('Validation', 'EventBridgeParameters must be provided for an EventBridge event bus target.');
    const sqs = t.SqsParameters as ScheduleTarget['SqsParameters'];
    if (sqs !== undefined && a.service !== 'sqs') throw new DomainError('Validation', 'SqsParameters can only be used with an SQS queue target.');
    const fifo = a.service === 'sqs' && a.resource.endsWith('.fifo');
    if (fifo && sqs?.MessageGroupId === undefined) throw new DomainError('Validation', 'SqsParameters.MessageGroupId must be provided for a FIFO queue target.');
    if (!fifo && sqs?.MessageGroupId !== undefined) throw new DomainError('Validation', 'SqsParameters.MessageGroupId can only be used with a FIFO queue target.');
    const input = t.Input as string | undefined;
    if (input !== undefined && (a.service === 'lambda' || a.service === 'events')) {
      // AWS: "If you are configuring a templated Lambda, AWS Step Functions, or Amazon EventBridge target, the input must be a well-formed JSON."
      try {
        JSON.parse(input);
      } catch {
        throw new DomainError('Validation', 'Target Input must be well-formed JSON for a Lambda function or EventBridge target.');
      }
    }
    const rp = (t.RetryPolicy ?? {}) as { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number };
    const dlq = t.DeadLetterConfig as { Arn?: string } | undefined;
    if (dlq?.Arn !== undefined && !this.deliveries.accepts(dlq.Arn)) throw new DomainError('Validation', `DeadLetterConfig ${dlq.Arn} is not supported by Kumo: no sqs service runs here.`);
    return {
      Arn: arn, RoleArn: t.RoleArn as string, ...(input !== undefined ? { Input: input } : {}),
      RetryPolicy: { MaximumEventAgeInSeconds: rp.MaximumEventAgeInSeconds ?? L.eventAgeSecondsMax, MaximumRetryAttempts: rp.MaximumRetryAttempts ?? L.retryAttemptsMax },
      ...(dlq?.Arn !== undefined ? { DeadLetterConfig: { Arn: dlq.Arn } } : {}),
      ...(sqs?.MessageGroupId !== undefined ? { SqsParameters: { MessageGroupId: sqs.MessageGroupId } } : {}),
      ...(eb !== undefined ? { EventBridgeParameters: { DetailType: eb.DetailType, Source: eb.Source } } : {}),
    };
  }
}

// ---- model constraints, in Coral's words ------------------------------------------

const notNull = (path: string): ConstraintFailure => ({ value: null, path, constraint: 'Member must not be null' });
const enumFailure = (value: string, path: string, values: string[]): ConstraintFailure =>
  ({ value, path, constraint: `Member must satisfy enum value set: [${values.join(', ')}]` });

function lengthFailures(f: ConstraintFailure[], path: string, v: string | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (v.length < min) f.push({ value: v, path, constraint: `Member must have length greater than or equal to ${min}` });
  if (v.length > max) f.push({ value: v, path, constraint: `Member must have length less than or equal to ${max}` });
}

function rangeFailures(f: ConstraintFailure[], path: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (v < min) f.push({ value: v, path, constraint: `Member must have value greater than or equal to ${min}` });
  if (v > max) f.push({ value: v, path, constraint: `Member must have value less than or equal to ${max}` });
}

function patternFailures(f: ConstraintFailure[], path: string, v: string | undefined, re: RegExp, source: string): void {
  if (v !== undefined && !re.test(v)) f.push({ value: v, path, constraint: `Member must satisfy regular expression pattern: ${source}` });
}

function nameFailures(f: ConstraintFailure[], path: string, v: string | undefined, required = false): void {
  if (v === undefined) {
    if (required) f.push(notNull(path));
    return;
  }
  lengthFailures(f, path, v, 1, L.nameCharsMax);
  if (v.length > 0) patternFailures(f, path, v, nameRe, '^[0-9a-zA-Z-_.]+$');
}

function checkNames(pairs: [string, string | undefined][]): void {
  const f: ConstraintFailure[] = [];
  for (const [path, v] of pairs) nameFailures(f, path, v);
  if (f.length) throw validationFailed(f);
}

function clientTokenFailures(f: ConstraintFailure[], v: string): void {
  lengthFailures(f, 'clientToken', v, 1, L.clientTokenCharsMax);
  if (v.length > 0) patternFailures(f, 'clientToken', v, clientTokenRe, '^[a-zA-Z0-9-_]+$');
}

function checkClientToken(v: string | undefined): void {
  if (v === undefined) return;
  const f: ConstraintFailure[] = [];
  clientTokenFailures(f, v);
  if (f.length) throw validationFailed(f);
}

function pageFailures(f: ConstraintFailure[], maxResults: number | undefined, nextToken: string | undefined): void {
  rangeFailures(f, 'maxResults', maxResults, 1, L.listPageMax);
  lengthFailures(f, 'nextToken', nextToken, 1, 2048);
}

function targetFailures(f: ConstraintFailure[], t: Record<string, unknown>): void {
  if (t.Arn === undefined) f.push(notNull('target.arn'));
  lengthFailures(f, 'target.arn', t.Arn as string | undefined, 1, 1600);
  if (t.RoleArn === undefined) f.push(notNull('target.roleArn'));
  lengthFailures(f, 'target.roleArn', t.RoleArn as string | undefined, 1, 1600);
  patternFailures(f, 'target.roleArn', t.RoleArn as string | undefined, roleArnRe, '^arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+$');
  lengthFailures(f, 'target.input', t.Input as string | undefined, 1, Number.MAX_SAFE_INTEGER);
  if (typeof t.Input === 'string' && Buffer.byteLength(t.Input) > L.inputBytesMax) {
    f.push({ value: t.Input, path: 'target.input', constraint: `Member must have length less than or equal to ${L.inputBytesMax}` });
  }
  const rp = t.RetryPolicy as { MaximumEventAgeInSeconds?: number; MaximumRetryAttempts?: number } | undefined;
  if (rp) {
    rangeFailures(f, 'target.retryPolicy.maximumEventAgeInSeconds', rp.MaximumEventAgeInSeconds, L.eventAgeSecondsMin, L.eventAgeSecondsMax);
    rangeFailures(f, 'target.retryPolicy.maximumRetryAttempts', rp.MaximumRetryAttempts, 0, L.retryAttemptsMax);
  }
  const dlq = t.DeadLetterConfig as { Arn?: string } | undefined;
  if (dlq?.Arn !== undefined) {
    lengthFailures(f, 'target.deadLetterConfig.arn', dlq.Arn, 1, 1600);
    patternFailures(f, 'target.deadLetterConfig.arn', dlq.Arn, dlqArnRe, '^arn:aws(-[a-z]+)?:sqs:[a-z0-9\\-]+:\\d{12}:[a-zA-Z0-9\\-_]+$');
  }
  const sqs = t.SqsParameters as { MessageGroupId?: string } | undefined;
  if (sqs) lengthFailures(f, 'target.sqsParameters.messageGroupId', sqs.MessageGroupId, 1, 128);
  const eb = t.EventBridgeParameters as { DetailType?: string; Source?: string } | undefined;
  if (eb) {
    if (eb.DetailType === undefined) f.push(notNull('target.eventBridgeParameters.detailType'));
    lengthFailures(f, 'target.eventBridgeParameters.detailType', eb.DetailType, 1, 128);
    if (eb.Source === undefined) f.push(notNull('target.eventBridgeParameters.source'));
    lengthFailures(f, 'target.eventBridgeParameters.source', eb.Source, 1, 256);
    patternFailures(f, 'target.eventBridgeParameters.source', eb.Source, sourceRe, '^(?=[/\\.\\-_A-Za-z0-9]+)((?!aws\\.).*)|(\\$(\\.[\\w_-]+(\\[(\\d+|\\*)\\])*)*)$');
  }
}

function checkTag(k: string, v: string): void {
  const f: ConstraintFailure[] = [];
  lengthFailures(f, 'tags.member.key', k, 1, L.tagKeyCharsMax);
  lengthFailures(f, 'tags.member.value', v, 1, L.tagValueCharsMax);
  if (f.length) throw validationFailed(f);
}

// ---- pagination tokens -----------------------------------------------------------

const encodeToken = (s: string) => Buffer.from(s, 'utf8').toString('base64url');

function decodeToken(t: string): string {
  const s = Buffer.from(t, 'base64url').toString('utf8');
  if (!s || encodeToken(s) !== t) throw new DomainError('Validation', 'Invalid NextToken.');
  return s;
}

function decodeScheduleToken(t: string): { group: string; name: string } {
  const [group, name, extra] = decodeToken(t).split('\n');
  if (group === undefined || name === undefined || extra !== undefined) throw new DomainError('Validation', 'Invalid NextToken.');
  return { group, name };
}

export const scheduleNotFound = (name: string) => new DomainError('NotFound', `Schedule ${name} does not exist.`);
export const groupNotFound = (name: string) => new DomainError('NotFound', `Schedule group ${name} does not exist.`);
