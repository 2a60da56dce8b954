import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { limits, type KumoConfig } from '../config';
import { DomainError, notFound, conflict, invalidParameter, preconditionFailed, accessDenied, validationFailed } from '../domain/errors';
import type { BlobStore } from '../blobs/blob-store';
import type { CodeCache } from '../blobs/code-cache';
import type { LayerRef, LayerVersionRecord } from '../domain/records';
import type { MetadataStore } from '../store/types';
import { Checker } from './validate';
import { awsRuntimeEnum } from '../runtimes/registry';
import { zipError } from './zip-errors';
import { checkLayerContent } from './settings';
import type { AddLayerVersionPermissionInput, PublishLayerVersionInput } from './inputs';
import { awsTimestamp } from './time';
import { exists } from '../fs-util';
import { layerArn, layerVersionArn, parseArn, parseLambdaArn } from '../domain/arn';
import { accessDeniedMessage, type Authorizer, type AuthzDecision, type ConditionContext, type Principal, type ResourcePolicySource } from '../identity/types';

/** AWS: a function references at most 5 layers. */
export const layersPerFunctionMax = 5;
const layerNamePattern =
  '(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+)|[a-zA-Z0-9-_]+';
const layerNameRe = new RegExp(`^(?:${layerNamePattern})$`);
const layerVersionArnPattern =
  '(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)';
/** A full layer version ARN: its region, account, layer name and version (undefined for anything else). */
function parseLayerVersionArn(s: string): { region: string; account: string; name: string; version: number } | undefined {
  const a = parseLambdaArn(s);
  return a?.type === 'layer' && a.version !== undefined ? { region: a.region, account: a.account, name: a.name, version: a.version } : undefined;
}
const statementIdRe = /^[a-zA-Z0-9-_]+$/;
const principalRe = /^(\d{12}|\*|arn:(aws[a-zA-Z-]*):iam::\d{12}:root)$/;
const organizationIdRe = /^o-[a-z0-9]{10,32}$/;
/** Layer versions listed per page by default (AWS: MaxItems 1–50). */
const listPageMax = 50;
/** The IAM action a function's use of a layer version needs (AWS: "To add layers to your function, you need lambda:GetLayerVersion"). */
const useLayerAction = 'lambda:GetLayerVersion';

/** Who names layers in CreateFunction / UpdateFunctionConfiguration: `lambda:GetLayerVersion` is asked on each layer version for them. */
export interface LayerCaller {
  principal: Principal;
  /** The request's condition keys (the gateway's `conditionContext`). */
  context: ConditionContext;
}

/** Another account of the server, as a function naming its layer versions sees it (issue 18). */
export interface LayerPeer {
  layers: LayerService;
  /** That account's authorizer: its layer version policies decide for callers of other accounts. */
  authorizer: Authorizer;
}

/**
 * Layers: versioned zips shared by functions, unpacked into /opt in the order
 * a function lists them (a later layer's files win). Layer archives share the
 * encrypted, content-addressed blob store and the unpacked-tree cache with
 * function code; merged /opt trees are built once per distinct layer list.
 */
