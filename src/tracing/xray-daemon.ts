import dgram from 'node:dgram';
import { SpanKind, type Attributes } from '@opentelemetry/api';
import type { InvokeTracer } from './tracer';
import {
  xrayAttributesPerSpanMax, xrayDatagramBytesMax, xrayDatagramsPerSecondMax, xraySpansPerDatagramMax, xraySubsegmentDepthMax,
} from './limits';

/**
 * Kumo's X-Ray daemon: the UDP endpoint a function's X-Ray SDK sends its
 * segments to (AWS_XRAY_DAEMON_ADDRESS, set for Active functions by
 * placement). It listens on the Runtime API's address and port number (UDP
 * and TCP ports are separate spaces; the sandbox network lets EEs send UDP
 * to that one port of the gateway and nothing else).
 *
 * The daemon protocol (https://docs.aws.amazon.com/xray/latest/devguide/xray-api-sendingdata.html#xray-api-daemon):
 * one datagram = `{"format": "json", "version": 1}` + "\n" + one segment
 * document. In Lambda the SDK sends subsegments (`"type": "subsegment"`,
 * with `trace_id` and `parent_id`: the Parent of `_X_AMZN_TRACE_ID`, which is
 * the Invocation span's id) and nested `subsegments` inside a document.
 * Each document and nested subsegment becomes one OTel span of the same
 * trace: span id = its `id`, parent = `parent_id` or the enclosing document.
 * In-progress documents (no end_time) are skipped: the SDK sends the
 * completed one later.
 *
 * Bounded (limits.ts): datagrams over 64 KB are dropped (AWS's daemon reads
 * 64 KB), at most `xrayDatagramsPerSecondMax` per second, `xraySpansPerDatagramMax`
 * spans and `xraySubsegmentDepthMax` levels per document; the export queue
 * is the tracer's. Malformed datagrams are counted and dropped, never logged
 * one by one.
 */
export class XrayDaemon {
  private readonly socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
  private windowStartMs = 0;
  private windowCount = 0;
  /** Datagrams dropped: malformed, oversize or over the rate. */
  dropped = 0;
  received = 0;

  constructor(private readonly tracer: InvokeTracer) {
    this.socket.on('message', (msg) => this.onMessage(msg));
    this.socket.on('error', (e) => console.error(`kumo: X-Ray daemon receiver: ${e.message}`));
  }

  listen(host: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('error', reject);
      this.socket.bind(port, host, () => {
        this.socket.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }

  private onMessage(msg: Buffer): void {
    const now = Date.now();
    if (now - this.windowStartMs >= 1000) {
      this.windowStartMs = now;
      this.windowCount = 0;
    }
    if (++this.windowCount > xrayDatagramsPerSecondMax || msg.length > xrayDatagramBytesMax) {
      this.dropped++;
      return;
    }
    this.received++;
    if (!this.ingest(msg)) this.dropped++;
  }

  /** One datagram; false when it is not the daemon protocol. */
  ingest(msg: Buffer): boolean {
    const nl = msg.indexOf(0x0a);
    if (nl < 0) return false;
    let header: unknown;
    let doc: unknown;
    try {
      header = JSON.parse(msg.subarray(0, nl).toString('utf8'));
      doc = JSON.parse(msg.subarray(nl + 1).toString('utf8'));
    } catch {
      return false;
    }
    if (!isObject(header) || header.format !== 'json' || header.version !== 1 || !isObject(doc)) return false;
    const traceId = typeof doc.trace_id === 'string' ? otelTraceIdOf(doc.trace_id) : undefined;
    if (!traceId) return false;
    const budget = { spans: xraySpansPerDatagramMax };
    this.segment(doc, traceId, typeof doc.parent_id === 'string' ? doc.parent_id : undefined, 0, budget);
    return true;
  }

  private segment(d: Record<string, unknown>, traceId: string, parentId: string | undefined, depth: number, budget: { spans: number }): void {
    if (budget.spans <= 0 || depth > xraySubsegmentDepthMax) return;
    const id = typeof d.id === 'string' && /^[0-9a-f]{16}$/.test(d.id) ? d.id : undefined;
    const start = typeof d.start_time === 'number' ? d.start_time : undefined;
    const end = typeof d.end_time === 'number' ? d.end_time : undefined;
    if (!id || start === undefined) return;
    if (end !== undefined && d.in_progress !== true) {
      budget.spans--;
      const name = typeof d.name === 'string' ? d.name.slice(0, 200) : 'segment';
      const error = d.fault === true ? 'fault' : d.error === true ? 'error' : d.throttle === true ? 'throttle' : undefined;
      const kind = d.namespace === 'remote' || d.namespace === 'aws' ? SpanKind.CLIENT : SpanKind.INTERNAL;
      this.tracer.emitEpoch(traceId, id, parentId, name, kind, name, start * 1000, end * 1000, error, attributesOf(d));
    }
    if (Array.isArray(d.subsegments)) {
      for (const s of d.subsegments) if (isObject(s)) this.segment(s, traceId, id, depth + 1, budget);
    }
  }
}

/** `1-<8 hex>-<24 hex>` → 32 hex; undefined if malformed. */
function otelTraceIdOf(xrayTraceId: string): string | undefined {
  const m = /^1-([0-9a-f]{8})-([0-9a-f]{24})$/.exec(xrayTraceId);
  return m ? m[1]! + m[2]! : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** X-Ray's annotations, namespace, http and aws fields as span attributes (flat, bounded). */
function attributesOf(d: Record<string, unknown>): Attributes {
  const out: Attributes = { 'aws.xray.origin': 'sdk' };
  let n = 1;
  const put = (k: string, v: unknown) => {
    if (n >= xrayAttributesPerSpanMax) return;
    if (typeof v === 'string') out[k] = v.slice(0, 1024);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
    else return;
    n++;
  };
  if (typeof d.namespace === 'string') put('aws.xray.namespace', d.namespace);
  for (const [group, value] of [['annotations', d.annotations], ['http.request', isObject(d.http) ? d.http.request : undefined], ['http.response', isObject(d.http) ? d.http.response : undefined], ['aws', d.aws]] as const) {
    if (!isObject(value)) continue;
    for (const [k, v] of Object.entries(value)) put(`aws.xray.${group}.${k}`, v);
  }
  return out;
}
