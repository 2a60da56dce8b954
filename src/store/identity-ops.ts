import * as is from './identity-sql';
import type { IdentityStore } from './identity';
import type { StreamRunner } from './stream-ops';

/**
 * `IdentityStore` over the logic of identity-sql.ts, written once for both
 * databases: each store only says how an operation runs there (`run`: a
 * write transaction that resolves once durable; `read`: a read).
 */
export class IdentityOps implements IdentityStore {
  constructor(private readonly run: StreamRunner, private readonly read: StreamRunner = run) {}

  identityVersion(...a: Parameters<IdentityStore['identityVersion']>): ReturnType<IdentityStore['identityVersion']> { return this.read(is.identityVersion, ...a); }
  initIamAccount(...a: Parameters<IdentityStore['initIamAccount']>): ReturnType<IdentityStore['initIamAccount']> { return this.run(is.initIamAccount, ...a); }
  createIamUser(...a: Parameters<IdentityStore['createIamUser']>): ReturnType<IdentityStore['createIamUser']> { return this.run(is.createIamUser, ...a); }
  getIamUser(...a: Parameters<IdentityStore['getIamUser']>): ReturnType<IdentityStore['getIamUser']> { return this.read(is.getIamUser, ...a); }
  listIamUsers(...a: Parameters<IdentityStore['listIamUsers']>): ReturnType<IdentityStore['listIamUsers']> { return this.read(is.listIamUsers, ...a); }
  deleteIamUser(...a: Parameters<IdentityStore['deleteIamUser']>): ReturnType<IdentityStore['deleteIamUser']> { return this.run(is.deleteIamUser, ...a); }
  createIamAccessKey(...a: Parameters<IdentityStore['createIamAccessKey']>): ReturnType<IdentityStore['createIamAccessKey']> { return this.run(is.createIamAccessKey, ...a); }
  listIamAccessKeys(...a: Parameters<IdentityStore['listIamAccessKeys']>): ReturnType<IdentityStore['listIamAccessKeys']> { return this.read(is.listIamAccessKeys, ...a); }
  activeIamAccessKeys(...a: Parameters<IdentityStore['activeIamAccessKeys']>): ReturnType<IdentityStore['activeIamAccessKeys']> { return this.read(is.activeIamAccessKeys, ...a); }
  getIamAccessKey(...a: Parameters<IdentityStore['getIamAccessKey']>): ReturnType<IdentityStore['getIamAccessKey']> { return this.read(is.getIamAccessKey, ...a); }
  setIamAccessKeyStatus(...a: Parameters<IdentityStore['setIamAccessKeyStatus']>): ReturnType<IdentityStore['setIamAccessKeyStatus']> { return this.run(is.setIamAccessKeyStatus, ...a); }
  deleteIamAccessKey(...a: Parameters<IdentityStore['deleteIamAccessKey']>): ReturnType<IdentityStore['deleteIamAccessKey']> { return this.run(is.deleteIamAccessKey, ...a); }
  createIamRole(...a: Parameters<IdentityStore['createIamRole']>): ReturnType<IdentityStore['createIamRole']> { return this.run(is.createIamRole, ...a); }
  getIamRole(...a: Parameters<IdentityStore['getIamRole']>): ReturnType<IdentityStore['getIamRole']> { return this.read(is.getIamRole, ...a); }
  listIamRoles(...a: Parameters<IdentityStore['listIamRoles']>): ReturnType<IdentityStore['listIamRoles']> { return this.read(is.listIamRoles, ...a); }
  updateIamRole(...a: Parameters<IdentityStore['updateIamRole']>): ReturnType<IdentityStore['updateIamRole']> { return this.run(is.updateIamRole, ...a); }
  deleteIamRole(...a: Parameters<IdentityStore['deleteIamRole']>): ReturnType<IdentityStore['deleteIamRole']> { return this.run(is.deleteIamRole, ...a); }
  changeIamRoleTags(...a: Parameters<IdentityStore['changeIamRoleTags']>): ReturnType<IdentityStore['changeIamRoleTags']> { return this.run(is.changeIamRoleTags, ...a); }
  putIamInlinePolicy(...a: Parameters<IdentityStore['putIamInlinePolicy']>): ReturnType<IdentityStore['putIamInlinePolicy']> { return this.run(is.putIamInlinePolicy, ...a); }
  getIamInlinePolicy(...a: Parameters<IdentityStore['getIamInlinePolicy']>): ReturnType<IdentityStore['getIamInlinePolicy']> { return this.read(is.getIamInlinePolicy, ...a); }
  listIamInlinePolicies(...a: Parameters<IdentityStore['listIamInlinePolicies']>): ReturnType<IdentityStore['listIamInlinePolicies']> { return this.read(is.listIamInlinePolicies, ...a); }
  deleteIamInlinePolicy(...a: Parameters<IdentityStore['deleteIamInlinePolicy']>): ReturnType<IdentityStore['deleteIamInlinePolicy']> { return this.run(is.deleteIamInlinePolicy, ...a); }
  createIamPolicy(...a: Parameters<IdentityStore['createIamPolicy']>): ReturnType<IdentityStore['createIamPolicy']> { return this.run(is.createIamPolicy, ...a); }
  getIamPolicy(...a: Parameters<IdentityStore['getIamPolicy']>): ReturnType<IdentityStore['getIamPolicy']> { return this.read(is.getIamPolicy, ...a); }
  listIamPolicies(...a: Parameters<IdentityStore['listIamPolicies']>): ReturnType<IdentityStore['listIamPolicies']> { return this.read(is.listIamPolicies, ...a); }
  getIamPolicyVersion(...a: Parameters<IdentityStore['getIamPolicyVersion']>): ReturnType<IdentityStore['getIamPolicyVersion']> { return this.read(is.getIamPolicyVersion, ...a); }
  listIamPolicyVersions(...a: Parameters<IdentityStore['listIamPolicyVersions']>): ReturnType<IdentityStore['listIamPolicyVersions']> { return this.read(is.listIamPolicyVersions, ...a); }
  createIamPolicyVersion(...a: Parameters<IdentityStore['createIamPolicyVersion']>): ReturnType<IdentityStore['createIamPolicyVersion']> { return this.run(is.createIamPolicyVersion, ...a); }
  deleteIamPolicyVersion(...a: Parameters<IdentityStore['deleteIamPolicyVersion']>): ReturnType<IdentityStore['deleteIamPolicyVersion']> { return this.run(is.deleteIamPolicyVersion, ...a); }
  setIamPolicyDefaultVersion(...a: Parameters<IdentityStore['setIamPolicyDefaultVersion']>): ReturnType<IdentityStore['setIamPolicyDefaultVersion']> { return this.run(is.setIamPolicyDefaultVersion, ...a); }
  deleteIamPolicy(...a: Parameters<IdentityStore['deleteIamPolicy']>): ReturnType<IdentityStore['deleteIamPolicy']> { return this.run(is.deleteIamPolicy, ...a); }
  attachIamPolicy(...a: Parameters<IdentityStore['attachIamPolicy']>): ReturnType<IdentityStore['attachIamPolicy']> { return this.run(is.attachIamPolicy, ...a); }
  detachIamPolicy(...a: Parameters<IdentityStore['detachIamPolicy']>): ReturnType<IdentityStore['detachIamPolicy']> { return this.run(is.detachIamPolicy, ...a); }
  listIamAttachedPolicies(...a: Parameters<IdentityStore['listIamAttachedPolicies']>): ReturnType<IdentityStore['listIamAttachedPolicies']> { return this.read(is.listIamAttachedPolicies, ...a); }
  iamAttachmentCounts(...a: Parameters<IdentityStore['iamAttachmentCounts']>): ReturnType<IdentityStore['iamAttachmentCounts']> { return this.read(is.iamAttachmentCounts, ...a); }
}

