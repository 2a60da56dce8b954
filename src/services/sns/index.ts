import type { ServiceDefinition } from '../../gateway/service';
import { snsIam, snsOwnerAccount } from './iam';
import type { Publisher } from '../../topics/publisher';
import type { TopicService } from '../../topics/topic-service';
import { mapSnsError, snsErrors } from './errors';
import { publishOperations } from './publish-api';
import { subscriptionOperations } from './subscriptions-api';
import { topicOperations } from './topics-api';
import { snsUrlRoutes } from './urls';

export interface SnsDeps {
  topics: TopicService;
  publisher: Publisher;
  /** The PEM served at SigningCertURL. */
  snsSigningKeyPem(): string;
}

/**
 * Amazon SNS (2010-03-31): the query protocol (`Action=…&Version=2010-03-31`,
 * XML answers), SigV4 service `sns`; the unsigned URLs SNS messages carry
 * (SubscribeURL, UnsubscribeURL, SigningCertURL) as REST routes. Operations
 * decode members and call the domain (`src/topics/`); nothing here touches the store.
 */
export function snsService(d: SnsDeps): ServiceDefinition {
  return {
    name: 'sns',
    signingName: 'sns',
    // Every operation's IAM action and resources (./iam.ts).
    iam: snsIam,
    // Several accounts: the account of the topic or subscription ARN serves the call (gateway.ts `ownerOf`).
    ownerAccount: snsOwnerAccount,
    // Data events in CloudTrail's terms: not in the audit trail (gateway/service.ts `dataPlane`).
    dataPlane: new Set(['Publish', 'PublishBatch']),
    errors: snsErrors,
    internalErrorName: 'InternalError',
    query: { apiVersion: '2010-03-31', xmlNamespace: 'http://sns.amazonaws.com/doc/2010-03-31/' },
    restJson: { routes: snsUrlRoutes(d.topics, d.snsSigningKeyPem), errorType: false },
    operations: {
      ...topicOperations(d.topics),
      ...subscriptionOperations(d.topics),
      ...publishOperations(d.publisher),
    },
    mapError: mapSnsError,
  };
}
