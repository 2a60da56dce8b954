import { randomUUID, createHash } from 'node:crypto';
import { limits, type KumoConfig } from '../config';
import type { RoleDirectory } from '../identity/types';
import { DomainError, notFound, conflict, invalidParameter, preconditionFailed, required } from '../domain/errors';
import type { FunctionConfig, FunctionRecord, LayerRef, VersionRecord } from '../domain/records';
import type { MetadataStore } from '../store/types';
import { StoreConflict } from '../store/types';
import type { BlobStore } from '../blobs/blob-store';
import type { Keyring } from '../keys/keyring';
import type { CodeCache } from '../blobs/code-cache';
import { zipError } from './zip-errors';
import { awsTimestamp } from './time';
import { functionArn, parseFunctionName, resolveQualifier, type NameUse } from './arn';
import {
  Checker, checkArchitectureRuns, checkArchitectures, checkDescription, checkEnvironment, checkEphemeral, checkHandler, checkKmsKeyArn,
  checkLogging, checkMemory, checkRole, checkRuntime, checkTags, checkTimeout, checkTracing, hostArchitecture,
} from './validate';
import type { LayerCaller, LayerService } from './layers';
import { checkDeadLetter, checkSettings } from './settings';

import type { CodeInput, CreateFunctionInput, UpdateFunctionCodeInput, UpdateFunctionConfigurationInput } from './inputs';
import { runtimeSpec, type Architecture } from '../runtimes/registry';

/**
 * Listener told about every change of a function so caches and warm EEs
 * follow: `latest` is the new $LATEST (undefined when the function was
 * deleted); `detail` names a published version or alias that changed.
 */
export type FunctionChangeListener = (name: string, latest: VersionRecord | undefined, detail?: { version?: string; alias?: string }) => void;

/**
 * Lifecycle of functions: create, read, list, update code and configuration,
 * delete. Validates every field before touching state; writes code (blob +
 * unpacked tree) before the metadata row, so a crash leaves either a complete
 * function or none.
 */
/** AWS's refusal of an execution role that does not exist or does not trust Lambda (CreateFunction, UpdateFunctionConfiguration). */
export const lambdaServicePrincipal = 'lambda.amazonaws.com';
export const roleNotAssumableMessage = 'The role defined for the function cannot be assumed by Lambda.';

export class FunctionService {
  /**
   * IAM's answer about execution roles (issue 18): when set, CreateFunction
   * and UpdateFunctionConfiguration require a role that exists and trusts
   * `lambda.amazonaws.com`. The composition root sets it (enforcement is on).
   */
  roles: RoleDirectory | undefined;
  private readonly listeners: FunctionChangeListener[] = [];
  private readonly ctx: { region: string; accountId: string };

  constructor(
    private readonly store: MetadataStore,
    private readonly blobs: BlobStore,
    private readonly keyring: Keyring,
    private readonly code: CodeCache,
    private readonly layers: LayerService,
    cfg: KumoConfig,
  ) {
    this.ctx = { region: cfg.region, accountId: cfg.accountId };
  }

  onChange(l: FunctionChangeListener): void {
    this.listeners.push(l);
  }

  changed(name: string, latest: VersionRecord | undefined, detail?: { version?: string; alias?: string }): void {
    for (const l of this.listeners) l(name, latest, detail);
  }

  get ctxRegion(): string {
    return this.ctx.region;
  }

  get ctxAccount(): string {
    return this.ctx.accountId;
  }

  /** Lambda must be able to assume the execution role (AWS checks at create and whenever Role is given). */
  private async checkAssumable(role: string): Promise<void> {
    // A role of another account (even one on this server) is never a function's role: AWS's iam:PassRole refusal.
    const account = /^arn:aws[a-zA-Z-]*:iam::(\d{12}):role\//.exec(role)?.[1];
    if (account !== undefined && account !== this.ctx.accountId) throw new DomainError('AccessDenied', 'Cross-account pass role is not allowed.');
    if (!this.roles) return;
    if ((await this.roles.trusts(role, lambdaServicePrincipal)) !== 'ok') throw invalidParameter(roleNotAssumableMessage);
  }

