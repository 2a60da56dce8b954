import fs from 'node:fs';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListDeadLetterSourceQueuesCommand,
  ListMessageMoveTasksCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { parseArn } from '../domain/arn';
import { UsageError, type Parsed } from './args';
import { CliError, feature, loadCliConfig, sqsClient } from './client';

/**
 * `kumo queues …`: the queues on the server for a person at a terminal, all
 * through the SQS API (ListQueues, GetQueueAttributes, ReceiveMessage,
 * SendMessage, StartMessageMoveTask), as any SQS client would.
 *
 * `peek` looks without consuming: it receives with a short visibility
 * timeout and at once makes what it saw visible again
 * (ChangeMessageVisibility 0). SQS has no read-only receive, so each peek
 * counts as a receive (ApproximateReceiveCount): on a queue with a
 * RedrivePolicy, peeking a message maxReceiveCount times moves it to the DLQ.
 */

/** How long peeked messages are hidden at most if kumo dies before it makes them visible again. */
const peekHoldSeconds = 20;
/** ReceiveMessage's MaxNumberOfMessages maximum; ChangeMessageVisibilityBatch takes as many entries (SQS quotas). */
const receiveBatchMax = 10;
/** Peek at most this many messages (a terminal's worth; SQS holds up to 120,000 in flight). */
const peekMessagesMax = 100;
const peekMessagesDefault = 10;
/** How often and how long `redrive` watches the move task (ListMessageMoveTasks). */
const redrivePollMs = 250;
const redriveWaitMs = 10 * 60_000;

const countAttrs = ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed', 'RedrivePolicy', 'QueueArn'] as const;

export async function queuesCommand({ positional, flags }: Parsed): Promise<number> {
  const [sub, ...rest] = positional;
  const cfg = loadCliConfig(flags);
  const sqs = sqsClient(cfg);
  try {
    if (sub === undefined || sub === 'ls' || sub === 'list') {
      if (rest.length) throw new UsageError(`unexpected argument '${rest[0]}'`);
      return await list(sqs, !!flags.json);
    }
    if (sub === 'peek') return await peek(sqs, one(rest, 'peek <queue>'), flags);
    if (sub === 'redrive') return await redrive(sqs, one(rest, 'redrive <dlq>'), flags);
    if (sub === 'send') {
      if (rest.length !== 2) throw new UsageError('send takes <queue> and <body> (or - to read the body from stdin)');
      return await send(sqs, rest[0]!, rest[1]!, flags);
    }
    throw new UsageError(`unknown queues command '${sub}' (ls, peek, redrive, send)`);
  } finally {
    sqs.destroy();
  }
}

function one(args: string[], usage: string): string {
  if (args.length !== 1) throw new UsageError(`usage: kumo queues ${usage}`);
  return args[0]!;
}

