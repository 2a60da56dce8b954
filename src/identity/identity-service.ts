import type { Keyring } from '../keys/keyring';
import type {
  AccessKeyStatus, IamAccessKeyRecord, IamOwner, IamPolicyRecord, IamPolicyVersionRecord, IamRoleRecord, IamTags, IamUserRecord, IdentityStore,
} from '../store/identity';
import { constraint, IdentityError } from './errors';
import {
  checkArn, checkMaxItems, checkMaxSessionDuration, checkName, checkOwner, checkPath, checkPathPrefix, checkPolicy, checkTags, decodeMarker, encodeMarker,
  noSuchKey, noSuchOwner, noSuchRole, noSuchUser, page, type Page,
} from './validate';
export type { Page } from './validate';
import * as ids from './ids';
import { identityLimits as L, identityTuning } from './limits';
import { evaluatePolicies as evaluate, managedPolicies, parsePolicy } from './policy';
import type { ManagedPolicy, PolicyDoc } from './policy-types';
import { SessionTokens } from './session-tokens';
import type { Caller, CallerRefusal, CallerResolver, Principal, RoleDirectory, RoleSessions, SessionCredentials } from './types';

/**
 * IAM's users, access keys, roles and policies, and STS's role sessions, for
 * the server's account(s): the domain over `IdentityStore`.
 *
 * What is held in memory, and why (the gateway resolves every signed request
 * through `resolve`, synchronously):
 * - every active access key of the accounts with its unsealed secret and
 *   its caller (the root key is the data dir's pair, `credentials.ts`);
 * - every user and role record (for the ARNs the gateway authorises, which
 *   carry the entity's path, and for `RoleSessions.mint`);
 * - compiled identity policies per user and role, filled on first use.
 * All of it is dropped and reloaded when the store's identity counter moves:
 * at once after a write of this server, and within `refreshIntervalMs` after
 * another server's (PostgreSQL: several servers on one database). That is the
 * bound on how long a deleted or deactivated key, or a detached policy,
 * still works on another server.
 *
 * Session keys (`ASIA…`) are not held: their token carries the session
 * (session-tokens.ts).
 */

/** The default execution role every account starts with (README: "IAM and STS"). */
export const defaultExecutionRole = {
  name: 'lambda-role',
  path: '/',
  description: "Kumo's default execution role for Lambda functions: trusts lambda.amazonaws.com, may write logs.",
  trustPolicy: JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  }),
  attached: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
} as const;

export interface RootCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface AccessKeyWithSecret {
  accessKeyId: string;
  secretAccessKey: string;
  userName: string;
  status: AccessKeyStatus;
  createdMs: number;
}

export interface AssumedRole {
  credentials: SessionCredentials;
  assumedRoleId: string;
  arn: string;
}

/** The compiled identity policies of one user or role. */
interface CompiledIdentity {
  docs: PolicyDoc[];
  /** Roles: the id the role has now (a session of an older role of the same name is refused). */
  roleId?: string;
}

const sessionNamePattern = /^[\w+=,.@-]*$/;
const awsManagedPrefix = 'arn:aws:iam::aws:policy/';

export class IdentityService implements CallerResolver, RoleSessions, RoleDirectory {
  private readonly sessions: SessionTokens;
  private readonly rootCaller: Caller;
  private keys = new Map<string, Caller>();
  private users = new Map<string, IamUserRecord>();
  private roles = new Map<string, IamRoleRecord>();
  private compiled = new Map<string, CompiledIdentity | null>();
  private version = -1;
  private refreshing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  /**
   * The IdentityServices of the server's other accounts (issue 18; set by
   * the server): AssumeRole of a role of another account is decided and
   * its session minted by that account's (`assumeRole`).
   */
  peers: ((accountId: string) => IdentityService | undefined) | undefined;

  constructor(
    private readonly store: IdentityStore,
    private readonly keyring: Keyring,
    root: RootCredentials,
    readonly accountId: string,
    private readonly now: () => number = Date.now,
  ) {
    this.sessions = new SessionTokens(keyring);
    this.rootCaller = {
      secret: root.secretAccessKey,
      principal: { type: 'Root', accountId, arn: ids.rootArn(accountId), principalId: accountId, accessKeyId: root.accessKeyId },
    };
  }

