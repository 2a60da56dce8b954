import { createHash } from 'node:crypto';
import { DeleteLayerVersionCommand, GetLayerVersionCommand, PublishLayerVersionCommand, type Architecture, type Runtime } from '@aws-sdk/client-lambda';
import { feature } from '../../client';
import { mb, type Package } from '../../package';
import { physicalName, type ResourceDecl } from '../../sam';
import { packageCode } from '../code';
import type { DeployContext } from '../context';
import { defineKind, type CodeSource, type Planned, type ResourceKind } from '../kind';
import { ignoreMissing, nameProp, notFound } from '../values';

/**
 * AWS::Serverless::LayerVersion and AWS::Lambda::LayerVersion: a layer
 * version is immutable, so a change of content or configuration publishes a
 * new one (and the functions that !Ref it follow). Unchanged content and
 * configuration publish nothing.
 */

/** A hash of the configuration a layer version is published with, kept in the record to publish again only when it changed. */
function layerConfigHash(pr: Record<string, unknown>): string {
  const pick = ['CompatibleRuntimes', 'CompatibleArchitectures', 'Description', 'LicenseInfo'].map((k) => pr[k] ?? null);
  return createHash('sha256').update(JSON.stringify(pick)).digest('hex').slice(0, 16);
}

const shared = ['LayerName', 'CompatibleRuntimes', 'CompatibleArchitectures', 'Description', 'LicenseInfo'];

function layerKind(type: string, contentKey: string, extra: string[], defaultName: (d: ResourceDecl, ctx: DeployContext) => string): ResourceKind {
  const code: CodeSource = { property: contentKey, redeploys: 'stack' };
  return defineKind<Package>({
    type,
    schema: {
      handled: [...shared.slice(0, 1), contentKey, ...shared.slice(1), ...extra],
      ignored: [],
      check({ need }) {
        need(contentKey);
      },
    },
    code,
    deleteOrder: 3,
    physicalId: (d, ctx) => nameProp(ctx, d.props, d.id, 'LayerName') ?? defaultName(d, ctx),
    ref: (d, ctx) => ctx.known(d.id, ctx.state[d.id]?.ref),
    getAtt(d, attr, p, ctx) {
      if (attr === 'LayerVersionArn' || attr === 'Arn') return ctx.known(d.id, ctx.state[d.id]?.ref);
      throw ctx.error(p, `${d.id} has the attribute LayerVersionArn, not ${attr}`);
    },
    plan: (d, ctx) => planLayer(d, ctx, code),
    apply: applyLayer,
    async remove(r, ctx) {
      for (const v of r.layerVersions ?? (r.version ? [Number(r.version)] : [])) {
        await ignoreMissing(() => feature('layers', 'DeleteLayerVersion', () => ctx.client.send(new DeleteLayerVersionCommand({ LayerName: r.physicalId, VersionNumber: v }))));
      }
    },
  });
}

async function planLayer(d: ResourceDecl, ctx: DeployContext, code: CodeSource): Promise<Planned<Package>> {
  const pr = ctx.props(d);
  const physical = ctx.physicalOf(d);
  const prevRec = ctx.prev[d.id];
  const pkg = await packageCode(ctx, d, pr, code);
  const pl: Planned<Package> = { decl: d, action: 'unchanged', reasons: [], physical, data: pkg };
  if (prevRec?.codeSha256 === pkg.sha256 && prevRec.configHash === layerConfigHash(pr) && prevRec.version) {
    try {
      await ctx.client.send(new GetLayerVersionCommand({ LayerName: physical, VersionNumber: Number(prevRec.version) }));
      return pl;
    } catch (e) {
      if (!notFound(e)) throw e;
    }
  }
  pl.action = prevRec ? 'update' : 'create';
  pl.reasons.push(prevRec ? (prevRec.codeSha256 !== pkg.sha256 ? 'content: publishes a new version' : 'publishes a new version') : `${mb(pkg.zip.length)} zip`);
  return pl;
}

async function applyLayer(pl: Planned<Package>, ctx: DeployContext) {
  const d = pl.decl;
  const prevRec = ctx.prev[d.id];
  if (pl.action === 'unchanged') return prevRec;
  const pr = ctx.props(d);
  const name = ctx.physicalOf(d);
  const pkg = pl.data!;
  ctx.out(`  + ${d.id}: publishing layer ${name} (${mb(pkg.zip.length)})…`);
  const r = await feature(`layers (${d.id}, ${d.type})`, 'PublishLayerVersion', () =>
    ctx.client.send(
      new PublishLayerVersionCommand({
        LayerName: name,
        Content: { ZipFile: pkg.zip },
        CompatibleRuntimes: pr.CompatibleRuntimes as Runtime[] | undefined,
        CompatibleArchitectures: pr.CompatibleArchitectures as Architecture[] | undefined,
        Description: pr.Description as string | undefined,
        LicenseInfo: pr.LicenseInfo as string | undefined,
      }),
    ),
  );
  ctx.markChanged(d.id);
  ctx.out(`  ✓ ${d.id}: ${r.LayerVersionArn}`);
  return {
    type: d.type,
    physicalId: name,
    ref: r.LayerVersionArn,
    arn: r.LayerArn,
    version: String(r.Version),
    codeSha256: pkg.sha256,
    configHash: layerConfigHash(pr),
    layerVersions: [...(prevRec?.layerVersions ?? []), r.Version!],
  };
}

/** SAM's layer: named after its logical id unless LayerName says otherwise. */
export const serverlessLayerVersion = layerKind('AWS::Serverless::LayerVersion', 'ContentUri', ['RetentionPolicy'], (d) => d.id);
/** CloudFormation's layer: named <stack>-<LogicalId> (at most 140 characters, LayerName's limit) unless LayerName says otherwise. */
export const lambdaLayerVersion = layerKind('AWS::Lambda::LayerVersion', 'Content', [], (d, ctx) => physicalName(ctx.stackName, d.id, 140));
