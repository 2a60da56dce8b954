import type { ServiceError } from '../errors';
import type { Decoded, Members } from '../service';
import type { WireResponse } from './wire';

/**
 * AWS JSON 1.0 / 1.1 (https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html):
 * `POST /` with `X-Amz-Target: <prefix>.<Operation>` and a JSON object body;
 * answers are JSON objects; errors carry `__type` (the error name) and the
 * message under the member name the model gives it, with the name also in
 * `x-amzn-ErrorType` (the SDKs read either).
 */
export function decodeJson(body: Buffer): Decoded<Members> {
  if (body.length === 0) return { ok: true, value: {} };
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, error: 'Start of structure or map found where not expected.' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'Start of structure or map found where not expected.' };
  return { ok: true, value: v as Members };
}

export function encodeJson(version: '1.0' | '1.1', out: Members | void): WireResponse {
  return { status: 200, headers: { 'content-type': `application/x-amz-json-${version}` }, body: JSON.stringify(out ?? {}, jsonReplacer) };
}

export function encodeJsonError(version: '1.0' | '1.1', e: ServiceError, queryCompatible?: { namespace: string }): WireResponse {
  const type = queryCompatible ? `${queryCompatible.namespace}#${e.errorName}` : e.errorName;
  const body = JSON.stringify({ __type: type, [e.spec.messageKey]: e.message, ...e.extra });
  const headers: Record<string, string> = { 'content-type': `application/x-amz-json-${version}`, 'x-amzn-errortype': e.errorName };
  // awsQueryCompatible services (SQS): the query protocol's code and fault side, which the SDKs expose as the error's Code/Type.
  if (queryCompatible) headers['x-amzn-query-error'] = `${e.spec.queryCode ?? e.errorName};${e.spec.fault === 'client' ? 'Sender' : 'Receiver'}`;
  return { status: e.status, headers, body };
}

/** Timestamps go out as epoch seconds (the JSON protocols' default timestamp format), blobs as base64. */
function jsonReplacer(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  if (raw instanceof Date) return raw.getTime() / 1000;
  if (raw instanceof Uint8Array) return Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  return value;
}
