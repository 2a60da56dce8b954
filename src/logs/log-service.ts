import type { LogCursor, LogEvent, LogGroupRecord, LogStreamRecord, StoredLogEvent } from '../domain/records';
import type { LogStore } from '../store/types';
import { logGroupArn, logStreamArn, parseLogGroupArn } from '../domain/arn';
import { compileFilterPattern, FilterPatternError } from './filter-pattern';
import { dayMs, logsLimits } from './limits';
import { decodeCursor, decodeStreamToken, decodeToken, encodeStreamToken, encodeToken, eventId } from './tokens';

/**
 * CloudWatch Logs' nouns on the logs Kumo keeps: log groups, log streams and
 * their events, retention. Knows no HTTP and no AWS wire format: it takes and
 * returns typed values and throws `LogsError` with a kind the Logs service
 * maps to AWS's error names. Function logs reach the same tables through the
 * LogSink's batched `appendLogs`, which creates the function's group and
 * stream rows in the batch's own transaction, so a function's group exists
 * once it has logged (as on AWS) without a store round trip per line.
 */

export type LogsErrorKind = 'GroupNotFound' | 'StreamNotFound' | 'GroupExists' | 'StreamExists' | 'InvalidParameter' | 'LimitExceeded';

export class LogsError extends Error {
  constructor(readonly kind: LogsErrorKind, message: string) {
    super(message);
  }
}

export interface LogGroupView extends LogGroupRecord {
  /** `arn:aws:logs:<region>:<account>:log-group:<name>:*` (AWS's `arn`). */
  arn: string;
  /** The same without `:*` (AWS's `logGroupArn`). */
  logGroupArn: string;
}

export interface LogStreamView extends LogStreamRecord {
  arn: string;
  /** AWS still returns one for streams that were written to (the tokens are no longer checked). */
  uploadSequenceToken: string | undefined;
}

export interface OutputEvent {
  timestampMs: number;
  message: string;
  ingestionMs: number;
}

export interface FilteredEvent extends OutputEvent {
  stream: string;
  eventId: string;
}

export interface RejectedInfo {
  tooOldLogEventEndIndex?: number;
  tooNewLogEventStartIndex?: number;
  expiredLogEventEndIndex?: number;
}

const groupNotFound = () => new LogsError('GroupNotFound', 'The specified log group does not exist.');
const streamNotFound = () => new LogsError('StreamNotFound', 'The specified log stream does not exist.');
const badToken = () => new LogsError('InvalidParameter', 'The specified nextToken is invalid.');

export class LogService {
  constructor(
    private readonly store: LogStore,
    private readonly opts: { region: string; accountId: string; now?: () => number },
  ) {}

  private now(): number {
    return this.opts.now?.() ?? Date.now();
  }

  groupArn(name: string): string {
    return logGroupArn(this.opts, name);
  }

  /** A group named by name or by ARN (`…:log-group:<name>` with or without `:*`), as logGroupIdentifier allows. */
  groupNameOf(identifier: string): string {
    return parseLogGroupArn(identifier)?.name ?? identifier;
  }

  // ---- groups -------------------------------------------------------------

  async createGroup(name: string, opts: { kmsKeyId?: string } = {}): Promise<void> {
    if (!(await this.store.createLogGroup({ name, createdMs: this.now(), kmsKeyId: opts.kmsKeyId ?? null }))) {
      throw new LogsError('GroupExists', 'The specified log group already exists');
    }
  }

  async deleteGroup(name: string): Promise<void> {
    if (!(await this.store.deleteLogGroup(name))) throw groupNotFound();
  }

  async describeGroups(q: { prefix?: string; contains?: string; nextToken?: string; limit?: number }): Promise<{ groups: LogGroupView[]; nextToken?: string }> {
    let afterName: string | undefined;
    if (q.nextToken !== undefined) {
      const v = decodeToken('g', q.nextToken);
      if (typeof v !== 'string') throw badToken();
      afterName = v;
    }
    const limit = q.limit ?? logsLimits.describeItemsMax;
    const rows = await this.store.listLogGroups({ prefix: q.prefix, contains: q.contains, afterName, limit: limit + 1 });
    const page = rows.slice(0, limit);
    return {
      groups: page.map((g) => this.groupView(g)),
      nextToken: rows.length > limit ? encodeToken('g', page[page.length - 1]!.name) : undefined,
    };
  }