export class LayerService implements ResourcePolicySource {
  private readonly ctx: { region: string; accountId: string };
  private readonly optInflight = new Map<string, Promise<string>>();
  /**
   * This account's authorizer (set by its cell): a caller other than the
   * account's root needs `lambda:GetLayerVersion` on each layer version of
   * this account a function names. Unset: no such check (unit tests).
   */
  authorizer: Authorizer | undefined;
  /**
   * The server's other accounts (issue 18; set by the server): a function
   * may name another account's layer version when that account's
   * authorizer allows the caller `lambda:GetLayerVersion` on it (its layer
   * version policy, AddLayerVersionPermission, and the caller's own identity
   * policies). Unset or undefined for an account: its layers are refused.
   */
  peers: ((accountId: string) => LayerPeer | undefined) | undefined;

  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly code: CodeCache,
    private readonly optRoot: string,
    cfg: KumoConfig,
  ) {
    this.ctx = { region: cfg.region, accountId: cfg.accountId };
  }

  layerArn(name: string): string {
    return layerArn(this.ctx, name);
  }

  /** Accepts a layer name or its ARN (AWS's LayerName). */
  parseLayerName(raw: string): string {
    if (raw.length < 1 || raw.length > 140 || !layerNameRe.test(raw)) {
      throw validationFailed([{ value: raw, path: 'layerName', constraint: `Member must satisfy regular expression pattern: ${layerNamePattern}` }]);
    }
    if (raw.startsWith('arn:')) {
      const a = parseArn(raw)!; // layerNameRe matched the ARN form
      if (a.region !== this.ctx.region || a.account !== this.ctx.accountId) {
        throw accessDenied('The resource you requested does not exist or you do not have permission to access it.');
      }
      return a.resource.slice('layer:'.length);
    }
    return raw;
  }

  parseVersionNumber(raw: string): number {
    const n = Number(raw);
    if (!/^-?[0-9]+$/.test(raw) || !Number.isSafeInteger(n)) {
      throw validationFailed([{ value: raw, path: 'versionNumber', constraint: 'Member must be a number' }]);
    }
    // AWS's answer (recorded: test_layer_exceptions) for 0 and negative numbers.
    if (n < 1) throw invalidParameter('Layer Version Cannot be less than 1');
    return n;
  }

  async publish(rawName: string, body: PublishLayerVersionInput): Promise<LayerVersionRecord> {
    const name = this.parseLayerName(rawName);
    const c = new Checker();
    const description = c.string(body.Description, 'description', { min: 0, max: limits.descriptionCharsMax });
    const license = c.string(body.LicenseInfo, 'licenseInfo', { min: 0, max: 512 });
    const runtimes = listOf(c, body.CompatibleRuntimes, 'compatibleRuntimes', 15);
    const archs = listOf(c, body.CompatibleArchitectures, 'compatibleArchitectures', 2);
    // AWS's texts (recorded: test_layer_exceptions, publish_layer_version_exc_invalid_runtime_arch).
    if (runtimes.some((r) => !(awsRuntimeEnum as readonly string[]).includes(r))) {
      c.failures.push({ value: runtimes, path: 'compatibleRuntimes', constraint: `Member must satisfy enum value set: [${awsRuntimeEnum.join(', ')}]` });
    }
    if (archs.some((a) => a !== 'x86_64' && a !== 'arm64')) {
      c.failures.push({ value: archs, path: 'compatibleArchitectures', constraint: 'Member must satisfy constraint: [Member must satisfy enum value set: [x86_64, arm64], Member must not be null]' });
    }
    c.done();
    const content = body.Content;
    if (!content) {
      throw validationFailed([{ value: null, path: 'content', constraint: 'Member must not be null' }]);
    }
    checkLayerContent(content);
    const zip = content.ZipFile;
    if (zip === undefined) throw invalidParameter('Please provide a source for layer content.');
    if (zip.length > limits.zipBytesMax) {
      throw new DomainError('CodeTooLarge', `Zipped size must be smaller than ${limits.zipBytesMax} bytes`);
    }
    const key = createHash('sha256').update(zip).digest('hex');
    let unzippedBytes: number;
    try {
      unzippedBytes = await this.code.ensureFromZip(key, zip);
    } catch (e) {
      throw zipError(e) ?? e;
    }
    await this.blobs.put(zip);
    return this.store.publishLayerVersion(name, (version) => ({
      layerName: name,
      version,
      description: description ?? '',
      createdDate: awsTimestamp(new Date()),
      codeKey: key,
      codeSha256: Buffer.from(key, 'hex').toString('base64'),
      codeSize: zip.length,
      unzippedBytes,
      compatibleRuntimes: runtimes,
      compatibleArchitectures: archs,
      licenseInfo: license,
      statements: [],
      policyRevisionId: randomUUID(),
    }));
  }

  /**
   * AWS words a missing layer version differently for GetLayerVersion ("The
   * resource you requested does not exist.") and for the permission
   * operations ("Layer version <arn> does not exist."; recorded: test_layer_policy_exceptions).
   */
  async get(rawName: string, rawVersion: string, missing: 'get' | 'policy' = 'get'): Promise<LayerVersionRecord> {
    const name = this.parseLayerName(rawName);
    const version = this.parseVersionNumber(rawVersion);
    const rec = await this.store.getLayerVersion(name, version);
    if (!rec) throw notFound(missing === 'get' ? 'The resource you requested does not exist.' : `Layer version ${this.layerArn(name)}:${version} does not exist.`);
    return rec;
  }

  /** A layer version of this account by name and number, or undefined (for a function of another account naming it). */
  version(name: string, version: number): Promise<LayerVersionRecord | undefined> {
    return this.store.getLayerVersion(name, version);
  }

  /**
   * The layer version policy an ARN of this account names, as the
   * authorizer reads resource policies (the `lambda` source answers layer
   * version ARNs here): undefined for no statement, another account or
   * region, or anything but a layer version ARN.
   */
  async policyOf(resourceArn: string): Promise<string | undefined> {
    const m = parseLayerVersionArn(resourceArn);
    if (!m || m.region !== this.ctx.region || m.account !== this.ctx.accountId) return undefined;
    const rec = await this.store.getLayerVersion(m.name, m.version);
    if (!rec || !rec.statements.length) return undefined;
    return JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: rec.statements });
  }

  async getByArn(arn: string): Promise<LayerVersionRecord> {
    const m = parseLayerVersionArn(arn);
    if (!m) throw validationFailed([{ value: arn, path: 'arn', constraint: `Member must satisfy regular expression pattern: ${layerVersionArnPattern}` }]);
    if (m.region !== this.ctx.region || m.account !== this.ctx.accountId) throw notFound('The resource you requested does not exist.');
    return this.get(m.name, String(m.version));
  }

  async list(marker: string | undefined, maxItems: number | undefined, runtime?: string, arch?: string): Promise<{ items: LayerVersionRecord[]; next?: string }> {
    checkListFilters(runtime, arch);
    const max = maxItems ?? listPageMax;
    const rows = (await this.store.listLayers(decodeMarker(marker), 10_000)).filter((r) => matches(r, runtime, arch));
    const items = rows.slice(0, max);
    return { items, next: rows.length > max ? encodeMarker(items[items.length - 1]!.layerName) : undefined };
  }

  async listVersions(rawName: string, marker: string | undefined, maxItems: number | undefined, runtime?: string, arch?: string) {
    const name = this.parseLayerName(rawName);
    checkListFilters(runtime, arch);
    const max = maxItems ?? listPageMax;
    const before = marker ? Number(decodeMarker(marker)) : Infinity;
    const rows = (await this.store.listLayerVersions(name, Number.isFinite(before) ? before : Infinity, 10_000)).filter((r) => matches(r, runtime, arch));
    const items = rows.slice(0, max);
    return { items, next: rows.length > max ? encodeMarker(String(items[items.length - 1]!.version)) : undefined };
  }

  /** Deleting a layer version leaves functions that use it working (AWS keeps a copy for them); so do we, by reference. */
  async delete(rawName: string, rawVersion: string): Promise<void> {
    await this.store.deleteLayerVersion(this.parseLayerName(rawName), this.parseVersionNumber(rawVersion));
  }

  async addPermission(rawName: string, rawVersion: string, body: AddLayerVersionPermissionInput, revisionId: string | undefined) {
    const rec = await this.get(rawName, rawVersion, 'policy');
    const c = new Checker();
    const sid = c.string(body.StatementId, 'statementId', { min: 1, max: 100, pattern: '([a-zA-Z0-9-_]+)', re: statementIdRe });
    const action = c.string(body.Action, 'action', { min: 0, max: 22, pattern: 'lambda:GetLayerVersion', re: /^lambda:GetLayerVersion$/ });
    const principal = c.string(body.Principal, 'principal', { min: 0, max: 10000, pattern: '\\d{12}|\\*|arn:(aws[a-zA-Z-]*):iam::\\d{12}:root', re: principalRe });
    const org = c.string(body.OrganizationId, 'organizationId', { min: 0, max: 34, pattern: 'o-[a-z0-9]{10,32}', re: organizationIdRe });
    c.done();
    if (!sid || !action || !principal) {
      throw validationFailed([{ value: null, path: !sid ? 'statementId' : !action ? 'action' : 'principal', constraint: 'Member must not be null' }]);
    }
    if (revisionId !== undefined && revisionId !== rec.policyRevisionId) throw staleRevision();
    if (rec.statements.some((s) => s.Sid === sid)) {
      throw conflict(`The statement id (${sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`);
    }
    const statement: Record<string, unknown> = {
      Sid: sid,
      Effect: 'Allow',
      Principal: principal === '*' ? '*' : { AWS: principal.startsWith('arn:') ? principal : `arn:aws:iam::${principal}:root` },
      Action: action,
      Resource: layerVersionArn(this.ctx, rec.layerName, rec.version),
      ...(org ? { Condition: { StringEquals: { 'aws:PrincipalOrgID': org } } } : {}),
    };
    const next = { ...rec, statements: [...rec.statements, statement], policyRevisionId: randomUUID() };
    if (!(await this.store.updateLayerVersionPolicy(next, rec.policyRevisionId))) throw staleRevision();
    return { Statement: JSON.stringify(statement), RevisionId: next.policyRevisionId };
  }

  async getPolicy(rawName: string, rawVersion: string) {
    const rec = await this.get(rawName, rawVersion, 'policy');
    if (!rec.statements.length) throw notFound('No policy is associated with the given resource.');
    return { Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: rec.statements }), RevisionId: rec.policyRevisionId };
  }

  async removePermission(rawName: string, rawVersion: string, sid: string, revisionId: string | undefined): Promise<void> {
    const rec = await this.get(rawName, rawVersion, 'policy');
    if (revisionId !== undefined && revisionId !== rec.policyRevisionId) throw staleRevision();
    if (!rec.statements.some((s) => s.Sid === sid)) throw notFound(`Statement ${sid} is not found in resource policy.`);
    const next = { ...rec, statements: rec.statements.filter((s) => s.Sid !== sid), policyRevisionId: randomUUID() };
    if (!(await this.store.updateLayerVersionPolicy(next, rec.policyRevisionId))) throw staleRevision();
  }

  /**
   * Validates a function's Layers list (AWS's limits and messages) and
   * resolves each ARN. `caller` (the API's signer): each layer version must
   * be one the caller may `lambda:GetLayerVersion` (not asked for this
   * account's root on its own layers). Another account's layer version
   * that is not allowed, not on this server, in another region or missing
   * is AccessDeniedException in AWS's words, whichever it is (AWS does not
   * tell a layer it refuses from one that does not exist).
   */
  async resolveRefs(c: Checker, arns: string[] | undefined, caller?: LayerCaller): Promise<LayerRef[] | undefined> {
    if (arns === undefined) return undefined;
    const bad = arns.filter((a) => !parseLayerVersionArn(a));
    if (bad.length) {
      c.failures.push({
        value: arns,
        path: 'layers',
        constraint: `Member must satisfy constraint: [Member must have length less than or equal to 2048, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: ${layerVersionArnPattern}, Member must not be null]`,
      });
      return undefined;
    }
    if (arns.length > layersPerFunctionMax) throw invalidParameter(`Cannot reference more than ${layersPerFunctionMax} layers.`);
    const seen = new Map<string, string>();
    const refs: LayerRef[] = [];
    for (const arn of arns) {
      const m = parseLayerVersionArn(arn)!;
      // A layer is its ARN without the version: two accounts' layers of one name are two layers.
      const layerKey = `${m.region}:${m.account}:${m.name}`;
      const first = seen.get(layerKey);
      if (first !== undefined) {
        throw invalidParameter(`Two different versions of the same layer are not allowed to be referenced in the same function. ${first} and ${arn} are versions of the same layer.`);
      }
      seen.set(layerKey, arn);
      let rec: LayerVersionRecord | undefined;
      if (m.account === this.ctx.accountId) {
        if (m.region !== this.ctx.region) {
          throw invalidParameter(`Layers are not in the same region as the function. Layers are expected to be in region ${this.ctx.region}.`);
        }
        const ownRoot = caller?.principal.type === 'Root' && caller.principal.accountId === this.ctx.accountId;
        if (caller && !ownRoot && this.authorizer) await mayUse(this.authorizer, caller, arn);
        rec = await this.store.getLayerVersion(m.name, m.version);
        if (!rec) throw invalidParameter(`Layer version ${arn} does not exist.`);
      } else {
        // Another account's (AWS answers AccessDenied for one in another region too, LocalStack's provider mirrors it).
        const peer = m.region === this.ctx.region ? this.peers?.(m.account) : undefined;
        if (!caller) throw invalidParameter(`Layer version ${arn} does not exist.`);
        if (!peer) throw new DomainError('AccessDenied', accessDeniedMessage(caller.principal, { action: useLayerAction, resource: arn, context: {} }, noLayerPolicy));
        await mayUse(peer.authorizer, caller, arn);
        rec = await peer.layers.version(m.name, m.version);
        if (!rec) throw new DomainError('AccessDenied', accessDeniedMessage(caller.principal, { action: useLayerAction, resource: arn, context: {} }, noLayerPolicy));
      }
      refs.push({ arn, codeKey: rec.codeKey, codeSize: rec.codeSize, unzippedBytes: rec.unzippedBytes });
    }
    return refs;
  }

  /**
   * The merged /opt tree for a list of layers, built once per distinct list:
   * each layer's unpacked tree is hard-linked in order, a later layer's file
   * replacing an earlier one's. Undefined when the function has no layers.
   */
  optDir(refs: LayerRef[]): Promise<string | undefined> {
    if (!refs.length) return Promise.resolve(undefined);
    const id = createHash('sha256').update(refs.map((r) => r.codeKey).join(',')).digest('hex');
    const dest = path.join(this.optRoot, id);
    let p = this.optInflight.get(id);
    if (!p) {
      p = (async () => {
        if (await exists(dest)) return dest;
        await fs.mkdir(this.optRoot, { recursive: true, mode: 0o711 });
        const tmp = `${dest}.tmp-${randomUUID()}`;
        await fs.mkdir(tmp, { mode: 0o755 });
        try {
          for (const r of refs) await overlayInto(await this.code.ensure(r.codeKey), tmp);
          await fs.rename(tmp, dest);
        } catch (e) {
          await fs.rm(tmp, { recursive: true, force: true });
          if (!(await exists(dest))) throw e;
        }
        return dest;
      })().finally(() => this.optInflight.delete(id));
      this.optInflight.set(id, p);
    }
    return p;
  }
}

