import type { MessageSigner } from './signer';
import type { PublishedMessage, SubscriptionRecord } from './records';

/**
 * The shapes SNS delivers, built from a published message for one
 * subscription: the JSON envelope of HTTP/S and SQS
 * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html),
 * the Lambda event (`Records[0].Sns`, whose URL members are spelt
 * `SigningCertUrl` / `UnsubscribeUrl`), and the SubscriptionConfirmation.
 */

export interface EnvelopeContext {
  signer: MessageSigner;
  /** Kumo's own URLs (SigningCertURL, SubscribeURL, UnsubscribeURL) as this server is reached. */
  baseUrl: string;
  signatureVersion: '1' | '2';
}

export const signingCertPath = '/kumo/sns/SimpleNotificationService-kumo.pem';
export const confirmPath = '/kumo/sns/confirm';
export const unsubscribePath = '/kumo/sns/unsubscribe';

/** The message text for this subscription's protocol: with MessageStructure=json, its own entry or `default`. */
export function messageFor(msg: PublishedMessage, protocol: string): string {
  if (msg.structure !== 'json') return msg.message;
  const m = JSON.parse(msg.message) as Record<string, string>;
  return m[protocol] ?? m.default!;
}

const timestamp = (ms: number) => new Date(ms).toISOString();

function attributesOf(msg: PublishedMessage): Record<string, { Type: string; Value: string }> | undefined {
  const entries = Object.entries(msg.attributes);
  if (entries.length === 0) return undefined;
  return Object.fromEntries(entries.map(([k, a]) => [k, { Type: a.DataType, Value: a.StringValue ?? a.BinaryValue ?? '' }]));
}

export function unsubscribeUrl(baseUrl: string, subscriptionArn: string): string {
  return `${baseUrl}${unsubscribePath}?Action=Unsubscribe&SubscriptionArn=${encodeURIComponent(subscriptionArn)}`;
}

/** The HTTP/S and SQS notification (a JSON object, in AWS's member order). */
export function notification(msg: PublishedMessage, sub: SubscriptionRecord, ctx: EnvelopeContext): Record<string, unknown> {
  const text = messageFor(msg, sub.protocol);
  const ts = timestamp(msg.timestampMs);
  const signature = ctx.signer.sign(
    [['Message', text], ['MessageId', msg.messageId], ['Subject', msg.subject], ['Timestamp', ts], ['TopicArn', msg.topicArn], ['Type', 'Notification']],
    ctx.signatureVersion,
  );
  return {
    Type: 'Notification',
    MessageId: msg.messageId,
    ...(msg.sequenceNumber !== undefined ? { SequenceNumber: msg.sequenceNumber } : {}),
    TopicArn: msg.topicArn,
    ...(msg.subject !== undefined ? { Subject: msg.subject } : {}),
    Message: text,
    Timestamp: ts,
    SignatureVersion: ctx.signatureVersion,
    Signature: signature,
    SigningCertURL: `${ctx.baseUrl}${signingCertPath}`,
    UnsubscribeURL: unsubscribeUrl(ctx.baseUrl, sub.arn),
    ...(attributesOf(msg) ? { MessageAttributes: attributesOf(msg) } : {}),
  };
}

/** The event a Lambda function subscribed to the topic receives. */
export function lambdaEvent(msg: PublishedMessage, sub: SubscriptionRecord, ctx: EnvelopeContext): Record<string, unknown> {
  const n = notification(msg, sub, ctx);
  return {
    Records: [{
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: sub.arn,
      Sns: {
        Type: 'Notification',
        MessageId: msg.messageId,
        TopicArn: msg.topicArn,
        Subject: msg.subject ?? null,
        Message: n.Message,
        Timestamp: n.Timestamp,
        SignatureVersion: n.SignatureVersion,
        Signature: n.Signature,
        SigningCertUrl: n.SigningCertURL,
        UnsubscribeUrl: n.UnsubscribeURL,
        MessageAttributes: attributesOf(msg) ?? {},
      },
    }],
  };
}

export function subscribeUrl(baseUrl: string, topicArn: string, token: string): string {
  return `${baseUrl}${confirmPath}?Action=ConfirmSubscription&TopicArn=${encodeURIComponent(topicArn)}&Token=${token}`;
}

/** The SubscriptionConfirmation an HTTP/S endpoint receives first; `msg.message` holds the token. */
export function confirmation(msg: PublishedMessage, sub: SubscriptionRecord, ctx: EnvelopeContext): Record<string, unknown> {
  const token = sub.token ?? '';
  const text = `You have chosen to subscribe to the topic ${sub.topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`;
  const url = subscribeUrl(ctx.baseUrl, sub.topicArn, token);
  const ts = timestamp(msg.timestampMs);
  const signature = ctx.signer.sign(
    [['Message', text], ['MessageId', msg.messageId], ['SubscribeURL', url], ['Timestamp', ts], ['Token', token], ['TopicArn', sub.topicArn],
      ['Type', 'SubscriptionConfirmation']],
    ctx.signatureVersion,
  );
  return {
    Type: 'SubscriptionConfirmation',
    MessageId: msg.messageId,
    Token: token,
    TopicArn: sub.topicArn,
    Message: text,
    SubscribeURL: url,
    Timestamp: ts,
    SignatureVersion: ctx.signatureVersion,
    Signature: signature,
    SigningCertURL: `${ctx.baseUrl}${signingCertPath}`,
  };
}
