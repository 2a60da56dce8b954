/**
 * Every line the platform (not the function) writes into a function's log,
 * in one place, in AWS Lambda's formats
 * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html).
 * Callers write them through the EE (`ee.log(...)`), so they also reach the
 * invocation's tail when one is collected.
 */
export const platformLog = {
  initStart: (runtime: string) => `INIT_START Runtime Version: ${runtime}`,
  /** Kumo's breakdown of a cold start (not an AWS line): where the time before the runtime went. */
  /** `bindMs`: the EE was pre-initialised, and binding the function's code to it took that long (placement/prewarm-pool.ts). */
  initPhases: (p: { networkMs: number; scratchMs?: number; sandboxMs: number; bindMs?: number; initDurationMs: number; totalMs: number }) =>
    `INIT_PHASES Network: ${p.networkMs.toFixed(2)} ms\t` +
    (p.scratchMs !== undefined ? `Scratch: ${p.scratchMs.toFixed(2)} ms\t` : '') +
    `Sandbox: ${p.sandboxMs.toFixed(2)} ms\t` +
    (p.bindMs !== undefined ? `Bind: ${p.bindMs.toFixed(2)} ms\t` : '') +
    `Runtime Init: ${p.initDurationMs.toFixed(2)} ms\tTotal: ${p.totalMs.toFixed(2)} ms`,
  initReportError: (message: string) => `INIT_REPORT Phase: init Status: error Error Type: ${message}`,
  start: (requestId: string, version: string) => `START RequestId: ${requestId} Version: ${version}`,
  end: (requestId: string) => `END RequestId: ${requestId}`,
  /** Lambda's REPORT line fields (tab separated, as CloudWatch shows them). */
  report: (r: { requestId: string; durationMs: number; memoryMb: number; maxMemoryUsedMb: number; initDurationMs?: number }) => {
    let s =
      `REPORT RequestId: ${r.requestId}\tDuration: ${r.durationMs.toFixed(2)} ms\t` +
      `Billed Duration: ${Math.max(1, Math.ceil(r.durationMs))} ms\tMemory Size: ${r.memoryMb} MB\t` +
      `Max Memory Used: ${r.maxMemoryUsedMb} MB\t`;
    if (r.initDurationMs !== undefined) s += `Init Duration: ${r.initDurationMs.toFixed(2)} ms\t`;
    return s;
  },
  timedOut: (requestId: string, timeoutSeconds: number, now = new Date()) =>
    `${now.toISOString()} ${requestId} Task timed out after ${timeoutSeconds.toFixed(2)} seconds`,
  /** The runtime process exited: AWS's two lines (the message, then the error type). */
  runtimeExited: (message: string) => [message, 'Runtime.ExitError'],
  /** AWS's Telemetry API reports this as platform.logsDropped (reason, droppedRecords, droppedBytes); this is its text form. */
  logsDropped: (records: number, bytes: number, reason: string) => `LOGS_DROPPED Dropped Records: ${records}\tDropped Bytes: ${bytes}\tReason: ${reason}`,
  asyncDropped: (requestId: string, attempts: number, reason: string) => `Event ${requestId} dropped after ${attempts} attempt(s): ${reason}`,
  /** Kumo's line before each run of an async event (not an AWS line): which attempt of how many. */
  asyncAttempt: (requestId: string, attempt: number, attemptsMax: number) => `ASYNC_ATTEMPT RequestId: ${requestId}\tAttempt: ${attempt} of ${attemptsMax}`,
  /** An async event's throttle or platform error: retried later without counting an attempt. */
  asyncDeferred: (requestId: string, reason: string, delayMs: number) => `ASYNC_DEFERRED RequestId: ${requestId}\tReason: ${reason}\tRetry in: ${delayMs} ms`,
  /** Where an async event's record went (a destination or the dead-letter queue). */
  asyncDelivered: (requestId: string, condition: string, target: string) => `ASYNC_DELIVERED RequestId: ${requestId}\tCondition: ${condition}\tTarget: ${target}`,
  asyncDeliveryFailed: (requestId: string, target: string, tries: number, reason: string) =>
    `ASYNC_DELIVERY_FAILED RequestId: ${requestId}\tTarget: ${target}\tTries: ${tries}\tReason: ${reason}`,
};

/** SystemLogLevel order: a record is written when its level is at or above the function's (DEBUG < INFO < WARN). */
const systemLevels: Record<string, number> = { DEBUG: 0, INFO: 1, WARN: 2 };

/** Whether a platform record of `level` is written for a JSON-format function with SystemLogLevel `systemLogLevel` (default INFO). */
export function systemLevelAllows(systemLogLevel: string | undefined, level: 'DEBUG' | 'INFO' | 'WARN'): boolean {
  return systemLevels[level]! >= (systemLevels[systemLogLevel ?? 'INFO'] ?? 1);
}

/** What a REPORT says of the invocation's end (the Telemetry API's platform.report status). */
export type ReportStatus = { status: 'success' } | { status: 'error' | 'timeout' | 'failure'; errorType: string };

/**
 * The platform records of a function whose LoggingConfig LogFormat is JSON,
 * one JSON object a line with `time`, `type` and `record`, in the shapes of
 * the Lambda Telemetry API's platform events
 * (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html),
 * as AWS writes them to CloudWatch Logs for JSON-format functions. Each has
 * the SystemLogLevel it is written at (see ARCHITECTURE.md "Choices").
 */
export const platformJson = {
  initStart: (functionName: string, version: string, runtime: string, initializationType: string, now = new Date()) =>
    JSON.stringify({
      time: now.toISOString(), type: 'platform.initStart',
      record: { initializationType, phase: 'init', runtimeVersion: runtime, functionName, functionVersion: version },
    }),
  /** Kumo's cold-start breakdown (INIT_PHASES in text), at DEBUG. */
  initPhases: (p: { networkMs: number; scratchMs?: number; sandboxMs: number; bindMs?: number; initDurationMs: number; totalMs: number }, now = new Date()) =>
    JSON.stringify({ time: now.toISOString(), type: 'kumo.initPhases', record: p }),
  initReportError: (errorType: string, now = new Date()) =>
    JSON.stringify({ time: now.toISOString(), type: 'platform.initReport', record: { initializationType: 'on-demand', phase: 'init', status: 'error', errorType } }),
  start: (requestId: string, version: string, now = new Date()) =>
    JSON.stringify({ time: now.toISOString(), type: 'platform.start', record: { requestId, version } }),
  report: (
    r: { requestId: string; durationMs: number; memoryMb: number; maxMemoryUsedMb: number; initDurationMs?: number },
    end: ReportStatus,
    now = new Date(),
  ) =>
    JSON.stringify({
      time: now.toISOString(), type: 'platform.report',
      record: {
        requestId: r.requestId,
        metrics: {
          durationMs: Math.round(r.durationMs * 1000) / 1000,
          billedDurationMs: Math.max(1, Math.ceil(r.durationMs)),
          memorySizeMB: r.memoryMb,
          maxMemoryUsedMB: r.maxMemoryUsedMb,
          ...(r.initDurationMs !== undefined ? { initDurationMs: Math.round(r.initDurationMs * 1000) / 1000 } : {}),
        },
        ...end,
      },
    }),
};
