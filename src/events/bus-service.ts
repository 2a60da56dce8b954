import type { ArnScope } from '../domain/arn';
import { parseArn } from '../domain/arn';
import { matches as matchesPattern, parsePattern, PatternError, type Pattern } from '../domain/event-pattern';
import type { EventBusStore } from '../store/events';
import { busNotFound, EventsError, invalidPattern, limitExceeded, ruleNotFound, validation } from './errors';
import type { CreateEventBusInput, Page, PutRuleInput, Tag, TargetInput } from './inputs';
import * as L from './limits';
import { busArnOf, busNameOf, defaultBus, resourceOfArn, ruleArnOf } from './names';
import type { EventBusRecord, RuleRecord, RuleState, TargetRecord } from './records';
import { isScheduleExpression } from './schedule-expression';
import { isJsonPath, reservedPlaceholders, undefinedPlaceholders } from './target-input';
import * as V from './validate';

export interface BusServiceDeps {
  store: EventBusStore;
  scope: ArnScope;
  /** Whether Kumo can deliver to this ARN (Deliveries.accepts: a function, queue, topic or bus). */
  canDeliver(arn: string): boolean;
  /** A scheduled rule was put, enabled, disabled or deleted (the schedule engine re-reads them). */
  scheduledChanged(): void;
  /** A bus was deleted: its resource policy went with it (BusPolicies forgets what it read). */
  busDeleted?(arn: string): void;
  /** Kumo's test setting KUMO_SCHEDULER_ALLOW_SECONDS: `rate(N seconds)` rules (AWS refuses them), off by default. */
  allowSecondsRates?: boolean;
}

export interface FailedEntry { TargetId: string; ErrorCode: string; ErrorMessage: string }

/** The ARN services a target may name, and what AWS calls each (Kumo delivers to these only). */
const deliverableServices = new Set(['lambda', 'sqs', 'sns', 'events']);

/**
 * The EventBridge control plane: event buses (the default bus of this
 * region and account always exists and cannot be deleted), rules (an event
 * pattern and/or, on the default bus only, a schedule expression), their
 * targets and tags. Every check answers AWS's text (recorded from AWS where
 * LocalStack's snapshots have it); every change is one store call.
 */
export class BusService {
  constructor(private readonly d: BusServiceDeps) {}

  get scope(): ArnScope {
    return this.d.scope;
  }

  /** At start: the default bus of this region and account exists from the first moment, as on AWS. */
  async ensureDefaultBus(): Promise<void> {
    const now = Date.now();
    await this.d.store.createEventBus({ arn: busArnOf(this.d.scope, defaultBus), name: defaultBus, createdMs: now, modifiedMs: now, tags: {} }, Number.MAX_SAFE_INTEGER);
  }

  // ---- buses ---------------------------------------------------------------

  async createEventBus(input: CreateEventBusInput): Promise<EventBusRecord> {
    new V.Constraints().str(input.Name, 'name', { ...V.busNameC, required: true }).str(input.Description, 'description', V.descriptionC).done();
    checkTags(input.Tags);
    if (input.unsupported.length) throw validation(`Kumo does not support ${input.unsupported.join(', ')} on event buses.`);
    // A `/` belongs to partner event buses' names (aws.partner/…), which Kumo does not have.
    if (input.Name.includes('/')) throw validation('Event bus name must not contain \'/\'.');
    const now = Date.now();
    const rec: EventBusRecord = {
      arn: busArnOf(this.d.scope, input.Name), name: input.Name, description: input.Description, createdMs: now, modifiedMs: now, tags: tagMap(input.Tags),
    };
    const r = await this.d.store.createEventBus(rec, L.busesPerAccountMax);
    if (r === 'exists') throw new EventsError('AlreadyExists', `Event bus ${input.Name} already exists.`);
    if (r === 'too-many') throw limitExceeded();
    return rec;
  }

  async describeEventBus(nameOrArn: string | undefined): Promise<EventBusRecord> {
    new V.Constraints().str(nameOrArn, 'name', V.busNameOrArnC).done();
    return this.bus(busNameOf(this.d.scope, nameOrArn));
  }

