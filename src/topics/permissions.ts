import { checkResourcePolicy, permissionStatement, statementsOf, type ResourcePolicyLimits } from '../identity/resource-policies';
import { invalid } from './errors';
import { permissionLabelCharsMax, topicPolicyBytesMax, topicPolicyPrincipalsPerStatementMax, topicPolicyStatementsMax } from './limits';

/**
 * A topic's access policy (the `Policy` attribute) and AddPermission /
 * RemovePermission as edits of it (pure; the topic service runs the edits
 * inside the store transaction that reads and writes the attribute). AWS's
 * shapes and words, from LocalStack's recordings against AWS
 * (test_topic_add_permission, test_topic_add_multiple_permissions,
 * test_add_permission_errors): a topic without a Policy of its own has the
 * default one; AddPermission appends `{Sid: Label, Effect: Allow, Principal:
 * {AWS: <root ARN> | [<root ARN>…]}, Action: "SNS:<Action>" | […], Resource:
 * <topic ARN>}` to it.
 */

export const topicPolicyLimits: ResourcePolicyLimits = {
  bytesMax: topicPolicyBytesMax, statementsMax: topicPolicyStatementsMax, principalsMax: topicPolicyPrincipalsPerStatementMax, principalsPer: 'statement',
};

/** The policy AWS gives every new topic (GetTopicAttributes "Policy"): the owner's account may do everything. */
export function defaultTopicPolicy(arn: string, account: string): Record<string, unknown> {
  return {
    Version: '2008-10-17',
    Id: '__default_policy_ID',
    Statement: [{
      Sid: '__default_statement_ID',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: ['SNS:GetTopicAttributes', 'SNS:SetTopicAttributes', 'SNS:AddPermission', 'SNS:RemovePermission', 'SNS:DeleteTopic',
        'SNS:Subscribe', 'SNS:ListSubscriptionsByTopic', 'SNS:Publish'],
      Resource: arn,
      Condition: { StringEquals: { 'AWS:SourceOwner': account } },
    }],
  };
}

/**
 * The Policy attribute as CreateTopic / SetTopicAttributes set it: an IAM
 * resource policy within SNS's quotas. AWS answers text that is no policy
 * at all (empty, not JSON) "Invalid parameter: Policy Error: null" (a topic
 * always has a policy: there is no clearing it); Kumo gives other reasons in
 * the same form.
 */
export function checkTopicPolicy(v: string): string {
  const r = checkResourcePolicy(v, topicPolicyLimits);
  if (!r.ok) throw invalid(`Invalid parameter: Policy Error: ${r.syntax ? 'null' : r.reason}`);
  return v;
}

/** Actions AddPermission grants (SNS's valid policy actions for a topic). */
const grantable = new Set(['GetTopicAttributes', 'SetTopicAttributes', 'AddPermission', 'RemovePermission', 'DeleteTopic', 'Subscribe', 'ListSubscriptionsByTopic', 'Publish', 'Receive']);
const accountRe = /^\d{12}$/;

export interface TopicPermissionInput {
  label: string;
  accounts: readonly string[];
  actions: readonly string[];
}

/** AddPermission's members that need no policy to check: required and well-formed (SNS names the member). */
export function checkTopicPermission(p: TopicPermissionInput): void {
  if (p.label === '' || [...p.label].length > permissionLabelCharsMax) throw invalid('Invalid parameter: Label');
  if (!p.accounts.length || p.accounts.some((a) => !accountRe.test(a))) throw invalid('Invalid parameter: AWSAccountId');
  if (!p.actions.length) throw invalid('Invalid parameter: ActionName');
}

/** The Policy after AddPermission; AWS's errors for a label in use and an action SNS does not grant, in AWS's order. */
export function withTopicPermission(current: string, topicArn: string, p: TopicPermissionInput): string {
  const policy = JSON.parse(current) as Record<string, unknown>;
  const statements = statementsOf(policy);
  if (statements.some((s) => s.Sid === p.label)) throw invalid('Invalid parameter: Statement already exists');
  if (p.actions.some((a) => !grantable.has(a))) throw invalid('Invalid parameter: Policy statement action out of service scope!');
  const next = JSON.stringify({ ...policy, Statement: [...statements, permissionStatement(p.label, p.accounts, p.actions.map((a) => `SNS:${a}`), topicArn)] });
  return checkTopicPolicy(next);
}

/** The Policy after RemovePermission: the statement of that label gone (a label no statement has changes nothing, as SNS answers it). */
export function withoutTopicPermission(current: string, label: string): string {
  const policy = JSON.parse(current) as Record<string, unknown>;
  const statements = statementsOf(policy);
  if (!statements.some((s) => s.Sid === label)) return current;
  return JSON.stringify({ ...policy, Statement: statements.filter((s) => s.Sid !== label) });
}
