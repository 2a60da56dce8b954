import { DomainError, conflict, invalidParameter, notFound, required } from '../domain/errors';
import type { ProvisionedConcurrencyRecord } from '../domain/records';
import type { MetadataStore, ProvisionedConcurrencyStore } from '../store/types';
import type { ConcurrencyLimiter } from '../invoke/concurrency';
import type { PlacementPort } from '../placement/placement';
import type { ProvisionedStatus } from '../placement/provisioned';
import type { FunctionService } from './functions';
import { Checker } from './validate';

/** AWS: ProvisionedConcurrentExecutions is a PositiveInteger (min 1); reservations and the account bound it from above. */
const provisionedMin = 1;

/** A config with its allocation as placement runs it now. */
export interface ProvisionedView extends ProvisionedConcurrencyRecord, ProvisionedStatus {}

const notOnLatest = 'The function resource provided must be an alias or a published version.';

/**
 * Provisioned concurrency (Put/Get/Delete/ListProvisionedConcurrencyConfigs)
 * on a version or an alias. The store decides a put (qualifier exists, the
 * amount fits the function's reservation or the account's share) in one
 * transaction; placement then runs the EEs of the version the qualifier
 * names. Whenever a function changes (an alias moved, a version or the
 * function deleted) its configs are read again and placement follows; at
 * start-up every stored config is provisioned again. Messages as LocalStack
 * (validated against AWS) words them; the two over-limit texts are AWS's as
 * users report them.
 */
export class ProvisionedConcurrencyService {
  constructor(
    private readonly store: ProvisionedConcurrencyStore & Pick<MetadataStore, 'getVersion' | 'getAlias'>,
    private readonly functions: FunctionService,
    private readonly placement: PlacementPort,
    private readonly limiter: ConcurrencyLimiter,
  ) {
    functions.onChange((name) => void this.reconcile(name).catch((e) => console.error(`kumo: provisioned concurrency of ${name}:`, e)));
  }

  /** Provisions every stored config (a restart); the API may serve meanwhile: statuses show IN_PROGRESS until ready. */
  async load(): Promise<void> {
    for (const c of await this.store.listProvisionedConcurrency()) await this.apply(c, false);
  }

  async put(rawName: string, qualifierParam: string | undefined, requested: number | undefined): Promise<ProvisionedView> {
    const { name, qualifier } = this.ref(rawName, qualifierParam, 'Provisioned Concurrency Configs cannot be applied to unpublished function versions.');
    if (requested === undefined) throw required('provisionedConcurrentExecutions');
    const c = new Checker();
    c.int(requested, 'provisionedConcurrentExecutions', provisionedMin, Number.MAX_SAFE_INTEGER);
    c.done();
    const rec: ProvisionedConcurrencyRecord = { functionName: name, qualifier, requested, lastModifiedMs: Date.now() };
    const r = await this.store.putProvisionedConcurrency(rec, this.limiter.reservableMax);
    if (r === 'no-function') throw notFound(`Function not found: ${this.functions.arn(name)}`);
    if (r === 'no-qualifier') throw this.noQualifier(name, qualifier);
    // LocalStack's texts, validated against AWS.
    if (r === 'version-provisioned') throw conflict("Alias can't be used for Provisioned Concurrency configuration on an already Provisioned version");
    if (r === 'alias-provisioned') throw conflict('Version is pointed by a Provisioned Concurrency alias');
    if (r === 'over-reserved') {
      throw invalidParameter('Requested Provisioned Concurrency should not be greater than the reservedConcurrentExecution for function');
    }
    if (r === 'over-account') {
      throw invalidParameter(
        `Specified ConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${this.limiter.unreservedFloor}].`,
      );
    }
    await this.apply(rec, true);
    // AWS answers a put before any EE is up: IN_PROGRESS with nothing allocated yet.
    return { ...rec, allocated: 0, available: 0, status: 'IN_PROGRESS' };
  }