  async listEventBuses(q: { NamePrefix?: string } & Page): Promise<{ buses: EventBusRecord[]; nextToken?: string }> {
    new V.Constraints().str(q.NamePrefix, 'namePrefix', V.busNameC).str(q.NextToken, 'nextToken', V.nextTokenC).num(q.Limit, 'limit', 1, 100).done();
    const limit = q.Limit ?? L.listPageMax;
    const after = q.NextToken === undefined ? undefined : decodeToken(q.NextToken);
    const rows = await this.d.store.listEventBuses({ prefix: q.NamePrefix, afterName: after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { buses: page, nextToken: rows.length > limit ? encodeToken(page[page.length - 1]!.name) : undefined };
  }

  async deleteEventBus(name: string): Promise<void> {
    new V.Constraints().str(name, 'name', { ...V.busNameC, required: true }).done();
    if (name === defaultBus) throw validation('Cannot delete event bus default.');
    const arn = busArnOf(this.d.scope, name);
    if (!(await this.d.store.deleteEventBus(arn))) throw busNotFound(name);
    this.d.busDeleted?.(arn);
    this.d.scheduledChanged();
  }

  private async bus(name: string): Promise<EventBusRecord> {
    const b = await this.d.store.getEventBus(busArnOf(this.d.scope, name));
    if (!b) throw busNotFound(name);
    return b;
  }

  // ---- rules ---------------------------------------------------------------

  async putRule(input: PutRuleInput): Promise<RuleRecord> {
    new V.Constraints()
      .str(input.Name, 'name', { ...V.ruleNameC, required: true })
      .str(input.ScheduleExpression, 'scheduleExpression', V.scheduleC)
      .str(input.EventPattern, 'eventPattern', V.patternC)
      .enumOf(input.State, 'state', ['ENABLED', 'DISABLED', 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS'])
      .str(input.Description, 'description', V.descriptionC)
      .str(input.RoleArn, 'roleArn', V.arnC)
      .str(input.EventBusName, 'eventBusName', V.busNameOrArnC)
      .done();
    checkTags(input.Tags);
    const busName = busNameOf(this.d.scope, input.EventBusName);
    if (input.EventPattern === undefined && input.ScheduleExpression === undefined) {
      throw validation('Parameter(s) EventPattern or ScheduleExpression must be specified.');
    }
    if (input.ScheduleExpression !== undefined) {
      if (busName !== defaultBus) throw validation('ScheduleExpression is supported only on the default event bus.');
      if (!isScheduleExpression(input.ScheduleExpression, this.d.allowSecondsRates === true)) throw validation('Parameter ScheduleExpression is not valid.');
    }
    if (input.EventPattern !== undefined) checkPattern(input.EventPattern);
    if (input.State === 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS') {
      throw validation('Kumo does not support State ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS: it receives no CloudTrail events.');
    }
    const rec: RuleRecord = {
      arn: ruleArnOf(this.d.scope, busName, input.Name), name: input.Name, busName,
      eventPattern: input.EventPattern, scheduleExpression: input.ScheduleExpression, state: (input.State ?? 'ENABLED') as RuleState,
      description: input.Description, roleArn: input.RoleArn, createdMs: 0, sinceMs: 0, tags: tagMap(input.Tags),
    };
    const r = await this.d.store.putRule(rec, busArnOf(this.d.scope, busName), L.rulesPerBusMax);
    if (r.kind === 'no-bus') throw busNotFound(busName);
    if (r.kind === 'too-many') throw limitExceeded();
    this.d.scheduledChanged();
    return r.rule;
  }

  async describeRule(name: string, busNameOrArn: string | undefined): Promise<RuleRecord> {
    this.checkRuleMembers(name, busNameOrArn);
    return this.rule(name, busNameOf(this.d.scope, busNameOrArn));
  }

  async listRules(q: { NamePrefix?: string; EventBusName?: string } & Page): Promise<{ rules: RuleRecord[]; nextToken?: string }> {
    new V.Constraints().str(q.NamePrefix, 'namePrefix', V.ruleNameC).str(q.EventBusName, 'eventBusName', V.busNameOrArnC)
      .str(q.NextToken, 'nextToken', V.nextTokenC).num(q.Limit, 'limit', 1, 100).done();
    const busName = busNameOf(this.d.scope, q.EventBusName);
    await this.bus(busName);
    const limit = q.Limit ?? L.listPageMax;
    const after = q.NextToken === undefined ? undefined : decodeToken(q.NextToken);
    const rows = await this.d.store.listRules({ busName, prefix: q.NamePrefix, afterName: after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { rules: page, nextToken: rows.length > limit ? encodeToken(page[page.length - 1]!.name) : undefined };
  }

  async setRuleState(name: string, busNameOrArn: string | undefined, state: RuleState): Promise<void> {
    this.checkRuleMembers(name, busNameOrArn);
    const busName = busNameOf(this.d.scope, busNameOrArn);
    if (!(await this.d.store.setRuleState(ruleArnOf(this.d.scope, busName, name), state))) throw ruleNotFound(name, busName);
    this.d.scheduledChanged();
  }

  async deleteRule(name: string, busNameOrArn: string | undefined): Promise<void> {
    this.checkRuleMembers(name, busNameOrArn);
    const busName = busNameOf(this.d.scope, busNameOrArn);
    const r = await this.d.store.deleteRule(ruleArnOf(this.d.scope, busName, name));
    // AWS answers a delete of a rule that does not exist with success (DeleteRule is idempotent); one with targets is refused.
    if (r === 'has-targets') throw validation('Rule can\'t be deleted since it has targets.');
    this.d.scheduledChanged();
  }

  private checkRuleMembers(name: string, bus: string | undefined): void {
    new V.Constraints().str(name, 'name', { ...V.ruleNameC, required: true }).str(bus, 'eventBusName', V.busNameOrArnC).done();
  }

  private async rule(name: string, busName: string): Promise<RuleRecord> {
    const r = await this.d.store.getRule(ruleArnOf(this.d.scope, busName, name));
    if (!r) {
      // AWS names the missing bus first when the bus itself does not exist.
      if (busName !== defaultBus && !(await this.d.store.getEventBus(busArnOf(this.d.scope, busName)))) throw busNotFound(busName);
      throw ruleNotFound(name, busName);
    }
    return r;
  }

  // ---- targets -------------------------------------------------------------

  /**
   * Adds or replaces targets. Malformed members fail the whole call
   * (ValidationException, as AWS); a target Kumo cannot deliver to is a
   * FailedEntries entry and the others are stored.
   */
  async putTargets(rule: string, busNameOrArn: string | undefined, targets: TargetInput[]): Promise<FailedEntry[]> {
    const c = new V.Constraints().str(rule, 'rule', { ...V.ruleNameC, required: true }).str(busNameOrArn, 'eventBusName', V.busNameOrArnC)
      .list(targets, 'targets', { min: 1, max: L.targetsPerCallMax, required: true });
    (targets ?? []).forEach((t, i) => {
      const at = `targets.${i + 1}.member`;
      c.str(t.Id, `${at}.id`, { ...V.targetIdC, required: true }).str(t.Arn, `${at}.arn`, { ...V.arnC, required: true })
        .str(t.RoleArn, `${at}.roleArn`, V.arnC).str(t.Input, `${at}.input`, { max: L.targetInputCharsMax })
        .str(t.InputPath, `${at}.inputPath`, { max: L.targetInputPathCharsMax })
        .str(t.InputTransformer?.InputTemplate, `${at}.inputTransformer.inputTemplate`, { min: 1, max: L.targetInputCharsMax, required: t.InputTransformer !== undefined })
        .str(t.SqsParameters?.MessageGroupId, `${at}.sqsParameters.messageGroupId`, { max: 100 })
        .num(t.RetryPolicy?.MaximumRetryAttempts, `${at}.retryPolicy.maximumRetryAttempts`, 0, L.retryAttemptsMax)
        .num(t.RetryPolicy?.MaximumEventAgeInSeconds, `${at}.retryPolicy.maximumEventAgeInSeconds`, L.eventAgeSecondsMin, L.eventAgeSecondsMax)
        .str(t.DeadLetterConfig?.Arn, `${at}.deadLetterConfig.arn`, V.arnC);
    });
    c.done();
    for (const t of targets) checkTargetInput(t);
    const busName = busNameOf(this.d.scope, busNameOrArn);
    const ruleRec = await this.rule(rule, busName);
    const failed: FailedEntry[] = [];
    const ok: TargetRecord[] = [];
    for (const t of targets) {
      const why = this.undeliverable(t);
      if (why) failed.push({ TargetId: t.Id, ErrorCode: 'ValidationException', ErrorMessage: why });
      else ok.push(targetRecord(t));
    }
    if (ok.length) {
      const r = await this.d.store.putTargets(ruleRec.arn, ok, L.targetsPerRuleMax);
      if (r === 'no-rule') throw ruleNotFound(rule, busName);
      if (r === 'too-many') throw limitExceeded();
    }
    return failed;
  }

  /** Why Kumo cannot deliver to this target (refused per entry), or undefined. */
  private undeliverable(t: TargetInput): string | undefined {
    if (t.unsupported.length) return `Kumo does not support ${t.unsupported.join(', ')} on targets.`;
    const a = parseArn(t.Arn);
    if (!a || !deliverableServices.has(a.service) || !this.d.canDeliver(t.Arn)) {
      return `Kumo cannot deliver to ${t.Arn}: targets are Lambda functions, SQS queues, SNS topics and event buses.`;
    }
    if (a.service === 'events' && !a.resource.startsWith('event-bus/')) return `Kumo cannot deliver to ${t.Arn}: an events target is an event bus.`;
    if (a.service === 'events' && (t.Input !== undefined || t.InputPath !== undefined || t.InputTransformer !== undefined)) {
      return `Kumo does not support Input, InputPath or InputTransformer on the event bus target ${t.Id}: the event is sent on unchanged.`;
    }
    if (a.service === 'sqs' && a.resource.endsWith('.fifo') && !t.SqsParameters?.MessageGroupId) {
      return `Parameter(s) SqsParameters must be specified for target: ${t.Id}.`;
    }
    if (t.SqsParameters && a.service !== 'sqs') return `Parameter(s) SqsParameters is not valid for target: ${t.Id}.`;
    const dlq = t.DeadLetterConfig?.Arn;
    if (dlq !== undefined && parseArn(dlq)?.service !== 'sqs') return `The dead-letter queue of target ${t.Id} must be an SQS queue ARN: ${dlq}.`;
    return undefined;
  }

  async removeTargets(rule: string, busNameOrArn: string | undefined, ids: string[]): Promise<FailedEntry[]> {
    const c = new V.Constraints().str(rule, 'rule', { ...V.ruleNameC, required: true }).str(busNameOrArn, 'eventBusName', V.busNameOrArnC)
      .list(ids, 'ids', { min: 1, max: L.targetsPerCallMax, required: true });
    (ids ?? []).forEach((id, i) => c.str(id, `ids.${i + 1}.member`, V.targetIdC));
    c.done();
    const busName = busNameOf(this.d.scope, busNameOrArn);
    const ruleRec = await this.rule(rule, busName);
    const r = await this.d.store.removeTargets(ruleRec.arn, ids);
    if (r.kind === 'no-rule') throw ruleNotFound(rule, busName);
    return [];
  }

  async listTargets(rule: string, busNameOrArn: string | undefined, q: Page): Promise<{ targets: TargetRecord[]; nextToken?: string }> {
    new V.Constraints().str(rule, 'rule', { ...V.ruleNameC, required: true }).str(busNameOrArn, 'eventBusName', V.busNameOrArnC)
      .str(q.NextToken, 'nextToken', V.nextTokenC).num(q.Limit, 'limit', 1, 100).done();
    const ruleRec = await this.rule(rule, busNameOf(this.d.scope, busNameOrArn));
    const limit = q.Limit ?? L.listPageMax;
    const after = q.NextToken === undefined ? undefined : decodeToken(q.NextToken);
    const rows = await this.d.store.listTargets(ruleRec.arn, { afterId: after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return { targets: page, nextToken: rows.length > limit ? encodeToken(page[page.length - 1]!.Id) : undefined };
  }

  // ---- tags ----------------------------------------------------------------

  async changeTags(arn: string, change: { set?: Tag[]; remove?: string[] }): Promise<Record<string, string>> {
    const c = new V.Constraints().str(arn, 'resourceARN', { ...V.arnC, required: true });
    change.remove?.forEach((k, i) => c.str(k, `tagKeys.${i + 1}.member`, V.tagKeyC));
    c.done();
    checkTags(change.set);
    const res = resourceOfArn(this.d.scope, arn);
    const r = await this.d.store.changeEventTags(arn, { set: change.set && tagMap(change.set), remove: change.remove }, L.tagsPerResourceMax);
    if (r.kind === 'too-many') throw limitExceeded();
    if (r.kind === 'not-found') throw res.kind === 'bus' ? busNotFound(res.bus) : ruleNotFound(res.rule, res.bus);
    return r.tags;
  }

  async listTags(arn: string): Promise<Record<string, string>> {
    return this.changeTags(arn, {});
  }

  // ---- TestEventPattern ------------------------------------------------------

  testEventPattern(pattern: string, event: string): boolean {
    new V.Constraints().str(pattern, 'eventPattern', { ...V.patternC, required: true }).str(event, 'event', { required: true }).done();
    const p = checkPattern(pattern);
    let e: unknown;
    try {
      e = JSON.parse(event);
    } catch {
      throw validation('Parameter Event is not valid.');
    }
    if (typeof e !== 'object' || e === null || Array.isArray(e)) throw validation('Parameter Event is not valid.');
    return matchesPattern(p, e);
  }
}


/** Parses a rule's pattern; InvalidEventPatternException with AWS's reason. */
export function checkPattern(text: string): Pattern {
  try {
    return parsePattern(text);
  } catch (e) {
    if (e instanceof PatternError) throw invalidPattern(e.message);
    throw e;
  }
}

function checkTags(tags: Tag[] | undefined): void {
  if (!tags) return;
  const c = new V.Constraints();
  tags.forEach((t, i) => c.str(t.Key, `tags.${i + 1}.member.key`, { ...V.tagKeyC, required: true }).str(t.Value, `tags.${i + 1}.member.value`, { ...V.tagValueC, required: true }));
  c.done();
  if (tags.length > L.tagsPerResourceMax) throw limitExceeded();
}

const tagMap = (tags: Tag[] | undefined): Record<string, string> => Object.fromEntries((tags ?? []).map((t) => [t.Key, t.Value]));

/** AWS's semantic checks of a target's input members (ValidationException for the whole call). */
function checkTargetInput(t: TargetInput): void {
  const given = [t.Input, t.InputPath, t.InputTransformer].filter((x) => x !== undefined).length;
  if (given > 1) throw validation(`Only one of Input, InputPath, or InputTransformer must be provided for target ${t.Id}.`);
  if (t.Input !== undefined) {
    try {
      JSON.parse(t.Input);
    } catch {
      throw validation(`Input for target ${t.Id} must be a valid JSON text.`);
    }
  }
  if (t.InputPath !== undefined && !isJsonPath(t.InputPath)) throw validation(`InputPath for target ${t.Id} is invalid.`);
  const tr = t.InputTransformer;
  if (tr) {
    const paths = tr.InputPathsMap ?? {};
    if (Object.keys(paths).length > L.inputPathsMax) throw validation(`InputPathsMap for target ${t.Id} has more than ${L.inputPathsMax} entries.`);
    for (const [k, p] of Object.entries(paths)) {
      if (!/^[A-Za-z0-9_-]+$/.test(k) || k.length > L.inputPathKeyCharsMax || reservedPlaceholders.has(k) || k.startsWith('aws.')) {
        throw validation(`InputPathsMap for target ${t.Id} has an invalid key ${k}.`);
      }
      if (!isJsonPath(p)) throw validation(`InputPathsMap for target ${t.Id} has an invalid JSON path ${p}.`);
    }
    const bad = undefinedPlaceholders(tr.InputTemplate, paths);
    if (bad.length) throw validation(`InputTemplate for target ${t.Id} contains invalid placeholder ${bad[0]}.`);
  }
}

function targetRecord(t: TargetInput): TargetRecord {
  const { unsupported: _u, ...rec } = t;
  return Object.fromEntries(Object.entries(rec).filter(([, v]) => v !== undefined)) as unknown as TargetRecord;
}

const encodeToken = (after: string) => Buffer.from(JSON.stringify({ after }), 'utf8').toString('base64url');
function decodeToken(token: string): string {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { after?: unknown };
    if (typeof v.after === 'string') return v.after;
  } catch {
    // fall through
  }
  throw validation('The nextToken provided is invalid.');
}
