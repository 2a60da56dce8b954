import { PublishVersionCommand, PutProvisionedConcurrencyConfigCommand } from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { zipInline } from '../../package';
import type { DeployContext } from '../context';
import { functionKind, type AppliedFunction } from './function';
import { defaultRoleArn, defaultRoleName } from './function-config';
import { upsertAlias } from './lambda-alias';
import { expandFunction, implicitApiIdsOf, reportEvents } from './sam-events';

/**
 * AWS::Serverless::Function: a function (CodeUri or InlineCode), its Events
 * and EventInvokeConfig (expanded by `sam-events.ts` into mappings,
 * subscriptions and invoke configs; other event types reported),
 * DeadLetterQueue (→ DeadLetterConfig), and AutoPublishAlias (a version published
 * whenever the function changed, and the alias moved to it; `!Ref Fn.Alias` /
 * `!Ref Fn.Version`). The version and alias are kept on the function's stack
 * record, as SAM's implicit <Id>Alias<Name> / <Id>Version<Hash> resources are not
 * separate kinds yet; when they are, this kind `expand`s into them.
 */

const aliasPattern = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;

/** AutoPublishAlias: publish a version when the function changed (or has none, or the alias is new) and point the alias at it. */
async function publishAlias(step: AppliedFunction, ctx: DeployContext): Promise<boolean> {
  const { decl: d, props: pr, name, rec, prevRec } = step;
  if (pr.AutoPublishAlias === undefined) return step.touched;
  const alias = String(pr.AutoPublishAlias);
  if (!aliasPattern.test(alias)) throw ctx.error(`Resources.${d.id}.Properties.AutoPublishAlias`, `alias name '${alias}' must be letters, digits, - and _ (not only digits)`);
  let version = prevRec?.version;
  let touched = step.touched;
  if (touched || !version || prevRec?.alias !== alias) {
    const what = `AutoPublishAlias (${d.id})`;
    const v = await feature(what, 'PublishVersion', () =>
      ctx.client.send(new PublishVersionCommand({ FunctionName: name, Description: typeof pr.VersionDescription === 'string' ? pr.VersionDescription : undefined })),
    );
    version = v.Version;
    await upsertAlias(ctx, { fn: name, name: alias, version: version! }, what);
    ctx.out(`    published ${name} version ${version}, alias ${alias} → ${version}`);
    touched = true;
  }
  rec.version = version;
  rec.alias = alias;
  return (await provisionAlias(step, ctx, alias)) || touched;
}

/**
 * ProvisionedConcurrencyConfig (SAM: provisioned concurrency on the
 * AutoPublishAlias): put on the alias at every deploy; a put of the amount
 * already in place changes nothing on the server. Removing the property does
 * not delete a config put before (kept: SAM's own rollback has no local twin).
 */
async function provisionAlias(step: AppliedFunction, ctx: DeployContext, alias: string): Promise<boolean> {
  const pc = step.props.ProvisionedConcurrencyConfig as { ProvisionedConcurrentExecutions?: unknown } | undefined;
  if (pc === undefined) return false;
  const p = `Resources.${step.decl.id}.Properties.ProvisionedConcurrencyConfig.ProvisionedConcurrentExecutions`;
  const n = Number(ctx.resolver.value(pc.ProvisionedConcurrentExecutions, p));
  if (!Number.isInteger(n) || n < 1) throw ctx.error(p, 'ProvisionedConcurrentExecutions must be a positive integer');
  await feature(`ProvisionedConcurrencyConfig (${step.decl.id})`, 'PutProvisionedConcurrencyConfig', () =>
    ctx.client.send(new PutProvisionedConcurrencyConfigCommand({ FunctionName: step.name, Qualifier: alias, ProvisionedConcurrentExecutions: n })),
  );
  ctx.out(`    provisioned concurrency ${step.name}:${alias} = ${n}`);
  return false;
}