/** The methods of `IdentityStore`, so a store can take them from an `IdentityOps` (`delegateIdentity`). */
const identityMethods = ['identityVersion', 'initIamAccount', 'createIamUser', 'getIamUser', 'listIamUsers', 'deleteIamUser', 'createIamAccessKey', 'listIamAccessKeys', 'activeIamAccessKeys', 'getIamAccessKey', 'setIamAccessKeyStatus', 'deleteIamAccessKey', 'createIamRole', 'getIamRole', 'listIamRoles', 'updateIamRole', 'deleteIamRole', 'changeIamRoleTags', 'putIamInlinePolicy', 'getIamInlinePolicy', 'listIamInlinePolicies', 'deleteIamInlinePolicy', 'createIamPolicy', 'getIamPolicy', 'listIamPolicies', 'getIamPolicyVersion', 'listIamPolicyVersions', 'createIamPolicyVersion', 'deleteIamPolicyVersion', 'setIamPolicyDefaultVersion', 'deleteIamPolicy', 'attachIamPolicy', 'detachIamPolicy', 'listIamAttachedPolicies', 'iamAttachmentCounts'] as const satisfies readonly (keyof IdentityStore)[];

/**
 * Makes `target` answer every `IdentityStore` method through `ops` (the
 * stores declare `interface SqliteStore extends IdentityStore` and call
 * this in their constructor, instead of 33 one-line forwarders each).
 */
export function delegateIdentity(target: object, ops: IdentityOps): void {
  for (const m of identityMethods) Object.defineProperty(target, m, { value: (ops[m] as (...a: unknown[]) => unknown).bind(ops), enumerable: false });
}

