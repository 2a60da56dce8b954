/**
 * SAM's `Policies` of an AWS::Serverless::Function → what its implicit role
 * (`<Fn>Role`) gets, as aws-sam-translator makes it: the managed policies
 * (a name is an AWS managed policy, e.g. AWSLambdaBasicExecutionRole under
 * its `/service-role/` path; an ARN as it is), inline policy documents
 * (`<Fn>RolePolicy<n>`), and SAM policy templates expanded to their
 * statements. The role always gets AWSLambdaBasicExecutionRole, as SAM's.
 * A policy template Kumo does not expand is refused by name (a template
 * error), never dropped. Pure: values are already resolved.
 */

export interface RolePolicies {
  managedArns: string[];
  inline: { name: string; document: { Version: string; Statement: unknown[] } }[];
}

export const lambdaTrustPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] }],
};

/** AWS managed policies that live below `/service-role/` (the ones Lambda templates name). */
const serviceRolePolicies = new Set([
  'AWSLambdaBasicExecutionRole', 'AWSLambdaRole', 'AWSLambdaKinesisExecutionRole', 'AWSLambdaDynamoDBExecutionRole',
  'AWSLambdaVPCAccessExecutionRole', 'AWSLambdaSQSQueueExecutionRole', 'AWSLambdaMSKExecutionRole', 'AWSLambdaENIManagementAccess',
]);

export const basicExecutionRoleArn = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';

export function managedPolicyArn(nameOrArn: string): string {
  if (nameOrArn.startsWith('arn:')) return nameOrArn;
  return `arn:aws:iam::aws:policy/${serviceRolePolicies.has(nameOrArn) ? 'service-role/' : ''}${nameOrArn}`;
}

type Scope = { region: string; accountId: string; partition?: string };
type Template = (args: Record<string, unknown>, s: Scope) => unknown[];

const arnOf = (s: Scope, service: string, resource: string, region = s.region) => `arn:${s.partition ?? 'aws'}:${service}:${region}:${s.accountId}:${resource}`;

/** SAM's policy templates (samtranslator/policy_templates_data/policy_templates.json) that Kumo's services can honour. */
const templates: Record<string, { params: string[]; statements: Template }> = {
  SQSSendMessagePolicy: {
    params: ['QueueName'],
    statements: (a, s) => [{ Effect: 'Allow', Action: ['sqs:SendMessage*'], Resource: arnOf(s, 'sqs', String(a.QueueName)) }],
  },
  SQSPollerPolicy: {
    params: ['QueueName'],
    statements: (a, s) => [{
      Effect: 'Allow',
      Action: ['sqs:ChangeMessageVisibility', 'sqs:ChangeMessageVisibilityBatch', 'sqs:DeleteMessage', 'sqs:DeleteMessageBatch', 'sqs:GetQueueAttributes', 'sqs:ReceiveMessage'],
      Resource: arnOf(s, 'sqs', String(a.QueueName)),
    }],
  },
  SNSPublishMessagePolicy: {
    params: ['TopicName'],
    statements: (a, s) => [{ Effect: 'Allow', Action: ['sns:Publish'], Resource: arnOf(s, 'sns', String(a.TopicName)) }],
  },
  KinesisStreamReadPolicy: {
    params: ['StreamName'],
    statements: (a, s) => [
      { Effect: 'Allow', Action: ['kinesis:ListStreams', 'kinesis:DescribeLimits'], Resource: arnOf(s, 'kinesis', 'stream/*') },
      {
        Effect: 'Allow',
        Action: ['kinesis:DescribeStream', 'kinesis:DescribeStreamSummary', 'kinesis:GetRecords', 'kinesis:GetShardIterator'],
        Resource: arnOf(s, 'kinesis', `stream/${String(a.StreamName)}`),
      },
    ],
  },
  LambdaInvokePolicy: {
    params: ['FunctionName'],
    statements: (a, s) => [{ Effect: 'Allow', Action: ['lambda:InvokeFunction'], Resource: arnOf(s, 'lambda', `function:${String(a.FunctionName)}*`) }],
  },
  SSMParameterReadPolicy: {
    params: ['ParameterName'],
    statements: (a, s) => [
      { Effect: 'Allow', Action: ['ssm:DescribeParameters'], Resource: '*' },
      { Effect: 'Allow', Action: ['ssm:GetParameters', 'ssm:GetParameter', 'ssm:GetParametersByPath'], Resource: arnOf(s, 'ssm', `parameter/${String(a.ParameterName)}`) },
    ],
  },
  CloudWatchPutMetricPolicy: {
    params: [],
    statements: () => [{ Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: '*' }],
  },
};