/** A queue by URL, ARN or name → its URL (GetQueueUrl for a name). */
export async function queueUrlOf(sqs: SQSClient, q: string): Promise<string> {
  if (/^https?:\/\//.test(q)) return q;
  const arn = q.startsWith('arn:') ? parseArn(q) : undefined;
  if (q.startsWith('arn:') && (!arn || arn.service !== 'sqs')) throw new CliError(`${q} is not an SQS queue ARN`);
  const name = arn ? arn.resource : q;
  try {
    return (await feature('queues', 'GetQueueUrl', () => sqs.send(new GetQueueUrlCommand({ QueueName: name })))).QueueUrl!;
  } catch (e) {
    if (['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes((e as { name?: string }).name ?? '')) throw new CliError(`no queue named ${name} (kumo queues lists them)`);
    throw e;
  }
}

const nameOfUrl = (url: string) => decodeURIComponent(url.split('/').pop() ?? url);
const nameOfArn = (arn: string) => parseArn(arn)?.resource ?? arn;

async function allQueueUrls(sqs: SQSClient): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const r = await feature('queues', 'ListQueues', () => sqs.send(new ListQueuesCommand({ MaxResults: 1000, NextToken: token })));
    out.push(...(r.QueueUrls ?? []));
    token = r.NextToken;
  } while (token);
  return out;
}

interface QueueRow {
  name: string;
  url: string;
  arn: string;
  visible: number;
  inFlight: number;
  delayed: number;
  deadLetterQueue?: string;
  maxReceiveCount?: number;
  /** The queues this one is the dead-letter queue of. */
  deadLetterOf: string[];
}

async function list(sqs: SQSClient, json: boolean): Promise<number> {
  const urls = await allQueueUrls(sqs);
  const rows: QueueRow[] = [];
  for (const url of urls) {
    let a: Record<string, string>;
    try {
      a = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: [...countAttrs] }))).Attributes ?? {};
    } catch (e) {
      // Deleted between the list and the look: not there any more.
      if (['QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'].includes((e as { name?: string }).name ?? '')) continue;
      throw e;
    }
    let rp: { deadLetterTargetArn?: string; maxReceiveCount?: number | string } = {};
    try {
      rp = a.RedrivePolicy ? (JSON.parse(a.RedrivePolicy) as typeof rp) : {};
    } catch {
      rp = {};
    }
    rows.push({
      name: nameOfUrl(url),
      url,
      arn: a.QueueArn ?? '',
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
      deadLetterQueue: rp.deadLetterTargetArn ? nameOfArn(rp.deadLetterTargetArn) : undefined,
      maxReceiveCount: rp.maxReceiveCount !== undefined ? Number(rp.maxReceiveCount) : undefined,
      deadLetterOf: [],
    });
  }
  for (const r of rows) if (r.deadLetterQueue) rows.find((x) => x.name === r.deadLetterQueue)?.deadLetterOf.push(r.name);
  if (json) {
    process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    return 0;
  }
  if (!rows.length) {
    process.stdout.write('no queues (kumo deploy a template with an AWS::SQS::Queue, or aws sqs create-queue)\n');
    return 0;
  }
  const table = [['QUEUE', 'VISIBLE', 'IN FLIGHT', 'DELAYED', 'DEAD-LETTER QUEUE']];
  for (const r of rows) {
    const dlq = [r.deadLetterQueue ? `${r.deadLetterQueue} after ${r.maxReceiveCount} receives` : '', r.deadLetterOf.length ? `(DLQ of ${r.deadLetterOf.join(', ')})` : ''].filter(Boolean).join(' ');
    table.push([r.name, String(r.visible), String(r.inFlight), String(r.delayed), dlq || '-']);
  }
  const w = [0, 1, 2, 3].map((i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of table) process.stdout.write(`${r.slice(0, 4).map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ')}  ${r[4]}\n`);
  return 0;
}

/** Receives up to N messages, then makes every one visible again at once. */
async function peek(sqs: SQSClient, q: string, flags: Parsed['flags']): Promise<number> {
  const n = flags.number === undefined ? peekMessagesDefault : Number(flags.number);
  if (!Number.isInteger(n) || n < 1 || n > peekMessagesMax) throw new UsageError(`-n takes a number from 1 to ${peekMessagesMax}`);
  const url = await queueUrlOf(sqs, q);
  const seen = new Map<string, Message>();
  try {
    while (seen.size < n) {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(receiveBatchMax, n - seen.size),
          VisibilityTimeout: peekHoldSeconds,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ['All'],
          MessageAttributeNames: ['All'],
        }),
      );
      const got = (r.Messages ?? []).filter((m) => !seen.has(m.MessageId!));
      if (!got.length) break;
      for (const m of got) seen.set(m.MessageId!, m);
    }
  } finally {
    await release(sqs, url, [...seen.values()]);
  }
  const msgs = [...seen.values()];
  if (flags.json) {
    process.stdout.write(JSON.stringify(msgs.map(({ ReceiptHandle: _r, ...m }) => m), null, 2) + '\n');
    return 0;
  }
  if (!msgs.length) {
    process.stdout.write(`${nameOfUrl(url)}: no visible messages\n`);
    return 0;
  }
  for (const m of msgs) {
    const a = m.Attributes ?? {};
    const sent = a.SentTimestamp ? new Date(Number(a.SentTimestamp)).toISOString() : '?';
    process.stdout.write(`── ${m.MessageId}  sent ${sent}  received ${a.ApproximateReceiveCount ?? '?'} time(s)\n`);
    const extra = Object.entries(a).filter(([k]) => !['SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'SenderId'].includes(k));
    for (const [k, v] of extra) process.stdout.write(`   ${k}: ${v}\n`);
    for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) process.stdout.write(`   attribute ${k} (${v.DataType}): ${v.StringValue ?? (v.BinaryValue ? Buffer.from(v.BinaryValue).toString('base64') : '')}\n`);
    process.stdout.write(`${pretty(m.Body ?? '')}\n`);
  }
  process.stdout.write(`${msgs.length} message(s) shown; still in ${nameOfUrl(url)} (each peek counts as a receive)\n`);
  return 0;
}