  /** First start of the account (the default role), then the in-memory tables and their refresh. */
  async start(): Promise<void> {
    const t = this.now();
    await this.store.initIamAccount(this.accountId, {
      accountId: this.accountId, name: defaultExecutionRole.name, id: ids.roleId(), path: defaultExecutionRole.path,
      arn: ids.roleArn(this.accountId, defaultExecutionRole.path, defaultExecutionRole.name), trustPolicy: defaultExecutionRole.trustPolicy,
      description: defaultExecutionRole.description, maxSessionDurationS: L.maxSessionDurationSDefault, createdMs: t, tags: [],
    }, defaultExecutionRole.attached);
    await this.refresh();
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), identityTuning.refreshIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads the in-memory tables when the store's counter moved (serialised: one reload at a time). */
  refresh(): Promise<void> {
    // A failed reload (the database away) does not poison the chain: the next call tries again.
    this.refreshing = this.refreshing.catch(() => undefined).then(async () => {
      const v = await this.store.identityVersion();
      if (v === this.version) return;
      const [keys, users, roles] = await Promise.all([
        this.store.activeIamAccessKeys(),
        this.store.listIamUsers(this.accountId, { limit: Number.MAX_SAFE_INTEGER }),
        this.store.listIamRoles(this.accountId, { limit: Number.MAX_SAFE_INTEGER }),
      ]);
      const table = new Map<string, Caller>();
      for (const { key, user } of keys) {
        // Each account's IdentityService holds its own account's keys (the server's CallerResolver asks each in turn).
        if (key.accountId !== this.accountId) continue;
        let secret: string;
        try {
          secret = this.keyring.openString(key.secretSealed, key.accessKeyId);
        } catch {
          continue; // sealed under a key this server does not hold: the key is unknown here
        }
        table.set(key.accessKeyId, {
          secret,
          principal: { type: 'IAMUser', accountId: key.accountId, arn: user.arn, principalId: user.id, accessKeyId: key.accessKeyId, userName: user.name },
        });
      }
      this.keys = table;
      this.users = new Map(users.map((u) => [u.name.toLowerCase(), u]));
      this.roles = new Map(roles.map((r) => [r.name.toLowerCase(), r]));
      this.compiled = new Map();
      this.version = v;
    });
    return this.refreshing;
  }

  /**
   * After a write of this server: reload before answering, so the caller's
   * next request sees it. The write is committed whatever happens here; a
   * reload that fails is retried by the poll (`refreshIntervalMs`).
   */
  private changed(): Promise<void> {
    return this.refresh().catch(() => undefined);
  }

  // ---- CallerResolver ------------------------------------------------------

  resolve(accessKeyId: string, sessionToken: string | undefined): Caller | CallerRefusal {
    if (accessKeyId === this.rootCaller.principal.accessKeyId) return this.rootCaller;
    if (accessKeyId.startsWith('ASIA')) return this.sessions.open(accessKeyId, sessionToken, this.now());
    return this.keys.get(accessKeyId) ?? { refused: 'unknown' };
  }

  // ---- the ARNs the gateway authorises (sync: from the in-memory tables) ----

  userArnOf(name: string): string {
    return this.users.get(name.toLowerCase())?.arn ?? ids.userArn(this.accountId, '/', name);
  }

  roleArnOf(name: string): string {
    return this.roles.get(name.toLowerCase())?.arn ?? ids.roleArn(this.accountId, '/', name);
  }

  // ---- the identity policies the authorizer evaluates ----------------------

  /**
   * The compiled inline and attached policies of a user or of a session's
   * role; null when the entity is gone (or the role was made again since the
   * session began). Synchronous when cached (the common case).
   */
  identityPoliciesOf(p: Principal): PolicyDoc[] | null | Promise<PolicyDoc[] | null> {
    const owner: IamOwner | undefined =
      p.type === 'IAMUser' ? { kind: 'user', name: p.userName! } : p.type === 'AssumedRole' ? { kind: 'role', name: ids.parseRoleArn(p.roleArn!)?.name ?? '' } : undefined;
    if (!owner || p.accountId !== this.accountId) return null;
    const k = `${owner.kind}:${owner.name.toLowerCase()}`;
    const hit = this.compiled.get(k);
    const check = (c: CompiledIdentity | null) => (c && (p.type !== 'AssumedRole' || p.principalId.startsWith(`${c.roleId}:`)) ? c.docs : null);
    if (hit !== undefined) return check(hit);
    const version = this.version;
    return this.compile(owner).then((c) => {
      if (version === this.version) this.compiled.set(k, c);
      return check(c);
    });
  }

  private async compile(owner: IamOwner): Promise<CompiledIdentity | null> {
    const role = owner.kind === 'role' ? await this.store.getIamRole(this.accountId, owner.name) : undefined;
    if (owner.kind === 'role' && !role) return null;
    const [inline, attached] = await Promise.all([
      this.store.listIamInlinePolicies(this.accountId, owner),
      this.store.listIamAttachedPolicies(this.accountId, owner),
    ]);
    if (!inline || !attached) return null;
    const docs: PolicyDoc[] = [];
    for (const p of inline) {
      const r = parsePolicy(p.document, 'identity');
      if (r.ok) docs.push(r.doc);
    }
    for (const arn of attached) {
      const doc = await this.managedDocument(arn);
      if (doc) docs.push(doc);
    }
    return { docs, roleId: role?.id };
  }

