import { createHash } from 'node:crypto';
import { PublishVersionCommand, PutProvisionedConcurrencyConfigCommand } from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { zipInline } from '../../package';
import type { ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { functionKind, type AppliedFunction } from './function';
import { defaultRoleArn, defaultRoleName } from './function-config';
import { ensureImplicitRole, implicitRolePolicies, removeImplicitRole } from '../implicit-role';
import { NotSupportedError } from '../../client';
import { wiringPolicies } from '../iam-policies';
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

/**
 * JSON as Python's `json.dumps(v, separators=(",", ":"), sort_keys=True)`
 * writes it (keys in code-point order, non-ASCII as \uXXXX), which
 * aws-sam-translator hashes for logical ids.
 */
function pythonJson(v: unknown): string {
  const sorted = (x: unknown): unknown => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted((x as Record<string, unknown>)[k])]))
    : Array.isArray(x) ? x.map(sorted) : x);
  return JSON.stringify(sorted(v)).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The logical id SAM gives the version AutoPublishAlias publishes:
 * `<Fn>Version` and the first 10 hex digits of the SHA-1 of the function's
 * Code (`{ZipFile}` for InlineCode), its Environment and MemorySize (as
 * written, Globals merged) and SnapStart when it applies
 * (aws-sam-translator 1.110, `_construct_version`; checked against it in
 * test/cli/version-ids.test.ts), or of AutoPublishCodeSha256 when given.
 * For a CodeUri Kumo packages, SAM hashes the S3 location `sam package`
 * uploaded to; Kumo hashes `{S3Bucket: "kumo", S3Key: <hex SHA-256 of its
 * zip>}` in its place (ARCHITECTURE.md "Choices").
 */
function versionLogicalId(d: ResourceDecl, ctx: DeployContext, p: string): string {
  const pr = d.props;
  if (pr.AutoPublishCodeSha256 !== undefined) return `${d.id}Version${String(ctx.resolver.value(pr.AutoPublishCodeSha256, `Resources.${d.id}.Properties.AutoPublishCodeSha256`)).slice(0, 10)}`;
  if (pr.AutoPublishAliasAllProperties === true || pr.AutoPublishAliasAllProperties === 'true') {
    throw ctx.error(p, `with AutoPublishAliasAllProperties SAM hashes every property of the function it writes, which Kumo does not reproduce: name the version with !Ref ${d.id}.Version`);
  }
  let code: Record<string, unknown>;
  if (pr.InlineCode !== undefined) code = { ZipFile: pr.InlineCode };
  else {
    const sha = (ctx.plans.get(d.id)?.data as { pkg?: { sha256: string } } | undefined)?.pkg?.sha256 ?? ctx.state[d.id]?.codeSha256 ?? ctx.prev[d.id]?.codeSha256;
    if (!sha) throw ctx.error(p, `${d.id}'s version id depends on its code, which is not packaged yet`);
    code = { S3Bucket: 'kumo', S3Key: Buffer.from(sha, 'base64').toString('hex') };
  }
  const env = pr.Environment;
  const dict: Record<string, unknown> = { ...code, ...(env && typeof env === 'object' && !Array.isArray(env) ? env : {}) };
  if (pr.MemorySize !== undefined) dict.MemorySize = pr.MemorySize;
  const snap = pr.SnapStart as { ApplyOn?: string } | undefined;
  if (snap && (snap.ApplyOn ?? 'None') !== 'None') dict.SnapStart = snap;
  return `${d.id}Version${createHash('sha1').update(pythonJson(dict), 'utf8').digest('hex').slice(0, 10)}`;
}

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
      'DeadLetterQueue', 'EventInvokeConfig', 'ProvisionedConcurrencyConfig', 'FunctionUrlConfig', 'Policies', 'Tracing',
      // Names the version SAM publishes (<Fn>Version<first 10 characters>); Kumo publishes whenever the function changed.
      'AutoPublishCodeSha256',
    ],
    ignored: [
      'VpcConfig', 'DeploymentPreference', 'Tags', 'PermissionsBoundary',
      'KmsKeyArn', 'CodeSigningConfigArn', 'SnapStart', 'RuntimeManagementConfig', 'AssumeRolePolicyDocument',
      'FileSystemConfigs', 'ImageUri', 'ImageConfig', 'RolePath', 'PropagateTags', 'AutoPublishAliasAllProperties', 'RecursiveLoop',
      'SourceKMSKeyArn', 'Connectors', 'Metadata',
    ],
    // SAM makes <Fn>Role when Role is absent and <Fn>Alias<name> for AutoPublishAlias; templates name both in Outputs.
    implicit: (id, props) => [
      ...(props.Role === undefined ? [`${id}Role`] : []), ...(typeof props.AutoPublishAlias === 'string' ? [`${id}Alias${props.AutoPublishAlias}`] : []),
      // SAM's implicit APIs of HttpApi / Api events (made by sam-events.ts; a template names them in Outputs' !Sub).
      ...implicitApiIdsOf(props),
    ],
    // <Fn>Version<hash>: its hash follows the packaged code, so a name the template uses is matched here and checked by implicitRef.
    implicitMatch: (id, props, x) => props.AutoPublishAlias !== undefined && new RegExp(`^${id}Version[A-Za-z0-9]{1,10}$`).test(x),
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
  notes(d, pr, ctx) {
    reportEvents(d, pr, ctx);
    // Policies is checked while planning: a template error before anything is deployed.
    if (pr.Role === undefined) implicitRolePolicies(d.id, pr.Policies, ctx.cfg, `Resources.${d.id}.Properties.Policies`, (p, m) => ctx.error(p, m));
  },
  // SAM's <Fn>Role, made through IAM when Role is absent (Policies → its policies); with Role, Policies has no effect (as in SAM).
  async beforeApply(d, pr, ctx) {
    if (pr.Role !== undefined) return { changed: false };
    const name = defaultRoleName(ctx, d.id);
    const want = wiringPolicies(d.id, pr, implicitRolePolicies(d.id, pr.Policies, ctx.cfg, `Resources.${d.id}.Properties.Policies`, (p, m) => ctx.error(p, m)));
    try {
      const changed = await ensureImplicitRole(ctx.iam, ctx.physicalOf(d), name, want);
      if (changed) ctx.out(`  ✓ ${d.id}Role: execution role ${name}`);
      return { role: name, changed };
    } catch (e) {
      // A server without IAM (an older Kumo) checks no role either: the role stays a name, and the output says so.
      if (!(e instanceof NotSupportedError)) throw e;
      ctx.out(`  ! ${d.id}Role: this server has no IAM API; ${name} is a name only`);
      return { changed: false };
    }
  },
  async afterRemove(r, ctx) {
    if (r.implicitRole) await removeImplicitRole(ctx.iam, r.implicitRole);
  },
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
    if (x.startsWith(`${d.id}Version`)) {
      // AWS::Lambda::Version: !Ref is the version ARN, Version its number.
      const expected = versionLogicalId(d, ctx, p);
      if (x !== expected) {
        throw ctx.error(p, `${x} is not the version SAM makes for ${d.id}: that is ${expected} (the hash follows the code, Environment and MemorySize; !Ref ${d.id}.Version names it whatever the hash)`);
      }
      const v = ctx.state[d.id]?.version;
      if (attr === undefined) return ctx.known(d.id, v ? `${ctx.fnArn(ctx.physicalOf(d))}:${v}` : undefined);
      if (attr === 'Version') return ctx.known(d.id, v);
      throw ctx.error(p, `${x} (the AWS::Lambda::Version SAM makes for ${d.id}) has the attribute Version, not ${attr}`);
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