  arn(name: string, qualifier?: string): string {
    return functionArn(this.ctx, name, qualifier);
  }

  /** Resolves a FunctionName path parameter (any AWS form) and optional Qualifier. */
  ref(rawName: string, qualifierParam?: string, use: NameUse = 'update'): { name: string; qualifier: string | undefined } {
    const ref = parseFunctionName(rawName, this.ctx, { use, qualifier: qualifierParam });
    return { name: ref.name, qualifier: resolveQualifier(ref, qualifierParam) };
  }

  /** `caller`: the API's signer, for the layers the function names (LayerService.resolveRefs). */
  async create(body: CreateFunctionInput, caller?: LayerCaller): Promise<VersionRecord> {
    const c = new Checker();
    if (body.FunctionName === undefined) throw missing('FunctionName');
    const ref = parseFunctionName(body.FunctionName, this.ctx, { use: 'create' });
    if (ref.qualifier !== undefined) throw invalidParameter('Unsupported FunctionName: a qualifier cannot be given when creating a function.');
    const runtime = checkRuntime(c, body.Runtime);
    const role = checkRole(c, body.Role);
    const handler = checkHandler(c, body.Handler);
    const description = checkDescription(c, body.Description);
    const timeout = checkTimeout(c, body.Timeout);
    const memory = checkMemory(c, body.MemorySize);
    const ephemeral = checkEphemeral(c, body.EphemeralStorage);
    const architectures = checkArchitectures(c, body.Architectures);
    const logging = checkLogging(c, body.LoggingConfig);
    const env = checkEnvironment(c, body.Environment);
    const layers = await this.layers.resolveRefs(c, body.Layers, caller);
    const tracing = checkTracing(c, body.TracingConfig);
    const kmsKeyArn = checkKmsKeyArn(c, body.KMSKeyArn);
    const deadLetter = checkDeadLetter(c, body.DeadLetterConfig);
    const packageType = c.enumOf(body.PackageType, 'packageType', ['Zip', 'Image'] as const);
    const tags = checkTags(c, body.Tags);
    c.done();
    const accepted = checkSettings('CreateFunction', body);
    if (role === undefined) throw missing('Role');
    if (body.Code === undefined) throw missing('Code');
    await this.checkAssumable(role);
    if (packageType === 'Image') throw invalidParameter('PackageType Image is not supported by this Kumo server; use Zip.');
    if (runtime === undefined) throw invalidParameter('Runtime is required for .zip file packages.');
    if (architectures) checkArchitectureRuns(runtime, architectures[0]!);
    checkJsonLogs(runtime, logging?.logFormat);
    if (!handler && !runtime.startsWith('provided')) throw invalidParameter('Handler is required for .zip file packages with a managed runtime.');
    const publish = body.Publish;
    const zip = decodeZip(body.Code);

    const { key: codeKey, unzippedBytes } = await this.storeCode(zip);
    checkTotalSize(unzippedBytes, layers ?? []);
    const now = new Date();
    const config: FunctionConfig = {
      runtime,
      handler: handler ?? '',
      role,
      description: description ?? '',
      timeoutSeconds: timeout ?? limits.timeoutSecondsDefault,
      memoryMb: memory ?? limits.memoryMbDefault,
      ephemeralStorageMb: ephemeral ?? limits.ephemeralStorageMbDefault,
      architectures: architectures ?? [hostArchitecture()],
      packageType: 'Zip',
      logFormat: logging?.logFormat ?? 'Text',
      applicationLogLevel: logging?.logFormat === 'JSON' ? logging.applicationLogLevel ?? 'INFO' : undefined,
      systemLogLevel: logging?.logFormat === 'JSON' ? logging.systemLogLevel ?? 'INFO' : undefined,
      logGroup: logging?.logGroup ?? `/aws/lambda/${ref.name}`,
      tracingMode: tracing ?? 'PassThrough',
      kmsKeyArn: kmsKeyArn || undefined,
      layers: layers ?? [],
      envKeys: env ? Object.keys(env) : [],
      ...(env !== undefined ? { environmentSet: true } : {}),
      ...(accepted.vpcConfigSet ? { vpcConfigSet: true } : {}),
      ...(deadLetter ? { deadLetterTargetArn: deadLetter } : {}),
    };
    const latest: VersionRecord = {
      functionName: ref.name,
      version: '$LATEST',
      config,
      envSealed: await this.sealEnv(ref.name, env, kmsKeyArn),
      codeKey,
      codeSha256: Buffer.from(codeKey, 'hex').toString('base64'),
      codeSize: zip.length,
      codeUnzippedBytes: unzippedBytes,
      revisionId: randomUUID(),
      lastModified: awsTimestamp(now),
      state: 'Pending',
      stateReason: 'The function is being created.',
      stateReasonCode: 'Creating',
      // Not shown while Pending (AWS's CreateFunction answer has no LastUpdateStatus); kept for activation.
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: null,
      lastUpdateStatusReasonCode: null,
    };
    try {
      // Tags go in the same transaction: a crash never leaves the function without the tags it was created with.
      const withTags = tags && Object.keys(tags).length ? { tags } : {};
      await this.store.createFunction({ name: ref.name, createdAt: now.toISOString(), latest, ...withTags });
    } catch (e) {
      if (e instanceof StoreConflict) throw conflict(`Function already exist: ${ref.name}`);
      throw e;
    }
    this.changed(ref.name, latest);
    this.scheduleActivation(ref.name);
    return publish ? this.publishAfterActivation(ref.name) : latest;
  }

