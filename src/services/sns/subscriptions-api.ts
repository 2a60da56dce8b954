import type { Operation } from '../../gateway/service';
import { queryMap } from '../../gateway/protocols/query';
import type { SubscriptionRecord } from '../../topics/records';
import type { TopicService } from '../../topics/topic-service';
import { required, str, stringMap } from './decode';
import { snsError } from './errors';

/** What ListSubscriptions shows for a subscription not yet confirmed (AWS: the literal text). */
export const pendingArn = 'PendingConfirmation';

const listed = (s: SubscriptionRecord) => ({
  SubscriptionArn: s.confirmed ? s.arn : pendingArn, Owner: s.owner, Protocol: s.protocol, Endpoint: s.endpoint, TopicArn: s.topicArn,
});

/** Subscribe, Unsubscribe, ListSubscriptions(ByTopic), Get/SetSubscriptionAttributes, ConfirmSubscription. */
export function subscriptionOperations(topics: TopicService): Record<string, Operation> {
  return {
    Subscribe: {
      handle: async (input, ctx) => {
        const returnArn = str(input, 'ReturnSubscriptionArn');
        if (returnArn !== undefined && returnArn !== 'true' && returnArn !== 'false') {
          throw snsError('InvalidParameter', 'Invalid parameter: ReturnSubscriptionArn');
        }
        const s = await topics.subscribe(required(input, 'TopicArn'), required(input, 'Protocol'), str(input, 'Endpoint'), stringMap(input, 'Attributes'), ctx.principal?.accountId);
        // AWS: an unconfirmed subscription's ARN is only returned when asked for (ReturnSubscriptionArn).
        return { SubscriptionArn: s.confirmed || returnArn === 'true' ? s.arn : 'pending confirmation' };
      },
    },
    Unsubscribe: {
      handle: async (input) => {
        await topics.unsubscribe(required(input, 'SubscriptionArn'));
      },
    },
    ListSubscriptions: {
      handle: async (input) => {
        const r = await topics.listSubscriptions(str(input, 'NextToken'));
        return { Subscriptions: r.subscriptions.map(listed), NextToken: r.nextToken };
      },
    },
    ListSubscriptionsByTopic: {
      handle: async (input) => {
        const r = await topics.listSubscriptions(str(input, 'NextToken'), required(input, 'TopicArn'));
        return { Subscriptions: r.subscriptions.map(listed), NextToken: r.nextToken };
      },
    },
    GetSubscriptionAttributes: {
      handle: async (input) => ({ Attributes: queryMap(await topics.subscriptionAttributes(required(input, 'SubscriptionArn'))) }),
    },
    SetSubscriptionAttributes: {
      handle: async (input) => {
        await topics.setSubscriptionAttribute(required(input, 'SubscriptionArn'), required(input, 'AttributeName'), str(input, 'AttributeValue'));
      },
    },
    ConfirmSubscription: {
      handle: async (input) => {
        // Kumo's UnsubscribeURL needs no signature; a subscription that asks to require one is refused rather than left open.
        if (str(input, 'AuthenticateOnUnsubscribe') === 'true') {
          throw snsError('InvalidParameter', 'Invalid parameter: AuthenticateOnUnsubscribe Reason: Kumo does not authenticate unsubscribe requests');
        }
        const s = await topics.confirmSubscription(required(input, 'TopicArn'), required(input, 'Token'));
        return { SubscriptionArn: s.arn };
      },
    },
  };
}
