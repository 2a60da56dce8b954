import type { Keyring } from '../keys/keyring';
import type { NewParameterVersion, ParameterStore, ParameterType, ParameterVersionRecord } from '../store/types';
import { constraint, ParameterError, parameterNotFound, validation, versionNotFound } from './errors';
import { checkFilters, matches, underPath, type ParameterFilter } from './filters';
import { defaultKeyId, parameterLimits as L } from './limits';
import { checkNameLength, checkNewName, checkPath, invalidLabel } from './names';

/** A parameter version as the API shows it (Value plaintext, or the opaque ciphertext of a SecureString read without decryption). */
export interface ParameterView {
  name: string;
  type: ParameterType;
  value: string;
  version: number;
  /** `:version` or `:label` when the caller selected one. */
  selector?: string;
  modifiedMs: number;
  arn: string;
  dataType: string;
  keyId?: string;
  description?: string;
  allowedPattern?: string;
  labels: string[];
}

export interface PutParameterInput {
  name: string;
  value: string;
  type?: ParameterType;
  description?: string;
  allowedPattern?: string;
  keyId?: string;
  dataType?: string;
  overwrite?: boolean;
  tags?: Record<string, string>;
  tier?: string;
  policies?: string;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

const tokenOf = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');
function fromToken<T>(token: string | undefined): T | undefined {
  if (token === undefined) return undefined;
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    throw new ParameterError('InvalidNextToken', 'The specified token isn\'t valid.');
  }
}

/** Reads and compare-and-swaps an overwrite tries before it answers TooManyUpdates (each loses only to a put that succeeded). */
const putAttemptsMax = 10;
/** Candidates read from the store per round while filtering a page. */
const scanBatchRows = 100;
const tierMessage = 'Kumo keeps Standard-tier parameters only (values up to 4 KB, no parameter policies): Advanced and Intelligent-Tiering are not supported.';

/**
 * SSM Parameter Store's parameters: names checked as AWS checks them,
 * versions numbered by the store (up to 100 kept), labels, tags. A
 * SecureString's value is sealed with Kumo's keyring (AAD: the name) before
 * it reaches the store and opened only for a caller asking WithDecryption;
 * otherwise the sealed envelope's base64 is the value, as AWS returns KMS
 * ciphertext. Kumo has no KMS: only AWS's managed key `alias/aws/ssm` is
 * accepted as KeyId.
 */
export class ParameterService {
  constructor(
    private readonly store: ParameterStore,
    private readonly keyring: Keyring,
    private readonly scope: { region: string; accountId: string },
  ) {}

  arnOf(name: string): string {
    return `arn:aws:ssm:${this.scope.region}:${this.scope.accountId}:parameter/${name.replace(/^\//, '')}`;
  }