/**
 * At start-up, before any EE: drops every merged /opt tree (cheap to
 * rebuild, hard links), so deleted layers free space. The trees of every
 * account are in one root, so this is the server's step, not an account's.
 */
export async function pruneOptTrees(optRoot: string): Promise<void> {
  await fs.rm(optRoot, { recursive: true, force: true });
}

const noLayerPolicy: Extract<AuthzDecision, { allowed: false }> = { allowed: false, reason: 'ImplicitDeny', policyType: 'resource-based' };

/** `lambda:GetLayerVersion` on a layer version for the caller, asked of the layer's account's authorizer; refused with AWS's AccessDeniedException. */
async function mayUse(authorizer: Authorizer, caller: LayerCaller, arn: string): Promise<void> {
  const request = { action: useLayerAction, resource: arn, context: caller.context };
  const d = await authorizer.authorize(caller.principal, request);
  if (!d.allowed) throw new DomainError('AccessDenied', accessDeniedMessage(caller.principal, request, d));
}

/** Hard-links every entry of `src` into `dest`, replacing what is there (a later layer wins). */
async function overlayInto(src: string, dest: string): Promise<void> {
  for (const e of await fs.readdir(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dest, e.name);
    const existing = await fs.lstat(d).catch(() => undefined);
    if (e.isDirectory()) {
      if (existing && !existing.isDirectory()) await fs.rm(d, { recursive: true, force: true });
      if (!existing || !existing.isDirectory()) await fs.mkdir(d, { mode: 0o755 });
      await overlayInto(s, d);
    } else {
      if (existing) await fs.rm(d, { recursive: true, force: true });
      if (e.isSymbolicLink()) await fs.symlink(await fs.readlink(s), d);
      else await fs.link(s, d);
    }
  }
}

