import type { Operation } from '../../gateway/service';
import { StreamError } from '../../streams/errors';

/**
 * Operations Kumo does not honour, refused by name with the reason (never
 * accepted and dropped). ListStreamConsumers answers truthfully: there are none.
 */
const refused: Record<string, string> = {
  RegisterStreamConsumer: 'enhanced fan-out consumers are not supported; read with GetRecords.',
  DeregisterStreamConsumer: 'enhanced fan-out consumers are not supported.',
  DescribeStreamConsumer: 'enhanced fan-out consumers are not supported.',
  SubscribeToShard: 'enhanced fan-out (SubscribeToShard over HTTP/2) is not supported; read with GetRecords.',
  StartStreamEncryption: 'KMS server-side encryption is not supported (Kumo already seals every record with its own key).',
  StopStreamEncryption: 'KMS server-side encryption is not supported.',
  EnableEnhancedMonitoring: 'shard-level CloudWatch metrics are not supported.',
  DisableEnhancedMonitoring: 'shard-level CloudWatch metrics are not supported.',
  UpdateStreamMode: 'a stream keeps the capacity mode it was created with.',
  UpdateAccountSettings: 'account settings are not supported.',
  DescribeAccountSettings: 'account settings are not supported.',
  UpdateMaxRecordSize: 'records are limited to the default 1 MiB.',
  UpdateStreamWarmThroughput: 'warm throughput is not supported.',
  DescribeLimits: 'account shard limits are not reported.',
};

export function refusedOperations(): Record<string, Operation> {
  const ops: Record<string, Operation> = {};
  for (const [name, why] of Object.entries(refused)) {
    ops[name] = { handle: async () => { throw new StreamError('Unsupported', `Kumo does not support ${name}: ${why}`); } };
  }
  ops.ListStreamConsumers = { handle: async () => ({ Consumers: [] }) };
  return ops;
}
