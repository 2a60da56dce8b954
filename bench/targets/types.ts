import type { Endpoint } from '../lib/load';
import type { StoreMode } from '../lib/db-use';

export type Group = 'floors' | 'peer' | 'kumo' | 'sqslite' | 'kinesalite' | 'moto';

/** Something the warm phases send Invoke requests to. */
export interface WarmTarget {
  key: string;
  label: string;
  group: Group;
  /** Kumo: the store mode of the server it runs on. */
  database?: StoreMode;
  endpoint: Endpoint;
  /** Processes that run handlers right now (runtime processes / workers), when known. */
  runtimeProcesses(): number | undefined;
  /** PIDs whose CPU time is the target's: the server side and the runtime side (handlers). */
  pids(): { server: number[]; runtime: number[] };
  stop(): Promise<void>;
}
