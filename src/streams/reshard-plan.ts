import type { NewShard, ShardRecord } from '../store/streams';
import { invalidArgument } from './errors';
import { uniformRanges } from './hash';

/**
 * UpdateShardCount with UNIFORM_SCALING, planned as one step: every open
 * shard closes and `target` shards of equal ranges open, each naming the
 * (at most two) closed shards its range overlaps as ParentShardId and
 * AdjacentParentShardId, which is what a reader follows to keep order per
 * partition key. A target for which a new range would overlap three old
 * ones (5 → 3, say) cannot be described with two parents: it is refused
 * rather than losing the order across the third (AWS reaches such targets
 * through intermediate splits and merges).
 */
export function planUniform(open: ShardRecord[], target: number): NewShard[] {
  const sorted = [...open].sort((a, b) => (BigInt(a.hashStart) < BigInt(b.hashStart) ? -1 : 1));
  return uniformRanges(target).map((r) => {
    const s = BigInt(r.hashStart);
    const e = BigInt(r.hashEnd);
    const parents = sorted.filter((p) => BigInt(p.hashStart) <= e && BigInt(p.hashEnd) >= s);
    if (parents.length > 2) {
      throw invalidArgument(
        `Kumo cannot scale ${open.length} shards to ${target} in one uniform step (a new shard would have ${parents.length} parents); scale in steps, e.g. through ${Math.max(target, Math.ceil(open.length / 2))}.`,
      );
    }
    return { hashStart: r.hashStart, hashEnd: r.hashEnd, parentShardId: parents[0]?.shardId, adjacentParentShardId: parents[1]?.shardId };
  });
}

/** SplitShard: the parent's range cut at `newStart` (which must lie strictly inside it). */
export function planSplit(parent: ShardRecord, newStart: bigint): NewShard[] {
  const s = BigInt(parent.hashStart);
  const e = BigInt(parent.hashEnd);
  if (newStart <= s || newStart > e) {
    throw invalidArgument(
      `NewStartingHashKey ${newStart} used in SplitShard() on shard ${parent.shardId} must be between ${s + 1n} and ${e}.`,
    );
  }
  return [
    { hashStart: s.toString(), hashEnd: (newStart - 1n).toString(), parentShardId: parent.shardId },
    { hashStart: newStart.toString(), hashEnd: e.toString(), parentShardId: parent.shardId },
  ];
}

/** MergeShards: two open shards with adjacent ranges become one. */
export function planMerge(shard: ShardRecord, adjacent: ShardRecord, stream: string, account: string): NewShard {
  const [a, b] = BigInt(shard.hashStart) < BigInt(adjacent.hashStart) ? [shard, adjacent] : [adjacent, shard];
  if (BigInt(a.hashEnd) + 1n !== BigInt(b.hashStart)) {
    throw invalidArgument(`Shards ${shard.shardId} and ${adjacent.shardId} in stream ${stream} under account ${account} are not an adjacent pair of shards eligible for merging`);
  }
  return { hashStart: a.hashStart, hashEnd: b.hashEnd, parentShardId: shard.shardId, adjacentParentShardId: adjacent.shardId };
}