  async get(rawName: string, qualifierParam: string | undefined): Promise<ProvisionedView> {
    const { name, qualifier } = this.ref(rawName, qualifierParam, notOnLatest);
    await this.mustExist(name, qualifier);
    const rec = await this.store.getProvisionedConcurrency(name, qualifier);
    if (!rec) throw new DomainError('ProvisionedConfigNotFound', 'No Provisioned Concurrency Config found for this function');
    return this.view(rec);
  }

  async list(rawName: string, marker: string | undefined, limit: number): Promise<{ items: ProvisionedView[]; next?: string }> {
    const { name } = this.functions.ref(rawName, undefined, 'list');
    await this.functions.get(name); // NotFound: "Function not found: <unqualified ARN>"
    const all = await this.store.listProvisionedConcurrency(name);
    const from = marker === undefined ? 0 : all.findIndex((c) => c.qualifier > marker);
    const rest = from < 0 ? [] : all.slice(from);
    const page = rest.slice(0, limit).map((c) => this.view(c));
    return rest.length > limit ? { items: page, next: page[page.length - 1]!.qualifier } : { items: page };
  }

  /** Deleting a config that does not exist succeeds (LocalStack, validated against AWS); a missing qualifier does not. */
  async delete(rawName: string, qualifierParam: string | undefined): Promise<void> {
    const { name, qualifier } = this.ref(rawName, qualifierParam, notOnLatest);
    await this.mustExist(name, qualifier);
    await this.store.deleteProvisionedConcurrency(name, qualifier);
    this.placement.deprovision(configId(name, qualifier));
  }

  arn(rec: ProvisionedConcurrencyRecord): string {
    return this.functions.arn(rec.functionName, rec.qualifier);
  }

  private view(rec: ProvisionedConcurrencyRecord): ProvisionedView {
    return { ...rec, ...(this.placement.provisionedStatus(configId(rec.functionName, rec.qualifier)) ?? { allocated: 0, available: 0, status: 'IN_PROGRESS' }) };
  }

  /** Placement runs the config's EEs on the version its qualifier names now. */
  private async apply(rec: ProvisionedConcurrencyRecord, put: boolean): Promise<void> {
    const version = /^[0-9]+$/.test(rec.qualifier) ? rec.qualifier : (await this.store.getAlias(rec.functionName, rec.qualifier))?.functionVersion;
    const v = version === undefined ? undefined : await this.store.getVersion(rec.functionName, version);
    const id = configId(rec.functionName, rec.qualifier);
    if (!v) this.placement.deprovision(id);
    else this.placement.provision(id, v, rec.requested, put);
  }

  /** After a change of `name`: configs gone are deprovisioned, the others follow their qualifier. */
  private async reconcile(name: string): Promise<void> {
    const configs = await this.store.listProvisionedConcurrency(name);
    const kept = new Set(configs.map((c) => configId(c.functionName, c.qualifier)));
    for (const id of this.placement.provisionedIds()) if (id.startsWith(`${name}\0`) && !kept.has(id)) this.placement.deprovision(id);
    for (const c of configs) await this.apply(c, false);
  }

  private ref(rawName: string, qualifierParam: string | undefined, latestMessage: string): { name: string; qualifier: string } {
    const { name, qualifier } = this.functions.ref(rawName, qualifierParam, 'update');
    if (qualifier === undefined) throw required('qualifier');
    if (qualifier === '$LATEST') throw invalidParameter(latestMessage);
    return { name, qualifier };
  }

  private async mustExist(name: string, qualifier: string): Promise<void> {
    await this.functions.get(name);
    const found = /^[0-9]+$/.test(qualifier) ? await this.store.getVersion(name, qualifier) : await this.store.getAlias(name, qualifier);
    if (!found) throw this.noQualifier(name, qualifier);
  }

  private noQualifier(name: string, qualifier: string): DomainError {
    const arn = this.functions.arn(name, qualifier);
    return notFound(/^[0-9]+$/.test(qualifier) ? `Function not found: ${arn}` : `Cannot find alias arn: ${arn}`);
  }
}

/** Placement's id of a config: function and qualifier. */
export function configId(functionName: string, qualifier: string): string {
  return `${functionName}\0${qualifier}`;
}
