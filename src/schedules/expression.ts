import { DomainError } from '../domain/errors';

/**
 * Schedule expressions, as EventBridge Scheduler and EventBridge rules read
 * them (Scheduler User Guide, "Schedule types"; EventBridge User Guide,
 * "Schedule expressions for rules"). Pure: no clock, no I/O.
 *
 *   rate(value unit)   value a positive integer; unit minute|minutes|hour|hours|day|days,
 *                      the singular only (and only) for 1. A rate is a fixed duration:
 *                      `rate(1 day)` is 24 hours even across a DST change, as AWS documents.
 *   cron(min hour dom month dow year)
 *                      min 0–59 `, - * /`; hour 0–23 `, - * /`; dom 1–31 `, - * ? / L W`;
 *                      month 1–12 or JAN–DEC `, - * /`; dow 1–7 or SUN–SAT (1 = SUN)
 *                      `, - * ? L #`; year 1970–2199 `, - * /`. Exactly one of dom and dow
 *                      is `?` (AWS: "You can't specify the Day-of-month and Day-of-week
 *                      fields in the same cron expression").
 *   at(yyyy-mm-ddThh:mm:ss)   one time, local to the schedule's time zone (Scheduler only).
 *
 * Every refusal is AWS's one message, "Invalid Schedule Expression <text>."
 * (LocalStack's recordings of real AWS, test_scheduler.snapshot.json), as
 * DomainError `Validation` (Scheduler's ValidationException).
 *
 * Time zones (Scheduler's ScheduleExpressionTimezone) are IANA names read
 * through Intl. Daylight saving time, as the Scheduler guide describes it: a
 * local time that spring-forward skips does not fire that day; a local time
 * that fall-back repeats fires once (at its first occurrence).
 */
export type ParsedSchedule =
  | { kind: 'rate'; periodMs: number; text: string }
  | { kind: 'cron'; cron: CronFields; text: string }
  | { kind: 'at'; local: LocalTime; text: string };

export interface LocalTime { year: number; month: number; day: number; hour: number; minute: number; second: number }

export interface CronFields {
  minutes: Set<number>;
  hours: Set<number>;
  months: Set<number>;
  /** undefined: any year. */
  years?: Set<number>;
  dom: DomSpec;
  dow: DowSpec;
}

type DomSpec = { any: true } | { any: false; days: Set<number>; last: boolean; lastWeekday: boolean; nearestWeekday: number[] };
/** Weekdays 1–7 = SUN–SAT (AWS's numbering); `nth`: 3#2 = the second Tuesday; `lastOf`: 6L = the last Friday. */
type DowSpec = { any: true } | { any: false; days: Set<number>; nth: Array<[number, number]>; lastOf: number[] };

export interface ParseOptions {
  /** Scheduler accepts at(); EventBridge rules do not. */
  allowAt?: boolean;
  /** Kumo's test setting (KUMO_SCHEDULER_ALLOW_SECONDS): `rate(N seconds)`, which AWS rejects. */
  allowSeconds?: boolean;
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const minuteMs = 60_000;
const dayMs = 86_400_000;

export function invalidExpression(text: string): DomainError {
  return new DomainError('Validation', `Invalid Schedule Expression ${text}.`);
}

/** Parses `text`, or throws AWS's "Invalid Schedule Expression <text>." */
export function parseScheduleExpression(text: string, opts: ParseOptions = {}): ParsedSchedule {
  const bad = () => invalidExpression(text);
  let m = /^rate\((\d+) (minute|minutes|hour|hours|day|days|second|seconds)\)$/.exec(text);
  if (m) {
    const value = Number(m[1]);
    const unit = m[2]!;
    if (!Number.isSafeInteger(value) || value < 1 || /^0/.test(m[1]!)) throw bad();
    // AWS: "If the value is equal to 1, then the unit must be singular"; otherwise plural.
    if ((value === 1) !== !unit.endsWith('s')) throw bad();
    const base = unit.startsWith('second') ? 1000 : unit.startsWith('minute') ? minuteMs : unit.startsWith('hour') ? 60 * minuteMs : dayMs;
    if (base === 1000 && !opts.allowSeconds) throw bad();
    return { kind: 'rate', periodMs: value * base, text };
  }
  m = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/.exec(text);
  if (m) {
    if (!opts.allowAt) throw bad();
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || year < 1970) throw bad();
    return { kind: 'at', local: { year, month, day, hour, minute, second }, text };
  }
  m = /^cron\((.*)\)$/.exec(text);
  if (m) {
    const parts = m[1]!.split(' ');
    if (parts.length !== 6 || parts.some((p) => p === '')) throw bad();
    const [min, hour, dom, month, dow, year] = parts as [string, string, string, string, string, string];
    // Exactly one of day-of-month and day-of-week is '?'.
    if ((dom === '?') === (dow === '?')) throw bad();
    try {
      return {
        kind: 'cron',
        text,
        cron: {
          minutes: parseField(min, 0, 59),
          hours: parseField(hour, 0, 23),
          months: parseField(month, 1, 12, monthNames),
          years: year === '*' ? undefined : parseField(year, 1970, 2199),
          dom: dom === '?' ? { any: true } : parseDom(dom),
          dow: dow === '?' ? { any: true } : parseDow(dow),
        },
      };
    } catch {
      throw bad();
    }
  }
  throw bad();
}

