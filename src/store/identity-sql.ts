import type { QueueOp, Row, Sql } from './queue-sql';
import type {
  AccessKeyStatus, DeleteEntityResult, IamAccessKeyRecord, IamInlinePolicy, IamOwner, IamPage, IamPolicyRecord, IamPolicyVersionRecord, IamRoleRecord,
  IamTags, IamUserRecord,
} from './identity';

/**
 * IAM's store logic (identity.ts), written once for SQLite and PostgreSQL in
 * the queue store's style (queue-sql.ts): each operation is a generator
 * yielding SQL (`$n` placeholders) and receiving rows, run by a driver in
 * one transaction. Every write ends with `bump`, which increments the one
 * row of `iam_meta` in the same transaction: a reader of `identityVersion`
 * never sees a change without its new number. `/*LOCK*\/` is `FOR UPDATE` on
 * PostgreSQL: a write that checks and then changes an owner (a quota, a
 * delete conflict) locks the owner's row first, so two servers cannot both
 * pass the check.
 */
export type IdentityOp<T> = QueueOp<T>;
type Op<T> = IdentityOp<T>;
const s = (sql: string, ...args: unknown[]): Sql => ({ sql, args });
const key = (name: string) => name.toLowerCase();
const opt = (v: unknown) => (v == null ? undefined : String(v));
const bump = s("UPDATE iam_meta SET version = version + 1 WHERE k = 'identity'");

function userRow(r: Row): IamUserRecord {
  return {
    accountId: String(r.account_id), name: String(r.name), id: String(r.id), path: String(r.path), arn: String(r.arn),
    createdMs: Number(r.created_ms), tags: JSON.parse(String(r.tags)) as IamTags,
  };
}

function keyRow(r: Row, userName: string): IamAccessKeyRecord {
  return {
    accountId: String(r.account_id), accessKeyId: String(r.access_key_id), userName, secretSealed: String(r.secret_sealed),
    status: String(r.status) as AccessKeyStatus, createdMs: Number(r.created_ms),
  };
}

function roleRow(r: Row): IamRoleRecord {
  return {
    accountId: String(r.account_id), name: String(r.name), id: String(r.id), path: String(r.path), arn: String(r.arn),
    trustPolicy: String(r.trust_policy), description: opt(r.description), maxSessionDurationS: Number(r.max_session_s),
    createdMs: Number(r.created_ms), tags: JSON.parse(String(r.tags)) as IamTags,
  };
}

function policyRow(r: Row): IamPolicyRecord {
  return {
    accountId: String(r.account_id), name: String(r.name), id: String(r.id), path: String(r.path), arn: String(r.arn),
    description: opt(r.description), defaultVersionId: String(r.default_version), createdMs: Number(r.created_ms), updatedMs: Number(r.updated_ms),
    attachmentCount: Number(r.attachments ?? 0), tags: JSON.parse(String(r.tags)) as IamTags,
  };
}

function versionRow(r: Row, defaultVersion: string): IamPolicyVersionRecord {
  return {
    policyArn: String(r.policy_arn), versionId: String(r.version_id), document: String(r.document),
    isDefault: String(r.version_id) === defaultVersion, createdMs: Number(r.created_ms),
  };
}

const ownerTable = (o: IamOwner) => (o.kind === 'user' ? 'iam_users' : 'iam_roles');

/** Locks the owner's row; false when it does not exist. */
function* lockOwner(accountId: string, o: IamOwner): Op<boolean> {
  const r = yield s(`SELECT name_key FROM ${ownerTable(o)} WHERE account_id = $1 AND name_key = $2 /*LOCK*/`, accountId, key(o.name));
  return r.length > 0;
}

function* ownerExists(accountId: string, o: IamOwner): Op<boolean> {
  const r = yield s(`SELECT name_key FROM ${ownerTable(o)} WHERE account_id = $1 AND name_key = $2`, accountId, key(o.name));
  return r.length > 0;
}

export function* identityVersion(_now: number): Op<number> {
  const r = yield s("SELECT version FROM iam_meta WHERE k = 'identity'");
  return r.length ? Number(r[0]!.version) : 0;
}