/** Both schemas: one row of `iam_meta` holds the change counter (identity.ts). */
export const identityTablesSqlite = `
  CREATE TABLE iam_meta (k TEXT PRIMARY KEY, version INTEGER NOT NULL);
  INSERT INTO iam_meta (k, version) VALUES ('identity', 0);
  CREATE TABLE iam_accounts (account_id TEXT PRIMARY KEY, created_ms INTEGER NOT NULL);
  CREATE TABLE iam_users (
    account_id TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, arn TEXT NOT NULL,
    created_ms INTEGER NOT NULL, tags TEXT NOT NULL, PRIMARY KEY (account_id, name_key));
  CREATE TABLE iam_access_keys (
    access_key_id TEXT PRIMARY KEY, account_id TEXT NOT NULL, user_key TEXT NOT NULL, secret_sealed TEXT NOT NULL, status TEXT NOT NULL,
    created_ms INTEGER NOT NULL);
  CREATE INDEX iam_access_keys_user ON iam_access_keys (account_id, user_key);
  CREATE TABLE iam_roles (
    account_id TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, arn TEXT NOT NULL,
    trust_policy TEXT NOT NULL, description TEXT, max_session_s INTEGER NOT NULL, created_ms INTEGER NOT NULL, tags TEXT NOT NULL,
    PRIMARY KEY (account_id, name_key));
  CREATE TABLE iam_inline_policies (
    account_id TEXT NOT NULL, owner_kind TEXT NOT NULL, owner_key TEXT NOT NULL, policy_name TEXT NOT NULL, document TEXT NOT NULL,
    size INTEGER NOT NULL, PRIMARY KEY (account_id, owner_kind, owner_key, policy_name));
  CREATE TABLE iam_policies (
    account_id TEXT NOT NULL, name_key TEXT NOT NULL, name TEXT NOT NULL, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL, arn TEXT NOT NULL UNIQUE,
    description TEXT, default_version TEXT NOT NULL, next_version INTEGER NOT NULL, created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,
    tags TEXT NOT NULL, PRIMARY KEY (account_id, name_key));
  CREATE TABLE iam_policy_versions (
    account_id TEXT NOT NULL, policy_arn TEXT NOT NULL, version_id TEXT NOT NULL, document TEXT NOT NULL, created_ms INTEGER NOT NULL,
    PRIMARY KEY (policy_arn, version_id));
  CREATE TABLE iam_attachments (
    account_id TEXT NOT NULL, owner_kind TEXT NOT NULL, owner_key TEXT NOT NULL, policy_arn TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (account_id, owner_kind, owner_key, policy_arn));
  CREATE INDEX iam_attachments_policy ON iam_attachments (account_id, policy_arn);`;

export const identityTablesPostgres = `
  CREATE TABLE iam_meta (k text PRIMARY KEY, version bigint NOT NULL);
  INSERT INTO iam_meta (k, version) VALUES ('identity', 0);
  CREATE TABLE iam_accounts (account_id text PRIMARY KEY, created_ms bigint NOT NULL);
  CREATE TABLE iam_users (
    account_id text NOT NULL, name_key text COLLATE "C" NOT NULL, name text NOT NULL, id text NOT NULL UNIQUE, path text COLLATE "C" NOT NULL, arn text NOT NULL,
    created_ms bigint NOT NULL, tags text NOT NULL, PRIMARY KEY (account_id, name_key));
  CREATE TABLE iam_access_keys (
    access_key_id text PRIMARY KEY, account_id text NOT NULL, user_key text COLLATE "C" NOT NULL, secret_sealed text NOT NULL, status text NOT NULL,
    created_ms bigint NOT NULL);
  CREATE INDEX iam_access_keys_user ON iam_access_keys (account_id, user_key);
  CREATE TABLE iam_roles (
    account_id text NOT NULL, name_key text COLLATE "C" NOT NULL, name text NOT NULL, id text NOT NULL UNIQUE, path text COLLATE "C" NOT NULL, arn text NOT NULL,
    trust_policy text NOT NULL, description text, max_session_s integer NOT NULL, created_ms bigint NOT NULL, tags text NOT NULL,
    PRIMARY KEY (account_id, name_key));
  CREATE TABLE iam_inline_policies (
    account_id text NOT NULL, owner_kind text NOT NULL, owner_key text COLLATE "C" NOT NULL, policy_name text COLLATE "C" NOT NULL, document text NOT NULL,
    size integer NOT NULL, PRIMARY KEY (account_id, owner_kind, owner_key, policy_name));
  CREATE TABLE iam_policies (
    account_id text NOT NULL, name_key text COLLATE "C" NOT NULL, name text NOT NULL, id text NOT NULL UNIQUE, path text COLLATE "C" NOT NULL, arn text NOT NULL UNIQUE,
    description text, default_version text NOT NULL, next_version integer NOT NULL, created_ms bigint NOT NULL, updated_ms bigint NOT NULL,
    tags text NOT NULL, PRIMARY KEY (account_id, name_key));
  CREATE TABLE iam_policy_versions (
    account_id text NOT NULL, policy_arn text NOT NULL, version_id text NOT NULL, document text NOT NULL, created_ms bigint NOT NULL,
    PRIMARY KEY (policy_arn, version_id));
  CREATE TABLE iam_attachments (
    account_id text NOT NULL, owner_kind text NOT NULL, owner_key text COLLATE "C" NOT NULL, policy_arn text NOT NULL, seq integer NOT NULL,
    PRIMARY KEY (account_id, owner_kind, owner_key, policy_arn));
  CREATE INDEX iam_attachments_policy ON iam_attachments (account_id, policy_arn);`;
