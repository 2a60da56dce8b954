import type { Members } from '../../gateway/service';
import { constraint, invalidArgument, StreamError } from '../../streams/errors';
import type { StreamPolicies } from '../../streams/stream-policies';
import type { StreamService } from '../../streams/stream-service';
import { str } from './decode';

/** What Kinesis's operations need from the domain. */
export interface KinesisDeps {
  streams: StreamService;
  /** Streams' resource policies (PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy). */
  streamPolicies: StreamPolicies;
}

/** A required member (Coral's "must not be null", naming it in lowerCamelCase as Kinesis does). */
export function required<T>(v: T | undefined, member: string): T {
  if (v === undefined) throw constraint(member, null, 'Member must not be null');
  return v;
}

/**
 * The stream an operation names: StreamName, or StreamARN where the model
 * allows it instead (both given must agree).
 */
export function streamOf(d: KinesisDeps, m: Members): string {
  const name = str(m, 'StreamName');
  const arn = str(m, 'StreamARN');
  if (name !== undefined) d.streams.checkName(name);
  const fromArn = arn === undefined ? undefined : d.streams.nameOfArn(arn);
  if (name !== undefined && fromArn !== undefined && name !== fromArn) {
    throw invalidArgument(`StreamARN ${arn} and StreamName ${name} do not name the same stream.`);
  }
  const n = name ?? fromArn;
  if (n === undefined) throw invalidArgument('Either StreamName or StreamARN should be provided.');
  return n;
}

/** Refuses a member Kumo does not honour instead of dropping it. */
export function refuseMember(m: Members, member: string, why: string): void {
  if (m[member] !== undefined && m[member] !== null) throw new StreamError('Unsupported', `Kumo does not support ${member}: ${why}`);
}

export const pageToken = {
  encode: (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url'),
  decode<T>(token: string, member: string): T {
    try {
      return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
    } catch {
      throw invalidArgument(`Invalid ${member}.`);
    }
  },
};
