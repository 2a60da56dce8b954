import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
  type CloudWatchLogsClient,
} from '@aws-sdk/client-cloudwatch-logs';
import { logGroupArn } from '../../../domain/arn';
import { feature } from '../../client';
import { isFunctionType, physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind } from '../kind';
import { nameProp, num, str } from '../values';

/**
 * AWS::Logs::LogGroup through the CloudWatch Logs API: CreateLogGroup, then
 * PutRetentionPolicy for RetentionInDays (DeleteRetentionPolicy when the
 * template stops setting it: CloudFormation's "never expire" default).
 * Templates declare the log group of their own function
 * (`/aws/lambda/${Fn}`) to give it a retention; Kumo's functions create that
 * group when they first log, so an existing group of that name is adopted
 * when the function is this stack's. Any other existing group not in the
 * stack record is not taken over (Kumo's log groups hold no tags to say who
 * made them).
 */

/** CloudWatch Logs: log group names are 1–512 characters (CreateLogGroup). */
const logGroupNameCharsMax = 512;
const what = (d: ResourceDecl) => `log groups (${d.id}, AWS::Logs::LogGroup)`;

interface LogGroupPlan {
  exists: boolean;
  retention?: number;
  haveRetention?: number;
}

function groupName(d: ResourceDecl, ctx: DeployContext): string {
  return nameProp(ctx, d.props, d.id, 'LogGroupName') ?? physicalName(ctx.stackName, d.id, logGroupNameCharsMax);
}

async function describe(logs: CloudWatchLogsClient, name: string, d: ResourceDecl): Promise<{ retentionInDays?: number } | undefined> {
  let nextToken: string | undefined;
  do {
    const r = await feature(what(d), 'DescribeLogGroups', () => logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, nextToken })));
    const g = r.logGroups?.find((x) => x.logGroupName === name);
    if (g) return g;
    nextToken = r.nextToken;
  } while (nextToken);
  return undefined;
}

/** The function names this stack deploys (their `/aws/lambda/<name>` groups are theirs). */
function stackFunctionGroups(ctx: DeployContext): Set<string> {
  return new Set(ctx.model.resources.filter((r) => isFunctionType(r.type)).map((r) => `/aws/lambda/${ctx.physicalOf(r)}`));
}

export const logGroup = defineKind<LogGroupPlan>({
  type: 'AWS::Logs::LogGroup',
  schema: {
    handled: ['LogGroupName', 'RetentionInDays', 'KmsKeyId', 'LogGroupClass'],
    // Kumo's log groups take no tags yet (CreateLogGroup refuses them): reported as having no effect.
    ignored: ['Tags'],
    check({ props, fail }) {
      if (props.LogGroupClass !== undefined && props.LogGroupClass !== 'STANDARD') fail('LogGroupClass', 'Kumo supports only the STANDARD log group class');
      for (const k of ['DataProtectionPolicy', 'FieldIndexPolicies', 'ResourcePolicyDocument', 'DeletionProtectionEnabled', 'BearerTokenAuthenticationEnabled']) {
        if (props[k] !== undefined) fail(k, `${k} is not supported by Kumo's log groups`);
      }
    },
  },
  replacedOnRename: true,
  deleteOrder: 3,
  physicalId: groupName,
  ref: (d, ctx) => ctx.physicalOf(d),
  getAtt(d, attr, p, ctx) {
    // CloudFormation's Arn attribute of a log group ends with `:*`.
    if (attr === 'Arn') return `${logGroupArn(ctx.cfg, ctx.physicalOf(d))}:*`;
    throw ctx.error(p, `${d.id} (AWS::Logs::LogGroup) has the attribute Arn, not ${attr}`);
  },
  async plan(d, ctx) {
    const pr = ctx.props(d);
    const name = ctx.physicalOf(d);
    const retention = num(ctx, pr.RetentionInDays, `Resources.${d.id}.Properties.RetentionInDays`, 'RetentionInDays');
    str(ctx, pr.KmsKeyId, `Resources.${d.id}.Properties.KmsKeyId`, 'KmsKeyId');
    const have = await describe(ctx.logs, name, d);
    if (!have) return { decl: d, action: 'create', reasons: [], physical: name, data: { exists: false, retention } };
    if (!ctx.prev[d.id] && !stackFunctionGroups(ctx).has(name)) {
      return {
        decl: d, action: 'skip', reasons: ['name taken'], physical: name, data: { exists: true },
        conflict: `a log group named ${name} already exists and was not created by this stack; give it another LogGroupName or use --stack-name`,
      };
    }
    const reasons = (have.retentionInDays ?? undefined) !== retention ? ['RetentionInDays'] : [];
    return { decl: d, action: reasons.length ? 'update' : 'unchanged', reasons, physical: name, data: { exists: true, retention, haveRetention: have.retentionInDays } };
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    const pr = ctx.props(d);
    const { retention } = pl.data!;
    if (pl.action === 'create') {
      await feature(what(d), 'CreateLogGroup', () =>
        ctx.logs.send(new CreateLogGroupCommand({ logGroupName: name, kmsKeyId: pr.KmsKeyId as string | undefined, logGroupClass: pr.LogGroupClass as 'STANDARD' | undefined })),
      );
    }
    if (retention !== undefined && retention !== pl.data!.haveRetention) {
      await ctx.logs.send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: retention }));
    } else if (retention === undefined && pl.data!.haveRetention !== undefined) {
      await ctx.logs.send(new DeleteRetentionPolicyCommand({ logGroupName: name }));
    }
    if (pl.action === 'create' || pl.action === 'update') {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} log group ${name}${retention !== undefined ? ` (retention ${retention} days)` : ''}`);
    }
    return { type: d.type, physicalId: name, ref: name, arn: `${logGroupArn(ctx.cfg, name)}:*` };
  },
  async remove(r, ctx) {
    try {
      await ctx.logs.send(new DeleteLogGroupCommand({ logGroupName: r.physicalId }));
    } catch (e) {
      if ((e as { name?: string }).name !== 'ResourceNotFoundException') throw e;
    }
  },
});
