/**
 * In-process wake-ups of long polls: a send (or a visibility change) on a
 * queue wakes the receives waiting on it at once. A waiter also times out
 * after `ms`, so it looks at the store again for what no local event
 * announces (see `longPollRecheckMs`).
 */
export class Wakeups {
  private readonly waiters = new Map<string, Set<() => void>>();

  wake(queue: string): void {
    const set = this.waiters.get(queue);
    if (!set) return;
    this.waiters.delete(queue);
    for (const w of set) w();
  }

  wait(queue: string, ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = this.waiters.get(queue);
      if (!set) this.waiters.set(queue, (set = new Set()));
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.waiters.get(queue)?.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done);
      set.add(done);
    });
  }
}
