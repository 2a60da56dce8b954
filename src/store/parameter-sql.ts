import type { QueueOp, Row, Sql } from './queue-sql';
import type { LabelResult, NewParameterVersion, ParameterPutOptions, ParameterPutResult, ParameterType, ParameterVersionRecord } from './parameters';

/**
 * The parameter store's logic, written once for SQLite and PostgreSQL in the
 * queue store's style (queue-sql.ts): each operation is a generator yielding
 * SQL (`$n` placeholders) and receiving rows, run by a driver in one
 * transaction with the store's clock as `now`. `/*LOCK*\/` is `FOR UPDATE`
 * on PostgreSQL: a put, a label change and a tag change lock the
 * parameter's row, so two servers number versions in order and never lose
 * one another's labels or tags.
 */
export type ParameterOp<T> = QueueOp<T>;
type Op<T> = ParameterOp<T>;
const s = (sql: string, ...args: unknown[]): Sql => ({ sql, args });

function versionRow(r: Row): ParameterVersionRecord {
  const opt = (v: unknown) => (v == null ? undefined : String(v));
  return {
    name: String(r.name), version: Number(r.version), type: String(r.type) as ParameterType, value: Buffer.from(r.value as Uint8Array),
    description: opt(r.description), allowedPattern: opt(r.allowed_pattern), keyId: opt(r.key_id), dataType: String(r.data_type),
    modifiedMs: Number(r.modified_ms), labels: JSON.parse(String(r.labels)) as string[],
  };
}

const latestJoin = 'ssm_parameters p JOIN ssm_parameter_versions v ON v.name = p.name AND v.version = p.latest';

export function* putParameter(now: number, p: NewParameterVersion, opts: ParameterPutOptions): Op<ParameterPutResult> {
  // Insert-if-absent first, then lock the row: two servers creating the same name serialise on it.
  yield s('INSERT INTO ssm_parameters (name, latest, tags) VALUES ($1, 0, $2) ON CONFLICT DO NOTHING', p.name, JSON.stringify(opts.tags ?? {}));
  const row = yield s('SELECT latest FROM ssm_parameters WHERE name = $1 /*LOCK*/', p.name);
  const latest = Number(row[0]!.latest);
  if (opts.expectVersion !== undefined && opts.expectVersion !== latest) {
    // A row this put inserted (latest 0) is not left behind: the caller expected a parameter that is not there.
    if (latest === 0) yield s('DELETE FROM ssm_parameters WHERE name = $1 AND latest = 0', p.name);
    return { kind: 'moved', latest };
  }
  if (latest > 0) {
    if (!opts.overwrite) return { kind: 'exists' };
    const kept = yield s('SELECT version, labels FROM ssm_parameter_versions WHERE name = $1 ORDER BY version', p.name);
    if (kept.length >= opts.versionsMax) {
      const oldest = kept[0]!;
      // AWS drops the oldest version past the limit, but never one that carries a label.
      if ((JSON.parse(String(oldest.labels)) as string[]).length) return { kind: 'oldest-labelled', oldest: Number(oldest.version) };
      yield s('DELETE FROM ssm_parameter_versions WHERE name = $1 AND version = $2', p.name, Number(oldest.version));
    }
  }
  const version = latest + 1;
  yield s(
    `INSERT INTO ssm_parameter_versions (name, version, type, value, description, allowed_pattern, key_id, data_type, modified_ms, labels)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '[]')`,
    p.name, version, p.type, p.value, p.description ?? null, p.allowedPattern ?? null, p.keyId ?? null, p.dataType, now,
  );
  yield s('UPDATE ssm_parameters SET latest = $2 WHERE name = $1', p.name, version);
  return { kind: 'ok', version };
}

export function* getParameterVersions(_now: number, name: string): Op<ParameterVersionRecord[]> {
  return (yield s('SELECT * FROM ssm_parameter_versions WHERE name = $1 ORDER BY version', name)).map(versionRow);
}

export function* getLatestParameters(_now: number, names: string[]): Op<ParameterVersionRecord[]> {
  if (!names.length) return [];
  const marks = names.map((_n, i) => `$${i + 1}`).join(', ');
  return (yield s(`SELECT v.* FROM ${latestJoin} WHERE p.name IN (${marks}) ORDER BY p.name`, ...names)).map(versionRow);
}

