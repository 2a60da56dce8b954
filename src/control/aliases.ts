import { randomUUID } from 'node:crypto';
import { type DomainError, notFound, conflict, invalidParameter, preconditionFailed, validationFailed } from '../domain/errors';
import type { AliasRecord } from '../domain/records';
import type { AliasWriteResult, MetadataStore } from '../store/types';
import type { FunctionService } from './functions';
import type { AliasInput } from './inputs';
import { Checker, checkDescription } from './validate';

const aliasPattern = '(?!^[0-9]+$)([a-zA-Z0-9-_]+)';
const aliasRe = /^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/;
const versionPattern = '(\\$LATEST|[0-9]+)';
const versionRe = /^(\$LATEST|[0-9]+)$/;
/** AWS: AdditionalVersionWeights holds at most one version. */
const extraVersionsMax = 1;

/**
 * Aliases: named pointers to a version, optionally sending a share of
 * traffic to one more version (AdditionalVersionWeights). Every update is a
 * compare-and-swap on the alias's RevisionId.
 */
export class AliasService {
  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
  ) {}

  async create(rawName: string, body: AliasInput): Promise<AliasRecord> {
    const name = this.fnName(rawName);
    const c = new Checker();
    const alias = c.string(body.Name, 'name', { min: 1, max: 128, pattern: aliasPattern, re: aliasRe });
    const version = c.string(body.FunctionVersion, 'functionVersion', { min: 1, max: 1024, pattern: versionPattern, re: versionRe });
    const description = checkDescription(c, body.Description);
    const weights = this.checkRouting(c, body.RoutingConfig);
    c.done();
    if (alias === undefined) throw validationFailed([{ value: null, path: 'name', constraint: 'Member must not be null' }]);
    if (version === undefined) throw validationFailed([{ value: null, path: 'functionVersion', constraint: 'Member must not be null' }]);
    await this.checkVersions(name, version, weights ?? {});
    const rec: AliasRecord = {
      functionName: name,
      name: alias,
      functionVersion: version,
      description: description ?? '',
      additionalVersionWeights: weights ?? {},
      revisionId: randomUUID(),
    };
    // The store re-checks the routed versions in the insert's transaction (a DeleteVersion may have run since).
    const r = await this.store.createAliasChecked(rec);
    if (r.kind === 'exists') throw conflict(`Alias already exists: ${this.functions.arn(name, alias)}`);
    this.refuseMissing(name, version, r);
    this.changed(rec);
    return rec;
  }

  /** AWS words a missing alias differently for GetAlias and UpdateAlias (recorded: test_notfound_and_invalid_routingconfigs, test_non_existent_alias_update). */
  async get(rawName: string, alias: string, missing: 'get' | 'update' = 'get'): Promise<AliasRecord> {
    const name = this.fnName(rawName);
    const rec = await this.store.getAlias(name, alias);
    if (!rec) throw notFound(`${missing === 'get' ? 'Cannot find alias arn:' : 'Alias not found:'} ${this.functions.arn(name, alias)}`);
    return rec;
  }

  async update(rawName: string, alias: string, body: AliasInput): Promise<AliasRecord> {
    const cur = await this.get(rawName, alias, 'update');
    const c = new Checker();
    const version = c.string(body.FunctionVersion, 'functionVersion', { min: 1, max: 1024, pattern: versionPattern, re: versionRe });
    const description = checkDescription(c, body.Description);
    const weights = this.checkRouting(c, body.RoutingConfig);
    const revisionId = c.string(body.RevisionId, 'revisionId');
    c.done();
    if (revisionId !== undefined && revisionId !== cur.revisionId) throw staleRevision();
    const next: AliasRecord = {
      ...cur,
      functionVersion: version ?? cur.functionVersion,
      description: description ?? cur.description,
      additionalVersionWeights: weights ?? cur.additionalVersionWeights,
      revisionId: randomUUID(),
    };
    await this.checkVersions(cur.functionName, next.functionVersion, next.additionalVersionWeights);
    const r = await this.store.updateAliasChecked(next, cur.revisionId);
    if (r.kind === 'stale') throw staleRevision();
    this.refuseMissing(cur.functionName, next.functionVersion, r);
    this.changed(next);
    return next;
  }

  async delete(rawName: string, alias: string): Promise<void> {
    const name = this.fnName(rawName);
    if (!(await this.store.getFunction(name))) throw notFound(`Function not found: ${this.functions.arn(name)}`);
    // AWS answers 204 whether or not the alias existed.
    if (await this.store.deleteAlias(name, alias)) this.changed({ functionName: name, name: alias } as AliasRecord);
  }

  async list(rawName: string, version: string | undefined, marker: string | undefined, maxItems: number) {
    const name = this.fnName(rawName);
    if (!(await this.store.getFunction(name))) throw notFound(`Function not found: ${this.functions.arn(name)}`);
    const after = marker ? Buffer.from(marker, 'base64url').toString('utf8') : undefined;
    const rows = (await this.store.listAliases(name, after, 10_000)).filter(
      (a) => version === undefined || a.functionVersion === version || version in a.additionalVersionWeights,
    );
    const items = rows.slice(0, maxItems);
    return { items, next: rows.length > maxItems ? Buffer.from(items[items.length - 1]!.name).toString('base64url') : undefined };
  }

  private fnName(rawName: string): string {
    const { name, qualifier } = this.functions.ref(rawName);
    if (qualifier !== undefined) throw invalidParameter('Unsupported FunctionName: a qualifier cannot be given for alias operations.');
    return name;
  }

  private changed(a: AliasRecord): void {
    void this.store.getFunction(a.functionName).then((fn) => this.functions.changed(a.functionName, fn?.latest, { alias: a.name }));
  }

  private checkRouting(c: Checker, v: AliasInput['RoutingConfig']): Record<string, number> | undefined {
    if (v === undefined) return undefined;
    const out = v.AdditionalVersionWeights ?? {};
    // AWS's texts (recorded: test_notfound_and_invalid_routingconfigs); the value is the whole map as AWS prints it.
    const shown = `{${Object.entries(out).map(([k, x]) => `${k}=${Number.isInteger(x) ? x.toFixed(1) : String(x)}`).join(', ')}}`;
    if (Object.keys(out).some((ver) => !/^[0-9]+$/.test(ver) || ver.length > 1024)) {
      c.failures.push({
        value: shown,
        path: 'routingConfig.additionalVersionWeights',
        constraint: 'Map keys must satisfy constraint: [Member must have length less than or equal to 1024, Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]',
      });
    } else if (Object.values(out).some((x) => x < 0 || x > 1)) {
      c.failures.push({
        value: shown,
        path: 'routingConfig.additionalVersionWeights',
        constraint: 'Map value must satisfy constraint: [Member must have value less than or equal to 1.0, Member must have value greater than or equal to 0.0, Member must not be null]',
      });
    }
    if (Object.keys(out).length > extraVersionsMax) {
      throw invalidParameter(`Number of items in AdditionalVersionWeights cannot be greater than ${extraVersionsMax}`);
    }
    return out;
  }

  /** The store found the function or a routed version gone: AWS's not-found, as `checkVersions` words it. */
  private refuseMissing(name: string, version: string, r: AliasWriteResult): void {
    if (r.kind === 'no-function') throw notFound(`Function not found: ${this.functions.arn(name, version)}`);
    if (r.kind === 'no-version') throw notFound(`Function not found: ${this.functions.arn(name, r.version)}`);
  }

  /** The alias's versions must exist; weighted routing needs two distinct published versions (AWS's rules). */
  private async checkVersions(name: string, version: string, weights: Record<string, number>): Promise<void> {
    const fn = await this.store.getFunction(name);
    if (!fn) throw notFound(`Function not found: ${this.functions.arn(name, version)}`);
    for (const v of [version, ...Object.keys(weights)]) {
      if (v !== '$LATEST' && !(await this.store.getVersion(name, v))) throw notFound(`Function not found: ${this.functions.arn(name, v)}`);
    }
    const extra = Object.keys(weights);
    if (extra.length) {
      if (version === '$LATEST') throw invalidParameter('$LATEST is not supported for an alias pointing to more than 1 version');
      if (extra[0] === version) throw invalidParameter(`Invalid function version ${version}. Function version ${version} is already included in routing configuration.`);
    }
  }
}

function staleRevision(): DomainError {
  return preconditionFailed(
    'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
  );
}
