/**
 * IAM's persistence (src/identity/ over it): users, their access keys
 * (secrets sealed by the domain with the keyring), roles with their trust
 * policies, inline policies of users and roles, customer managed policies
 * with their versions, and attachments of managed policies (customer ones
 * and AWS's, which are not stored: `identity/policy/`'s `managedPolicies`).
 * Part of `Store` (types.ts); the logic is written once in identity-sql.ts
 * and run by each store's driver in one transaction per method.
 *
 * Every record carries its account: one Kumo server serves one account today
 * (`KumoConfig.accountId`), and the keys leave room for several.
 *
 * Names: IAM compares user, role and policy names without case ("you
 * cannot create resources named both MyResource and myresource", IAM User
 * Guide, IAM identifiers); the store keys them by their lower-case form
 * and keeps the name as given.
 *
 * `identityVersion()`: every write bumps one counter in the same
 * transaction, so a server holding keys and compiled policies in memory
 * learns of any change (its own or another server's on the same PostgreSQL)
 * by reading one number.
 */

export type IamTags = [key: string, value: string][];

export interface IamUserRecord {
  accountId: string;
  name: string;
  /** `AIDA…` (21 characters). */
  id: string;
  path: string;
  arn: string;
  createdMs: number;
  tags: IamTags;
}

export type AccessKeyStatus = 'Active' | 'Inactive';

export interface IamAccessKeyRecord {
  accountId: string;
  /** `AKIA…` (20 characters). */
  accessKeyId: string;
  userName: string;
  /** The 40-character secret, sealed by the keyring (`kumo:v1:…`); never stored in plain. */
  secretSealed: string;
  status: AccessKeyStatus;
  createdMs: number;
}

export interface IamRoleRecord {
  accountId: string;
  name: string;
  /** `AROA…` (21 characters). */
  id: string;
  path: string;
  arn: string;
  /** The AssumeRolePolicyDocument as given (JSON text). */
  trustPolicy: string;
  description?: string;
  maxSessionDurationS: number;
  createdMs: number;
  tags: IamTags;
}

export interface IamPolicyRecord {
  accountId: string;
  name: string;
  /** `ANPA…` (21 characters). */
  id: string;
  path: string;
  arn: string;
  description?: string;
  defaultVersionId: string;
  createdMs: number;
  updatedMs: number;
  /** Users and roles it is attached to (counted by the store). */
  attachmentCount: number;
  tags: IamTags;
}

export interface IamPolicyVersionRecord {
  policyArn: string;
  /** `v1`, `v2`… */
  versionId: string;
  document: string;
  isDefault: boolean;
  createdMs: number;
}

/** Who an inline policy or an attachment belongs to. */
export interface IamOwner {
  kind: 'user' | 'role';
  name: string;
}

export interface IamInlinePolicy {
  name: string;
  document: string;
}

export interface IamPage {
  pathPrefix?: string;
  /** Lower-case name after which the page starts (the Marker). */
  afterKey?: string;
  limit: number;
}

export type DeleteEntityResult = 'ok' | 'missing' | 'has-keys' | 'has-inline' | 'has-attached';

export interface IdentityStore {
  /** The counter every identity write bumps (see above); 0 before any. */
  identityVersion(): Promise<number>;

  /**
   * First start of an account: inserts the account's marker and, only when
   * this call inserted it, `role` with its attached policies. Two servers
   * starting together on one PostgreSQL: one inserts, the other finds the
   * marker (the insert is ON CONFLICT DO NOTHING); a role the user deleted
   * later is not made again. Returns whether this call created it.
   */
  initIamAccount(accountId: string, role: IamRoleRecord, attached: readonly string[]): Promise<boolean>;

  /** 'exists' when a user of that name (any case) exists. */
  createIamUser(rec: IamUserRecord): Promise<'ok' | 'exists'>;
  getIamUser(accountId: string, name: string): Promise<IamUserRecord | undefined>;
  listIamUsers(accountId: string, page: IamPage): Promise<IamUserRecord[]>;
  /** Refuses while the user has access keys, inline policies or attached policies (AWS's DeleteConflict). */
  deleteIamUser(accountId: string, name: string): Promise<DeleteEntityResult>;

  /** Adds a key to an existing user with fewer than `perUserMax` keys. */
  createIamAccessKey(rec: IamAccessKeyRecord, perUserMax: number): Promise<'ok' | 'no-user' | 'too-many'>;
  /** The user's keys, oldest first; undefined when the user does not exist. */
  listIamAccessKeys(accountId: string, userName: string): Promise<IamAccessKeyRecord[] | undefined>;
  /** Every active key of every account, with its user (the caller resolver's table). */
  activeIamAccessKeys(): Promise<{ key: IamAccessKeyRecord; user: IamUserRecord }[]>;
  /** One key by id (any account), with its user. */
  getIamAccessKey(accessKeyId: string): Promise<{ key: IamAccessKeyRecord; user: IamUserRecord } | undefined>;
  setIamAccessKeyStatus(accountId: string, userName: string, accessKeyId: string, status: AccessKeyStatus): Promise<'ok' | 'no-user' | 'missing'>;
  deleteIamAccessKey(accountId: string, userName: string, accessKeyId: string): Promise<'ok' | 'no-user' | 'missing'>;

