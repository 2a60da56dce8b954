import { SSMClient } from '@aws-sdk/client-ssm';
import { testCreds, type RunningServer } from './harness';

export function ssmClient(s: RunningServer): SSMClient {
  return new SSMClient({ endpoint: s.endpoint, region: 'us-east-1', credentials: testCreds, maxAttempts: 1 });
}

/** The error an SSM call fails with: its name, HTTP status and message. */
export async function ssmError(p: Promise<unknown>): Promise<{ name: string; status?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: err.name, status: err.$metadata?.httpStatusCode, message: err.message };
  }
  throw new Error('the call succeeded');
}
