import type { StreamService } from './stream-service';

/**
 * The periodic retention sweep: every `intervalMs`, one bounded
 * `StreamService.sweep` (records past their stream's retention, closed
 * shards past it). Reads already skip expired records, so a sweep that runs
 * late never returns one; it only frees the space.
 */
export class StreamRetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly streams: StreamService, private readonly intervalMs: number, private readonly onError: (e: unknown) => void) {}

  start(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = this.streams.sweep().then(() => undefined, this.onError).finally(() => (this.running = undefined));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
