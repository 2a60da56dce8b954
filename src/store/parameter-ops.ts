import * as ps from './parameter-sql';
import type { NewParameterVersion, ParameterPutOptions, ParameterStore } from './parameters';
import type { StreamRunner } from './stream-ops';

/**
 * `ParameterStore` over the logic of parameter-sql.ts, written once for both
 * databases: each implementation only says how an operation runs there
 * (the same runners as the stream store's).
 */
export class ParameterOps implements ParameterStore {
  /** `read`: how a read-only operation runs (SQLite: a deferred transaction, no write lock); by default as a write. */
  constructor(private readonly run: StreamRunner, private readonly read: StreamRunner = run) {}

  putParameter(p: NewParameterVersion, opts: ParameterPutOptions): ReturnType<ParameterStore['putParameter']> { return this.run(ps.putParameter, p, opts); }
  getParameterVersions(name: string): ReturnType<ParameterStore['getParameterVersions']> { return this.read(ps.getParameterVersions, name); }
  getLatestParameters(names: string[]): ReturnType<ParameterStore['getLatestParameters']> { return this.read(ps.getLatestParameters, names); }
  listParameters(q: { prefix?: string; afterName?: string; limit: number }): ReturnType<ParameterStore['listParameters']> { return this.read(ps.listParameters, q); }
  deleteParameters(names: string[]): ReturnType<ParameterStore['deleteParameters']> { return this.run(ps.deleteParameters, names); }
  labelParameterVersion(name: string, version: number | undefined, labels: string[], labelsMax: number): ReturnType<ParameterStore['labelParameterVersion']> { return this.run(ps.labelParameterVersion, name, version, labels, labelsMax); }
  unlabelParameterVersion(name: string, version: number, labels: string[]): ReturnType<ParameterStore['unlabelParameterVersion']> { return this.run(ps.unlabelParameterVersion, name, version, labels); }
  changeParameterTags(name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): ReturnType<ParameterStore['changeParameterTags']> { return this.run(ps.changeParameterTags, name, change, tagsMax); }
  getParameterTags(name: string): ReturnType<ParameterStore['getParameterTags']> { return this.read(ps.getParameterTags, name); }
}

export const parameterTablesSqlite = `
  CREATE TABLE ssm_parameters (name TEXT PRIMARY KEY, latest INTEGER NOT NULL, tags TEXT NOT NULL);
  CREATE TABLE ssm_parameter_versions (
    name TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, value BLOB NOT NULL, description TEXT, allowed_pattern TEXT,
    key_id TEXT, data_type TEXT NOT NULL, modified_ms INTEGER NOT NULL, labels TEXT NOT NULL, PRIMARY KEY (name, version));`;

export const parameterTablesPostgres = `
  CREATE TABLE ssm_parameters (name text COLLATE "C" PRIMARY KEY, latest integer NOT NULL, tags text NOT NULL);
  CREATE TABLE ssm_parameter_versions (
    name text COLLATE "C" NOT NULL, version integer NOT NULL, type text NOT NULL, value bytea NOT NULL, description text, allowed_pattern text,
    key_id text, data_type text NOT NULL, modified_ms bigint NOT NULL, labels text NOT NULL, PRIMARY KEY (name, version));`;
