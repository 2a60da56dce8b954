import type { ServiceError } from '../errors';
import type { Decoded, Members } from '../service';
import type { WireResponse } from './wire';

/**
 * The AWS query protocol (https://smithy.io/2.0/aws/protocols/aws-query-protocol.html),
 * spoken by SNS, IAM, STS and older SQS and CloudWatch clients: a form-encoded
 * body (or query string) `Action=<Op>&Version=<date>&<members>`, answers in XML.
 *
 * Decoding needs no model: keys are dotted paths (`Tags.member.1.Key`,
 * `Attribute.2.Name`, `Attributes.entry.1.key`); numeric segments (1-based)
 * make lists, and the `member` / `entry` wrappers AWS's serialisers add are
 * unwrapped (`entry` lists of key/value become maps). Values stay strings:
 * each operation validates and converts its own members, as it must anyway.
 *
 * Encoding: `<OpResponse xmlns=…><OpResult>…</OpResult><ResponseMetadata>
 * <RequestId>…</RequestId></ResponseMetadata></OpResponse>`; lists are
 * `<member>` elements, maps `<entry><key/><value/></entry>`, booleans and
 * numbers their text, Dates ISO 8601. An operation whose XML differs
 * (flattened lists) returns a `QueryXml` value for that member.
 */

/** Raw XML for one member's content, for shapes the generic encoder cannot guess (flattened lists). */
export class QueryXml {
  /** `bare`: the XML is the member's elements themselves (a flattened list, SQS's `<Message>…</Message><Message>…`), not wrapped in `<Member>`. */
  constructor(readonly xml: string, readonly bare = false) {}
}

/** Longest dotted key path, and the highest list index accepted (bounds what a request can make us allocate). */
export const keyDepthMax = 12; // CloudWatch GetMetricData nests deepest: MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name (9)
const listIndexMax = 1000;

export interface QueryRequest {
  action: string | undefined;
  version: string | undefined;
  input: Members;
}

export function decodeQuery(form: URLSearchParams): Decoded<QueryRequest> {
  const root: Record<string, unknown> = {};
  let action: string | undefined;
  let version: string | undefined;
  for (const [key, value] of form) {
    if (key === 'Action') action = value;
    else if (key === 'Version') version = value;
    else {
      const parts = key.split('.');
      if (parts.length > keyDepthMax || parts.some((p) => p === '')) return { ok: false, error: `Invalid parameter name: ${key}` };
      if (parts.some((p) => /^[0-9]+$/.test(p) && (Number(p) < 1 || Number(p) > listIndexMax))) return { ok: false, error: `Invalid list index in ${key}` };
      let node: Record<string, unknown> = root;
      for (let i = 0; i < parts.length - 1; i++) {
        const p = parts[i]!;
        const next = node[p];
        if (typeof next === 'object' && next !== null) node = next as Record<string, unknown>;
        else if (next === undefined) node = (node[p] = {}) as Record<string, unknown>;
        else return { ok: false, error: `Conflicting parameters at ${key}` };
      }
      const last = parts[parts.length - 1]!;
      if (typeof node[last] === 'object') return { ok: false, error: `Conflicting parameters at ${key}` };
      node[last] = value;
    }
  }
  return { ok: true, value: { action, version, input: unwrap(root) as Members } };
}

/** Objects whose keys are all 1…n become lists; `{member: [...]}` becomes the list; `{entry: [{key, value}]}` a map. */
function unwrap(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  for (const k of keys) o[k] = unwrap(o[k]);
  if (keys.length > 0 && keys.every((k) => /^[0-9]+$/.test(k))) {
    return keys.map(Number).sort((a, b) => a - b).map((k) => o[String(k)]);
  }
  if (keys.length === 1 && keys[0] === 'member' && Array.isArray(o.member)) return o.member;
  if (keys.length === 1 && keys[0] === 'entry' && Array.isArray(o.entry)) {
    const m: Record<string, unknown> = {};
    // Map entries are `key`/`value` by default; a model may rename them (SNS's MessageAttributeMap: `Name`/`Value`).
    for (const e of o.entry as Record<string, unknown>[]) {
      if (e && typeof e.key === 'string') m[e.key] = e.value;
      else if (e && typeof e.Name === 'string') m[e.Name] = e.Value;
    }
    return m;
  }
  return o;
}

export function encodeQuery(op: string, ns: string, requestId: string, out: Members | void): WireResponse {
  // An operation with an output shape returns an object (even an empty one: `<OpResult/>`, which botocore requires); one without, nothing.
  const result = out ? `<${op}Result>${members(out)}</${op}Result>` : '';
  const body =
    `<${op}Response xmlns="${escapeXml(ns)}">${result}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${op}Response>`;
  return { status: 200, headers: { 'content-type': 'text/xml' }, body };
}

export function encodeQueryError(ns: string, requestId: string, e: ServiceError): WireResponse {
  const extra = e.extra ? members(e.extra) : '';
  const body =
    `<ErrorResponse xmlns="${escapeXml(ns)}"><Error><Type>${e.spec.fault === 'client' ? 'Sender' : 'Receiver'}</Type>` +
    `<Code>${escapeXml(e.spec.queryCode ?? e.errorName)}</Code><Message>${escapeXml(e.message)}</Message>${extra}</Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`;
  return { status: e.status, headers: { 'content-type': 'text/xml' }, body };
}

function members(o: Members): string {
  let s = '';
  for (const [k, v] of Object.entries(o)) {
    if (v instanceof QueryXml && v.bare) s += v.xml;
    else if (v !== undefined && v !== null) s += `<${k}>${value(v)}</${k}>`;
  }
  return s;
}

function value(v: unknown): string {
  if (v instanceof QueryXml) return v.xml;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map((x) => `<member>${value(x)}</member>`).join('');
  if (typeof v === 'object' && v !== null) return members(v as Members);
  return escapeXml(String(v));
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"'\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A map member in query XML: `<entry><key>k</key><value>v</value></entry>` per entry. */
export function queryMap(m: Record<string, unknown>): QueryXml {
  return new QueryXml(Object.entries(m).map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${value(v)}</value></entry>`).join(''));
}