export function* listParameters(_now: number, q: { prefix?: string; afterName?: string; limit: number }): Op<ParameterVersionRecord[]> {
  const rows = yield s(
    `SELECT v.* FROM ${latestJoin}
     WHERE p.name > $1 AND substr(p.name, 1, length(CAST($2 AS TEXT))) = CAST($2 AS TEXT) ORDER BY p.name LIMIT $3`,
    q.afterName ?? '', q.prefix ?? '', q.limit,
  );
  return rows.map(versionRow);
}

export function* deleteParameters(_now: number, names: string[]): Op<string[]> {
  const deleted: string[] = [];
  for (const name of names) {
    const r = yield s('SELECT name FROM ssm_parameters WHERE name = $1 /*LOCK*/', name);
    if (!r.length) continue;
    yield s('DELETE FROM ssm_parameter_versions WHERE name = $1', name);
    yield s('DELETE FROM ssm_parameters WHERE name = $1', name);
    deleted.push(name);
  }
  return deleted;
}

export function* labelParameterVersion(_now: number, name: string, version: number | undefined, labels: string[], labelsMax: number): Op<LabelResult> {
  const p = yield s('SELECT latest FROM ssm_parameters WHERE name = $1 /*LOCK*/', name);
  if (!p.length) return { kind: 'no-parameter' };
  const v = version ?? Number(p[0]!.latest);
  const rows = yield s('SELECT version, labels FROM ssm_parameter_versions WHERE name = $1 ORDER BY version', name);
  const target = rows.find((r) => Number(r.version) === v);
  if (!target) return { kind: 'no-version' };
  const mine = JSON.parse(String(target.labels)) as string[];
  const merged = [...mine, ...labels.filter((l, i) => !mine.includes(l) && labels.indexOf(l) === i)];
  if (merged.length > labelsMax) return { kind: 'too-many' };
  // A label names one version of a parameter: labelling moves it from wherever it was.
  for (const r of rows) {
    if (Number(r.version) === v) continue;
    const theirs = JSON.parse(String(r.labels)) as string[];
    const left = theirs.filter((l) => !labels.includes(l));
    if (left.length !== theirs.length) yield s('UPDATE ssm_parameter_versions SET labels = $3 WHERE name = $1 AND version = $2', name, Number(r.version), JSON.stringify(left));
  }
  yield s('UPDATE ssm_parameter_versions SET labels = $3 WHERE name = $1 AND version = $2', name, v, JSON.stringify(merged));
  return { kind: 'ok', version: v };
}

export function* unlabelParameterVersion(
  _now: number, name: string, version: number, labels: string[],
): Op<{ kind: 'ok'; removed: string[]; invalid: string[] } | { kind: 'no-parameter' } | { kind: 'no-version' }> {
  const p = yield s('SELECT latest FROM ssm_parameters WHERE name = $1 /*LOCK*/', name);
  if (!p.length) return { kind: 'no-parameter' };
  const r = yield s('SELECT labels FROM ssm_parameter_versions WHERE name = $1 AND version = $2', name, version);
  if (!r.length) return { kind: 'no-version' };
  const mine = JSON.parse(String(r[0]!.labels)) as string[];
  const removed = mine.filter((l) => labels.includes(l));
  const invalid = labels.filter((l, i) => !mine.includes(l) && labels.indexOf(l) === i);
  if (removed.length) yield s('UPDATE ssm_parameter_versions SET labels = $3 WHERE name = $1 AND version = $2', name, version, JSON.stringify(mine.filter((l) => !labels.includes(l))));
  return { kind: 'ok', removed, invalid };
}

export function* changeParameterTags(_now: number, name: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): Op<'ok' | 'no-parameter' | 'too-many'> {
  const r = yield s('SELECT tags FROM ssm_parameters WHERE name = $1 /*LOCK*/', name);
  if (!r.length) return 'no-parameter';
  const tags = JSON.parse(String(r[0]!.tags)) as Record<string, string>;
  Object.assign(tags, change.set ?? {});
  for (const k of change.remove ?? []) delete tags[k];
  if (Object.keys(tags).length > tagsMax) return 'too-many';
  yield s('UPDATE ssm_parameters SET tags = $2 WHERE name = $1', name, JSON.stringify(tags));
  return 'ok';
}

export function* getParameterTags(_now: number, name: string): Op<Record<string, string> | undefined> {
  const r = yield s('SELECT tags FROM ssm_parameters WHERE name = $1', name);
  return r.length ? (JSON.parse(String(r[0]!.tags)) as Record<string, string>) : undefined;
}
