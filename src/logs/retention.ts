import type { LogService } from './log-service';

/**
 * Enforces log groups' retention: every `intervalMs` deletes events older
 * than their group's retention, at most `logsLimits.retentionSweepEventsMax`
 * per run (a backlog drains over several runs instead of stalling the event
 * loop). The interval is `KUMO_LOGS_RETENTION_SWEEP_MS` (default 10 minutes;
 * AWS deletes expired events within about 72 hours). A run that fails is
 * logged and the next one tries again.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly logs: LogService,
    private readonly intervalMs: number,
    private readonly onError: (e: unknown) => void,
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running = this.running.then(() => this.logs.expireRetained().then(() => undefined, this.onError));
    }, this.intervalMs);
    this.timer.unref();
  }

  /** Stops the timer and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