  private async managedDocument(arn: string): Promise<PolicyDoc | undefined> {
    if (arn.startsWith(awsManagedPrefix)) return managedPolicies.get(arn)?.document;
    const p = await this.store.getIamPolicy(this.accountId, arn);
    if (!p) return undefined;
    const v = await this.store.getIamPolicyVersion(this.accountId, arn, p.defaultVersionId);
    const r = v ? parsePolicy(v.document, 'identity') : undefined;
    return r?.ok ? r.doc : undefined;
  }

  // ---- users ----------------------------------------------------------------

  async createUser(name: string, path?: string, tags: IamTags = []): Promise<IamUserRecord> {
    checkName('UserName', name, L.userNameCharsMax);
    const p = checkPath(path);
    checkTags(tags);
    const rec: IamUserRecord = { accountId: this.accountId, name, id: ids.userId(), path: p, arn: ids.userArn(this.accountId, p, name), createdMs: this.now(), tags };
    if ((await this.store.createIamUser(rec)) === 'exists') throw new IdentityError('EntityAlreadyExists', `User with name ${name} already exists.`);
    await this.changed();
    return rec;
  }

  async getUser(name: string): Promise<IamUserRecord> {
    checkName('UserName', name, L.userNameCharsMax);
    const u = await this.store.getIamUser(this.accountId, name);
    if (!u) throw noSuchUser(name);
    return u;
  }

  async listUsers(pathPrefix: string | undefined, marker: string | undefined, maxItems: number | undefined): Promise<Page<IamUserRecord>> {
    const limit = checkMaxItems(maxItems);
    const rows = await this.store.listIamUsers(this.accountId, { pathPrefix: checkPathPrefix(pathPrefix), afterKey: decodeMarker(marker), limit: limit + 1 });
    return page(rows, limit, (u) => u.name.toLowerCase());
  }

  async deleteUser(name: string): Promise<void> {
    checkName('UserName', name, L.userNameCharsMax);
    const r = await this.store.deleteIamUser(this.accountId, name);
    if (r === 'missing') throw noSuchUser(name);
    if (r === 'has-keys') throw new IdentityError('DeleteConflict', 'Cannot delete entity, must delete access keys first.');
    if (r === 'has-inline') throw new IdentityError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    if (r === 'has-attached') throw new IdentityError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    await this.changed();
  }

  // ---- access keys -----------------------------------------------------------

  async createAccessKey(userName: string): Promise<AccessKeyWithSecret> {
    checkName('UserName', userName, L.userNameCharsMax);
    const accessKeyId = ids.accessKeyId();
    const secretAccessKey = ids.secretAccessKey();
    const user = await this.store.getIamUser(this.accountId, userName);
    if (!user) throw noSuchUser(userName);
    const rec: IamAccessKeyRecord = {
      accountId: this.accountId, accessKeyId, userName: user.name, secretSealed: this.keyring.sealString(secretAccessKey, accessKeyId),
      status: 'Active', createdMs: this.now(),
    };
    const r = await this.store.createIamAccessKey(rec, L.accessKeysPerUserMax);
    if (r === 'no-user') throw noSuchUser(userName);
    if (r === 'too-many') throw new IdentityError('LimitExceeded', `Cannot exceed quota for AccessKeysPerUser: ${L.accessKeysPerUserMax}`);
    await this.changed();
    return { accessKeyId, secretAccessKey, userName: user.name, status: 'Active', createdMs: rec.createdMs };
  }

  async listAccessKeys(userName: string): Promise<IamAccessKeyRecord[]> {
    checkName('UserName', userName, L.userNameCharsMax);
    const keys = await this.store.listIamAccessKeys(this.accountId, userName);
    if (!keys) throw noSuchUser(userName);
    return keys;
  }

  async updateAccessKey(userName: string, accessKeyId: string, status: string): Promise<void> {
    checkName('UserName', userName, L.userNameCharsMax);
    if (status !== 'Active' && status !== 'Inactive') throw constraint('Status', status, 'Member must satisfy enum value set: [Active, Inactive]');
    const r = await this.store.setIamAccessKeyStatus(this.accountId, userName, accessKeyId, status);
    if (r === 'no-user') throw noSuchUser(userName);
    if (r === 'missing') throw noSuchKey(accessKeyId);
    await this.changed();
  }

  async deleteAccessKey(userName: string, accessKeyId: string): Promise<void> {
    checkName('UserName', userName, L.userNameCharsMax);
    const r = await this.store.deleteIamAccessKey(this.accountId, userName, accessKeyId);
    if (r === 'no-user') throw noSuchUser(userName);
    if (r === 'missing') throw noSuchKey(accessKeyId);
    await this.changed();
  }

