import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { testCreds, type RunningServer } from './harness';

/** An EventBridge client for the running server. */
export function eventsClient(s: RunningServer): EventBridgeClient {
  return new EventBridgeClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
}