/** Makes peeked messages visible again (ChangeMessageVisibilityBatch, VisibilityTimeout 0). */
async function release(sqs: SQSClient, url: string, msgs: Message[]): Promise<void> {
  for (let i = 0; i < msgs.length; i += receiveBatchMax) {
    const batch = msgs.slice(i, i + receiveBatchMax);
    const r = await sqs.send(
      new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries: batch.map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle!, VisibilityTimeout: 0 })) }),
    );
    if (r.Failed?.length) process.stderr.write(`kumo: ${r.Failed.length} peeked message(s) stay hidden for up to ${peekHoldSeconds} s (${r.Failed[0]!.Code}: ${r.Failed[0]!.Message ?? ''})\n`);
  }
}

const pretty = (body: string) => {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
};

/** StartMessageMoveTask from the DLQ back to its sources (or --to a queue), then waits for the task and reports the count. */
async function redrive(sqs: SQSClient, q: string, flags: Parsed['flags']): Promise<number> {
  const url = await queueUrlOf(sqs, q);
  const name = nameOfUrl(url);
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
  if (!arn) throw new CliError(`the server gave no QueueArn for ${name}`);
  let destination: string | undefined;
  if (typeof flags.to === 'string') {
    const toUrl = await queueUrlOf(sqs, flags.to);
    destination = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: toUrl, AttributeNames: ['QueueArn'] }))).Attributes?.QueueArn;
  } else {
    const sources = (await feature('queues', 'ListDeadLetterSourceQueues', () => sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: url })))).queueUrls ?? [];
    if (!sources.length) throw new CliError(`${name} is not the dead-letter queue of any queue (no RedrivePolicy names it); use --to QUEUE to move its messages somewhere`);
  }
  const t = await feature('redrive', 'StartMessageMoveTask', () => sqs.send(new StartMessageMoveTaskCommand({ SourceArn: arn, DestinationArn: destination })));
  process.stdout.write(`moving the messages of ${name} to ${destination ? nameOfArn(destination) : 'their source queues'} (task ${t.TaskHandle})…\n`);
  const t0 = Date.now();
  for (;;) {
    const r = await sqs.send(new ListMessageMoveTasksCommand({ SourceArn: arn, MaxResults: 1 }));
    const task = r.Results?.[0];
    if (task && task.Status !== 'RUNNING' && task.Status !== 'CANCELLING') {
      const moved = task.ApproximateNumberOfMessagesMoved ?? 0;
      if (task.Status === 'COMPLETED') {
        process.stdout.write(`moved ${moved} message(s) from ${name}\n`);
        return 0;
      }
      throw new CliError(`the move task ended ${task.Status} after ${moved} message(s)${task.FailureReason ? `: ${task.FailureReason}` : ''}`);
    }
    if (Date.now() - t0 > redriveWaitMs) {
      throw new CliError(`the move task is still running after ${redriveWaitMs / 60_000} minutes (${task?.ApproximateNumberOfMessagesMoved ?? 0} moved so far); it goes on on the server`);
    }
    await new Promise((res) => setTimeout(res, redrivePollMs));
  }
}

async function send(sqs: SQSClient, q: string, bodyArg: string, flags: Parsed['flags']): Promise<number> {
  const body = bodyArg === '-' ? fs.readFileSync(0, 'utf8') : bodyArg;
  if (body === '') throw new UsageError('the message body is empty (SQS needs at least one character)');
  const url = await queueUrlOf(sqs, q);
  const delay = flags.delay === undefined ? undefined : Number(flags.delay);
  if (delay !== undefined && !Number.isInteger(delay)) throw new UsageError('--delay takes whole seconds');
  const r = await sqs.send(
    new SendMessageCommand({
      QueueUrl: url,
      MessageBody: body,
      DelaySeconds: delay,
      MessageGroupId: typeof flags['group-id'] === 'string' ? flags['group-id'] : undefined,
      MessageDeduplicationId: typeof flags['dedup-id'] === 'string' ? flags['dedup-id'] : undefined,
    }),
  );
  process.stdout.write(`sent ${r.MessageId}${r.SequenceNumber ? ` (sequence ${r.SequenceNumber})` : ''} to ${nameOfUrl(url)}\n`);
  return 0;
}