export function* initIamAccount(now: number, accountId: string, role: IamRoleRecord, attached: readonly string[]): Op<boolean> {
  const r = yield s('INSERT INTO iam_accounts (account_id, created_ms) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING account_id', accountId, now);
  if (!r.length) return false;
  const made = yield* createIamRole(now, role);
  if (made === 'ok') {
    let seq = 0;
    for (const arn of attached) {
      yield s('INSERT INTO iam_attachments (account_id, owner_kind, owner_key, policy_arn, seq) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', accountId, 'role', key(role.name), arn, ++seq);
    }
  }
  yield bump;
  return made === 'ok';
}

// ---- users -----------------------------------------------------------------

export function* createIamUser(_now: number, u: IamUserRecord): Op<'ok' | 'exists'> {
  const r = yield s(
    `INSERT INTO iam_users (account_id, name_key, name, id, path, arn, created_ms, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT DO NOTHING RETURNING name_key`,
    u.accountId, key(u.name), u.name, u.id, u.path, u.arn, u.createdMs, JSON.stringify(u.tags),
  );
  if (!r.length) return 'exists';
  yield bump;
  return 'ok';
}

export function* getIamUser(_now: number, accountId: string, name: string): Op<IamUserRecord | undefined> {
  const r = yield s('SELECT * FROM iam_users WHERE account_id = $1 AND name_key = $2', accountId, key(name));
  return r.length ? userRow(r[0]!) : undefined;
}

export function* listIamUsers(_now: number, accountId: string, p: IamPage): Op<IamUserRecord[]> {
  const r = yield s(
    `SELECT * FROM iam_users WHERE account_id = $1 AND name_key > $2 AND substr(path, 1, length(CAST($3 AS TEXT))) = CAST($3 AS TEXT)
     ORDER BY name_key LIMIT $4`,
    accountId, p.afterKey ?? '', p.pathPrefix ?? '/', p.limit,
  );
  return r.map(userRow);
}

function* ownerHolds(accountId: string, o: IamOwner): Op<'has-inline' | 'has-attached' | undefined> {
  const inline = yield s('SELECT policy_name FROM iam_inline_policies WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 LIMIT 1', accountId, o.kind, key(o.name));
  if (inline.length) return 'has-inline';
  const att = yield s('SELECT policy_arn FROM iam_attachments WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 LIMIT 1', accountId, o.kind, key(o.name));
  return att.length ? 'has-attached' : undefined;
}

export function* deleteIamUser(_now: number, accountId: string, name: string): Op<DeleteEntityResult> {
  const owner: IamOwner = { kind: 'user', name };
  if (!(yield* lockOwner(accountId, owner))) return 'missing';
  const keys = yield s('SELECT access_key_id FROM iam_access_keys WHERE account_id = $1 AND user_key = $2 LIMIT 1', accountId, key(name));
  if (keys.length) return 'has-keys';
  const holds = yield* ownerHolds(accountId, owner);
  if (holds) return holds;
  yield s('DELETE FROM iam_users WHERE account_id = $1 AND name_key = $2', accountId, key(name));
  yield bump;
  return 'ok';
}

// ---- access keys -------------------------------------------------------------

export function* createIamAccessKey(_now: number, k: IamAccessKeyRecord, perUserMax: number): Op<'ok' | 'no-user' | 'too-many'> {
  if (!(yield* lockOwner(k.accountId, { kind: 'user', name: k.userName }))) return 'no-user';
  const n = yield s('SELECT COUNT(*) AS n FROM iam_access_keys WHERE account_id = $1 AND user_key = $2', k.accountId, key(k.userName));
  if (Number(n[0]!.n) >= perUserMax) return 'too-many';
  yield s(
    'INSERT INTO iam_access_keys (access_key_id, account_id, user_key, secret_sealed, status, created_ms) VALUES ($1, $2, $3, $4, $5, $6)',
    k.accessKeyId, k.accountId, key(k.userName), k.secretSealed, k.status, k.createdMs,
  );
  yield bump;
  return 'ok';
}

export function* listIamAccessKeys(_now: number, accountId: string, userName: string): Op<IamAccessKeyRecord[] | undefined> {
  const u = yield s('SELECT name FROM iam_users WHERE account_id = $1 AND name_key = $2', accountId, key(userName));
  if (!u.length) return undefined;
  const r = yield s('SELECT * FROM iam_access_keys WHERE account_id = $1 AND user_key = $2 ORDER BY created_ms, access_key_id', accountId, key(userName));
  return r.map((row) => keyRow(row, String(u[0]!.name)));
}

