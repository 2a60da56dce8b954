import {
  AddTagsToResourceCommand, DeleteParameterCommand, DescribeParametersCommand, GetParameterCommand, ListTagsForResourceCommand, PutParameterCommand,
  RemoveTagsFromResourceCommand, type ParameterMetadata,
} from '@aws-sdk/client-ssm';
import { feature } from '../../client';
import { physicalName, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { defineKind } from '../kind';
import { isMapping, nameProp, str } from '../values';

/**
 * AWS::SSM::Parameter through the server's Parameter Store: PutParameter
 * (Overwrite for a change, which makes a new version), tags by
 * Add/RemoveTagsFromResource, DeleteParameter when the template drops it.
 * CloudFormation's types are String and StringList (it refuses
 * SecureString); Tags is a JSON map. `!Ref` is the name; `!GetAtt` gives
 * Type and Value. A parameter of that name that this stack did not create is
 * not taken over.
 */

/** PSParameterName max (the model's). */
const parameterNameCharsMax = 2048;
const what = (d: ResourceDecl) => `SSM parameters (${d.id}, AWS::SSM::Parameter)`;

interface Desired {
  type: 'String' | 'StringList';
  value: string;
  description?: string;
  allowedPattern?: string;
  tags: Record<string, string>;
}

interface ParameterPlan {
  want: Desired;
  haveTags: Record<string, string>;
}

function parameterName(d: ResourceDecl, ctx: DeployContext): string {
  return nameProp(ctx, d.props, d.id, 'Name') ?? physicalName(ctx.stackName, d.id, parameterNameCharsMax);
}

function desired(d: ResourceDecl, ctx: DeployContext): Desired {
  const pr = ctx.props(d);
  const at = (k: string) => `Resources.${d.id}.Properties.${k}`;
  const type = str(ctx, pr.Type, at('Type'), 'Type');
  if (type !== 'String' && type !== 'StringList') {
    throw ctx.error(at('Type'), `Type must be String or StringList${type === 'SecureString' ? ' (CloudFormation does not create SecureString parameters; put it with aws ssm put-parameter and read it in the function)' : ''}`);
  }
  const tags = pr.Tags === undefined ? {} : pr.Tags;
  if (!isMapping(tags) || Object.values(tags).some((v) => typeof v !== 'string')) throw ctx.error(at('Tags'), 'Tags of an AWS::SSM::Parameter is a map of strings (key: value)');
  return {
    type, value: str(ctx, pr.Value, at('Value'), 'Value')!, description: str(ctx, pr.Description, at('Description'), 'Description'),
    allowedPattern: str(ctx, pr.AllowedPattern, at('AllowedPattern'), 'AllowedPattern'), tags: tags as Record<string, string>,
  };
}

async function metadata(ctx: DeployContext, name: string, d: ResourceDecl): Promise<{ meta: ParameterMetadata; value: string } | undefined> {
  const r = await feature(what(d), 'DescribeParameters', () => ctx.ssm.send(new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: [name] }] })));
  const meta = r.Parameters?.find((p) => p.Name === name);
  if (!meta) return undefined;
  const v = await ctx.ssm.send(new GetParameterCommand({ Name: name }));
  return { meta, value: v.Parameter!.Value! };
}

export const ssmParameter = defineKind<ParameterPlan>({
  type: 'AWS::SSM::Parameter',
  schema: {
    handled: ['Name', 'Type', 'Value', 'Description', 'AllowedPattern', 'Tags', 'Tier', 'DataType', 'Policies'],
    ignored: [],
    check({ props, need, fail }) {
      need('Type');
      need('Value');
      if (props.Tier !== undefined && props.Tier !== 'Standard') fail('Tier', 'Kumo keeps Standard-tier parameters only (values up to 4 KB, no policies)');
      if (props.Policies !== undefined) fail('Policies', 'parameter policies need the Advanced tier, which Kumo does not have');
      if (props.DataType !== undefined && props.DataType !== 'text') fail('DataType', 'Kumo supports the data type text only (aws:ec2:image validates EC2 images, which Kumo does not have)');
    },
  },
  replacedOnRename: true,
  deleteOrder: 3,
  physicalId: parameterName,
  ref: (d, ctx) => ctx.physicalOf(d),
  getAtt(d, attr, p, ctx) {
    if (attr === 'Type' || attr === 'Value') {
      const w = desired(d, ctx);
      return attr === 'Type' ? w.type : w.value;
    }
    throw ctx.error(p, `${d.id} (AWS::SSM::Parameter) has the attributes Type and Value, not ${attr}`);
  },
  async plan(d, ctx) {
    const name = ctx.physicalOf(d);
    const want = desired(d, ctx);
    const have = await metadata(ctx, name, d);
    if (!have) return { decl: d, action: 'create', reasons: [], physical: name, data: { want, haveTags: {} } };
    if (!ctx.prev[d.id]) {
      return {
        decl: d, action: 'skip', reasons: ['name taken'], physical: name, data: { want, haveTags: {} },
        conflict: `an SSM parameter named ${name} already exists and was not created by this stack; give it another Name or use --stack-name`,
      };
    }
    const tagList = (await ctx.ssm.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }))).TagList ?? [];
    const haveTags = Object.fromEntries(tagList.map((t) => [t.Key!, t.Value!]));
    const reasons: string[] = [];
    if (have.meta.Type !== want.type) reasons.push('Type');
    if (have.value !== want.value) reasons.push('Value');
    if ((have.meta.Description ?? undefined) !== want.description) reasons.push('Description');
    if ((have.meta.AllowedPattern ?? undefined) !== want.allowedPattern) reasons.push('AllowedPattern');
    if (JSON.stringify(Object.entries(haveTags).sort()) !== JSON.stringify(Object.entries(want.tags).sort())) reasons.push('Tags');
    return { decl: d, action: reasons.length ? 'update' : 'unchanged', reasons, physical: name, data: { want, haveTags } };
  },
  async apply(pl, ctx) {
    const d = pl.decl;
    const name = pl.physical;
    // Resolved again: what the value refers to exists now.
    const want = desired(d, ctx);
    const tagList = Object.entries(want.tags).map(([Key, Value]) => ({ Key, Value }));
    if (pl.action === 'create') {
      await feature(what(d), 'PutParameter', () => ctx.ssm.send(new PutParameterCommand({
        Name: name, Type: want.type, Value: want.value, Description: want.description, AllowedPattern: want.allowedPattern, Tags: tagList.length ? tagList : undefined,
      })));
    } else if (pl.action === 'update') {
      if (pl.reasons.some((r) => r !== 'Tags')) {
        await ctx.ssm.send(new PutParameterCommand({ Name: name, Type: want.type, Value: want.value, Description: want.description, AllowedPattern: want.allowedPattern, Overwrite: true }));
      }
      const gone = Object.keys(pl.data!.haveTags).filter((k) => !(k in want.tags));
      if (gone.length) await ctx.ssm.send(new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: name, TagKeys: gone }));
      if (tagList.length) await ctx.ssm.send(new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: name, Tags: tagList }));
    }
    if (pl.action === 'create' || pl.action === 'update') {
      ctx.markChanged(d.id);
      ctx.out(`  ✓ ${d.id}: ${pl.action === 'create' ? 'created' : 'updated'} SSM parameter ${name}`);
    }
    return { type: d.type, physicalId: name, ref: name };
  },
  async remove(r, ctx) {
    try {
      await ctx.ssm.send(new DeleteParameterCommand({ Name: r.physicalId }));
    } catch (e) {
      if ((e as { name?: string }).name !== 'ParameterNotFound') throw e;
    }
  },
});