  /** The user an access key belongs to (AWS: an omitted UserName means the caller's own user). */
  async userOfKey(accessKeyId: string): Promise<string | undefined> {
    return (await this.store.getIamAccessKey(accessKeyId))?.user.name;
  }

  // ---- roles ------------------------------------------------------------------

  async createRole(r: { name: string; path?: string; trustPolicy: string; description?: string; maxSessionDurationS?: number; tags?: IamTags }): Promise<IamRoleRecord> {
    checkName('RoleName', r.name, L.roleNameCharsMax);
    const p = checkPath(r.path);
    checkPolicy(r.trustPolicy, 'trust', L.trustPolicyCharsMax, 'ACLSizePerRole');
    if (r.description !== undefined && r.description.length > L.roleDescriptionCharsMax) {
      throw constraint('Description', r.description, `Member must have length less than or equal to ${L.roleDescriptionCharsMax}`);
    }
    const max = checkMaxSessionDuration(r.maxSessionDurationS);
    checkTags(r.tags ?? []);
    const rec: IamRoleRecord = {
      accountId: this.accountId, name: r.name, id: ids.roleId(), path: p, arn: ids.roleArn(this.accountId, p, r.name), trustPolicy: r.trustPolicy,
      description: r.description, maxSessionDurationS: max, createdMs: this.now(), tags: r.tags ?? [],
    };
    if ((await this.store.createIamRole(rec)) === 'exists') throw new IdentityError('EntityAlreadyExists', `Role with name ${r.name} already exists.`);
    await this.changed();
    return rec;
  }

  async getRole(name: string): Promise<IamRoleRecord> {
    checkName('RoleName', name, L.roleNameCharsMax);
    const r = await this.store.getIamRole(this.accountId, name);
    if (!r) throw noSuchRole(name);
    return r;
  }

  async listRoles(pathPrefix: string | undefined, marker: string | undefined, maxItems: number | undefined): Promise<Page<IamRoleRecord>> {
    const limit = checkMaxItems(maxItems);
    const rows = await this.store.listIamRoles(this.accountId, { pathPrefix: checkPathPrefix(pathPrefix), afterKey: decodeMarker(marker), limit: limit + 1 });
    return page(rows, limit, (r) => r.name.toLowerCase());
  }

  async updateRole(name: string, change: { trustPolicy?: string; description?: string; maxSessionDurationS?: number }): Promise<void> {
    checkName('RoleName', name, L.roleNameCharsMax);
    if (change.trustPolicy !== undefined) checkPolicy(change.trustPolicy, 'trust', L.trustPolicyCharsMax, 'ACLSizePerRole');
    if (change.maxSessionDurationS !== undefined) checkMaxSessionDuration(change.maxSessionDurationS);
    if (change.description !== undefined && change.description.length > L.roleDescriptionCharsMax) {
      throw constraint('Description', change.description, `Member must have length less than or equal to ${L.roleDescriptionCharsMax}`);
    }
    if (!(await this.store.updateIamRole(this.accountId, name, change))) throw noSuchRole(name);
    await this.changed();
  }

  async deleteRole(name: string): Promise<void> {
    checkName('RoleName', name, L.roleNameCharsMax);
    const r = await this.store.deleteIamRole(this.accountId, name);
    if (r === 'missing') throw noSuchRole(name);
    if (r === 'has-inline') throw new IdentityError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    if (r === 'has-attached') throw new IdentityError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    await this.changed();
  }

  async tagRole(name: string, tags: IamTags): Promise<void> {
    checkName('RoleName', name, L.roleNameCharsMax);
    checkTags(tags);
    const r = await this.store.changeIamRoleTags(this.accountId, name, { set: tags }, L.tagsPerResourceMax);
    if (r === 'missing') throw noSuchRole(name);
    if (r === 'too-many') throw new IdentityError('LimitExceeded', `The number of tags has reached the maximum limit.`);
    await this.changed();
  }

  async untagRole(name: string, keys: string[]): Promise<void> {
    checkName('RoleName', name, L.roleNameCharsMax);
    const r = await this.store.changeIamRoleTags(this.accountId, name, { remove: keys }, L.tagsPerResourceMax);
    if (r === 'missing') throw noSuchRole(name);
    await this.changed();
  }

  // ---- inline policies -----------------------------------------------------------

  async putInlinePolicy(owner: IamOwner, policyName: string, document: string): Promise<void> {
    checkOwner(owner);
    checkName('PolicyName', policyName, L.policyNameCharsMax);
    const size = checkPolicy(document, 'identity', Infinity, '');
    const max = owner.kind === 'user' ? L.userInlinePolicyCharsMax : L.roleInlinePolicyCharsMax;
    const r = await this.store.putIamInlinePolicy(this.accountId, owner, policyName, document, size, max);
    if (r === 'no-owner') throw noSuchOwner(owner);
    if (r === 'too-large') throw new IdentityError('LimitExceeded', `Maximum policy size of ${max} bytes exceeded for ${owner.kind} ${owner.name}`);
    await this.changed();
  }