const keyJoin = `SELECT k.*, u.name AS u_name, u.id AS u_id, u.path AS u_path, u.arn AS u_arn, u.created_ms AS u_created_ms, u.tags AS u_tags
  FROM iam_access_keys k JOIN iam_users u ON u.account_id = k.account_id AND u.name_key = k.user_key`;

function joinedKey(r: Row): { key: IamAccessKeyRecord; user: IamUserRecord } {
  const user = userRow({ account_id: r.account_id, name: r.u_name, id: r.u_id, path: r.u_path, arn: r.u_arn, created_ms: r.u_created_ms, tags: r.u_tags });
  return { key: keyRow(r, user.name), user };
}

export function* activeIamAccessKeys(_now: number): Op<{ key: IamAccessKeyRecord; user: IamUserRecord }[]> {
  return (yield s(`${keyJoin} WHERE k.status = 'Active'`)).map(joinedKey);
}

export function* getIamAccessKey(_now: number, accessKeyId: string): Op<{ key: IamAccessKeyRecord; user: IamUserRecord } | undefined> {
  const r = yield s(`${keyJoin} WHERE k.access_key_id = $1`, accessKeyId);
  return r.length ? joinedKey(r[0]!) : undefined;
}

export function* setIamAccessKeyStatus(_now: number, accountId: string, userName: string, accessKeyId: string, status: AccessKeyStatus): Op<'ok' | 'no-user' | 'missing'> {
  if (!(yield* lockOwner(accountId, { kind: 'user', name: userName }))) return 'no-user';
  const r = yield s('UPDATE iam_access_keys SET status = $4 WHERE account_id = $1 AND user_key = $2 AND access_key_id = $3 RETURNING access_key_id', accountId, key(userName), accessKeyId, status);
  if (!r.length) return 'missing';
  yield bump;
  return 'ok';
}

export function* deleteIamAccessKey(_now: number, accountId: string, userName: string, accessKeyId: string): Op<'ok' | 'no-user' | 'missing'> {
  if (!(yield* lockOwner(accountId, { kind: 'user', name: userName }))) return 'no-user';
  const r = yield s('DELETE FROM iam_access_keys WHERE account_id = $1 AND user_key = $2 AND access_key_id = $3 RETURNING access_key_id', accountId, key(userName), accessKeyId);
  if (!r.length) return 'missing';
  yield bump;
  return 'ok';
}

// ---- roles -------------------------------------------------------------------

export function* createIamRole(_now: number, r: IamRoleRecord): Op<'ok' | 'exists'> {
  const ins = yield s(
    `INSERT INTO iam_roles (account_id, name_key, name, id, path, arn, trust_policy, description, max_session_s, created_ms, tags)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING RETURNING name_key`,
    r.accountId, key(r.name), r.name, r.id, r.path, r.arn, r.trustPolicy, r.description ?? null, r.maxSessionDurationS, r.createdMs, JSON.stringify(r.tags),
  );
  if (!ins.length) return 'exists';
  yield bump;
  return 'ok';
}

export function* getIamRole(_now: number, accountId: string, name: string): Op<IamRoleRecord | undefined> {
  const r = yield s('SELECT * FROM iam_roles WHERE account_id = $1 AND name_key = $2', accountId, key(name));
  return r.length ? roleRow(r[0]!) : undefined;
}

export function* listIamRoles(_now: number, accountId: string, p: IamPage): Op<IamRoleRecord[]> {
  const r = yield s(
    `SELECT * FROM iam_roles WHERE account_id = $1 AND name_key > $2 AND substr(path, 1, length(CAST($3 AS TEXT))) = CAST($3 AS TEXT)
     ORDER BY name_key LIMIT $4`,
    accountId, p.afterKey ?? '', p.pathPrefix ?? '/', p.limit,
  );
  return r.map(roleRow);
}

export function* updateIamRole(_now: number, accountId: string, name: string, c: { trustPolicy?: string; description?: string; maxSessionDurationS?: number }): Op<boolean> {
  const r = yield s('SELECT * FROM iam_roles WHERE account_id = $1 AND name_key = $2 /*LOCK*/', accountId, key(name));
  if (!r.length) return false;
  const cur = roleRow(r[0]!);
  yield s(
    'UPDATE iam_roles SET trust_policy = $3, description = $4, max_session_s = $5 WHERE account_id = $1 AND name_key = $2',
    accountId, key(name), c.trustPolicy ?? cur.trustPolicy, c.description ?? cur.description ?? null, c.maxSessionDurationS ?? cur.maxSessionDurationS,
  );
  yield bump;
  return true;
}

