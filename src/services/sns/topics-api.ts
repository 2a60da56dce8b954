import type { Operation } from '../../gateway/service';
import { queryMap } from '../../gateway/protocols/query';
import type { TopicService } from '../../topics/topic-service';
import { list, required, str, stringMap, tags } from './decode';
import { snsError } from './errors';

/** CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes, Add/RemovePermission, TagResource, UntagResource, ListTagsForResource. */
export function topicOperations(topics: TopicService): Record<string, Operation> {
  return {
    CreateTopic: {
      handle: async (input) => {
        if (input.DataProtectionPolicy !== undefined) {
          throw topicsRefusal('DataProtectionPolicy', 'Kumo has no message data protection');
        }
        const t = await topics.createTopic(required(input, 'Name'), stringMap(input, 'Attributes'), tags(input));
        return { TopicArn: t.arn };
      },
    },
    DeleteTopic: {
      handle: async (input) => {
        await topics.deleteTopic(required(input, 'TopicArn'));
      },
    },
    ListTopics: {
      handle: async (input) => {
        const r = await topics.listTopics(str(input, 'NextToken'));
        return { Topics: r.arns.map((TopicArn) => ({ TopicArn })), NextToken: r.nextToken };
      },
    },
    GetTopicAttributes: {
      handle: async (input) => ({ Attributes: queryMap(await topics.topicAttributes(required(input, 'TopicArn'))) }),
    },
    SetTopicAttributes: {
      handle: async (input) => {
        await topics.setTopicAttribute(required(input, 'TopicArn'), required(input, 'AttributeName'), str(input, 'AttributeValue'));
      },
    },
    // A topic policy's statements (topics/permissions.ts), which the authorizer enforces.
    AddPermission: {
      handle: async (input) => {
        await topics.addPermission(required(input, 'TopicArn'), {
          label: required(input, 'Label'), accounts: list(input, 'AWSAccountId').map(String), actions: list(input, 'ActionName').map(String),
        });
      },
    },
    RemovePermission: {
      handle: async (input) => {
        await topics.removePermission(required(input, 'TopicArn'), required(input, 'Label'));
      },
    },
    TagResource: {
      handle: async (input) => {
        await topics.tag(required(input, 'ResourceArn'), tags(input));
        return {}; // TagResourceResponse: an empty result element
      },
    },
    UntagResource: {
      handle: async (input) => {
        await topics.untag(required(input, 'ResourceArn'), list(input, 'TagKeys').map(String));
        return {};
      },
    },
    ListTagsForResource: {
      handle: async (input) => {
        const t = await topics.tags(required(input, 'ResourceArn'));
        return { Tags: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) };
      },
    },
  };
}

const topicsRefusal = (member: string, why: string) => snsError('InvalidParameter', `Invalid parameter: ${member} Reason: ${why}`);