  async getInlinePolicy(owner: IamOwner, policyName: string): Promise<string> {
    checkOwner(owner);
    checkName('PolicyName', policyName, L.policyNameCharsMax);
    const d = await this.store.getIamInlinePolicy(this.accountId, owner, policyName);
    if (d === undefined) throw noSuchOwner(owner);
    if (d === null) throw new IdentityError('NoSuchEntity', `The ${owner.kind} policy with name ${policyName} cannot be found.`);
    return d;
  }

  async deleteInlinePolicy(owner: IamOwner, policyName: string): Promise<void> {
    checkOwner(owner);
    checkName('PolicyName', policyName, L.policyNameCharsMax);
    const r = await this.store.deleteIamInlinePolicy(this.accountId, owner, policyName);
    if (r === 'no-owner') throw noSuchOwner(owner);
    if (r === 'missing') throw new IdentityError('NoSuchEntity', `The ${owner.kind} policy with name ${policyName} cannot be found.`);
    await this.changed();
  }

  async listInlinePolicies(owner: IamOwner, marker: string | undefined, maxItems: number | undefined): Promise<Page<string>> {
    checkOwner(owner);
    const limit = checkMaxItems(maxItems);
    const all = await this.store.listIamInlinePolicies(this.accountId, owner);
    if (!all) throw noSuchOwner(owner);
    const after = decodeMarker(marker);
    return page(all.map((p) => p.name).filter((n) => after === undefined || n > after), limit, (n) => n);
  }

  // ---- managed policies ----------------------------------------------------------

  async createPolicy(p: { name: string; path?: string; document: string; description?: string; tags?: IamTags }): Promise<IamPolicyRecord> {
    checkName('PolicyName', p.name, L.policyNameCharsMax);
    const path = checkPath(p.path);
    checkPolicy(p.document, 'identity', L.managedPolicyCharsMax, 'PolicySize', true);
    if (p.description !== undefined && p.description.length > L.policyDescriptionCharsMax) {
      throw constraint('Description', p.description, `Member must have length less than or equal to ${L.policyDescriptionCharsMax}`);
    }
    checkTags(p.tags ?? []);
    const t = this.now();
    const rec = {
      accountId: this.accountId, name: p.name, id: ids.policyId(), path, arn: ids.policyArn(this.accountId, path, p.name), description: p.description,
      defaultVersionId: 'v1', createdMs: t, updatedMs: t, tags: p.tags ?? [],
    };
    if ((await this.store.createIamPolicy(rec, p.document)) === 'exists') {
      throw new IdentityError('EntityAlreadyExists', `A policy called ${p.name} already exists. Duplicate names are not allowed.`);
    }
    await this.changed();
    return { ...rec, attachmentCount: 0 };
  }

  /** A customer managed policy, or one of AWS's (with its attachment count in this account). */
  async getPolicy(arn: string): Promise<IamPolicyRecord & { awsManaged: boolean }> {
    checkArn('PolicyArn', arn);
    const aws = managedPolicies.get(arn);
    if (aws) {
      const counts = await this.store.iamAttachmentCounts(this.accountId);
      return { ...awsRecord(aws), attachmentCount: counts.get(arn) ?? 0, awsManaged: true };
    }
    const p = await this.store.getIamPolicy(this.accountId, arn);
    if (!p) throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    return { ...p, awsManaged: false };
  }

  async getPolicyVersion(arn: string, versionId: string): Promise<IamPolicyVersionRecord> {
    checkArn('PolicyArn', arn);
    if (!/^v[1-9][0-9]*(\.[A-Za-z0-9-]*)?$/.test(versionId)) {
      throw constraint('VersionId', versionId, 'Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?');
    }
    const aws = managedPolicies.get(arn);
    if (aws) {
      if (versionId !== aws.defaultVersionId) throw new IdentityError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
      return { policyArn: arn, versionId, document: aws.documentText, isDefault: true, createdMs: Date.parse(aws.createDate) };
    }
    const v = await this.store.getIamPolicyVersion(this.accountId, arn, versionId);
    if (!v) throw new IdentityError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    return v;
  }

  async listPolicyVersions(arn: string): Promise<IamPolicyVersionRecord[]> {
    checkArn('PolicyArn', arn);
    const aws = managedPolicies.get(arn);
    if (aws) return [{ policyArn: arn, versionId: aws.defaultVersionId, document: aws.documentText, isDefault: true, createdMs: Date.parse(aws.createDate) }];
    const v = await this.store.listIamPolicyVersions(this.accountId, arn);
    if (!v) throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    return v;
  }

