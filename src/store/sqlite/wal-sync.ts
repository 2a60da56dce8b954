/**
 * Coalesces fsyncs of one file (the main database's WAL) among concurrent
 * writers. `sync()` is called by a writer after its commit and resolves only
 * after an fsync that *began after that call* has completed: an fsync already
 * in flight may have started before the writer's pages reached the file, so
 * it is never enough. Every caller that arrives while one is in flight waits
 * for the next one, which starts as soon as the current one ends and covers
 * them all (one fsync for the whole group, however many commits it holds).
 *
 * The fsync itself is injected (the store gives one that runs on libuv's
 * thread pool, so the event loop never waits on the disk; tests give slow or
 * failing ones). After a failed fsync the kernel may have dropped the dirty
 * pages it could not write and a later fsync would report success without
 * them, so the failure sticks: every later `sync()` rejects with it too, and
 * no write is acknowledged again by this process (a restart recovers from
 * what the disk really holds).
 */
export class SyncCoalescer {
  private running = false;
  private waiting: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failed: { error: unknown } | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly fsync: () => Promise<void>) {}

  /** Resolves after an fsync that started after this call has completed. */
  sync(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed.error);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (!this.running) this.start();
    });
  }

  /** Resolves once no fsync is in flight or waited for (before closing the file it syncs). */
  idle(): Promise<void> {
    if (!this.running && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private start(): void {
    // Everyone waiting now called sync() before this fsync begins: it covers each of their commits.
    const group = this.waiting.splice(0);
    this.running = true;
    let p: Promise<void>;
    try {
      p = this.fsync();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => this.finish(group, undefined),
      (error: unknown) => this.finish(group, { error }),
    );
  }

  private finish(group: { resolve: () => void; reject: (e: unknown) => void }[], failure: { error: unknown } | undefined): void {
    this.running = false;
    if (failure) this.failed ??= failure;
    for (const w of group) {
      if (failure) w.reject(failure.error);
      else w.resolve();
    }
    if (this.waiting.length > 0) {
      if (this.failed) for (const w of this.waiting.splice(0)) w.reject(this.failed.error);
      else return this.start();
    }
    for (const r of this.idleWaiters.splice(0)) r();
  }
}
