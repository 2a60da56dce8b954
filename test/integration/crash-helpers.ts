import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { ReceiveMessageCommand, type Message, type SQSClient } from '@aws-sdk/client-sqs';

/** A seeded PRNG (mulberry32): the crash moments are reproducible from the logged seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every log line of a function's group through the Logs API (FilterLogEvents, paged by nextToken). */
export async function allLogLines(logs: CloudWatchLogsClient, fn: string): Promise<string[]> {
  const out: string[] = [];
  let nextToken: string | undefined;
  do {
    const r = await logs.send(new FilterLogEventsCommand({ logGroupName: `/aws/lambda/${fn}`, nextToken, limit: 10_000 }));
    for (const e of r.events ?? []) out.push(e.message ?? '');
    nextToken = r.nextToken;
  } while (nextToken);
  return out;
}

/**
 * Every message of a queue, received until two empty long polls in a row.
 * The long visibility timeout keeps each one hidden while we read, so each is counted once.
 */
export async function drainQueue(sqs: SQSClient, queueUrl: string): Promise<Message[]> {
  const out: Message[] = [];
  let empty = 0;
  while (empty < 2) {
    const r = await sqs.send(new ReceiveMessageCommand({
      QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, VisibilityTimeout: 300, MessageAttributeNames: ['All'],
    }));
    const got = r.Messages ?? [];
    if (got.length === 0) empty++;
    else empty = 0;
    out.push(...got);
  }
  return out;
}

/** How a failed call is classified: a cut connection or a 5xx is "unknown" (it may have been applied); anything else is a defect. */
export function isTransient(e: unknown): boolean {
  const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || status === 429;
}
