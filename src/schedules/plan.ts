import { nextDue, parseScheduleExpression } from './expression';
import type { ScheduleSpec } from './records';

/**
 * When a schedule is due next, and when that due time fires. Pure given its
 * inputs (the clock and the random source are passed in); used inside the
 * store's transactions (schedule-sql.ts runs these as `plan` callbacks with
 * the store's clock).
 *
 * - rate: due times are anchor + k·period, the anchor being StartDate, else
 *   the time the schedule was created or last updated ("If you do not provide
 *   a StartDate for a rate-based schedule, your schedule starts invoking the
 *   target immediately", Scheduler User Guide, "Schedule types").
 * - cron: the first matching time in the schedule's zone at or after
 *   max(now, StartDate).
 * - at: its one time.
 * - EndDate: no due time after it.
 * - FlexibleTimeWindow FLEXIBLE: the fire time is a random offset within the
 *   window after the due time ("EventBridge Scheduler invokes the target
 *   within the time window", User Guide, "Configuring flexible time windows").
 */
export interface PlanSettings {
  /** KUMO_SCHEDULER_ALLOW_SECONDS: `rate(N seconds)` for tests (AWS rejects it). */
  allowSeconds: boolean;
  /** [0, 1): the flexible window's offset. */
  random: () => number;
  /** How late a due time may be found and still fire (default `precisionMs`, AWS's 60 s; KUMO_SCHEDULER_PRECISION_MS for tests). */
  precisionMs?: number;
}

export type Planned = { dueMs: number; fireMs: number } | undefined;

/** The first due time of a schedule written (created or updated) at `nowMs`. */
export function planFirst(spec: ScheduleSpec, nowMs: number, settings: PlanSettings): Planned {
  return planFrom(spec, nowMs - 1, spec.startMs ?? nowMs, settings);
}

/** The due time after `dueMs` (just fired or skipped); `anchorMs`: the schedule's rate anchor. */
export function planAfter(spec: ScheduleSpec, afterMs: number, anchorMs: number, settings: PlanSettings): Planned {
  return planFrom(spec, afterMs, spec.startMs ?? anchorMs, settings);
}

function planFrom(spec: ScheduleSpec, afterMs: number, anchorMs: number, settings: PlanSettings): Planned {
  const parsed = parseScheduleExpression(spec.expression, { allowAt: true, allowSeconds: settings.allowSeconds });
  const from = spec.startMs !== undefined && parsed.kind !== 'at' ? Math.max(afterMs, spec.startMs - 1) : afterMs;
  const due = nextDue(parsed, from, spec.timezone, anchorMs);
  if (due === undefined || (spec.endMs !== undefined && due > spec.endMs)) return undefined;
  return { dueMs: due, fireMs: due + flexibleOffsetMs(spec, settings) };
}

export function windowMs(spec: ScheduleSpec): number {
  return spec.flexibleWindow.mode === 'FLEXIBLE' ? (spec.flexibleWindow.maxMinutes ?? 0) * 60_000 : 0;
}

function flexibleOffsetMs(spec: ScheduleSpec, settings: PlanSettings): number {
  return Math.floor(settings.random() * windowMs(spec));
}