function listOf(c: Checker, v: string[] | undefined, pathName: string, max: number): string[] {
  if (v === undefined) return [];
  if (v.length > max) c.failures.push({ value: v, path: pathName, constraint: `Member must have length less than or equal to ${max}` });
  return v;
}

/**
 * The Runtime enum AWS quotes for ListLayers' CompatibleRuntime filter, in its
 * order (recorded: test_layer_exceptions, list_layers_exc_compatibleruntime_invalid);
 * it is wider than the one for functions because old layers keep old runtimes.
 */
const layerFilterRuntimes = [
  'ruby3.5', 'ruby2.6', 'dotnetcore1.0', 'python3.7', 'nodejs8.10', 'nasa', 'ruby2.7', 'python2.7-greengrass', 'dotnetcore2.0',
  'python3.8', 'java21', 'dotnet6', 'dotnetcore2.1', 'python3.9', 'java11', 'nodejs6.10', 'provided', 'dotnetcore3.1', 'dotnet8',
  'java25', 'java17', 'nodejs', 'nodejs4.3', 'java8.al2', 'go1.x', 'dotnet10', 'nodejs20.x', 'go1.9', 'byol', 'nodejs10.x',
  'provided.al2023', 'nodejs22.x', 'python3.10', 'java8', 'nodejs12.x', 'python3.11', 'nodejs24.x', 'nodejs8.x', 'python3.12',
  'nodejs14.x', 'nodejs8.9', 'nodejs26.x', 'python3.13', 'python3.14', 'nodejs16.x', 'python3.15', 'provided.al2', 'nodejs4.3-edge',
  'nodejs18.x', 'ruby3.2', 'python3.4', 'ruby3.3', 'ruby3.4', 'ruby2.5', 'python3.6', 'python2.7',
];