  private groupView(g: LogGroupRecord): LogGroupView {
    const logGroupArn = this.groupArn(g.name);
    return { ...g, arn: `${logGroupArn}:*`, logGroupArn };
  }

  async putRetention(name: string, days: number): Promise<void> {
    if (!(await this.store.setLogRetention(name, days))) throw groupNotFound();
  }

  async deleteRetention(name: string): Promise<void> {
    if (!(await this.store.setLogRetention(name, null))) throw groupNotFound();
  }

  /**
   * Deletes events older than their group's retention, at most `budget` per
   * call (the sweep runs again soon; AWS too deletes expired events lazily,
   * within about 72 hours). Returns how many were deleted.
   */
  async expireRetained(budget: number = logsLimits.retentionSweepEventsMax): Promise<number> {
    let left = budget;
    const now = this.now();
    for (const g of await this.store.logGroupsWithRetention()) {
      if (left <= 0) break;
      left -= await this.store.expireLogEvents(g.name, now - g.retentionDays * dayMs, left);
    }
    return budget - left;
  }

  // ---- streams ------------------------------------------------------------

  async createStream(group: string, name: string): Promise<void> {
    const r = await this.store.createLogStream(group, name, this.now());
    if (r === 'no-group') throw groupNotFound();
    if (r === 'exists') throw new LogsError('StreamExists', 'The specified log stream already exists');
  }

  async deleteStream(group: string, name: string): Promise<void> {
    if (!(await this.store.getLogGroup(group))) throw groupNotFound();
    if (!(await this.store.deleteLogStream(group, name))) throw streamNotFound();
  }

