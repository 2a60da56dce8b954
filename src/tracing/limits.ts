/**
 * Tracing limits (Kumo's own: X-Ray has no daemon-side numbers for most of
 * these; where it does, cited).
 */

/** Spans held for export; past it new spans are dropped (OTel BatchSpanProcessor's own bound). */
export const exportQueueSpansMax = 8_192;
/** Spans per OTLP request. */
export const exportBatchSpansMax = 512;
/** How long spans wait for a batch before they are sent. */
export const exportDelayMs = 1_000;
/** One OTLP request's time limit. */
export const exportTimeoutMs = 10_000;

/**
 * X-Ray daemon protocol: one UDP datagram is a header line and one segment
 * document. AWS's daemon reads datagrams of at most 64 KB (and X-Ray limits a
 * segment document to 64 KB); a longer one is dropped.
 */
export const xrayDatagramBytesMax = 64 * 1024;
/** Datagrams accepted per second from all EEs together; the rest of the second's are dropped. */
export const xrayDatagramsPerSecondMax = 2_000;
/** Spans made from one datagram (a segment and its nested subsegments); the rest are dropped. */
export const xraySpansPerDatagramMax = 256;
/** Nesting depth of subsegments followed in one document. */
export const xraySubsegmentDepthMax = 32;
/** Attributes (annotations, metadata keys, http/aws fields) kept per span made from a segment. */
export const xrayAttributesPerSpanMax = 64;
/** Per-function OTel resources cached (one per function name traced). */
export const resourcesCachedMax = 10_000;
