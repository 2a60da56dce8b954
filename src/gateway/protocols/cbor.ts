import { cbor, dateToTag } from '@smithy/core/cbor';
import type { ServiceError } from '../errors';
import type { Decoded, Members } from '../service';
import type { WireResponse } from './wire';

/**
 * Smithy RPC v2 CBOR (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html):
 * `POST /service/<ServiceName>/operation/<Operation>` with header
 * `smithy-protocol: rpc-v2-cbor` and a CBOR map body; answers are CBOR maps
 * with the same header; errors carry `__type`. The codec is the one AWS's own
 * SDK ships (`@smithy/core/cbor`), so both ends read the same bytes the same way.
 */
export function decodeCbor(body: Buffer): Decoded<Members> {
  if (body.length === 0) return { ok: true, value: {} };
  let v: unknown;
  try {
    v = cbor.deserialize(new Uint8Array(body.buffer, body.byteOffset, body.length));
  } catch {
    return { ok: false, error: 'Could not parse the request body as CBOR.' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'The request body must be a CBOR map.' };
  return { ok: true, value: v as Members };
}

/** Smithy RPC v2 answers carry `smithy-protocol`; a JSON-RPC service's CBOR answers (`contentType` given) carry their own content type instead. */
const headers = (contentType?: string): Record<string, string> =>
  contentType ? { 'content-type': contentType } : { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };

export function encodeCbor(out: Members | void, contentType?: string): WireResponse {
  return { status: 200, headers: headers(contentType), body: Buffer.from(cbor.serialize(pruned(out ?? {}))) };
}

/**
 * The codec refuses `undefined` (an absent member is left out of the map, as
 * JSON.stringify does) and writes a Date as a map: timestamps go out as
 * tag 1 (epoch seconds), as Smithy's CBOR protocols send them.
 */
function pruned(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pruned);
  if (v instanceof Date) return dateToTag(v);
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = pruned(x);
  return out;
}

export function encodeCborError(e: ServiceError, contentType?: string): WireResponse {
  const h = headers(contentType);
  if (contentType) h['x-amzn-errortype'] = e.errorName;
  return { status: e.status, headers: h, body: Buffer.from(cbor.serialize({ __type: e.errorName, [e.spec.messageKey]: e.message, ...e.extra })) };
}