export function* deleteIamRole(_now: number, accountId: string, name: string): Op<DeleteEntityResult> {
  const owner: IamOwner = { kind: 'role', name };
  if (!(yield* lockOwner(accountId, owner))) return 'missing';
  const holds = yield* ownerHolds(accountId, owner);
  if (holds) return holds;
  yield s('DELETE FROM iam_roles WHERE account_id = $1 AND name_key = $2', accountId, key(name));
  yield bump;
  return 'ok';
}

export function* changeIamRoleTags(_now: number, accountId: string, name: string, c: { set?: IamTags; remove?: string[] }, tagsMax: number): Op<'ok' | 'missing' | 'too-many'> {
  const r = yield s('SELECT tags FROM iam_roles WHERE account_id = $1 AND name_key = $2 /*LOCK*/', accountId, key(name));
  if (!r.length) return 'missing';
  const tags = new Map(JSON.parse(String(r[0]!.tags)) as IamTags);
  for (const [k, v] of c.set ?? []) tags.set(k, v);
  for (const k of c.remove ?? []) tags.delete(k);
  if (tags.size > tagsMax) return 'too-many';
  yield s('UPDATE iam_roles SET tags = $3 WHERE account_id = $1 AND name_key = $2', accountId, key(name), JSON.stringify([...tags]));
  yield bump;
  return 'ok';
}

// ---- inline policies -----------------------------------------------------------

export function* putIamInlinePolicy(_now: number, accountId: string, o: IamOwner, policyName: string, document: string, size: number, ownerSizeMax: number): Op<'ok' | 'no-owner' | 'too-large'> {
  if (!(yield* lockOwner(accountId, o))) return 'no-owner';
  const others = yield s(
    'SELECT COALESCE(SUM(size), 0) AS n FROM iam_inline_policies WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 AND policy_name <> $4',
    accountId, o.kind, key(o.name), policyName,
  );
  if (Number(others[0]!.n) + size > ownerSizeMax) return 'too-large';
  yield s(
    `INSERT INTO iam_inline_policies (account_id, owner_kind, owner_key, policy_name, document, size) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (account_id, owner_kind, owner_key, policy_name) DO UPDATE SET document = excluded.document, size = excluded.size`,
    accountId, o.kind, key(o.name), policyName, document, size,
  );
  yield bump;
  return 'ok';
}

export function* getIamInlinePolicy(_now: number, accountId: string, o: IamOwner, policyName: string): Op<string | null | undefined> {
  if (!(yield* ownerExists(accountId, o))) return undefined;
  const r = yield s('SELECT document FROM iam_inline_policies WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 AND policy_name = $4', accountId, o.kind, key(o.name), policyName);
  return r.length ? String(r[0]!.document) : null;
}

export function* listIamInlinePolicies(_now: number, accountId: string, o: IamOwner): Op<IamInlinePolicy[] | undefined> {
  if (!(yield* ownerExists(accountId, o))) return undefined;
  const r = yield s('SELECT policy_name, document FROM iam_inline_policies WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 ORDER BY policy_name', accountId, o.kind, key(o.name));
  return r.map((x) => ({ name: String(x.policy_name), document: String(x.document) }));
}

export function* deleteIamInlinePolicy(_now: number, accountId: string, o: IamOwner, policyName: string): Op<'ok' | 'no-owner' | 'missing'> {
  if (!(yield* lockOwner(accountId, o))) return 'no-owner';
  const r = yield s(
    'DELETE FROM iam_inline_policies WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 AND policy_name = $4 RETURNING policy_name',
    accountId, o.kind, key(o.name), policyName,
  );
  if (!r.length) return 'missing';
  yield bump;
  return 'ok';
}

// ---- managed policies ------------------------------------------------------------

const policySelect = `SELECT p.*, (SELECT COUNT(*) FROM iam_attachments a WHERE a.account_id = p.account_id AND a.policy_arn = p.arn) AS attachments FROM iam_policies p`;