  async describeStreams(
    group: string,
    q: { prefix?: string; orderBy?: 'LogStreamName' | 'LastEventTime'; descending?: boolean; nextToken?: string; limit?: number },
  ): Promise<{ streams: LogStreamView[]; nextToken?: string }> {
    const orderBy = q.orderBy ?? 'LogStreamName';
    const descending = q.descending ?? false;
    if (orderBy === 'LastEventTime' && q.prefix !== undefined) {
      throw new LogsError('InvalidParameter', 'Cannot order by LastEventTime with a logStreamNamePrefix.');
    }
    if (!(await this.store.getLogGroup(group))) throw groupNotFound();
    let after: { key: number | string; name: string } | undefined;
    if (q.nextToken !== undefined) {
      const v = decodeToken('s', q.nextToken) as unknown[] | undefined;
      if (!Array.isArray(v) || v.length !== 4 || v[0] !== orderBy || v[1] !== descending || typeof v[3] !== 'string') throw badToken();
      after = { key: v[2] as number | string, name: v[3] };
    }
    const limit = q.limit ?? logsLimits.describeItemsMax;
    const rows = await this.store.listLogStreams(group, { prefix: q.prefix, orderBy, descending, after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      streams: page.map((s) => this.streamView(s)),
      nextToken:
        rows.length > limit && last
          ? encodeToken('s', [orderBy, descending, orderBy === 'LogStreamName' ? last.name : last.lastEventMs ?? 0, last.name])
          : undefined,
    };
  }

  private streamView(s: LogStreamRecord): LogStreamView {
    return {
      ...s,
      arn: logStreamArn(this.opts, s.group, s.name),
      uploadSequenceToken: s.sequence > 0 ? sequenceToken(s.sequence) : undefined,
    };
  }

  // ---- events -------------------------------------------------------------

  /**
   * PutLogEvents with AWS's rules: at most 10,000 events and 1,048,576 bytes
   * (26 bytes counted per event), chronological order, the stored events within
   * 24 hours; events older than 14 days (or the group's retention) or more than
   * 2 hours ahead are not stored and reported by index instead. The sequence
   * token is ignored, as AWS now ignores it.
   */
  async putEvents(group: string, stream: string, events: LogEvent[]): Promise<{ nextSequenceToken: string; rejected?: RejectedInfo }> {
    if (events.length > logsLimits.putEventsMax) {
      throw new LogsError('InvalidParameter', `The batch of log events in a single PutLogEvents request cannot contain more than ${logsLimits.putEventsMax} events.`);
    }
    let bytes = 0;
    for (let i = 0; i < events.length; i++) {
      const size = Buffer.byteLength(events[i]!.message) + logsLimits.putEventOverheadBytes;
      if (size > logsLimits.eventBytesMax) {
        throw new LogsError('InvalidParameter', `Log event too large: ${size} bytes exceeds limit of ${logsLimits.eventBytesMax}`);
      }
      bytes += size;
      if (i > 0 && events[i]!.timestampMs < events[i - 1]!.timestampMs) {
        throw new LogsError('InvalidParameter', 'Log events in a single PutLogEvents request must be in chronological order.');
      }
    }
    if (bytes > logsLimits.putBatchBytesMax) {
      throw new LogsError('InvalidParameter', `Upload too large: ${bytes} bytes exceeds limit of ${logsLimits.putBatchBytesMax}`);
    }
    const g = await this.store.getLogGroup(group);
    if (!g) throw groupNotFound();
    const now = this.now();
    const rejected: RejectedInfo = {};
    let from = 0;
    let to = events.length;
    for (let i = 0; i < events.length; i++) {
      const ts = events[i]!.timestampMs;
      if (g.retentionDays !== null && ts < now - g.retentionDays * dayMs) (rejected.expiredLogEventEndIndex = i), (from = i + 1);
      else if (ts < now - logsLimits.eventAgeMsMax) (rejected.tooOldLogEventEndIndex = i), (from = i + 1);
    }
    for (let i = events.length - 1; i >= from; i--) {
      if (events[i]!.timestampMs > now + logsLimits.eventFutureMsMax) (rejected.tooNewLogEventStartIndex = i), (to = i);
    }
    const accepted = events.slice(from, to);
    // The 24-hour span is measured over the events that would be stored: a batch whose outliers are
    // rejected as too old or too new is answered with their indexes, not refused as a whole.
    if (accepted.length > 1 && accepted[accepted.length - 1]!.timestampMs - accepted[0]!.timestampMs > logsLimits.putBatchSpanMsMax) {
      throw new LogsError('InvalidParameter', 'The batch of log events in a single PutLogEvents request cannot span more than 24 hours.');
    }
    const stored = await this.store.getLogStream(group, stream);
    if (!stored) throw streamNotFound();
    const seq = accepted.length ? await this.store.putLogEvents(group, stream, accepted, now) : stored.sequence;
    if (seq === undefined) throw streamNotFound();
    return { nextSequenceToken: sequenceToken(seq), rejected: Object.keys(rejected).length ? rejected : undefined };
  }

  /**
   * GetLogEvents: one stream in time order. Without a token: the newest
   * `limit` events, or the oldest with startFromHead. `f/` tokens read
   * forward from a position, `b/` tokens backward; a page that finds nothing
   * returns the token it was given, so a caller polling with nextForwardToken
   * (`aws logs get-log-events`, tailing clients) sees the same token until
   * new events arrive, then exactly those.
   */
  async getEvents(
    group: string,
    stream: string,
    q: { startMs?: number; endMs?: number; nextToken?: string; limit?: number; startFromHead?: boolean },
  ): Promise<{ events: OutputEvent[]; nextForwardToken: string; nextBackwardToken: string }> {
    const token = q.nextToken !== undefined ? decodeStreamToken(q.nextToken) : undefined;
    if (q.nextToken !== undefined && !token) throw badToken();
    if (!(await this.store.getLogGroup(group))) throw groupNotFound();
    if (!(await this.store.getLogStream(group, stream))) throw streamNotFound();
    const limit = q.limit ?? logsLimits.readEventsMax;
    const backward = token ? token.direction === 'b' : !q.startFromHead;
    let rows = await this.store.readStreamEvents(group, stream, {
      startMs: q.startMs,
      endMs: q.endMs,
      after: token?.direction === 'f' ? token.at : undefined,
      before: token?.direction === 'b' ? token.at : undefined,
      fromEnd: backward,
      limit,
    });
    rows = capBytes(rows, backward);
    if (rows.length === 0) {
      // Nothing (new): the position stays where it was.
      const at = token?.at ?? { timestampMs: 0, id: 0 };
      return {
        events: [],
        nextForwardToken: token?.direction === 'f' ? q.nextToken! : encodeStreamToken({ direction: 'f', at }),
        nextBackwardToken: token?.direction === 'b' ? q.nextToken! : encodeStreamToken({ direction: 'b', at }),
      };
    }
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    return {
      events: rows.map((r) => ({ timestampMs: r.timestampMs, message: r.message, ingestionMs: r.ingestionMs })),
      nextForwardToken: encodeStreamToken({ direction: 'f', at: cursorOf(last) }),
      nextBackwardToken: encodeStreamToken({ direction: 'b', at: cursorOf(first) }),
    };
  }

  /**
   * FilterLogEvents: the group's events across streams (interleaved, in time
   * order) that match the pattern. One call examines at most
   * `filterScanEventsMax` events and returns at most `limit` events or 1 MB;
   * nextToken is the position after the last event examined, so every
   * matching event is returned exactly once across pages. Like AWS, a page may
   * hold fewer events than the limit (even none) and still carry a nextToken.
   */
  async filterEvents(
    group: string,
    q: { streams?: string[]; streamPrefix?: string; startMs?: number; endMs?: number; pattern?: string; nextToken?: string; limit?: number },
  ): Promise<{ events: FilteredEvent[]; nextToken?: string }> {
    if (q.streams && q.streamPrefix !== undefined) {
      throw new LogsError('InvalidParameter', 'Cannot specify both logStreamNames and logStreamNamePrefix.');
    }
    let matcher;
    try {
      matcher = compileFilterPattern(q.pattern ?? '');
    } catch (e) {
      if (e instanceof FilterPatternError) throw new LogsError('InvalidParameter', e.message);
      throw e;
    }
    let cursor: LogCursor | undefined;
    if (q.nextToken !== undefined) {
      cursor = decodeCursor('e', q.nextToken);
      if (!cursor) throw badToken();
    }
    if (!(await this.store.getLogGroup(group))) throw groupNotFound();
    const limit = q.limit ?? logsLimits.readEventsMax;
    const events: FilteredEvent[] = [];
    let bytes = 0;
    let scanned = 0;
    for (;;) {
      const rows = await this.store.scanGroupEvents(group, {
        streams: q.streams, streamPrefix: q.streamPrefix, startMs: q.startMs, endMs: q.endMs, after: cursor,
        limit: Math.min(logsLimits.filterScanChunkEvents, logsLimits.filterScanEventsMax - scanned),
      });
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!;
        if (matcher.matches(r.message)) {
          const size = Buffer.byteLength(r.message);
          if (events.length > 0 && bytes + size > logsLimits.readResponseBytesMax) return { events, nextToken: encodeToken('e', [cursor!.timestampMs, cursor!.id]) };
          bytes += size;
          events.push({ stream: r.stream, timestampMs: r.timestampMs, message: r.message, ingestionMs: r.ingestionMs, eventId: eventId(cursorOf(r)) });
        }
        cursor = cursorOf(r);
        scanned++;
        if (events.length === limit) {
          const more = i < rows.length - 1 || rows.length === logsLimits.filterScanChunkEvents;
          return { events, nextToken: more ? encodeToken('e', [cursor.timestampMs, cursor.id]) : undefined };
        }
      }
      if (rows.length < logsLimits.filterScanChunkEvents) return { events };
      if (scanned >= logsLimits.filterScanEventsMax) return { events, nextToken: encodeToken('e', [cursor!.timestampMs, cursor!.id]) };
    }
  }
}

const cursorOf = (r: StoredLogEvent): LogCursor => ({ timestampMs: r.timestampMs, id: r.id });

/** Keeps at most `readResponseBytesMax` of message bytes: the newest when reading backward, the oldest otherwise. */
function capBytes(rows: StoredLogEvent[], keepNewest: boolean): StoredLogEvent[] {
  let bytes = 0;
  const n = rows.length;
  for (let k = 0; k < n; k++) {
    const r = rows[keepNewest ? n - 1 - k : k]!;
    bytes += Buffer.byteLength(r.message);
    if (bytes > logsLimits.readResponseBytesMax && k > 0) return keepNewest ? rows.slice(n - k) : rows.slice(0, k);
  }
  return rows;
}

/** AWS's sequence tokens are 56-digit numbers; ours counts the stream's batches. */
function sequenceToken(seq: number): string {
  return '4' + String(seq).padStart(55, '0');
}
