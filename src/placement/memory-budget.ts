/** An EE the budget may evict: idle, on-demand, with what it was promised. */
export interface Evictable {
  memoryMb: number;
  lastUsedMs: number;
}

/**
 * The host's cap on memory promised to EEs (KUMO_EE_MEMORY_BUDGET_MB). Every
 * EE holds its function's MemorySize from the moment its start is decided
 * until its teardown begins; a start that does not fit evicts idle on-demand
 * EEs, least recently used first, and is refused when even evicting all of
 * them would not make room (nothing is evicted then). Provisioned EEs are
 * never offered for eviction. Consulted on a cold start only: the warm
 * path never looks at it.
 */
export class MemoryBudget {
  private usedMb = 0;

  constructor(readonly budgetMb: number) {}

  get promisedMb(): number {
    return this.usedMb;
  }

  /**
   * Promises `mb` when it fits, first evicting as few of `idle` as it takes,
   * oldest first (`evict` must give their memory back before it returns);
   * false, with nothing evicted, when it cannot fit.
   */
  take<E extends Evictable>(mb: number, idle: () => E[], evict: (e: E) => void): boolean {
    if (this.usedMb + mb <= this.budgetMb) {
      this.usedMb += mb;
      return true;
    }
    if (mb > this.budgetMb) return false;
    const candidates = idle();
    let evictableMb = 0;
    for (const e of candidates) evictableMb += e.memoryMb;
    if (this.usedMb - evictableMb + mb > this.budgetMb) return false;
    candidates.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    for (const e of candidates) {
      if (this.usedMb + mb <= this.budgetMb) break;
      evict(e);
    }
    if (this.usedMb + mb > this.budgetMb) return false; // an evict that gave nothing back: refuse rather than overcommit
    this.usedMb += mb;
    return true;
  }

  /** Gives back what an EE was promised (its teardown began, or its start was abandoned). */
  give(mb: number): void {
    this.usedMb = Math.max(0, this.usedMb - mb);
  }
}