export function* createIamPolicy(_now: number, p: Omit<IamPolicyRecord, 'attachmentCount'>, document: string): Op<'ok' | 'exists'> {
  const r = yield s(
    `INSERT INTO iam_policies (account_id, name_key, name, id, path, arn, description, default_version, next_version, created_ms, updated_ms, tags)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'v1', 2, $8, $8, $9) ON CONFLICT DO NOTHING RETURNING name_key`,
    p.accountId, key(p.name), p.name, p.id, p.path, p.arn, p.description ?? null, p.createdMs, JSON.stringify(p.tags),
  );
  if (!r.length) return 'exists';
  yield s('INSERT INTO iam_policy_versions (account_id, policy_arn, version_id, document, created_ms) VALUES ($1, $2, $3, $4, $5)', p.accountId, p.arn, 'v1', document, p.createdMs);
  yield bump;
  return 'ok';
}

export function* getIamPolicy(_now: number, accountId: string, arn: string): Op<IamPolicyRecord | undefined> {
  const r = yield s(`${policySelect} WHERE p.account_id = $1 AND p.arn = $2`, accountId, arn);
  return r.length ? policyRow(r[0]!) : undefined;
}

export function* listIamPolicies(_now: number, accountId: string, p: IamPage & { onlyAttached: boolean }): Op<IamPolicyRecord[]> {
  const r = yield s(
    `SELECT * FROM (${policySelect} WHERE p.account_id = $1 AND p.name_key > $2 AND substr(p.path, 1, length(CAST($3 AS TEXT))) = CAST($3 AS TEXT)) x
     WHERE ($4 = 0 OR x.attachments > 0) ORDER BY x.name_key LIMIT $5`,
    accountId, p.afterKey ?? '', p.pathPrefix ?? '/', p.onlyAttached ? 1 : 0, p.limit,
  );
  return r.map(policyRow);
}

function* defaultVersionOf(accountId: string, arn: string, lock: boolean): Op<string | undefined> {
  const r = yield s(`SELECT default_version FROM iam_policies WHERE account_id = $1 AND arn = $2${lock ? ' /*LOCK*/' : ''}`, accountId, arn);
  return r.length ? String(r[0]!.default_version) : undefined;
}

export function* getIamPolicyVersion(_now: number, accountId: string, arn: string, versionId: string): Op<IamPolicyVersionRecord | undefined> {
  const d = yield* defaultVersionOf(accountId, arn, false);
  if (d === undefined) return undefined;
  const r = yield s('SELECT * FROM iam_policy_versions WHERE account_id = $1 AND policy_arn = $2 AND version_id = $3', accountId, arn, versionId);
  return r.length ? versionRow(r[0]!, d) : undefined;
}

export function* listIamPolicyVersions(_now: number, accountId: string, arn: string): Op<IamPolicyVersionRecord[] | undefined> {
  const d = yield* defaultVersionOf(accountId, arn, false);
  if (d === undefined) return undefined;
  const r = yield s('SELECT * FROM iam_policy_versions WHERE account_id = $1 AND policy_arn = $2 ORDER BY created_ms DESC, version_id DESC', accountId, arn);
  return r.map((x) => versionRow(x, d));
}

export function* createIamPolicyVersion(
  now: number, accountId: string, arn: string, document: string, setDefault: boolean, versionsMax: number,
): Op<{ kind: 'ok'; versionId: string } | { kind: 'missing' } | { kind: 'too-many' }> {
  const r = yield s('SELECT next_version FROM iam_policies WHERE account_id = $1 AND arn = $2 /*LOCK*/', accountId, arn);
  if (!r.length) return { kind: 'missing' };
  const n = yield s('SELECT COUNT(*) AS n FROM iam_policy_versions WHERE account_id = $1 AND policy_arn = $2', accountId, arn);
  if (Number(n[0]!.n) >= versionsMax) return { kind: 'too-many' };
  const versionId = `v${Number(r[0]!.next_version)}`;
  yield s('INSERT INTO iam_policy_versions (account_id, policy_arn, version_id, document, created_ms) VALUES ($1, $2, $3, $4, $5)', accountId, arn, versionId, document, now);
  yield s(
    `UPDATE iam_policies SET next_version = next_version + 1, updated_ms = $3${setDefault ? ', default_version = $4' : ''} WHERE account_id = $1 AND arn = $2`,
    ...(setDefault ? [accountId, arn, now, versionId] : [accountId, arn, now]),
  );
  yield bump;
  return { kind: 'ok', versionId };
}

export function* deleteIamPolicyVersion(_now: number, accountId: string, arn: string, versionId: string): Op<'ok' | 'missing' | 'no-version' | 'is-default'> {
  const d = yield* defaultVersionOf(accountId, arn, true);
  if (d === undefined) return 'missing';
  if (d === versionId) return 'is-default';
  const r = yield s('DELETE FROM iam_policy_versions WHERE account_id = $1 AND policy_arn = $2 AND version_id = $3 RETURNING version_id', accountId, arn, versionId);
  if (!r.length) return 'no-version';
  yield bump;
  return 'ok';
}