  /**
   * Publish=true on create/update: AWS answers with the new version's
   * configuration while that version is still being created (State Pending,
   * recorded: test_list_functions create_response_1, test_publish_with_update).
   * Kumo publishes once $LATEST is active (milliseconds here), so the version
   * is stored Active; the answer shows it as AWS's does at that moment.
   */
  private async publishAfterActivation(name: string): Promise<VersionRecord> {
    await this.whenSettled(name);
    if (!this.publisher) throw invalidParameter('Publishing versions is not available.');
    const { rec, created } = await this.publisher(name);
    return created ? { ...rec, state: 'Pending', stateReason: 'The function is being created.', stateReasonCode: 'Creating' } : rec;
  }

  /** Set by VersionService so Publish=true can publish without a dependency cycle; `created` is false when an unchanged $LATEST returned the newest version. */
  publisher: ((name: string) => Promise<{ rec: VersionRecord; created: boolean }>) | undefined;

  /** $LATEST, a published version, or the version an alias points to. */
  async get(rawName: string, qualifierParam?: string): Promise<VersionRecord> {
    const { name, qualifier } = this.ref(rawName, qualifierParam, 'get');
    const fn = await this.store.getFunction(name);
    if (!fn) throw notFound(`Function not found: ${this.arn(name, qualifier)}`);
    if (qualifier === undefined || qualifier === '$LATEST') return fn.latest;
    let version = qualifier;
    if (!/^[0-9]+$/.test(qualifier)) {
      const alias = await this.store.getAlias(name, qualifier);
      if (!alias) throw notFound(`Function not found: ${this.arn(name, qualifier)}`);
      version = alias.functionVersion;
      if (version === '$LATEST') return fn.latest;
    }
    const rec = await this.store.getVersion(name, version);
    if (!rec) throw notFound(`Function not found: ${this.arn(name, qualifier)}`);
    return rec;
  }

  async tagsOf(name: string): Promise<Record<string, string>> {
    return (await this.store.getTags(name)) ?? {};
  }

