import type { Members } from '../../gateway/service';
import { snsError } from './errors';

/**
 * Reading query members (all strings, lists and maps as the gateway's
 * decoder built them). A required member that is missing is
 * InvalidParameter naming it, as SNS answers ("Invalid parameter: TopicArn").
 */
export function str(input: Members, name: string): string | undefined {
  const v = input[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw snsError('InvalidParameter', `Invalid parameter: ${name}`);
  return v;
}

export function required(input: Members, name: string): string {
  const v = str(input, name);
  if (v === undefined) throw snsError('InvalidParameter', `Invalid parameter: ${name}`);
  return v;
}

/** A string map member (`Attributes.entry.N.key/value`). */
export function stringMap(input: Members, name: string): Record<string, string> {
  const v = input[name];
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw snsError('InvalidParameter', `Invalid parameter: ${name}`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw snsError('InvalidParameter', `Invalid parameter: ${name}`);
    out[k] = x;
  }
  return out;
}

/** A list member (`Name.member.N…`); a single entry decodes as a one-element list. */
export function list(input: Members, name: string): unknown[] {
  const v = input[name];
  // The SDKs send an empty list as the bare member (`Name=`).
  if (v === undefined || v === '') return [];
  if (Array.isArray(v)) return v;
  throw snsError('InvalidParameter', `Invalid parameter: ${name}`);
}

/** `Tags.member.N.Key/Value` as a map. */
export function tags(input: Members, name = 'Tags'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of list(input, name)) {
    const tag = t as { Key?: unknown; Value?: unknown };
    if (typeof tag?.Key !== 'string') throw snsError('InvalidParameter', 'Invalid parameter: Tags Reason: Tag key is invalid');
    out[tag.Key] = typeof tag.Value === 'string' ? tag.Value : '';
  }
  return out;
}

/** `MessageAttributes` entries: `{DataType, StringValue?, BinaryValue?}` by name. */
export function messageAttributes(v: unknown): Record<string, { DataType?: string; StringValue?: string; BinaryValue?: string }> {
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw snsError('InvalidParameter', 'Invalid parameter: MessageAttributes');
  return v as Record<string, { DataType?: string; StringValue?: string; BinaryValue?: string }>;
}
