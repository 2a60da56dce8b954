import { streamSourceContract } from '../../test/stream-source-contract';
import { FakeStreamSource } from '../../test/fakes/stream-source';

/** The StreamSource contract on the stream poller tests' fake (test/fakes/stream-source.ts). */
streamSourceContract('the event-source fake (test/fakes/stream-source.ts)', async () => {
  const source = new FakeStreamSource();
  return {
    source,
    createStream: async (name, shards) => source.createStream(name, shards),
    put: async (arn, pk, data) => source.put(arn, pk, data),
    split: async (arn, shardId) => source.split(arn, shardId),
    async close() {},
  };
});