export function* setIamPolicyDefaultVersion(now: number, accountId: string, arn: string, versionId: string): Op<'ok' | 'missing' | 'no-version'> {
  if ((yield* defaultVersionOf(accountId, arn, true)) === undefined) return 'missing';
  const v = yield s('SELECT version_id FROM iam_policy_versions WHERE account_id = $1 AND policy_arn = $2 AND version_id = $3', accountId, arn, versionId);
  if (!v.length) return 'no-version';
  yield s('UPDATE iam_policies SET default_version = $3, updated_ms = $4 WHERE account_id = $1 AND arn = $2', accountId, arn, versionId, now);
  yield bump;
  return 'ok';
}

export function* deleteIamPolicy(_now: number, accountId: string, arn: string): Op<'ok' | 'missing' | 'attached' | 'has-versions'> {
  const d = yield* defaultVersionOf(accountId, arn, true);
  if (d === undefined) return 'missing';
  const a = yield s('SELECT policy_arn FROM iam_attachments WHERE account_id = $1 AND policy_arn = $2 LIMIT 1', accountId, arn);
  if (a.length) return 'attached';
  const v = yield s('SELECT version_id FROM iam_policy_versions WHERE account_id = $1 AND policy_arn = $2 AND version_id <> $3 LIMIT 1', accountId, arn, d);
  if (v.length) return 'has-versions';
  yield s('DELETE FROM iam_policy_versions WHERE account_id = $1 AND policy_arn = $2', accountId, arn);
  yield s('DELETE FROM iam_policies WHERE account_id = $1 AND arn = $2', accountId, arn);
  yield bump;
  return 'ok';
}

// ---- attachments -------------------------------------------------------------------

export function* attachIamPolicy(_now: number, accountId: string, o: IamOwner, arn: string, customer: boolean, perOwnerMax: number): Op<'ok' | 'no-owner' | 'no-policy' | 'too-many'> {
  if (!(yield* lockOwner(accountId, o))) return 'no-owner';
  if (customer) {
    // FOR SHARE would do; a policy row lock also keeps a concurrent DeletePolicy from passing its attachment check.
    if ((yield* defaultVersionOf(accountId, arn, true)) === undefined) return 'no-policy';
  }
  const cur = yield s('SELECT policy_arn, seq FROM iam_attachments WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3', accountId, o.kind, key(o.name));
  if (cur.some((r) => String(r.policy_arn) === arn)) return 'ok';
  if (cur.length >= perOwnerMax) return 'too-many';
  const seq = cur.reduce((m, r) => Math.max(m, Number(r.seq)), 0) + 1;
  yield s('INSERT INTO iam_attachments (account_id, owner_kind, owner_key, policy_arn, seq) VALUES ($1, $2, $3, $4, $5)', accountId, o.kind, key(o.name), arn, seq);
  yield bump;
  return 'ok';
}

export function* detachIamPolicy(_now: number, accountId: string, o: IamOwner, arn: string): Op<'ok' | 'no-owner' | 'not-attached'> {
  if (!(yield* lockOwner(accountId, o))) return 'no-owner';
  const r = yield s('DELETE FROM iam_attachments WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 AND policy_arn = $4 RETURNING policy_arn', accountId, o.kind, key(o.name), arn);
  if (!r.length) return 'not-attached';
  yield bump;
  return 'ok';
}

export function* listIamAttachedPolicies(_now: number, accountId: string, o: IamOwner): Op<string[] | undefined> {
  if (!(yield* ownerExists(accountId, o))) return undefined;
  const r = yield s('SELECT policy_arn FROM iam_attachments WHERE account_id = $1 AND owner_kind = $2 AND owner_key = $3 ORDER BY seq', accountId, o.kind, key(o.name));
  return r.map((x) => String(x.policy_arn));
}

export function* iamAttachmentCounts(_now: number, accountId: string): Op<Map<string, number>> {
  const r = yield s('SELECT policy_arn, COUNT(*) AS n FROM iam_attachments WHERE account_id = $1 GROUP BY policy_arn', accountId);
  return new Map(r.map((x) => [String(x.policy_arn), Number(x.n)]));
}
