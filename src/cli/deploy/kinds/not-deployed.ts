import { formatArn } from '../../../domain/arn';
import type { DeployContext } from '../context';
import { defineKind, type ResourceKind } from '../kind';

/**
 * Every type no kind is registered for (AWS::DynamoDB::Table, Custom::…, SAM types
 * Kumo lacks): listed once in the plan's "Not deployed" group and skipped. A
 * !Ref to it gives its logical id and a !GetAtt a stand-in, so templates that
 * declare more than Kumo runs still deploy their functions. Stand-in ARNs
 * have the shape AWS gives that type (an IAM role's has no region:
 * `arn:aws:iam::<account>:role/<id>`, which Lambda accepts as a Role), never a
 * malformed one.
 */

/** ARN resource parts (and whether the ARN carries region and account) of the types templates most often refer to. */
const arnShapes: Record<string, { resource: (id: string) => string; global?: 'no-region' | 'none' }> = {
  'AWS::IAM::Role': { resource: (id) => `role/${id}`, global: 'no-region' },
  'AWS::IAM::ManagedPolicy': { resource: (id) => `policy/${id}`, global: 'no-region' },
  'AWS::IAM::User': { resource: (id) => `user/${id}`, global: 'no-region' },
  'AWS::S3::Bucket': { resource: (id) => id.toLowerCase(), global: 'none' },
  'AWS::DynamoDB::Table': { resource: (id) => `table/${id}` },
  'AWS::Kinesis::Stream': { resource: (id) => `stream/${id}` },
  'AWS::StepFunctions::StateMachine': { resource: (id) => `stateMachine:${id}` },
  'AWS::SecretsManager::Secret': { resource: (id) => `secret:${id}` },
};

function standInArn(type: string, id: string, ctx: DeployContext): string {
  const [, svc = 'unknown', res = 'resource'] = type.split('::');
  const shape = arnShapes[type];
  const resource = shape ? shape.resource(id) : `${res.toLowerCase()}/${id}`;
  return formatArn({
    partition: 'aws',
    service: svc.toLowerCase(),
    region: shape?.global ? '' : ctx.cfg.region,
    account: shape?.global === 'none' ? '' : ctx.cfg.accountId,
    resource,
  });
}

export function notDeployed(type: string): ResourceKind {
  return defineKind({
    type,
    deleteOrder: 3,
    physicalId: (d) => d.id,
    // CloudFormation's !Ref of a managed policy is its ARN; of most other types, a name.
    ref: (d, ctx) => (d.type === 'AWS::IAM::ManagedPolicy' ? standInArn(d.type, d.id, ctx) : d.id),
    getAtt(d, attr, _p, ctx) {
      if (/arn$/i.test(attr)) return standInArn(d.type, d.id, ctx);
      return d.id;
    },
    plan: async (d) => ({ decl: d, action: 'skip', reasons: [], physical: d.id, unsupported: 'not supported by Kumo yet' }),
    apply: async () => undefined,
  });
}
