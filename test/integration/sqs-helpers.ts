import { SQSClient } from '@aws-sdk/client-sqs';
import { testCreds, type RunningServer } from './harness';

/** An SQS client for the running server (the SDK's MD5 checks stay on: its default). */
export function sqsClient(s: RunningServer): SQSClient {
  return new SQSClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
}

/** The error an SDK call rejects with (fails the test if it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { Code?: string; $metadata?: { httpStatusCode?: number } }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { Code?: string };
  }
  throw new Error('expected the call to fail');
}
