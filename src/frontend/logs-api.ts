import type { Store } from '../store/types';
import { validationError } from './errors';
import type { Route } from './http';

/** Lines returned by one read (the CLI pages with `afterId`). */
const logLinesPerReadMax = 10_000;

/**
 * Kumo's own read API for function logs, used by `kumo logs` against a remote
 * server (AWS keeps logs in CloudWatch Logs, which Kumo does not emulate):
 *
 *   GET /kumo/logs/{function}?sinceMs=&afterId=&limit=&filter=
 *   → { "events": [{ "id", "timestamp", "stream", "message" }] }   (oldest first)
 *
 * With sinceMs or afterId: the oldest `limit` events after them (a reader
 * pages on with the last id until a short page); with neither: the newest
 * `limit` events.
 *
 * SigV4-authenticated like the Lambda API (service "lambda").
 */
export function logsRoutes(deps: { store: Store }): Route[] {
  return [
    {
      method: 'GET',
      path: ['kumo', 'logs', '{name}'],
      operation: 'KumoGetLogs',
      bodyBytesMax: 0,
      auth: true,
      handle: async (req, p) => {
        const num = (k: string) => {
          const v = req.query.get(k);
          if (v === null || v === '') return undefined;
          const n = Number(v);
          return Number.isSafeInteger(n) && n >= 0 ? n : NaN;
        };
        const sinceMs = num('sinceMs');
        const afterId = num('afterId');
        const limit = num('limit');
        const failures = [];
        for (const [k, v] of [['sinceMs', sinceMs], ['afterId', afterId], ['limit', limit]] as const) {
          if (Number.isNaN(v)) failures.push({ value: req.query.get(k), path: k, constraint: 'Member must be a non-negative integer' });
        }
        if (failures.length) throw validationError(failures);
        const name = p.name!;
        const group = name.startsWith('/') ? name : `/aws/lambda/${name}`;
        const rows = await deps.store.readLogs(group, {
          sinceMs,
          afterId,
          limit: Math.min(limit || logLinesPerReadMax, logLinesPerReadMax),
          filter: req.query.get('filter') || undefined,
        });
        return {
          status: 200,
          json: { events: rows.map((r) => ({ id: r.id, timestamp: r.timestampMs, stream: r.stream, message: r.message })) },
        };
      },
    },
  ];
}
