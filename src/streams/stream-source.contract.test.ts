import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { streamSourceContract } from '../../test/stream-source-contract';
import { Keyring } from '../keys/keyring';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { StreamService } from './stream-service';
import { StreamSourceAdapter } from './source';
import { streamTuningFromEnv } from './limits';

/** The StreamSource contract on the real stream service over a real SQLite store and keyring. */
streamSourceContract('StreamService on SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-stream-source-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  // A short CREATING/UPDATING and a read rate the suite's back-to-back reads stay under (AWS: 5 calls/s per shard).
  const tuning = { ...streamTuningFromEnv({}), transitionMs: 1, shardReadCallsPerS: 1000 };
  const streams = new StreamService(store, await Keyring.open(dir), { region: 'us-east-1', accountId: '000000000000' }, tuning);
  const source = new StreamSourceAdapter(streams);
  const settle = () => new Promise((r) => setTimeout(r, 5));
  return {
    source,
    async createStream(name, shards) {
      await streams.createStream(name, shards, 'PROVISIONED', {});
      await settle();
      return streams.arnOf(name);
    },
    async put(arn, pk, data) {
      const [r] = await streams.put(streams.nameOfArn(arn), [{ partitionKey: pk, data: Buffer.from(data) }]);
      if (!r || 'error' in r) throw new Error(`put failed: ${r && 'error' in r ? r.error.message : 'no result'}`);
      return r;
    },
    async split(arn, shardId) {
      const name = streams.nameOfArn(arn);
      const shard = (await streams.describe(name)).shards.find((s) => s.shardId === shardId)!;
      const mid = (BigInt(shard.hashStart) + BigInt(shard.hashEnd) + 1n) / 2n;
      await streams.splitShard(name, shardId, mid.toString());
      await settle();
    },
    async close() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