  async createPolicyVersion(arn: string, document: string, setAsDefault: boolean): Promise<IamPolicyVersionRecord> {
    checkArn('PolicyArn', arn);
    if (arn.startsWith(awsManagedPrefix)) throw new IdentityError('InvalidInput', `Cannot modify an AWS managed policy ${arn}.`);
    checkPolicy(document, 'identity', L.managedPolicyCharsMax, 'PolicySize', true);
    const r = await this.store.createIamPolicyVersion(this.accountId, arn, document, setAsDefault, L.policyVersionsMax);
    if (r.kind === 'missing') throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    if (r.kind === 'too-many') {
      throw new IdentityError('LimitExceeded', `A managed policy can have up to ${L.policyVersionsMax} versions. Before you create a new version, you must delete an existing version.`);
    }
    await this.changed();
    return { policyArn: arn, versionId: r.versionId, document, isDefault: setAsDefault, createdMs: this.now() };
  }

  async deletePolicyVersion(arn: string, versionId: string): Promise<void> {
    checkArn('PolicyArn', arn);
    if (arn.startsWith(awsManagedPrefix)) throw new IdentityError('InvalidInput', `Cannot modify an AWS managed policy ${arn}.`);
    const r = await this.store.deleteIamPolicyVersion(this.accountId, arn, versionId);
    if (r === 'missing') throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    if (r === 'no-version') throw new IdentityError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    if (r === 'is-default') throw new IdentityError('DeleteConflict', 'Cannot delete the default version of a policy.');
    await this.changed();
  }

  async setDefaultPolicyVersion(arn: string, versionId: string): Promise<void> {
    checkArn('PolicyArn', arn);
    if (arn.startsWith(awsManagedPrefix)) throw new IdentityError('InvalidInput', `Cannot modify an AWS managed policy ${arn}.`);
    const r = await this.store.setIamPolicyDefaultVersion(this.accountId, arn, versionId);
    if (r === 'missing') throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    if (r === 'no-version') throw new IdentityError('NoSuchEntity', `Policy ${arn} version ${versionId} does not exist or is not attachable.`);
    await this.changed();
  }

  async deletePolicy(arn: string): Promise<void> {
    checkArn('PolicyArn', arn);
    if (arn.startsWith(awsManagedPrefix)) throw new IdentityError('InvalidInput', `Cannot delete an AWS managed policy ${arn}.`);
    const r = await this.store.deleteIamPolicy(this.accountId, arn);
    if (r === 'missing') throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    if (r === 'attached') throw new IdentityError('DeleteConflict', 'Cannot delete a policy attached to entities.');
    if (r === 'has-versions') throw new IdentityError('DeleteConflict', 'This policy has more than one version. Before you delete a policy, you must delete the policy\'s versions. The default version is deleted with the policy.');
    await this.changed();
  }

  /** ListPolicies: AWS's managed policies and the account's, by name, `scope` All | AWS | Local. */
  async listPolicies(q: { scope?: string; onlyAttached?: boolean; pathPrefix?: string; marker?: string; maxItems?: number }): Promise<Page<IamPolicyRecord & { awsManaged: boolean }>> {
    const limit = checkMaxItems(q.maxItems);
    const scope = q.scope ?? 'All';
    if (!['All', 'AWS', 'Local'].includes(scope)) throw constraint('Scope', scope, 'Member must satisfy enum value set: [All, AWS, Local]');
    const prefix = checkPathPrefix(q.pathPrefix) ?? '/';
    const counts = await this.store.iamAttachmentCounts(this.accountId);
    const all: (IamPolicyRecord & { awsManaged: boolean })[] = [];
    if (scope !== 'Local') {
      for (const m of managedPolicies.values()) {
        const n = counts.get(m.arn) ?? 0;
        if (m.path.startsWith(prefix) && (!q.onlyAttached || n > 0)) all.push({ ...awsRecord(m), attachmentCount: n, awsManaged: true });
      }
    }
    if (scope !== 'AWS') {
      const local = await this.store.listIamPolicies(this.accountId, { pathPrefix: prefix, limit: L.customerPoliciesPerAccountMax, onlyAttached: q.onlyAttached === true });
      for (const p of local) all.push({ ...p, awsManaged: false });
    }
    const sortKey = (p: IamPolicyRecord) => `${p.name.toLowerCase()}\n${p.arn}`;
    all.sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
    const after = decodeMarker(q.marker);
    return page(all.filter((p) => after === undefined || sortKey(p) > after), limit, sortKey);
  }

  // ---- attachments ----------------------------------------------------------------

