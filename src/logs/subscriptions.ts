import { gzipSync } from 'node:zlib';
import type { Deliveries } from '../domain/delivery';
import { DomainError } from '../domain/errors';
import { parseArn, parseLambdaArn } from '../domain/arn';
import type { LogStore } from '../store/types';
import type { SubscriptionFilterRecord, SubscriptionFilterStore } from '../store/subscription-filters';
import { compileFilterPattern, FilterPatternError, type FilterPattern } from './filter-pattern';
import { LogsError } from './log-service';
import { subscriptionLimits } from './limits';
import { eventId } from './tokens';

export interface SubscriptionView {
  filterName: string;
  logGroupName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: 'ByLogStream' | 'Random';
  creationTime: number;
}

export interface SubscriptionDeps {
  store: SubscriptionFilterStore & Pick<LogStore, 'readLogs' | 'getLogGroup'>;
  deliveries: Pick<Deliveries, 'send'>;
  /** The log group the function writes to now (its LoggingConfig LogGroup), undefined when there is no such function or qualifier. */
  functionLogGroup(name: string, qualifier: string | undefined): Promise<string | undefined>;
  accountId: string;
  now?: () => number;
  log?: (line: string) => void;
}

const loopRefused = (group: string) =>
  new LogsError(
    'InvalidParameter',
    `Kumo refuses a subscription filter whose destination function writes its own logs to ${group}: each delivery would log and be delivered again, forever.`,
  );

/**
 * CloudWatch Logs subscription filters (issue 17 item 5): PutSubscriptionFilter,
 * DescribeSubscriptionFilters, DeleteSubscriptionFilter, and the delivery of
 * a group's new events that match a filter to its destination, a Lambda
 * function, as AWS's `{"awslogs":{"data": base64(gzip(DATA_MESSAGE))}}`
 * event through the async invoke queue (durable, retried as any async
 * event). Each filter has a cursor in the store (the last event id handed
 * over); it moves only after the batches it covers are enqueued, so each
 * event is delivered at least once. A function subscribed to the group it
 * logs to would feed itself: refused when the filter is put, and skipped
 * (with a line on the server's log) if the function's LogGroup changes to it
 * later.
 */
export class LogSubscriptions {
  private readonly patterns = new Map<string, FilterPattern>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  /**
   * The log groups that had a filter at the last round (or got one here
   * since): stored log lines of other groups wake no round, so a server
   * without filters does no store read per log flush. Filters another
   * server puts are found by the timer's round.
   */
  private readonly filteredGroups = new Set<string>();
  private stopped = false;

  constructor(private readonly d: SubscriptionDeps) {}

  async put(i: { logGroupName: string; filterName: string; filterPattern: string; destinationArn: string; roleArn?: string; distribution?: string }): Promise<void> {
    try {
      compileFilterPattern(i.filterPattern);
    } catch (e) {
      if (e instanceof FilterPatternError) throw new LogsError('InvalidParameter', 'Invalid subscription filter pattern');
      throw e;
    }
    const arn = parseArn(i.destinationArn);
    if (arn?.service === 'firehose') throw new LogsError('InvalidParameter', 'Kumo has no Amazon Data Firehose: a subscription filter can deliver to a Lambda function.');
    if (arn?.service === 'kinesis') throw new LogsError('InvalidParameter', 'Kumo does not deliver subscription filters to Kinesis streams yet: a subscription filter can deliver to a Lambda function.');
    if (arn?.service === 'logs') throw new LogsError('InvalidParameter', 'Kumo does not support CloudWatch Logs destinations (cross-account delivery): a subscription filter can deliver to a Lambda function.');
    const fn = parseLambdaArn(i.destinationArn);
    if (!fn || fn.type !== 'function') throw new LogsError('InvalidParameter', 'Invalid destinationArn');
    const fnGroup = await this.d.functionLogGroup(fn.name, fn.qualifier);
    // AWS's answer when it cannot invoke the destination (a function that does not exist included).
    if (fnGroup === undefined) throw new LogsError('InvalidParameter', 'Could not execute the lambda function. Make sure you have given CloudWatch Logs permission to execute your function.');
    if (fnGroup === i.logGroupName) throw loopRefused(i.logGroupName);
    const distribution = (i.distribution ?? 'ByLogStream') as 'ByLogStream' | 'Random';
    const r = await this.d.store.putSubscriptionFilter(
      { logGroup: i.logGroupName, filterName: i.filterName, filterPattern: i.filterPattern, destinationArn: i.destinationArn, roleArn: i.roleArn ?? null, distribution, createdMs: this.now() },
      subscriptionLimits.filtersPerGroupMax,
    );
    if (r === 'no-group') throw new LogsError('GroupNotFound', 'The specified log group does not exist.');
    if (r === 'limit') throw new LogsError('LimitExceeded', 'Resource limit exceeded.');
    this.filteredGroups.add(i.logGroupName);
    this.wake();
  }

