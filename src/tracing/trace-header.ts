import { randomFillSync } from 'node:crypto';

/**
 * The X-Ray trace header (`X-Amzn-Trace-Id`, the Runtime API's
 * `Lambda-Runtime-Trace-Id`, the runtimes' `_X_AMZN_TRACE_ID`, SQS's
 * `AWSTraceHeader`), as AWS documents it
 * (https://docs.aws.amazon.com/xray/latest/devguide/xray-concepts.html#xray-concepts-tracingheader):
 *
 *   Root=1-<8 hex: epoch seconds>-<24 hex: unique>;Parent=<16 hex>;Sampled=0|1[;Lineage=…]
 *
 * The root maps to a W3C / OTel trace id by dropping the version and the
 * dashes: `1-5759e988-bd862e3fe1be46a994272793` ↔
 * `5759e988bd862e3fe1be46a994272793` (X-Ray's own mapping for W3C ids).
 * Nothing here runs on the invoke path unless the function's mode is Active
 * or the tracer is on (service.ts says when).
 */
export interface TraceHeader {
  /** `1-<8 hex>-<24 hex>`. */
  root: string;
  parent?: string;
  /** undefined: the caller made no sampling decision. */
  sampled?: boolean;
  /** Lambda's recursion-loop counter (`Lineage=<hash>:<count>`), kept as received. */
  lineage?: string;
}

const rootRe = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const spanIdRe = /^[0-9a-f]{16}$/;

/** The header's fields; undefined when it has no valid Root (then a new trace starts, as AWS does). */
export function parseTraceHeader(h: string | undefined): TraceHeader | undefined {
  if (!h) return undefined;
  let root: string | undefined;
  let parent: string | undefined;
  let sampled: boolean | undefined;
  let lineage: string | undefined;
  for (const part of h.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (k === 'Root') root = v.toLowerCase();
    else if (k === 'Parent') parent = v.toLowerCase();
    else if (k === 'Sampled') sampled = v === '1' ? true : v === '0' ? false : undefined;
    else if (k === 'Lineage') lineage = v;
  }
  if (!root || !rootRe.test(root)) return undefined;
  return { root, parent: parent && spanIdRe.test(parent) ? parent : undefined, sampled, lineage };
}

export function formatTraceHeader(t: TraceHeader): string {
  let s = `Root=${t.root}`;
  if (t.parent) s += `;Parent=${t.parent}`;
  s += `;Sampled=${t.sampled ? 1 : 0}`;
  if (t.lineage) s += `;Lineage=${t.lineage}`;
  return s;
}

/**
 * Random bytes for ids, drawn from the system CSPRNG in blocks of this size
 * (one `randomFillSync` per 4 KiB instead of one per id: every untraced
 * invoke needs a root and a parent); each byte is handed out once.
 */
const randomPoolBytes = 4096;
const randomPool = Buffer.alloc(randomPoolBytes);
let randomPoolUsed = randomPoolBytes;

/** `n` random bytes as hex (n ≤ randomPoolBytes). */
function randomHex(n: number): string {
  if (randomPoolUsed + n > randomPoolBytes) {
    randomFillSync(randomPool);
    randomPoolUsed = 0;
  }
  const s = randomPool.toString('hex', randomPoolUsed, randomPoolUsed + n);
  randomPoolUsed += n;
  return s;
}

/** A new root: the current epoch second and 96 random bits. */
export function newRoot(nowMs = Date.now()): string {
  return `1-${Math.floor(nowMs / 1000).toString(16).padStart(8, '0')}-${randomHex(12)}`;
}

/** A new 64-bit span (X-Ray segment) id, 16 hex. */
export function newSpanId(): string {
  return randomHex(8);
}

/** A whole new header (what a request without one gets). */
export function newTraceHeader(sampled: boolean): string {
  return `Root=${newRoot()};Parent=${newSpanId()};Sampled=${sampled ? 1 : 0}`;
}

/** X-Ray root → OTel trace id (32 hex). */
export function otelTraceId(root: string): string {
  return root.slice(2, 10) + root.slice(11);
}

/** OTel trace id (32 hex) → X-Ray root. */
export function xrayRoot(traceId: string): string {
  return `1-${traceId.slice(0, 8)}-${traceId.slice(8)}`;
}

/**
 * Lambda's sampling rule for a function's TracingConfig mode
 * (https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html):
 * Active samples (Kumo samples every request; AWS's default rule samples
 * one per second and 5 % beyond — a rate Kumo does not impose); PassThrough
 * honours the caller's decision and samples nothing without one.
 */
export function sampledFor(mode: 'Active' | 'PassThrough', incoming: boolean | undefined): boolean {
  return mode === 'Active' ? true : incoming === true;
}

/**
 * The trace header a front door (function URL, HTTP API) puts in the event
 * and passes to the invoke: the client's when it has a valid Root, else a
 * new `Root=…` (what AWS's front ends add).
 */
export function frontDoorTraceHeader(client: string | string[] | undefined, nowMs: number): string {
  const h = Array.isArray(client) ? client[0] : client;
  return h && parseTraceHeader(h) ? h : `Root=${newRoot(nowMs)}`;
}