  async put(i: PutParameterInput): Promise<{ version: number; tier: 'Standard' }> {
    checkNewName(i.name);
    if (i.tier !== undefined && i.tier !== 'Standard') throw validation(tierMessage);
    if (i.policies !== undefined) throw validation(`Parameter policies need the Advanced tier, which Kumo does not have. ${tierMessage}`);
    if (i.value.length < 1) throw constraint('Value', i.value, 'Member must have length greater than or equal to 1');
    if (i.value.length > L.valueCharsMax) {
      throw validation(`Standard tier parameters support a maximum parameter value of ${L.valueCharsMax} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`);
    }
    if (/\{\{.*\}\}/s.test(i.value)) throw validation('Parameter value can\'t nest another parameter. Do not use "{{}}" in the value.');
    if (i.description !== undefined && i.description.length > L.descriptionCharsMax) throw constraint('Description', i.description, `Member must have length less than or equal to ${L.descriptionCharsMax}`);
    if (i.allowedPattern !== undefined && i.allowedPattern.length > L.allowedPatternCharsMax) throw constraint('AllowedPattern', i.allowedPattern, `Member must have length less than or equal to ${L.allowedPatternCharsMax}`);
    if (i.overwrite && i.tags && Object.keys(i.tags).length) {
      throw validation('Invalid request: tags and overwrite can\'t be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.');
    }
    if (i.tags) checkTags(i.tags);
    // What an overwrite does not restate it keeps from the newest version (AWS keeps type, description, pattern and data
    // type); the put is then a compare-and-swap on that version, read again when another put came in between.
    for (let attempt = 1; ; attempt++) {
      const previous = i.overwrite ? (await this.store.getParameterVersions(i.name)).at(-1) : undefined;
      const r = await this.store.putParameter(this.nextVersion(i, previous), {
        overwrite: i.overwrite === true, tags: i.tags, versionsMax: L.versionsMax, expectVersion: i.overwrite ? previous?.version ?? 0 : undefined,
      });
      if (r.kind === 'moved') {
        if (attempt < putAttemptsMax) continue;
        throw new ParameterError('TooManyUpdates', 'There are concurrent updates for a resource that supports one update at a time.');
      }
      if (r.kind === 'exists') throw new ParameterError('AlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');
      if (r.kind === 'oldest-labelled') {
        throw new ParameterError('MaxVersions', `You attempted to create a new version of ${i.name} by calling the PutParameter API with the overwrite flag. Version ${r.oldest}, the oldest version, can't be deleted because it has a label associated with it. Move the label to another version of the parameter, and try again.`);
      }
      return { version: r.version, tier: 'Standard' };
    }
  }

  /** The version a put writes, given the newest one it overwrites: type, data type, key and pattern checked, a SecureString sealed. */
  private nextVersion(i: PutParameterInput, previous: ParameterVersionRecord | undefined): NewParameterVersion {
    const type = i.type ?? previous?.type;
    if (!type) throw validation('A parameter type is required when you create a parameter.');
    const dataType = i.dataType ?? previous?.dataType ?? 'text';
    if (dataType === 'aws:ec2:image' || dataType === 'aws:ssm:integration') {
      throw validation(`Kumo does not support the data type ${dataType}: it validates values against EC2 images or integrations, which Kumo does not have. Use text.`);
    }
    if (dataType !== 'text') throw validation(`The following data type is not supported: ${dataType} (Data type names are all lowercase.)`);
    let keyId: string | undefined;
    if (type === 'SecureString') {
      keyId = i.keyId ?? defaultKeyId;
      if (!/^(alias\/aws\/ssm|arn:aws:kms:[a-z0-9-]+:\d{12}:alias\/aws\/ssm)$/.test(keyId)) {
        throw new ParameterError('InvalidKeyId', `Kumo has no KMS: SecureString values are sealed with Kumo's keyring under the AWS managed key ${defaultKeyId} only, not ${keyId}.`);
      }
    } else if (i.keyId !== undefined) {
      throw validation('KeyId is required for SecureString type parameter only.');
    }
    const allowedPattern = i.allowedPattern ?? previous?.allowedPattern;
    if (allowedPattern !== undefined && allowedPattern !== '') {
      let re: RegExp;
      try {
        re = new RegExp(allowedPattern, 'u');
      } catch {
        throw new ParameterError('InvalidAllowedPattern', 'The request doesn\'t meet the regular expression requirement.');
      }
      if (!re.test(i.value)) throw new ParameterError('PatternMismatch', `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`);
    }
    const plain = Buffer.from(i.value, 'utf8');
    return {
      name: i.name, type, value: type === 'SecureString' ? this.keyring.sealBytes(plain, i.name) : plain,
      description: i.description ?? previous?.description, allowedPattern, keyId, dataType,
    };
  }

  /** GetParameter: a name, `name:version`, `name:label` or an ARN of one. */
  async get(selector: string, decrypt: boolean): Promise<ParameterView> {
    checkNameLength(selector);
    const { name, pick, arnTail } = this.parseSelector(selector);
    const versions = await this.versionsOf(name, arnTail);
    if (!versions.length) throw parameterNotFound(selector);
    if (pick === undefined) return this.view(versions.at(-1)!, decrypt);
    const v = /^[0-9]+$/.test(pick) ? versions.find((x) => x.version === Number(pick)) : versions.find((x) => x.labels.includes(pick));
    if (!v) throw versionNotFound(pick, versions[0]!.name);
    return { ...this.view(v, decrypt), selector: `:${pick}` };
  }