  async list(marker: string | undefined, maxItems: number): Promise<{ items: VersionRecord[]; next?: string }> {
    let after: string | undefined;
    if (marker) {
      try {
        after = Buffer.from(marker, 'base64url').toString('utf8');
      } catch {
        throw invalidParameter('Invalid marker');
      }
    }
    const rows = await this.store.listFunctions(after, maxItems + 1);
    const items = rows.slice(0, maxItems).map((f) => f.latest);
    const next = rows.length > maxItems ? Buffer.from(items[items.length - 1]!.functionName).toString('base64url') : undefined;
    return { items, next };
  }

  async updateCode(rawName: string, body: UpdateFunctionCodeInput): Promise<VersionRecord> {
    const { name, qualifier } = this.ref(rawName);
    if (qualifier !== undefined) throw invalidParameter('Unsupported FunctionName: a qualifier cannot be given when updating code.');
    const c = new Checker();
    const revisionId = c.string(body.RevisionId, 'revisionId');
    const architectures = checkArchitectures(c, body.Architectures);
    const dryRun = body.DryRun;
    c.done();
    checkSettings('UpdateFunctionCode', body);
    const fn = await this.mustGet(name);
    this.checkUpdatable(fn.latest, revisionId);
    if (architectures) checkArchitectureRuns(fn.latest.config.runtime, architectures[0]!);
    const publish = body.Publish;
    const zip = decodeZip(body);
    if (dryRun) {
      await this.code.validate(zip).catch((e: unknown) => {
        throw zipError(e) ?? e;
      });
      return fn.latest;
    }
    const { key: codeKey, unzippedBytes } = await this.storeCode(zip);
    checkTotalSize(unzippedBytes, fn.latest.config.layers);
    const next: VersionRecord = {
      ...fn.latest,
      config: { ...fn.latest.config, architectures: architectures ?? fn.latest.config.architectures },
      codeKey,
      codeSha256: Buffer.from(codeKey, 'hex').toString('base64'),
      codeSize: zip.length,
      codeUnzippedBytes: unzippedBytes,
      revisionId: randomUUID(),
      lastModified: awsTimestamp(new Date()),
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
    };
    const updated = await this.commitUpdate(fn.latest, next);
    return publish ? this.publishAfterActivation(name) : updated;
  }

