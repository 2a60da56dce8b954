/**
 * Stream event source mappings' checkpoints (issue 14, item 3): per
 * (mapping, shard), the sequence number of the last record processed, and
 * whether a closed shard has been processed to its end (its children may
 * then start), and the open tumbling window of the shard when the mapping
 * has TumblingWindowInSeconds (its start and the state the function last
 * returned: saved in the same write as the sequence number, so after a
 * crash the window resumes with the state that matches the checkpoint).
 * Part of `Store` (types.ts); the stream poller uses it.
 *
 * Atomicity: every change is a compare-and-swap on the stored sequence
 * number, so two pollers of one shard (a restarted server and a late one)
 * cannot move a checkpoint backwards or past each other's batches: the
 * loser gets `conflict` and re-reads.
 */
export interface StreamCheckpoint {
  mappingId: string;
  shardId: string;
  /** The last sequence number processed (undefined: nothing yet, only `ended` may be set). */
  sequenceNumber?: string;
  ended: boolean;
  updatedMs: number;
  /** The shard's open tumbling window (JSON text the poller owns: tumbling-window.ts), absent when none is open. */
  window?: string;
}

/** What a save writes. */
export interface CheckpointUpdate {
  sequenceNumber?: string;
  ended: boolean;
  window?: string;
}

export interface CheckpointStore {
  /** The mapping's checkpoints, by shard id. */
  listCheckpoints(mappingId: string): Promise<StreamCheckpoint[]>;
  /**
   * Sets the shard's checkpoint if the stored sequence number is `expected`
   * (undefined: no checkpoint stored yet). `ended`: the shard is closed and
   * processed to its end. `window` replaces the stored window (absent:
   * none open, the stored one is dropped).
   */
  saveCheckpoint(mappingId: string, shardId: string, next: CheckpointUpdate, expected: string | undefined): Promise<'ok' | 'conflict'>;
  /** Deletes every checkpoint of the mapping (DeleteEventSourceMapping); returns how many. */
  deleteCheckpoints(mappingId: string): Promise<number>;
}