export const expandedPolicyTemplates = Object.keys(templates);

/** Thrown for a `Policies` entry Kumo cannot turn into a role's policy; the caller makes it a template error at `path`. */
export class PolicyError extends Error {
  constructor(readonly path: string, message: string) {
    super(message);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `Policies` (a string, a document, or a list of names/ARNs, documents and policy templates) of function `id`. */
export function rolePoliciesOf(id: string, policies: unknown, scope: Scope, path: string): RolePolicies {
  const out: RolePolicies = { managedArns: [basicExecutionRoleArn], inline: [] };
  if (policies === undefined) return out;
  const list = Array.isArray(policies) ? policies : [policies];
  list.forEach((entry, i) => {
    const p = Array.isArray(policies) ? `${path}[${i}]` : path;
    if (typeof entry === 'string') {
      const arn = managedPolicyArn(entry);
      if (!out.managedArns.includes(arn)) out.managedArns.push(arn);
      return;
    }
    if (!isObj(entry)) throw new PolicyError(p, 'a policy is a managed policy name or ARN, a policy document ({Statement: [...]}), or a SAM policy template');
    if ('Statement' in entry) {
      const st = entry.Statement;
      out.inline.push({ name: `${id}RolePolicy${out.inline.length}`, document: { Version: String(entry.Version ?? '2012-10-17'), Statement: Array.isArray(st) ? st : [st] } });
      return;
    }
    const names = Object.keys(entry);
    if (names.length !== 1) throw new PolicyError(p, 'a SAM policy template is one key: {TemplateName: {parameters}}');
    const name = names[0]!;
    const t = templates[name];
    if (!t) {
      throw new PolicyError(p, `the SAM policy template ${name} is not supported by kumo deploy (supported: ${expandedPolicyTemplates.join(', ')}); write its statements as a policy document`);
    }
    const args = entry[name] ?? {};
    if (!isObj(args)) throw new PolicyError(`${p}.${name}`, `${name} takes {${t.params.join(', ')}}`);
    for (const k of t.params) {
      if (typeof args[k] !== 'string' || args[k] === '') throw new PolicyError(`${p}.${name}.${k}`, `${name} needs ${k} (a string)`);
    }
    out.inline.push({ name: `${id}RolePolicy${out.inline.length}`, document: { Version: '2012-10-17', Statement: t.statements(args, scope) } });
  });
  return out;
}

/**
 * What SAM's translator adds to `<Fn>Role` for the function's own wiring:
 * `AWSLambdaSQSQueueExecutionRole` / `AWSLambdaKinesisExecutionRole` for SQS
 * and Kinesis events, and a statement allowing the send to a DeadLetterQueue
 * target and to each EventInvokeConfig destination (sqs:SendMessage,
 * sns:Publish, lambda:InvokeFunction, events:PutEvents). `props` resolved.
 */
export function wiringPolicies(id: string, props: Record<string, unknown>, into: RolePolicies): RolePolicies {
  const add = (arn: string) => !into.managedArns.includes(arn) && into.managedArns.push(arn);
  for (const ev of Object.values(isObj(props.Events) ? props.Events : {})) {
    if (!isObj(ev)) continue;
    if (ev.Type === 'SQS') add(managedPolicyArn('AWSLambdaSQSQueueExecutionRole'));
    if (ev.Type === 'Kinesis') add(managedPolicyArn('AWSLambdaKinesisExecutionRole'));
  }
  const statements: unknown[] = [];
  const sendTo = (type: unknown, arn: unknown) => {
    if (typeof arn !== 'string') return;
    const action = { SQS: 'sqs:SendMessage', SNS: 'sns:Publish', Lambda: 'lambda:InvokeFunction', EventBridge: 'events:PutEvents' }[String(type)];
    if (action) statements.push({ Effect: 'Allow', Action: action, Resource: arn });
  };
  const dlq = props.DeadLetterQueue;
  if (isObj(dlq)) sendTo(dlq.Type, dlq.TargetArn);
  const dest = isObj(props.EventInvokeConfig) ? props.EventInvokeConfig.DestinationConfig : undefined;
  if (isObj(dest)) {
    for (const k of ['OnSuccess', 'OnFailure']) {
      const d = dest[k];
      if (isObj(d)) sendTo(d.Type, d.Destination);
    }
  }
  if (statements.length) into.inline.push({ name: `${id}RoleWiringPolicy`, document: { Version: '2012-10-17', Statement: statements } });
  return into;
}
