import pg from 'pg';
import { connectionConfig } from './pool';

/** After a lost connection, the listener tries again after this long, doubling up to the maximum. */
const reconnectDelayMsMin = 200;
const reconnectDelayMsMax = 5_000;

/**
 * LISTEN on one channel over a dedicated connection (a pooled one cannot
 * hold a LISTEN). The connection is re-established when it breaks (server
 * restart); since notifications sent meanwhile are lost, every subscriber is
 * called once after a reconnect so it looks for work itself.
 */
export class Listener {
  private client: pg.Client | undefined;
  private readonly subscribers = new Set<() => void>();
  private closed = false;
  private delayMs = reconnectDelayMsMin;
  private timer: NodeJS.Timeout | undefined;
  private connecting = false;

  constructor(private readonly url: string, private readonly channel: string) {}

  subscribe(cb: () => void): () => void {
    this.subscribers.add(cb);
    if (!this.client && !this.connecting && !this.timer) void this.connect(false);
    return () => this.subscribers.delete(cb);
  }

  private async connect(reconnected: boolean): Promise<void> {
    if (this.closed) return;
    this.connecting = true;
    const c = new pg.Client(connectionConfig(this.url));
    const lost = () => {
      if (this.client !== c && this.client !== undefined) return;
      this.client = undefined;
      c.removeAllListeners('notification');
      void c.end().catch(() => undefined);
      this.retry();
    };
    c.on('error', lost);
    try {
      await c.connect();
      await c.query(`LISTEN ${this.channel}`);
    } catch {
      this.connecting = false;
      c.removeAllListeners('error');
      c.on('error', () => undefined);
      void c.end().catch(() => undefined);
      this.retry();
      return;
    }
    this.connecting = false;
    if (this.closed) {
      void c.end().catch(() => undefined);
      return;
    }
    this.client = c;
    this.delayMs = reconnectDelayMsMin;
    c.on('end', lost);
    c.on('notification', () => this.notify());
    if (reconnected) this.notify();
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.connect(true);
    }, this.delayMs);
    this.timer.unref();
    this.delayMs = Math.min(this.delayMs * 2, reconnectDelayMsMax);
  }

  private notify(): void {
    for (const cb of this.subscribers) {
      try {
        cb();
      } catch (e) {
        console.error('kumo: async wake-up subscriber failed:', e);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const c = this.client;
    this.client = undefined;
    if (c) {
      c.removeAllListeners('end');
      c.on('error', () => undefined);
      await c.end().catch(() => undefined);
    }
  }
}