  async describe(group: string, q: { prefix?: string; nextToken?: string; limit?: number }): Promise<{ filters: SubscriptionView[]; nextToken?: string }> {
    let afterName: string | undefined;
    if (q.nextToken !== undefined) {
      try {
        const v = JSON.parse(Buffer.from(q.nextToken, 'base64url').toString()) as unknown;
        if (!Array.isArray(v) || v[0] !== 'sf' || typeof v[1] !== 'string') throw new Error('bad');
        afterName = v[1];
      } catch {
        throw new LogsError('InvalidParameter', 'The specified nextToken is invalid.');
      }
    }
    if (!(await this.d.store.getLogGroup(group))) throw new LogsError('GroupNotFound', 'The specified log group does not exist.');
    const limit = q.limit ?? subscriptionLimits.describeLimitMax;
    const rows = await this.d.store.listSubscriptionFilters(group, { prefix: q.prefix, afterName, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      filters: page.map((r) => ({
        filterName: r.filterName, logGroupName: r.logGroup, filterPattern: r.filterPattern, destinationArn: r.destinationArn,
        ...(r.roleArn ? { roleArn: r.roleArn } : {}), distribution: r.distribution, creationTime: r.createdMs,
      })),
      ...(rows.length > limit ? { nextToken: Buffer.from(JSON.stringify(['sf', page[page.length - 1]!.filterName])).toString('base64url') } : {}),
    };
  }

  async delete(group: string, filterName: string): Promise<void> {
    if (!(await this.d.store.deleteSubscriptionFilter(group, filterName))) {
      throw new LogsError('GroupNotFound', 'The specified subscription filter does not exist.');
    }
  }

  // ---- delivery -------------------------------------------------------------

  /** Starts the delivery rounds (every `pollMs`, and soon after new events are stored: `wake`). */
  start(pollMs: number = subscriptionLimits.pollMs): void {
    this.timer = setInterval(() => this.wake(), pollMs);
    this.timer.unref();
    this.wake();
  }

  /** After log lines were stored: a round only when one of their groups has a filter. */
  stored(groups: Iterable<{ group: string }>): void {
    if (this.filteredGroups.size === 0) return;
    for (const b of groups) {
      if (this.filteredGroups.has(b.group)) return this.wake();
    }
  }

  /** Runs a round now (or right after the one running). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.round()
      .catch((e) => this.d.log?.(`kumo: log subscription delivery failed: ${(e as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over every filter; resolves when each has delivered what was there (tests call it directly). */
  async round(): Promise<void> {
    const filters = await this.d.store.allSubscriptionFilters();
    this.filteredGroups.clear();
    for (const f of filters) this.filteredGroups.add(f.logGroup);
    for (const f of filters) {
      for (;;) {
        const more = await this.deliverSome(f);
        if (!more) break;
      }
    }
  }

  private pattern(p: string): FilterPattern {
    let c = this.patterns.get(p);
    if (!c) {
      if (this.patterns.size >= subscriptionLimits.compiledPatternsMax) this.patterns.clear();
      this.patterns.set(p, (c = compileFilterPattern(p)));
    }
    return c;
  }

  /** Delivers one read of the filter's new events; true when there may be more. */
  private async deliverSome(f: SubscriptionFilterRecord): Promise<boolean> {
    const events = await this.d.store.readLogs(f.logGroup, { afterId: f.cursorId, limit: subscriptionLimits.readEventsMax });
    if (!events.length) return false;
    const last = events[events.length - 1]!.id;
    const fn = parseLambdaArn(f.destinationArn);
    const fnGroup = fn?.type === 'function' ? await this.d.functionLogGroup(fn.name, fn.qualifier) : undefined;
    if (fnGroup === f.logGroup) {
      this.d.log?.(`kumo: log subscription ${f.logGroup}/${f.filterName} skipped ${events.length} events: ${f.destinationArn} now logs to that group itself`);
    } else {
      const matcher = this.pattern(f.filterPattern);
      const byStream = new Map<string, { id: string; timestamp: number; message: string }[]>();
      for (const e of events) {
        if (!matcher.matches(e.message)) continue;
        let l = byStream.get(e.stream);
        if (!l) byStream.set(e.stream, (l = []));
        l.push({ id: eventId({ timestampMs: e.timestampMs, id: e.id }), timestamp: e.timestampMs, message: e.message });
      }
      try {
        for (const [stream, evs] of byStream) {
          for (const body of this.batches(f, stream, evs)) {
            await this.d.deliveries.send(f.destinationArn, { body }, { service: 'logs.amazonaws.com', sourceArn: `arn:aws:logs:${f.destinationArn.split(':')[3]}:${this.d.accountId}:log-group:${f.logGroup}:*` });
          }
        }
      } catch (e) {
        // A destination that is gone (or, in another account, does not allow it) drops the events (AWS keeps the filter and fails its deliveries); anything else is retried next round.
        if (!(e instanceof DomainError && (e.kind === 'NotFound' || e.kind === 'AccessDenied'))) throw e;
        this.d.log?.(`kumo: log subscription ${f.logGroup}/${f.filterName}: ${f.destinationArn}: ${e.message}`);
      }
    }
    await this.d.store.advanceSubscriptionCursor(f.logGroup, f.filterName, last);
    f.cursorId = last;
    return events.length === subscriptionLimits.readEventsMax;
  }

  /** AWS's Lambda event for a stream's events, split so that each event payload stays within the async invoke limit. */
  private *batches(f: SubscriptionFilterRecord, stream: string, evs: { id: string; timestamp: number; message: string }[]): Generator<string> {
    const encode = (logEvents: typeof evs) => {
      const data = gzipSync(JSON.stringify({
        messageType: 'DATA_MESSAGE', owner: this.d.accountId, logGroup: f.logGroup, logStream: stream, subscriptionFilters: [f.filterName], logEvents,
      })).toString('base64');
      return JSON.stringify({ awslogs: { data } });
    };
    let start = 0;
    while (start < evs.length) {
      let end = Math.min(evs.length, start + subscriptionLimits.batchEventsMax);
      let body = encode(evs.slice(start, end));
      while (body.length > subscriptionLimits.payloadBytesMax && end - start > 1) {
        end = start + Math.ceil((end - start) / 2);
        body = encode(evs.slice(start, end));
      }
      // One event alone over the limit cannot be delivered (an event is at most 1 MB; the async payload limit is 1 MB too): it is left out.
      if (body.length <= subscriptionLimits.payloadBytesMax) yield body;
      else this.d.log?.(`kumo: log subscription ${f.logGroup}/${f.filterName}: an event of ${stream} is too large to deliver`);
      start = end;
    }
  }

  private now(): number {
    return this.d.now?.() ?? Date.now();
  }
}