  async updateConfiguration(rawName: string, body: UpdateFunctionConfigurationInput, caller?: LayerCaller): Promise<VersionRecord> {
    const { name, qualifier } = this.ref(rawName);
    if (qualifier !== undefined) throw invalidParameter('Unsupported FunctionName: a qualifier cannot be given when updating configuration.');
    const c = new Checker();
    const runtime = checkRuntime(c, body.Runtime);
    const role = checkRole(c, body.Role);
    const handler = checkHandler(c, body.Handler);
    const description = checkDescription(c, body.Description);
    const timeout = checkTimeout(c, body.Timeout);
    const memory = checkMemory(c, body.MemorySize);
    const ephemeral = checkEphemeral(c, body.EphemeralStorage);
    const logging = checkLogging(c, body.LoggingConfig);
    const env = checkEnvironment(c, body.Environment);
    const layers = await this.layers.resolveRefs(c, body.Layers, caller);
    const tracing = checkTracing(c, body.TracingConfig);
    const revisionId = c.string(body.RevisionId, 'revisionId');
    const kmsKeyArn = checkKmsKeyArn(c, body.KMSKeyArn);
    const deadLetter = checkDeadLetter(c, body.DeadLetterConfig);
    c.done();
    const accepted = checkSettings('UpdateFunctionConfiguration', body);
    const fn = await this.mustGet(name);
    if (layers) checkTotalSize(fn.latest.codeUnzippedBytes ?? 0, layers);
    this.checkUpdatable(fn.latest, revisionId);
    if (role !== undefined) await this.checkAssumable(role);
    const old = fn.latest.config;
    // A new runtime must run on the function's architecture (an arm64 function stays arm64).
    if (runtime !== undefined) checkArchitectureRuns(runtime, old.architectures[0] as Architecture);
    const logFormat = logging?.logFormat ?? old.logFormat;
    checkJsonLogs(runtime ?? old.runtime, logFormat);
    const config: FunctionConfig = {
      ...old,
      runtime: runtime ?? old.runtime,
      role: role ?? old.role,
      handler: handler ?? old.handler,
      description: description ?? old.description,
      timeoutSeconds: timeout ?? old.timeoutSeconds,
      memoryMb: memory ?? old.memoryMb,
      ephemeralStorageMb: ephemeral ?? old.ephemeralStorageMb,
      logFormat,
      applicationLogLevel: logFormat === 'JSON' ? logging?.applicationLogLevel ?? old.applicationLogLevel ?? 'INFO' : undefined,
      systemLogLevel: logFormat === 'JSON' ? logging?.systemLogLevel ?? old.systemLogLevel ?? 'INFO' : undefined,
      logGroup: logging?.logGroup ?? old.logGroup,
      tracingMode: tracing ?? old.tracingMode,
      layers: layers ?? old.layers,
      kmsKeyArn: kmsKeyArn === undefined ? old.kmsKeyArn : kmsKeyArn || undefined,
      envKeys: env ? Object.keys(env) : old.envKeys,
      ...(env !== undefined ? { environmentSet: true } : {}),
      // An empty VpcConfig on update stays "no VPC" and is shown as AWS shows it from then on.
      ...(accepted.vpcConfigSet ? { vpcConfigSet: true } : {}),
      // An empty DeadLetterConfig (or TargetArn '') removes the dead-letter queue, as in AWS.
      deadLetterTargetArn: deadLetter === undefined ? old.deadLetterTargetArn : deadLetter || undefined,
    };
    // A new key (or new variables) re-seals the environment; otherwise it stays as stored.
    const reseal = env !== undefined || kmsKeyArn !== undefined;
    const envPlain = reseal ? env ?? this.openEnv(fn.latest) : undefined;
    if (!config.handler && !config.runtime.startsWith('provided')) throw invalidParameter('Handler is required for .zip file packages with a managed runtime.');
    const next: VersionRecord = {
      ...fn.latest,
      config,
      envSealed: reseal ? await this.sealEnv(name, envPlain, config.kmsKeyArn) : fn.latest.envSealed,
      revisionId: randomUUID(),
      lastModified: awsTimestamp(new Date()),
      lastUpdateStatus: 'InProgress',
      lastUpdateStatusReason: 'The function is being created.',
      lastUpdateStatusReasonCode: 'Creating',
    };
    return this.commitUpdate(fn.latest, next);
  }

  async delete(rawName: string, qualifierParam?: string): Promise<void> {
    const { name, qualifier } = this.ref(rawName, qualifierParam, 'delete');
    if (qualifier === '$LATEST') throw invalidParameter('$LATEST version cannot be deleted without deleting the function.');
    if (qualifier !== undefined) {
      if (!/^[0-9]+$/.test(qualifier)) throw invalidParameter('Deletion of aliases is not supported by DeleteFunction; use DeleteAlias.');
      const fn = await this.mustGet(name);
      const r = await this.store.deleteVersion(name, qualifier);
      if (r.aliases.length) {
        throw conflict(`Unable to delete version because the following aliases reference it: [${r.aliases.join(', ')}]`);
      }
      // AWS answers 204 for a version that does not exist (recorded: test_delete_on_nonexisting_version).
      if (r.deleted) this.changed(name, fn.latest, { version: qualifier });
      return;
    }
    if (!(await this.store.deleteFunction(name))) throw notFound(`Function not found: ${this.arn(name)}`);
    this.changed(name, undefined);
  }

