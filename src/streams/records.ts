/** The record types the stream service returns (re-exported for the service layer, which imports no store). */
export type { ShardRecord, StreamMode, StreamRecord } from '../store/streams';
