import type { Keyring } from '../keys/keyring';
import { invalidArgument } from './errors';

/**
 * Shard iterators: where a reader is in one shard (after the stream
 * counter `after`), sealed with the keyring so a caller can neither read nor
 * forge one. `created` is the stream's creation time: an iterator of a
 * deleted and re-created stream of the same name is not valid for the new one.
 */
export interface IteratorState {
  /** The account of the stream (several accounts on one server share the keyring); absent in iterators of older Kumo versions. */
  account?: string;
  stream: string;
  shardId: string;
  after: number;
  issuedMs: number;
  created: number;
}

const aad = 'kinesis-shard-iterator';

export function sealIterator(keys: Keyring, st: IteratorState): string {
  const plain = Buffer.from(JSON.stringify([st.stream, st.shardId, st.after, st.issuedMs, st.created, st.account]), 'utf8');
  return keys.sealBytes(plain, aad).toString('base64');
}

export function openIterator(keys: Keyring, token: string): IteratorState {
  try {
    const v = JSON.parse(keys.openBytes(Buffer.from(token, 'base64'), aad).toString('utf8')) as [string, string, number, number, number, string | undefined];
    return { stream: v[0], shardId: v[1], after: v[2], issuedMs: v[3], created: v[4], ...(typeof v[5] === 'string' ? { account: v[5] } : {}) };
  } catch {
    throw invalidArgument(`Invalid ShardIterator.`);
  }
}
