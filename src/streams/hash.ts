import { createHash } from 'node:crypto';

/** The hash key space: 0 … 2^128 − 1. */
export const hashKeyMax = (1n << 128n) - 1n;

/** AWS's mapping of a partition key: the MD5 of its UTF-8 bytes read as an unsigned big-endian 128-bit integer. */
export function hashKeyOf(partitionKey: string): bigint {
  return BigInt('0x' + createHash('md5').update(partitionKey, 'utf8').digest('hex'));
}

/** `n` ranges splitting the key space evenly as CreateStream does: shard i starts at ⌊2^128·i/n⌋. */
export function uniformRanges(n: number): { hashStart: string; hashEnd: string }[] {
  const space = 1n << 128n;
  const out: { hashStart: string; hashEnd: string }[] = [];
  for (let i = 0; i < n; i++) {
    const start = (space * BigInt(i)) / BigInt(n);
    const end = (space * BigInt(i + 1)) / BigInt(n) - 1n;
    out.push({ hashStart: start.toString(), hashEnd: end.toString() });
  }
  return out;
}
