import type { Members } from '../../gateway/service';
import { accountInArn, arn, iamOf, one, str, type ResourcesOf } from '../iam-table';
import { snsErrors } from './errors';

/** The account field of an ARN (`arn:aws:sns:<region>:<account>:…`), when it is an account id. */

/**
 * Several accounts (issue 18): the account whose topic or subscription the
 * call names by ARN (TopicArn, Publish's TargetArn, SubscriptionArn, the tag
 * operations' ResourceArn). CreateTopic and the lists name none: the signer's.
 */
export function snsOwnerAccount(_operation: string, m: Members): string | undefined {
  return accountInArn(str(m, 'TopicArn')) ?? accountInArn(str(m, 'TargetArn')) ?? accountInArn(str(m, 'SubscriptionArn')) ?? accountInArn(str(m, 'ResourceArn'));
}

const topic: ResourcesOf = (m) => one(str(m, 'TopicArn'));
/** A subscription's topic: its ARN is the topic's plus `:<id>`. */
const subscriptionTopic: ResourcesOf = (m) => {
  const s = str(m, 'SubscriptionArn');
  const i = s?.lastIndexOf(':') ?? -1;
  return one(s && s.startsWith('arn:') && i > 0 ? s.slice(0, i) : undefined);
};

/**
 * SNS's operations as IAM authorises them: PublishBatch is `sns:Publish`,
 * topic operations name the topic, subscription operations the topic the
 * subscription is of. SNS refuses with its own `AuthorizationError` (403)
 * and spells the action `SNS:Publish` in the message, as SNS's answers do.
 */
export const snsIam = iamOf({
  prefix: 'sns',
  accessDenied: { name: 'AuthorizationError', spec: snsErrors.AuthorizationError! },
  messageAction: (a) => `SNS:${a.slice(a.indexOf(':') + 1)}`,
  actions: { PublishBatch: 'Publish' },
  resources: {
    CreateTopic: (m, ctx) => one(str(m, 'Name') && arn('sns', ctx, str(m, 'Name')!)),
    DeleteTopic: topic,
    ListTopics: '*',
    GetTopicAttributes: topic,
    SetTopicAttributes: topic,
    AddPermission: topic,
    RemovePermission: topic,
    TagResource: (m) => one(str(m, 'ResourceArn')),
    UntagResource: (m) => one(str(m, 'ResourceArn')),
    ListTagsForResource: (m) => one(str(m, 'ResourceArn')),
    Subscribe: topic,
    Unsubscribe: subscriptionTopic,
    ListSubscriptions: '*',
    ListSubscriptionsByTopic: topic,
    GetSubscriptionAttributes: subscriptionTopic,
    SetSubscriptionAttributes: subscriptionTopic,
    ConfirmSubscription: topic,
    Publish: (m) => one(str(m, 'TopicArn') ?? str(m, 'TargetArn')),
    PublishBatch: topic,
  },
});