  /** GetParameters: the ones found, and the names (as given) that name no parameter or version. */
  async getMany(names: string[], decrypt: boolean): Promise<{ found: ParameterView[]; invalid: string[] }> {
    if (names.length < 1) throw constraint('Names', `[${names.join(', ')}]`, 'Member must have length greater than or equal to 1');
    if (names.length > L.namesPerRequestMax) throw constraint('Names', `[${names.join(', ')}]`, `Member must have length less than or equal to ${L.namesPerRequestMax}`);
    const found: ParameterView[] = [];
    const invalid: string[] = [];
    for (const n of [...new Set(names)]) {
      try {
        found.push(await this.get(n, decrypt));
      } catch (e) {
        if (e instanceof ParameterError && (e.kind === 'NotFound' || e.kind === 'VersionNotFound' || e.kind === 'Validation')) invalid.push(n);
        else throw e;
      }
    }
    return { found, invalid };
  }

  async byPath(path: string, o: { recursive?: boolean; filters?: ParameterFilter[]; decrypt?: boolean; maxResults?: number; nextToken?: string }): Promise<Page<ParameterView>> {
    checkPath(path);
    const max = o.maxResults ?? L.byPathResultsMax;
    if (max < 1 || max > L.byPathResultsMax) throw constraint('MaxResults', max, `Member must have value ${max < 1 ? 'greater than or equal to 1' : `less than or equal to ${L.byPathResultsMax}`}`);
    const filters = o.filters ?? [];
    checkFilters(filters, 'by-path');
    const labels = filters.find((f) => f.key === 'Label')?.values;
    const others = filters.filter((f) => f.key !== 'Label');
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const page = await this.scan(prefix, fromToken<{ after: string }>(o.nextToken)?.after, max, async (p) => {
      if (!underPath(p.name, path, o.recursive === true)) return undefined;
      if (!matches(p, undefined, others)) return undefined;
      if (!labels) return this.view(p, o.decrypt === true);
      // A Label filter picks the version that carries one of the labels.
      const v = (await this.store.getParameterVersions(p.name)).find((x) => x.labels.some((l) => labels.includes(l)));
      return v && this.view(v, o.decrypt === true);
    });
    return page;
  }

  async describe(o: { filters?: ParameterFilter[]; maxResults?: number; nextToken?: string }): Promise<Page<ParameterView>> {
    const max = o.maxResults ?? L.describeResultsMax;
    if (max < 1 || max > L.describeResultsMax) throw constraint('MaxResults', max, `Member must have value ${max < 1 ? 'greater than or equal to 1' : `less than or equal to ${L.describeResultsMax}`}`);
    const filters = o.filters ?? [];
    checkFilters(filters, 'describe');
    const byTag = filters.some((f) => f.key.startsWith('tag:'));
    return this.scan('', fromToken<{ after: string }>(o.nextToken)?.after, max, async (p) => {
      const tags = byTag ? await this.store.getParameterTags(p.name) : undefined;
      return matches(p, tags, filters) ? this.view(p, false) : undefined;
    });
  }

  async history(name: string, o: { decrypt?: boolean; maxResults?: number; nextToken?: string }): Promise<Page<ParameterView>> {
    checkNameLength(name);
    const max = o.maxResults ?? L.historyResultsMax;
    if (max < 1 || max > L.historyResultsMax) throw constraint('MaxResults', max, `Member must have value ${max < 1 ? 'greater than or equal to 1' : `less than or equal to ${L.historyResultsMax}`}`);
    const sel = this.parseSelector(name);
    const versions = await this.versionsOf(sel.name, sel.arnTail);
    if (!versions.length) throw parameterNotFound(name);
    const after = fromToken<{ after: number }>(o.nextToken)?.after ?? 0;
    const rest = versions.filter((v) => v.version > after);
    const items = rest.slice(0, max).map((v) => this.view(v, o.decrypt === true));
    return { items, nextToken: rest.length > max ? tokenOf({ after: items.at(-1)!.version }) : undefined };
  }