  async attachPolicy(owner: IamOwner, arn: string): Promise<void> {
    checkOwner(owner);
    checkArn('PolicyArn', arn);
    const aws = arn.startsWith(awsManagedPrefix);
    if (aws && !managedPolicies.has(arn)) throw new IdentityError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    const max = owner.kind === 'user' ? L.managedPoliciesPerUserMax : L.managedPoliciesPerRoleMax;
    const r = await this.store.attachIamPolicy(this.accountId, owner, arn, !aws, max);
    if (r === 'no-owner') throw noSuchOwner(owner);
    if (r === 'no-policy') throw new IdentityError('NoSuchEntity', `Policy ${arn} does not exist or is not attachable.`);
    if (r === 'too-many') throw new IdentityError('LimitExceeded', `Cannot exceed quota for ${owner.kind === 'user' ? 'PoliciesPerUser' : 'PoliciesPerRole'}: ${max}`);
    await this.changed();
  }

  async detachPolicy(owner: IamOwner, arn: string): Promise<void> {
    checkOwner(owner);
    checkArn('PolicyArn', arn);
    const r = await this.store.detachIamPolicy(this.accountId, owner, arn);
    if (r === 'no-owner') throw noSuchOwner(owner);
    if (r === 'not-attached') throw new IdentityError('NoSuchEntity', `Policy ${arn} was not found.`);
    await this.changed();
  }

  /** Attached policies (name and ARN), in attachment order. */
  async listAttachedPolicies(owner: IamOwner, pathPrefix: string | undefined, marker: string | undefined, maxItems: number | undefined): Promise<Page<{ name: string; arn: string }>> {
    checkOwner(owner);
    const limit = checkMaxItems(maxItems);
    const prefix = checkPathPrefix(pathPrefix) ?? '/';
    const arns = await this.store.listIamAttachedPolicies(this.accountId, owner);
    if (!arns) throw noSuchOwner(owner);
    const items = arns
      .map((arn) => {
        const m = /^arn:aws:iam::[^:]*:policy(\/(?:.*\/)?)([^/]+)$/.exec(arn);
        return { name: m?.[2] ?? arn, arn, path: m?.[1] ?? '/' };
      })
      .filter((p) => p.path.startsWith(prefix));
    const start = marker === undefined ? 0 : Number(decodeMarker(marker));
    if (!Number.isInteger(start) || start < 0) throw new IdentityError('InvalidInput', 'Invalid Marker.');
    const slice = items.slice(start, start + limit).map(({ name, arn }) => ({ name, arn }));
    return { items: slice, marker: start + limit < items.length ? encodeMarker(String(start + limit)) : undefined };
  }

  // ---- STS ----------------------------------------------------------------------------

  /**
   * STS AssumeRole for `caller` (a principal of this account: STS is
   * answered by the signer's account). AWS's rules: root may not assume
   * roles; a Deny in the trust policy or the caller's identity policies
   * refuses. A role of this account: the trust policy must allow the
   * caller, either naming it (its user ARN; for a role session the session
   * ARN or its role's ARN), which is enough, or naming the account, which
   * delegates to the caller's identity policies (they must allow
   * `sts:AssumeRole` on the role). A role of another account of the server
   * (`peers`): that account decides and mints the session, and both must
   * allow, always (AWS's cross-account evaluation): its trust policy, by
   * the caller's name or account, and the caller's identity policies. Every
   * refusal is the same AccessDenied, whether the role exists or not.
   */
  async assumeRole(
    caller: Principal, roleArn: string, sessionName: string, durationS: number | undefined, context: Readonly<Record<string, string | undefined>>,
    identityAllows: (p: Principal, action: string, resource: string) => Promise<'Allow' | 'Deny' | 'None'>,
  ): Promise<AssumedRole> {
    if (roleArn.length < 20 || roleArn.length > 2048) throw constraint('RoleArn', roleArn, roleArn.length < 20 ? 'Member must have length greater than or equal to 20' : 'Member must have length less than or equal to 2048');
    if (sessionName.length < L.roleSessionNameCharsMin || sessionName.length > L.roleSessionNameCharsMax) {
      throw constraint('RoleSessionName', sessionName, sessionName.length < L.roleSessionNameCharsMin
        ? `Member must have length greater than or equal to ${L.roleSessionNameCharsMin}` : `Member must have length less than or equal to ${L.roleSessionNameCharsMax}`);
    }
    if (!sessionNamePattern.test(sessionName)) throw constraint('RoleSessionName', sessionName, 'Member must satisfy regular expression pattern: [\\w+=,.@-]*');
    if (durationS !== undefined && durationS < L.assumeRoleDurationSMin) {
      throw constraint('DurationSeconds', durationS, `Member must have value greater than or equal to ${L.assumeRoleDurationSMin}`);
    }
    if (durationS !== undefined && durationS > L.maxSessionDurationSMax) {
      throw constraint('DurationSeconds', durationS, `Member must have value less than or equal to ${L.maxSessionDurationSMax}`);
    }
    if (caller.type === 'Root') throw new IdentityError('AccessDenied', 'Roles may not be assumed by root accounts.');
    const parsed = ids.parseRoleArn(roleArn);
    const owner = !parsed ? undefined : parsed.accountId === this.accountId ? this : this.peers?.(parsed.accountId);
    if (!owner) throw assumeDenied(caller, roleArn);
    return owner.decideAndMint(caller, roleArn, parsed!.name, sessionName, durationS, context, identityAllows);
  }