function checkListFilters(runtime: string | undefined, arch: string | undefined): void {
  if (runtime !== undefined && !layerFilterRuntimes.includes(runtime)) {
    throw validationFailed([{ value: runtime, path: 'compatibleRuntime', constraint: `Member must satisfy enum value set: [${layerFilterRuntimes.join(', ')}]` }]);
  }
  if (arch !== undefined && arch !== 'x86_64' && arch !== 'arm64') {
    throw validationFailed([{ value: arch, path: 'compatibleArchitecture', constraint: 'Member must satisfy enum value set: [x86_64, arm64]' }]);
  }
}

function matches(r: LayerVersionRecord, runtime?: string, arch?: string): boolean {
  return (!runtime || r.compatibleRuntimes.includes(runtime)) && (!arch || r.compatibleArchitectures.includes(arch));
}

function staleRevision(): DomainError {
  return preconditionFailed(// AWS's text for layer policies (recorded: test_layer_policy_exceptions).
    'The Revision Id provided does not match the latest Revision Id. Call the GetLayerPolicy API to retrieve the latest Revision Id',
  );
}

const encodeMarker = (s: string) => Buffer.from(s).toString('base64url');
function decodeMarker(m: string | undefined): string | undefined {
  return m ? Buffer.from(m, 'base64url').toString('utf8') : undefined;
}