  /** Decrypts a version's environment (control-plane reads and EE start only). */
  openEnv(rec: VersionRecord): Record<string, string> {
    if (!rec.envSealed) return {};
    return JSON.parse(this.keyring.openString(rec.envSealed, envAad(rec.functionName))) as Record<string, string>;
  }

  async accountUsage(): Promise<{ count: number; totalCodeSize: number }> {
    return this.store.countFunctions();
  }

  /**
   * At start-up: finish activations a crash interrupted. Unreferenced code
   * blobs are dropped by the server (`collectCode`), once every account's
   * store is open: the blobs and the code cache are shared by all accounts.
   */
  async recover(): Promise<void> {
    let after: string | undefined;
    for (;;) {
      const page = await this.store.listFunctions(after, 500);
      if (!page.length) break;
      for (const f of page) {
        if (f.latest.state === 'Pending' || f.latest.lastUpdateStatus === 'InProgress') await this.activate(f.name);
      }
      after = page[page.length - 1]!.name;
    }
  }

  /** Seals the environment under the default key, or the function's own named key (KMSKeyArn). */
  private async sealEnv(name: string, env: Record<string, string> | undefined, kmsKeyArn?: string): Promise<string | null> {
    if (!env || Object.keys(env).length === 0) return null;
    if (kmsKeyArn) {
      await this.keyring.useKey(kmsKeyArn);
      return this.keyring.sealStringWith(kmsKeyArn, JSON.stringify(env), envAad(name));
    }
    return this.keyring.sealString(JSON.stringify(env), envAad(name));
  }

  /** Validates and unpacks the zip into the code cache, then stores the encrypted blob. */
  private async storeCode(zip: Buffer): Promise<{ key: string; unzippedBytes: number }> {
    const key = createHash('sha256').update(zip).digest('hex');
    let unzippedBytes: number;
    try {
      unzippedBytes = await this.code.ensureFromZip(key, zip);
    } catch (e) {
      throw zipError(e) ?? e;
    }
    await this.blobs.put(zip);
    return { key, unzippedBytes };
  }

  private async mustGet(name: string): Promise<FunctionRecord> {
    const fn = await this.store.getFunction(name);
    if (!fn) throw notFound(`Function not found: ${this.arn(name)}`);
    return fn;
  }