class FieldError extends Error {}

/** One numeric field: `*`, `a`, `a-b`, `a/s`, `*\/s`, `a-b/s`, comma lists of those; `names` map to lo, lo+1, … */
function parseField(text: string, lo: number, hi: number, names?: string[]): Set<number> {
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const [range, stepText, extra] = part.split('/');
    if (extra !== undefined) throw new FieldError();
    const step = stepText === undefined ? 1 : intOf(stepText, 1, hi - lo + 1);
    let from: number;
    let to: number;
    if (range === '*') {
      from = lo;
      to = hi;
    } else {
      const [a, b, more] = range!.split('-');
      if (more !== undefined) throw new FieldError();
      from = valueOf(a!, lo, hi, names);
      // `a/s` runs from a to the field's end.
      to = b !== undefined ? valueOf(b, lo, hi, names) : stepText !== undefined ? hi : from;
      if (to < from) throw new FieldError();
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

function valueOf(text: string, lo: number, hi: number, names?: string[]): number {
  const i = names?.indexOf(text.toUpperCase()) ?? -1;
  if (i >= 0) return lo + i;
  return intOf(text, lo, hi);
}

function intOf(text: string, lo: number, hi: number): number {
  if (!/^\d{1,4}$/.test(text)) throw new FieldError();
  const v = Number(text);
  if (v < lo || v > hi) throw new FieldError();
  return v;
}

function parseDom(text: string): DomSpec {
  const spec = { any: false as const, days: new Set<number>(), last: false, lastWeekday: false, nearestWeekday: [] as number[] };
  for (const part of text.split(',')) {
    if (part === 'L') spec.last = true;
    else if (part === 'LW') spec.lastWeekday = true;
    else if (/^\d+W$/.test(part)) spec.nearestWeekday.push(intOf(part.slice(0, -1), 1, 31));
    else for (const d of parseField(part, 1, 31)) spec.days.add(d);
  }
  return spec;
}

function parseDow(text: string): DowSpec {
  const spec = { any: false as const, days: new Set<number>(), nth: [] as Array<[number, number]>, lastOf: [] as number[] };
  for (const part of text.split(',')) {
    const hash = /^([^#]+)#(\d)$/.exec(part);
    if (hash) {
      spec.nth.push([valueOf(hash[1]!, 1, 7, dayNames), intOf(hash[2]!, 1, 5)]);
    } else if (part === 'L') {
      spec.days.add(7); // `L` alone in day-of-week is its last day, Saturday.
    } else if (/^.+L$/.test(part)) {
      spec.lastOf.push(valueOf(part.slice(0, -1), 1, 7, dayNames));
    } else {
      for (const d of parseField(part, 1, 7, dayNames)) spec.days.add(d);
    }
  }
  return spec;
}

// ---- next due time ----------------------------------------------------------

/**
 * The first due time strictly after `afterMs` (ms since the epoch), or
 * undefined when there is none (an at() already past, a cron whose years are
 * over). `tz`: an IANA zone (cron and at are evaluated in it; UTC for rules).
 * `anchorMs`: a rate's origin (its start date, or when it was created): its
 * due times are anchorMs + k·period, k ≥ 0.
 */
export function nextDue(schedule: ParsedSchedule, afterMs: number, tz: string, anchorMs = 0): number | undefined {
  switch (schedule.kind) {
    case 'rate': {
      const p = schedule.periodMs;
      if (afterMs < anchorMs) return anchorMs;
      return anchorMs + (Math.floor((afterMs - anchorMs) / p) + 1) * p;
    }
    case 'at': {
      const l = schedule.local;
      const t = localToInstants(tz, Date.UTC(l.year, l.month - 1, l.day, l.hour, l.minute, l.second))[0];
      return t !== undefined && t > afterMs ? t : undefined;
    }
    case 'cron':
      return nextCron(schedule.cron, afterMs, tz);
  }
}

/** Upper bound on the days a cron search walks (its years end at 2199; ~230 years). */
const cronSearchDaysMax = 366 * 231;

function nextCron(c: CronFields, afterMs: number, tz: string): number | undefined {
  // Walk local calendar days from the day `afterMs` falls on; within a matching day, its hours and
  // minutes in order; each local time becomes the first instant that has it (none in a DST gap).
  const startLocal = instantToLocalMs(tz, afterMs);
  // One day early: a fall-back at midnight (some zones) can put `afterMs` on the previous local day's wall time.
  let day = Math.floor(startLocal / dayMs) * dayMs - dayMs;
  const hours = [...c.hours].sort((a, b) => a - b);
  const minutes = [...c.minutes].sort((a, b) => a - b);
  for (let i = 0; i < cronSearchDaysMax; i++, day += dayMs) {
    const d = new Date(day);
    const year = d.getUTCFullYear();
    if (year > 2199) return undefined;
    if (c.years && !c.years.has(year)) {
      day = Date.UTC(year + 1, 0, 1) - dayMs;
      continue;
    }
    const month = d.getUTCMonth() + 1;
    if (!c.months.has(month)) {
      day = Date.UTC(year, month, 1) - dayMs;
      continue;
    }
    if (!dayMatches(c, year, month, d.getUTCDate(), d.getUTCDay() + 1)) continue;
    // The local day's earliest candidate is well before `afterMs` only on the first day.
    for (const h of hours) {
      for (const mi of minutes) {
        const local = day + h * 3_600_000 + mi * minuteMs;
        if (local < startLocal - 3 * 3_600_000) continue;
        const t = localToInstants(tz, local)[0];
        if (t !== undefined && t > afterMs) return t;
      }
    }
  }
  return undefined;
}

function dayMatches(c: CronFields, year: number, month: number, dom: number, dow: number): boolean {
  const last = daysInMonth(year, month);
  if (!c.dom.any) {
    const s = c.dom;
    if (s.days.has(dom) || (s.last && dom === last)) return true;
    if (s.lastWeekday && dom === nearestWeekday(year, month, last)) return true;
    return s.nearestWeekday.some((n) => n <= last && nearestWeekday(year, month, n) === dom);
  }
  if (!c.dow.any) {
    const s = c.dow;
    if (s.days.has(dow)) return true;
    if (s.nth.some(([wd, n]) => wd === dow && Math.ceil(dom / 7) === n)) return true;
    return s.lastOf.some((wd) => wd === dow && dom + 7 > last);
  }
  return true;
}

/** `nW`: the weekday (Mon–Fri) nearest to day n, never leaving the month (Quartz's and AWS's rule). */
function nearestWeekday(year: number, month: number, n: number): number {
  const wd = new Date(Date.UTC(year, month - 1, n)).getUTCDay(); // 0 = Sunday
  const last = daysInMonth(year, month);
  if (wd === 6) return n === 1 ? 3 : n - 1;
  if (wd === 0) return n === last ? n - 2 : n + 1;
  return n;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

// ---- time zones -------------------------------------------------------------

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` is a time zone Intl knows (Scheduler refuses others). */
export function isTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock time in `tz` at `ms`, as the ms value of that wall time read as UTC (seconds kept, ms dropped). */
export function instantToLocalMs(tz: string, ms: number): number {
  const p: Record<string, number> = {};
  for (const part of formatter(tz).formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
}

/** tz's offset at `ms` (local − UTC, ms). */
function offsetAt(tz: string, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return instantToLocalMs(tz, whole) - whole;
}

/**
 * The instants whose wall time in `tz` is `localMs`, earliest first: none in
 * a spring-forward gap, two in a fall-back overlap, else one. Offsets are
 * taken a day either side: zones do not change offset twice within two days.
 */
export function localToInstants(tz: string, localMs: number): number[] {
  const out = new Set<number>();
  for (const probe of [localMs - dayMs, localMs, localMs + dayMs]) {
    const o = offsetAt(tz, probe);
    const t = localMs - o;
    if (offsetAt(tz, t) === o) out.add(t);
  }
  return [...out].sort((a, b) => a - b);
}