  async delete(name: string): Promise<void> {
    checkNameLength(name);
    const gone = await this.store.deleteParameters([name]);
    if (!gone.length) throw parameterNotFound(name);
  }

  async deleteMany(names: string[]): Promise<{ deleted: string[]; invalid: string[] }> {
    if (names.length < 1) throw constraint('Names', `[${names.join(', ')}]`, 'Member must have length greater than or equal to 1');
    if (names.length > L.namesPerRequestMax) throw constraint('Names', `[${names.join(', ')}]`, `Member must have length less than or equal to ${L.namesPerRequestMax}`);
    const unique = [...new Set(names)];
    const deleted = await this.store.deleteParameters(unique);
    return { deleted, invalid: unique.filter((n) => !deleted.includes(n)) };
  }

  async label(name: string, version: number | undefined, labels: string[]): Promise<{ version: number; invalid: string[] }> {
    checkNameLength(name);
    checkLabelList(labels);
    const invalid = labels.filter(invalidLabel);
    const valid = labels.filter((l) => !invalidLabel(l));
    const r = await this.store.labelParameterVersion(name, version, valid, L.labelsPerVersionMax);
    if (r.kind === 'no-parameter') throw parameterNotFound(name);
    if (r.kind === 'no-version') throw versionNotFound(version!, name);
    if (r.kind === 'too-many') {
      throw new ParameterError('LabelLimit', 'A parameter version can have maximum 10 labels.Move one or more labels to another version and try again.');
    }
    return { version: r.version, invalid };
  }

  async unlabel(name: string, version: number, labels: string[]): Promise<{ removed: string[]; invalid: string[] }> {
    checkNameLength(name);
    checkLabelList(labels);
    const r = await this.store.unlabelParameterVersion(name, version, labels);
    if (r.kind === 'no-parameter') throw parameterNotFound(name);
    if (r.kind === 'no-version') throw versionNotFound(version, name);
    return { removed: r.removed, invalid: r.invalid };
  }

  async addTags(resourceType: string, id: string, tags: Record<string, string>): Promise<void> {
    this.checkResource(resourceType);
    checkTags(tags);
    const r = await this.store.changeParameterTags(id, { set: tags }, L.tagsPerResourceMax);
    if (r === 'no-parameter') throw invalidResourceId();
    if (r === 'too-many') throw new ParameterError('TooManyTags', tooManyTagsMessage);
  }

  async removeTags(resourceType: string, id: string, keys: string[]): Promise<void> {
    this.checkResource(resourceType);
    const r = await this.store.changeParameterTags(id, { remove: keys }, L.tagsPerResourceMax);
    if (r === 'no-parameter') throw invalidResourceId();
  }

  async listTags(resourceType: string, id: string): Promise<Record<string, string>> {
    this.checkResource(resourceType);
    const t = await this.store.getParameterTags(id);
    if (!t) throw invalidResourceId();
    return t;
  }

  /**
   * Kumo keeps parameters only: the other resource types of the model exist
   * nowhere here, so their ids are not valid; a type outside the model's
   * enum is Coral's validation error.
   */
  private checkResource(t: string): void {
    const known = ['Document', 'ManagedInstance', 'MaintenanceWindow', 'Parameter', 'PatchBaseline', 'OpsItem', 'OpsMetadata', 'Automation', 'Association', 'CloudConnector'];
    if (!known.includes(t)) throw constraint('ResourceType', t, `Member must satisfy enum value set: [${known.join(', ')}]`);
    if (t !== 'Parameter') throw invalidResourceId();
  }