  createIamRole(rec: IamRoleRecord): Promise<'ok' | 'exists'>;
  getIamRole(accountId: string, name: string): Promise<IamRoleRecord | undefined>;
  listIamRoles(accountId: string, page: IamPage): Promise<IamRoleRecord[]>;
  updateIamRole(accountId: string, name: string, change: { trustPolicy?: string; description?: string; maxSessionDurationS?: number }): Promise<boolean>;
  /** Refuses while the role has inline or attached policies. */
  deleteIamRole(accountId: string, name: string): Promise<DeleteEntityResult>;
  /** Merges and removes tags in one transaction; refuses (writing nothing) past `tagsMax`. */
  changeIamRoleTags(accountId: string, name: string, change: { set?: IamTags; remove?: string[] }, tagsMax: number): Promise<'ok' | 'missing' | 'too-many'>;

  /**
   * Creates or replaces an inline policy of a user or role. `size` is the
   * document's size as IAM counts it; the owner's inline policies together
   * may not exceed `ownerSizeMax` ('too-large', nothing written).
   */
  putIamInlinePolicy(accountId: string, owner: IamOwner, policyName: string, document: string, size: number, ownerSizeMax: number): Promise<'ok' | 'no-owner' | 'too-large'>;
  /** undefined when the owner does not exist; null when it has no policy of that name. */
  getIamInlinePolicy(accountId: string, owner: IamOwner, policyName: string): Promise<string | null | undefined>;
  /** The owner's inline policies by name; undefined when the owner does not exist. */
  listIamInlinePolicies(accountId: string, owner: IamOwner): Promise<IamInlinePolicy[] | undefined>;
  deleteIamInlinePolicy(accountId: string, owner: IamOwner, policyName: string): Promise<'ok' | 'no-owner' | 'missing'>;

  /** A customer managed policy with its first version `v1` (default). */
  createIamPolicy(rec: Omit<IamPolicyRecord, 'attachmentCount'>, document: string): Promise<'ok' | 'exists'>;
  getIamPolicy(accountId: string, arn: string): Promise<IamPolicyRecord | undefined>;
  listIamPolicies(accountId: string, page: IamPage & { onlyAttached: boolean }): Promise<IamPolicyRecord[]>;
  getIamPolicyVersion(accountId: string, arn: string, versionId: string): Promise<IamPolicyVersionRecord | undefined>;
  listIamPolicyVersions(accountId: string, arn: string): Promise<IamPolicyVersionRecord[] | undefined>;
  /** Adds the next version (`v<n>`); `setDefault` makes it the default. Refuses past `versionsMax` kept versions. */
  createIamPolicyVersion(accountId: string, arn: string, document: string, setDefault: boolean, versionsMax: number): Promise<{ kind: 'ok'; versionId: string } | { kind: 'missing' } | { kind: 'too-many' }>;
  /** Deletes a version other than the default. */
  deleteIamPolicyVersion(accountId: string, arn: string, versionId: string): Promise<'ok' | 'missing' | 'no-version' | 'is-default'>;
  /** Makes an existing version the default. */
  setIamPolicyDefaultVersion(accountId: string, arn: string, versionId: string): Promise<'ok' | 'missing' | 'no-version'>;
  /** Refuses while it is attached to anyone, or has versions besides the default. */
  deleteIamPolicy(accountId: string, arn: string): Promise<'ok' | 'missing' | 'attached' | 'has-versions'>;

  /**
   * Attaches a managed policy (by ARN) to a user or role. `customer`: the
   * ARN is one of the account's own policies, which must exist ('no-policy');
   * AWS's managed ones are checked by the caller. Attaching one already
   * attached is 'ok' and counts once; past `perOwnerMax` 'too-many'.
   */
  attachIamPolicy(accountId: string, owner: IamOwner, policyArn: string, customer: boolean, perOwnerMax: number): Promise<'ok' | 'no-owner' | 'no-policy' | 'too-many'>;
  detachIamPolicy(accountId: string, owner: IamOwner, policyArn: string): Promise<'ok' | 'no-owner' | 'not-attached'>;
  /** ARNs attached to the owner, in attachment order; undefined when the owner does not exist. */
  listIamAttachedPolicies(accountId: string, owner: IamOwner): Promise<string[] | undefined>;
  /** How many users and roles each attached policy ARN has (AWS managed ones included). */
  iamAttachmentCounts(accountId: string): Promise<Map<string, number>>;
}
