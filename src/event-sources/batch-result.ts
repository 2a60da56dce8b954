/**
 * Reading a function's answer to a batch with `ReportBatchItemFailures`
 * (AWS: "Implementing partial batch responses"):
 *   - complete success: an empty or null `batchItemFailures`, an empty or
 *     null response (`{}`, `null`, an empty body);
 *   - complete failure: a response that is not JSON, or a failure whose
 *     `itemIdentifier` is missing, empty, not a string, or names no message
 *     of the batch;
 *   - otherwise the named messages failed and every other one succeeded.
 */
export type BatchOutcome = { kind: 'all-ok' } | { kind: 'all-failed'; why: string } | { kind: 'partial'; failed: Set<string> };

export function readBatchResponse(payload: Buffer, messageIds: ReadonlySet<string>): BatchOutcome {
  const text = payload.toString('utf8').trim();
  if (text === '') return { kind: 'all-ok' };
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { kind: 'all-failed', why: 'the response is not JSON' };
  }
  if (v === null) return { kind: 'all-ok' };
  if (typeof v !== 'object' || Array.isArray(v)) return { kind: 'all-failed', why: 'the response is not a JSON object' };
  const list = (v as Record<string, unknown>).batchItemFailures;
  if (list === undefined || list === null) return { kind: 'all-ok' };
  if (!Array.isArray(list)) return { kind: 'all-failed', why: 'batchItemFailures is not a list' };
  if (list.length === 0) return { kind: 'all-ok' };
  const failed = new Set<string>();
  for (const f of list) {
    const id = typeof f === 'object' && f !== null ? (f as Record<string, unknown>).itemIdentifier : undefined;
    if (typeof id !== 'string' || id === '' || !messageIds.has(id)) {
      return { kind: 'all-failed', why: `invalid itemIdentifier ${JSON.stringify(id ?? null)}` };
    }
    failed.add(id);
  }
  return { kind: 'partial', failed };
}
