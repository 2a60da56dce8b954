import type { LogEvent, Store } from '../store/types';

/** Log events buffered before a flush is forced. */
const pendingEventsMax = 10_000;
/** Log events are written to the store in batches at this interval, off the invoke path. */
const flushIntervalMs = 200;
/** A single log line longer than this is cut (AWS CloudWatch: 256 KB per event). */
export const logLineBytesMax = 256 * 1024;

/**
 * Collects log lines per log group/stream and writes them to the store in
 * batches, so the invoke path never waits on disk for logging.
 */
export class LogSink {
  private pending = new Map<string, { group: string; stream: string; events: LogEvent[] }>();
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  dropped = 0;

  constructor(private readonly store: Store) {}

  push(group: string, stream: string, message: string, timestampMs = Date.now()): void {
    if (this.count >= pendingEventsMax) {
      this.dropped++;
      return;
    }
    const key = group + '\0' + stream;
    let b = this.pending.get(key);
    if (!b) this.pending.set(key, (b = { group, stream, events: [] }));
    b.events.push({ timestampMs, message });
    this.count++;
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), flushIntervalMs);
  }

  /** Writes everything pending; resolves when it is in the store. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    this.count = 0;
    this.flushing = this.flushing.then(async () => {
      for (const b of batch.values()) {
        try {
          await this.store.appendLogs(b.group, b.stream, b.events);
        } catch {
          this.dropped += b.events.length;
        }
      }
    });
    return this.flushing;
  }
}

/** Splits a byte stream into lines (LF), keeping a partial line until its end arrives. */
export class LineSplitter {
  private partial = '';
  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer): void {
    let text = this.partial + chunk.toString('utf8');
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      this.onLine(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    if (text.length > logLineBytesMax) {
      this.onLine(text.slice(0, logLineBytesMax));
      text = '';
    }
    this.partial = text;
  }

  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

/** Lambda's log stream name: `YYYY/MM/DD/[$LATEST]<32 hex>`. */
export function logStreamName(version: string, idHex: string, now = new Date()): string {
  const d = now.toISOString();
  return `${d.slice(0, 4)}/${d.slice(5, 7)}/${d.slice(8, 10)}/[${version}]${idHex}`;
}
