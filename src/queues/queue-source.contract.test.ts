import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { queueSourceContract } from '../../test/queue-source-contract';
import { Keyring } from '../keys/keyring';
import { SqliteStore } from '../store/sqlite/sqlite-store';
import { QueueService } from './queue-service';
import { QueueSourceAdapter } from './source';

/** The QueueSource contract on the real queue service over a real SQLite store and keyring. */
queueSourceContract('QueueService on SQLite', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kumo-queue-source-'));
  const store = new SqliteStore(path.join(dir, 'kumo.db'));
  const queues = new QueueService(store, await Keyring.open(dir), { region: 'us-east-1', accountId: '000000000000' });
  const source = new QueueSourceAdapter(queues);
  return {
    source,
    async createQueue(name, o) {
      const attrs: Record<string, string> = { VisibilityTimeout: String(o.visibilityS) };
      if (o.fifo) attrs.FifoQueue = 'true';
      if (o.redrive) attrs.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: o.redrive.deadLetterArn, maxReceiveCount: o.redrive.maxReceiveCount });
      await queues.createQueue(name, attrs, {});
      return queues.arnOf(name);
    },
    send: (arn, body, o = {}) => source.send(arn, { body, attributes: o.attributes, groupId: o.groupId, dedupId: o.dedupId }),
    async close() {
      await store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});
