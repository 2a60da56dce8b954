/**
 * Which resource a call names, for LookupEvents' ResourceType and
 * ResourceName (CloudTrail fills them from the request for the services it
 * knows). The first member of the request found in this list decides.
 */
const members: readonly { member: string; type: (service: string) => string | undefined; name?: (v: string) => string }[] = [
  { member: 'FunctionName', type: (s) => (s === 'lambda' ? 'AWS::Lambda::Function' : undefined), name: (v) => /:function:([^:]+)/.exec(v)?.[1] ?? v },
  { member: 'UUID', type: (s) => (s === 'lambda' ? 'AWS::Lambda::EventSourceMapping' : undefined) },
  { member: 'LayerName', type: (s) => (s === 'lambda' ? 'AWS::Lambda::LayerVersion' : undefined) },
  { member: 'QueueUrl', type: (s) => (s === 'sqs' ? 'AWS::SQS::Queue' : undefined), name: (v) => v.slice(v.lastIndexOf('/') + 1) },
  { member: 'QueueName', type: (s) => (s === 'sqs' ? 'AWS::SQS::Queue' : undefined) },
  { member: 'TopicArn', type: (s) => (s === 'sns' ? 'AWS::SNS::Topic' : undefined) },
  { member: 'StreamName', type: (s) => (s === 'kinesis' ? 'AWS::Kinesis::Stream' : undefined) },
  { member: 'StreamARN', type: (s) => (s === 'kinesis' ? 'AWS::Kinesis::Stream' : undefined), name: (v) => v.slice(v.lastIndexOf('/') + 1) },
  { member: 'logGroupName', type: (s) => (s === 'logs' ? 'AWS::Logs::LogGroup' : undefined) },
  { member: 'RoleName', type: (s) => (s === 'iam' ? 'AWS::IAM::Role' : undefined) },
  { member: 'RoleArn', type: (s) => (s === 'sts' ? 'AWS::IAM::Role' : undefined), name: (v) => v.slice(v.lastIndexOf('/') + 1) },
  { member: 'UserName', type: (s) => (s === 'iam' ? 'AWS::IAM::User' : undefined) },
  { member: 'PolicyArn', type: (s) => (s === 'iam' ? 'AWS::IAM::Policy' : undefined), name: (v) => v.slice(v.lastIndexOf('/') + 1) },
  { member: 'PolicyName', type: (s) => (s === 'iam' ? 'AWS::IAM::Policy' : undefined) },
];

export function resourceOf(service: string, input: unknown): { type: string; name: string } | undefined {
  if (!input || typeof input !== 'object') return undefined;
  const o = input as Record<string, unknown>;
  for (const m of members) {
    const v = o[m.member];
    const type = typeof v === 'string' && v ? m.type(service) : undefined;
    if (type) return { type, name: m.name ? m.name(v as string) : (v as string) };
  }
  return undefined;
}

/** CloudTrail's ReadOnly: reads are the Get/List/Describe… calls. */
export const isReadOnly = (operation: string) => /^(Get|List|Describe|Lookup|Test|Head|Filter)/.test(operation);
