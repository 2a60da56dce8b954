import type { AliasRecord, AsyncEvent, FunctionRecord, LayerVersionRecord, LogBatch, NewAsyncEvent, VersionRecord } from '../src/domain/records';

/** Records for the store contract suite (test/store-contract.ts) and its crash child. */

export function version(functionName: string, v: string, over: Partial<VersionRecord> = {}): VersionRecord {
  return {
    functionName,
    version: v,
    config: {
      runtime: 'nodejs20.x', handler: 'index.handler', role: 'arn:aws:iam::123456789012:role/r', description: '',
      timeoutSeconds: 3, memoryMb: 128, ephemeralStorageMb: 512, architectures: ['x86_64'], packageType: 'Zip',
      logFormat: 'Text', logGroup: `/aws/lambda/${functionName}`, tracingMode: 'PassThrough', layers: [], envKeys: [],
    },
    envSealed: null,
    codeKey: `code-${functionName}`,
    codeSha256: 'sha',
    codeSize: 100,
    revisionId: `rev-${functionName}-${v}-0`,
    lastModified: '2026-01-01T00:00:00.000+0000',
    state: 'Active',
    stateReason: null,
    stateReasonCode: null,
    lastUpdateStatus: 'Successful',
    lastUpdateStatusReason: null,
    lastUpdateStatusReasonCode: null,
    ...over,
  };
}

export function fn(name: string, over: Partial<FunctionRecord> = {}): FunctionRecord {
  return { name, createdAt: '2026-01-01T00:00:00.000Z', latest: version(name, '$LATEST'), ...over };
}

export function alias(functionName: string, name: string, functionVersion: string, over: Partial<AliasRecord> = {}): AliasRecord {
  return { functionName, name, functionVersion, description: '', additionalVersionWeights: {}, revisionId: `rev-${name}-0`, ...over };
}

export function layer(layerName: string, v: number, over: Partial<LayerVersionRecord> = {}): LayerVersionRecord {
  return {
    layerName, version: v, description: '', createdDate: '2026-01-01T00:00:00.000+0000', codeKey: `layer-${layerName}-${v}`,
    codeSha256: 'sha', codeSize: 10, unzippedBytes: 20, compatibleRuntimes: [], compatibleArchitectures: [], statements: [],
    policyRevisionId: `prev-${layerName}-${v}-0`, ...over,
  };
}

export function asyncEvent(id: string, over: Partial<NewAsyncEvent> = {}): NewAsyncEvent {
  return {
    id, functionName: 'f', qualifier: '$LATEST', payload: Buffer.from(`{"id":"${id}"}`), requestId: `req-${id}`, attempts: 0, ...over,
  };
}

/** A leased event without its enqueue moment (which the store stamps), to compare with what was enqueued. */
export function withoutTimes(e: AsyncEvent | undefined): NewAsyncEvent | undefined {
  if (!e) return undefined;
  const { enqueuedAtMs: _, ...rest } = e;
  return rest;
}

/** What the crash child writes in round `i`, and what the parent checks after it was killed. */
export const crashRecords = {
  tagsPerFunction: 20,
  eventsPerStream: 400,
  group: '/crash',
  streams: ['a', 'b'] as const,
  fn(i: number): FunctionRecord {
    const tags: Record<string, string> = {};
    for (let t = 0; t < crashRecords.tagsPerFunction; t++) tags[`k${t}`] = `v${i}`;
    return fn(`crash-${i}`, { tags });
  },
  batch(i: number): LogBatch[] {
    const padding = 'x'.repeat(200);
    return crashRecords.streams.map((stream) => ({
      group: crashRecords.group,
      stream,
      events: Array.from({ length: crashRecords.eventsPerStream }, (_, n) => ({ timestampMs: 1_000_000 + i, message: `b${i} ${n} ${padding}` })),
    }));
  },
};
