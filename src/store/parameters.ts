/**
 * The parameter service's persistence (src/parameters/ over it): SSM
 * Parameter Store parameters, every kept version of each (value, type,
 * description, pattern, key, data type, labels) and the parameter's tags.
 * Part of `Store` (types.ts); the logic is written once in parameter-sql.ts
 * and run by each store's driver in one transaction per method. Values reach
 * the store as bytes: a SecureString's are already sealed by the domain.
 *
 * Time: modification times are the store's clock (SQLite: this process's;
 * PostgreSQL: the database's).
 */

export type ParameterType = 'String' | 'StringList' | 'SecureString';

export interface ParameterVersionRecord {
  name: string;
  version: number;
  type: ParameterType;
  /** UTF-8 for String and StringList; the keyring's sealed envelope for SecureString. */
  value: Buffer;
  description?: string;
  allowedPattern?: string;
  keyId?: string;
  dataType: string;
  modifiedMs: number;
  labels: string[];
}

/** What a put writes (the version and time are the store's). */
export type NewParameterVersion = Omit<ParameterVersionRecord, 'version' | 'modifiedMs' | 'labels'>;

export type ParameterPutResult =
  | { kind: 'ok'; version: number }
  /** The parameter exists and `overwrite` was false. */
  | { kind: 'exists' }
  /** At `versionsMax` versions and the oldest one has a label, so it cannot be dropped. */
  | { kind: 'oldest-labelled'; oldest: number }
  /** `expectVersion` was given and the newest version is another (0: none). Nothing written. */
  | { kind: 'moved'; latest: number };

export type LabelResult =
  | { kind: 'ok'; version: number }
  | { kind: 'no-parameter' }
  | { kind: 'no-version' }
  /** The version would carry more than `labelsMax` labels. */
  | { kind: 'too-many' };

export interface ParameterPutOptions {
  overwrite: boolean;
  tags?: Record<string, string>;
  versionsMax: number;
  expectVersion?: number;
}

export interface ParameterStore {
  /**
   * Writes the next version of `p.name` (1 when new) in one transaction; on
   * an existing parameter only with `overwrite`. Past `versionsMax` kept
   * versions the oldest is deleted, unless it has a label. `tags` (only
   * given on create) become the parameter's tags. `expectVersion`: a
   * compare-and-swap on the newest version the caller read (0: none), for a
   * put that takes what it does not restate from that version.
   */
  putParameter(p: NewParameterVersion, opts: ParameterPutOptions): Promise<ParameterPutResult>;
  /** Every kept version of the parameter, oldest first; [] when it does not exist. */
  getParameterVersions(name: string): Promise<ParameterVersionRecord[]>;
  /** The newest version of each named parameter that exists. */
  getLatestParameters(names: string[]): Promise<ParameterVersionRecord[]>;
  /**
   * Newest versions of the parameters whose names start with `prefix`, in
   * byte order of name after `afterName`, at most `limit`.
   */
  listParameters(q: { prefix?: string; afterName?: string; limit: number }): Promise<ParameterVersionRecord[]>;
  /** Deletes the parameters (every version and tag) in one transaction; returns the names that existed. */
  deleteParameters(names: string[]): Promise<string[]>;
  /** Attaches `labels` to a version (the newest when undefined), moving any of them from another version. */
  labelParameterVersion(name: string, version: number | undefined, labels: string[], labelsMax: number): Promise<LabelResult>;
  /** Removes labels from a version: the ones removed, and those the version did not carry. */
  unlabelParameterVersion(name: string, version: number, labels: string[]): Promise<{ kind: 'ok'; removed: string[]; invalid: string[] } | { kind: 'no-parameter' } | { kind: 'no-version' }>;
  /** Merges and removes tags in one transaction; refuses (writing nothing) past `tagsMax`. */
  changeParameterTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): Promise<'ok' | 'no-parameter' | 'too-many'>;
  /** The parameter's tags; undefined when it does not exist. */
  getParameterTags(name: string): Promise<Record<string, string> | undefined>;
}