  /** AssumeRole's decision and session for a role of this account (the caller of this account or another). */
  private async decideAndMint(
    caller: Principal, roleArn: string, roleName: string, sessionName: string, durationS: number | undefined, context: Readonly<Record<string, string | undefined>>,
    identityAllows: (p: Principal, action: string, resource: string) => Promise<'Allow' | 'Deny' | 'None'>,
  ): Promise<AssumedRole> {
    const denied = () => assumeDenied(caller, roleArn);
    const role = await this.store.getIamRole(this.accountId, roleName);
    if (!role || role.arn !== roleArn) throw denied();
    const trust = parsePolicy(role.trustPolicy, 'trust');
    if (!trust.ok) throw denied();
    const named = caller.type === 'AssumedRole' ? [caller.arn, caller.roleArn!] : [caller.arn];
    const req = { action: 'sts:AssumeRole', resource: roleArn, context: { ...context, 'aws:PrincipalArn': caller.roleArn ?? caller.arn, 'aws:PrincipalAccount': caller.accountId } };
    const byName = evaluate([trust.doc], { ...req, principal: { aws: named } });
    const byAccount = evaluate([trust.doc], { ...req, principal: { aws: [ids.rootArn(caller.accountId), caller.accountId] } });
    const identity = await identityAllows(caller, 'sts:AssumeRole', roleArn);
    if (byName === 'Deny' || byAccount === 'Deny' || identity === 'Deny') throw denied();
    const trusted = byName === 'Allow' || byAccount === 'Allow';
    if (caller.accountId !== this.accountId) {
      if (!trusted || identity !== 'Allow') throw denied();
    } else if (byName !== 'Allow' && !(byAccount === 'Allow' && identity === 'Allow')) {
      throw denied();
    }
    const duration = durationS ?? L.assumeRoleDurationSDefault;
    if (caller.type === 'AssumedRole' && duration > L.roleChainingDurationSMax) {
      throw new IdentityError('ValidationError', 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');
    }
    if (duration > role.maxSessionDurationS) throw new IdentityError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    const credentials = this.sessions.mint(role, sessionName, this.now() + duration * 1000, this.now());
    return { credentials, assumedRoleId: `${role.id}:${sessionName}`, arn: ids.assumedRoleArn(this.accountId, role.name, sessionName) };
  }

  // ---- RoleSessions, RoleDirectory (Lambda) --------------------------------------------

  mint(roleArn: string, sessionName: string, durationMs: number): SessionCredentials {
    const parsed = ids.parseRoleArn(roleArn);
    const role = parsed && this.roles.get(parsed.name.toLowerCase());
    // A role this server has not seen yet (made elsewhere a moment ago): a session with no role id, which the authorizer refuses.
    const r = role && role.arn === roleArn ? role : { accountId: parsed?.accountId ?? this.accountId, arn: roleArn, id: 'AROA-UNKNOWN', name: parsed?.name ?? 'unknown' };
    return this.sessions.mint(r, sessionName, this.now() + durationMs, this.now());
  }

  async trusts(roleArn: string, servicePrincipal: string): Promise<'ok' | 'missing' | 'untrusted'> {
    const parsed = ids.parseRoleArn(roleArn);
    if (!parsed || parsed.accountId !== this.accountId) return 'missing';
    const role = await this.store.getIamRole(this.accountId, parsed.name);
    if (!role || role.arn !== roleArn) return 'missing';
    if (!this.roles.has(role.name.toLowerCase())) await this.changed();
    const trust = parsePolicy(role.trustPolicy, 'trust');
    if (!trust.ok) return 'untrusted';
    return evaluate([trust.doc], { action: 'sts:AssumeRole', resource: roleArn, context: {}, principal: { service: servicePrincipal } }) === 'Allow' ? 'ok' : 'untrusted';
  }
}

/** AssumeRole's refusal, in AWS's words (the same whether the role exists or not). */
function assumeDenied(caller: Principal, roleArn: string): IdentityError {
  return new IdentityError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`);
}

// ---- AWS managed policies as records ----------------------------------------------------

function awsRecord(m: ManagedPolicy): Omit<IamPolicyRecord, 'attachmentCount'> {
  return {
    accountId: 'aws', name: m.name, id: `ANPA${m.name.toUpperCase().replace(/[^A-Z2-7]/g, '').padEnd(17, 'A').slice(0, 17)}`, path: m.path, arn: m.arn,
    description: m.description, defaultVersionId: m.defaultVersionId, createdMs: Date.parse(m.createDate), updatedMs: Date.parse(m.updateDate), tags: [],
  };
}
