/**
 * The seam between event buses and the schedule engine (issue 15).
 *
 * EventBridge rules may carry a `ScheduleExpression` (`rate(…)` or `cron(…)`,
 * always UTC) instead of an event pattern; on each due time the rule's targets
 * receive AWS's "Scheduled Event". The event-bus domain (`src/events/`) owns
 * the rules and implements `ScheduledRuleSource`; the schedule engine
 * (`src/schedules/`), which also runs EventBridge Scheduler's schedules,
 * consumes it, keeps each rule's next due time durably and calls `fire` once
 * per due time. Neither imports the other: `server.ts` hands the source to
 * the engine.
 */
export interface ScheduledRule {
  /** The rule's ARN: the engine's key for it. */
  arn: string;
  /** `rate(…)` or `cron(…)` exactly as PutRule stored it (evaluated in UTC). */
  scheduleExpression: string;
  /** State ENABLED (DISABLED rules are listed with `enabled: false` and never fire). */
  enabled: boolean;
  /**
   * When the rule took this expression or state (ms since the epoch): the
   * first due time is the first one after it, so re-putting a rule unchanged
   * does not move its schedule only if this value is kept.
   */
  sinceMs: number;
}

export interface ScheduledRuleSource {
  /** Every rule with a ScheduleExpression, in every account, region and bus. */
  list(): Promise<ScheduledRule[]>;
  /** Calls `listener` after any scheduled rule is put, enabled, disabled or deleted; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /**
   * Delivers AWS's "Scheduled Event" for the due time `dueMs` to every target
   * of the rule; resolves once each target has it durably (or it was
   * dead-lettered per the target's policy). A rule deleted meanwhile resolves
   * without delivering.
   */
  fire(arn: string, dueMs: number): Promise<void>;
}