  /** `name[:version|:label]`, or that name's ARN (`arn:aws:ssm:<region>:<account>:parameter/<name without its leading slash>`). */
  private parseSelector(selector: string): { name: string; pick?: string; arnTail?: boolean } {
    let s = selector;
    let arnTail = false;
    const arn = /^arn:aws:ssm:[^:]*:[^:]*:parameter\/(.+)$/.exec(s);
    if (arn) {
      s = arn[1]!;
      arnTail = true;
    }
    const colon = s.indexOf(':');
    const name = colon < 0 ? s : s.slice(0, colon);
    const pick = colon < 0 ? undefined : s.slice(colon + 1);
    return { name: arnTail && name.includes('/') ? `/${name}` : name, pick, arnTail };
  }

  /** Versions of a name; an ARN's single-level tail may name `x` or `/x` (both have the ARN `parameter/x`). */
  private async versionsOf(name: string, arnTail = false): Promise<ParameterVersionRecord[]> {
    const v = await this.store.getParameterVersions(name);
    if (v.length || !arnTail || name.startsWith('/')) return v;
    return this.store.getParameterVersions(`/${name}`);
  }

  /** Up to `max` results of `pick` over the newest versions under `prefix` in name order, with a token when more may follow. */
  private async scan(prefix: string, after: string | undefined, max: number, pick: (p: ParameterVersionRecord) => Promise<ParameterView | undefined>): Promise<Page<ParameterView>> {
    const items: ParameterView[] = [];
    let cursor = after;
    for (;;) {
      const batch = await this.store.listParameters({ prefix, afterName: cursor, limit: scanBatchRows });
      for (const p of batch) {
        const v = await pick(p);
        if (!v) continue;
        if (items.length === max) return { items, nextToken: tokenOf({ after: items.at(-1)!.name }) };
        items.push(v);
      }
      if (batch.length < scanBatchRows) return { items };
      cursor = batch.at(-1)!.name;
    }
  }

  private view(v: ParameterVersionRecord, decrypt: boolean): ParameterView {
    const value = v.type !== 'SecureString' ? v.value.toString('utf8') : decrypt ? this.keyring.openBytes(v.value, v.name).toString('utf8') : v.value.toString('base64');
    return {
      name: v.name, type: v.type, value, version: v.version, modifiedMs: v.modifiedMs, arn: this.arnOf(v.name), dataType: v.dataType,
      keyId: v.keyId, description: v.description, allowedPattern: v.allowedPattern, labels: v.labels,
    };
  }
}

/** TooManyTagsError's text (the model's, which says Targets for every operation). */
const tooManyTagsMessage = 'The Targets parameter includes too many tags. Remove one or more tags and try the command again.';
const invalidResourceId = () => new ParameterError('InvalidResourceId', 'The resource ID isn\'t valid. Verify that you entered the correct ID and try again.');

function checkLabelList(labels: string[]): void {
  if (labels.length < 1) throw constraint('Labels', `[${labels.join(', ')}]`, 'Member must have length greater than or equal to 1');
  if (labels.length > L.labelsPerVersionMax) throw constraint('Labels', `[${labels.join(', ')}]`, `Member must have length less than or equal to ${L.labelsPerVersionMax}`);
  for (const l of labels) {
    if (l.length < 1 || l.length > L.labelCharsMax) {
      throw constraint('Labels', `[${labels.join(', ')}]`, `Member must satisfy constraint: [Member must have length less than or equal to ${L.labelCharsMax}, Member must have length greater than or equal to 1]`);
    }
  }
}

function checkTags(tags: Record<string, string>): void {
  if (Object.keys(tags).length > L.tagsPerResourceMax) throw new ParameterError('TooManyTags', tooManyTagsMessage);
  for (const [k, v] of Object.entries(tags)) {
    if (k.length < 1 || k.length > L.tagKeyCharsMax) throw constraint('Tags.member.key', k, `Member must have length less than or equal to ${L.tagKeyCharsMax}`);
    if (v.length > L.tagValueCharsMax) throw constraint('Tags.member.value', v, `Member must have length less than or equal to ${L.tagValueCharsMax}`);
  }
}