export const serverlessFunction = functionKind({
  type: 'AWS::Serverless::Function',
  schema: {
    handled: [
      'FunctionName', 'CodeUri', 'InlineCode', 'Handler', 'Runtime', 'MemorySize', 'Timeout', 'Environment', 'Layers', 'AutoPublishAlias',
      'ReservedConcurrentExecutions', 'EphemeralStorage', 'Description', 'Role', 'Architectures', 'Events', 'PackageType', 'LoggingConfig', 'VersionDescription',
      'DeadLetterQueue', 'EventInvokeConfig', 'ProvisionedConcurrencyConfig', 'FunctionUrlConfig', 'Tracing',
    ],
    ignored: [
      'Policies', 'VpcConfig', 'DeploymentPreference', 'Tags', 'PermissionsBoundary',
      'KmsKeyArn', 'CodeSigningConfigArn', 'SnapStart', 'RuntimeManagementConfig', 'AssumeRolePolicyDocument',
      'AutoPublishCodeSha256', 'FileSystemConfigs', 'ImageUri', 'ImageConfig', 'RolePath', 'PropagateTags', 'AutoPublishAliasAllProperties', 'RecursiveLoop',
      'SourceKMSKeyArn', 'Connectors', 'Metadata',
    ],
    // SAM makes <Fn>Role when Role is absent and <Fn>Alias<name> for AutoPublishAlias; templates name both in Outputs.
    implicit: (id, props) => [
      ...(props.Role === undefined ? [`${id}Role`] : []), ...(typeof props.AutoPublishAlias === 'string' ? [`${id}Alias${props.AutoPublishAlias}`] : []),
      // SAM's implicit APIs of HttpApi / Api events (made by sam-events.ts; a template names them in Outputs' !Sub).
      ...implicitApiIdsOf(props),
    ],
    check({ id, props, need, fail }) {
      if (props.PackageType === 'Image') fail('PackageType', 'container image functions are not supported by Kumo (PackageType: Zip only)');
      if (props.CodeUri !== undefined && props.InlineCode !== undefined) fail('InlineCode', "Only one of 'InlineCode' or 'CodeUri' can be set.");
      need('Runtime', ' (here or in Globals.Function)');
      need('Handler', ' (here or in Globals.Function)');
    },
  },
  code: {
    property: 'CodeUri',
    defaultPath: '.',
    inlineProperty: 'InlineCode',
    inline(pr, p, ctx) {
      if (pr.InlineCode === undefined) return undefined;
      if (typeof pr.InlineCode !== 'string') throw ctx.error(`${p}.InlineCode`, 'InlineCode must be a string');
      return zipInline(pr.InlineCode, pr.Runtime as string | undefined);
    },
    redeploys: 'self',
  },
  notes: reportEvents,
  expand: expandFunction,
  reasons: (_d, pr, prevRec) => (pr.AutoPublishAlias !== undefined && (!prevRec?.alias || prevRec.alias !== pr.AutoPublishAlias) ? ['AutoPublishAlias'] : []),
  afterApply: publishAlias,
  implicitRef(d, x, attr, p, ctx) {
    if (x === `${d.id}Role`) {
      // AWS::IAM::Role: !Ref is the role name, Arn its ARN, RoleId an id (Kumo has no IAM: derived from the name).
      if (attr === undefined) return defaultRoleName(ctx, d.id);
      if (attr === 'Arn') return defaultRoleArn(ctx, d.id);
      if (attr === 'RoleId') return `AROA${Buffer.from(defaultRoleName(ctx, d.id)).toString('hex').toUpperCase().slice(0, 17)}`;
      throw ctx.error(p, `${x} (the AWS::IAM::Role SAM makes for ${d.id}) has the attributes Arn and RoleId, not ${attr}`);
    }
    if (x === 'ServerlessHttpApi' || x === 'ServerlessRestApi') {
      // The implicit API of an inactive function (its Condition is false): nothing is deployed for it.
      throw ctx.error(p, `${x} is not deployed (no active function has its events)`);
    }
    // <Fn>Alias<name>: AWS::Lambda::Alias, whose !Ref is the alias ARN (as Fn.Alias).
    if (attr === undefined || attr === 'AliasArn') return `${ctx.fnArn(ctx.physicalOf(d))}:${String(ctx.resolver.value(d.props.AutoPublishAlias, `Resources.${d.id}.Properties.AutoPublishAlias`))}`;
    throw ctx.error(p, `${x} (the AWS::Lambda::Alias SAM makes for ${d.id}) has the attribute AliasArn, not ${attr}`);
  },
  refAttribute(d, sub, p, ctx) {
    const name = `${d.id}.${sub}`;
    if (!d.props.AutoPublishAlias) throw ctx.error(p, `${name} needs AutoPublishAlias on ${d.id}`);
    const arn = () => ctx.fnArn(ctx.physicalOf(d));
    if (sub === 'Alias') return `${arn()}:${String(ctx.resolver.value(d.props.AutoPublishAlias, `Resources.${d.id}.Properties.AutoPublishAlias`))}`;
    if (sub === 'Version') return ctx.known(d.id, ctx.state[d.id]?.version ? `${arn()}:${ctx.state[d.id]!.version}` : undefined);
    throw ctx.error(p, `${name}: a function has .Alias and .Version`);
  },
});