  private checkUpdatable(latest: VersionRecord, revisionId: string | undefined): void {
    if (revisionId !== undefined && revisionId !== latest.revisionId) {
      throw preconditionFailed(
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    if (latest.lastUpdateStatus === 'InProgress' || latest.state === 'Pending') {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn(latest.functionName)}`,
      );
    }
  }

  private async commitUpdate(prev: VersionRecord, next: VersionRecord): Promise<VersionRecord> {
    if (!(await this.store.updateLatest(next, prev.revisionId))) {
      throw conflict(
        `The operation cannot be performed at this time. An update is in progress for resource: ${this.arn(prev.functionName)}`,
      );
    }
    this.changed(next.functionName, next);
    this.scheduleActivation(next.functionName);
    return next;
  }

  private readonly activating = new Map<string, Promise<void>>();

  /** Resolves when a Pending / InProgress function has become Active / Successful (or failed). */
  whenSettled(name: string): Promise<void> {
    return this.activating.get(name) ?? Promise.resolve();
  }

  private scheduleActivation(name: string): void {
    const p = new Promise<void>((r) => setImmediate(r))
      .then(() => this.activate(name))
      .catch(() => undefined)
      .finally(() => {
        if (this.activating.get(name) === p) this.activating.delete(name);
      });
    this.activating.set(name, p);
  }

  /**
   * Pending → Active (create) and InProgress → Successful (update): make sure
   * the code is unpacked, then record the new state with a new RevisionId.
   */
  private async activate(name: string): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const fn = await this.store.getFunction(name);
      if (!fn) return;
      const cur = fn.latest;
      if (cur.state !== 'Pending' && cur.lastUpdateStatus !== 'InProgress') return;
      let next: VersionRecord;
      try {
        await this.code.ensure(cur.codeKey);
        next = {
          ...cur,
          state: 'Active', stateReason: null, stateReasonCode: null,
          lastUpdateStatus: 'Successful', lastUpdateStatusReason: null, lastUpdateStatusReasonCode: null,
          revisionId: randomUUID(),
        };
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        next = {
          ...cur,
          state: cur.state === 'Pending' ? 'Failed' : cur.state,
          stateReason: cur.state === 'Pending' ? reason : cur.stateReason,
          stateReasonCode: cur.state === 'Pending' ? 'InternalError' : cur.stateReasonCode,
          lastUpdateStatus: 'Failed', lastUpdateStatusReason: reason, lastUpdateStatusReasonCode: 'InternalError',
          revisionId: randomUUID(),
        };
      }
      if (await this.store.updateLatest(next, cur.revisionId)) {
        this.changed(name, next);
        return;
      }
    }
  }
}

/** AWS's text for a required member that is absent (member paths are camelCase). */
function missing(field: string): DomainError {
  return required(field.charAt(0).toLowerCase() + field.slice(1));
}

/** Takes the zip (decoded from base64 by the service layer) and applies AWS's size limit; S3 and image code are refused clearly. */
function decodeZip(code: CodeInput): Buffer {
  if (code.S3Bucket !== undefined || code.S3Key !== undefined) {
    throw invalidParameter('S3Bucket/S3Key code locations are not supported by this Kumo server; upload the zip as ZipFile.');
  }
  if (code.ImageUri !== undefined) throw invalidParameter('ImageUri is not supported by this Kumo server; use a .zip package.');
  const zip = code.ZipFile;
  if (zip === undefined) throw invalidParameter('Please provide a source for function code.');
  if (zip.length > limits.zipBytesMax) {
    throw new DomainError('CodeTooLarge', `Zipped size must be smaller than ${limits.zipBytesMax} bytes`);
  }
  return zip;
}

/** AWS: code plus layers, unzipped, stay under 262,144,000 bytes. */
function checkTotalSize(codeBytes: number, layers: LayerRef[]): void {
  const total = codeBytes + layers.reduce((n, l) => n + l.unzippedBytes, 0);
  if (total > limits.unzippedBytesMax) {
    throw invalidParameter(
      `Function code combined with layers exceeds the maximum allowed size of ${limits.unzippedBytesMax} bytes. The actual size is ${total} bytes.`,
    );
  }
}

const envAad = (name: string) => `env:${name}`;


/** LogFormat JSON on a runtime whose Kumo bootstrap writes text only (registry `jsonLogs: false`, Ruby): refused, not dropped. */
function checkJsonLogs(runtime: string, logFormat: string | undefined): void {
  if (logFormat === 'JSON' && runtimeSpec(runtime)?.jsonLogs === false) {
    throw invalidParameter(`LoggingConfig LogFormat JSON is not supported by this Kumo server for ${runtime}: its runtime writes text logs. Use LogFormat Text.`);
  }
}

/**
 * At start-up, before the API listens: drops the code blobs and unpacked
 * trees no function version or layer version of any account references.
 * The blob store and code cache are shared by every account of the server
 * (a function may run another account's layer, whose copy it keeps when
 * that account deletes the layer version), so the kept set is the union of
 * every account's store.
 */
export async function collectCode(stores: readonly Pick<MetadataStore, 'referencedCodeKeys'>[], blobs: BlobStore, code: CodeCache): Promise<void> {
  const referenced = new Set<string>();
  for (const s of stores) for (const k of await s.referencedCodeKeys()) referenced.add(k);
  for (const key of await blobs.list()) if (!referenced.has(key)) await blobs.delete(key);
  await code.prune(referenced);
}
