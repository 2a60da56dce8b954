import { subscriptionFiltersMigration } from '../subscription-filters';
import { httpApisMigration } from './http-apis';
import { postgresCheckpointWindowMigration, postgresStreamMigration } from './streams';
import { postgresAuditMigration, postgresAuditUserNameMigration } from './audit';
import { postgresMetricsMigration } from './metrics';
import { postgresEventMigration } from './events';
import { eventBusPolicyMigration } from '../event-sql';
import { streamPolicyMigration } from '../stream-sql';
import { parameterTablesPostgres } from '../parameter-ops';
import { identityTablesPostgres } from '../identity-ops';
import { postgresScheduleMigration } from './schedules';
import { invokeConfigsMigration } from './invoke-configs';
import { functionUrlsMigration } from './function-urls';
import { functionPoliciesMigration } from './function-policies';
import { eventSourceMappingsMigration } from './event-source-mappings';
import { pgTopicMigration } from './topics';
import { postgresQueueMigration } from './queue-driver';
import { reservedConcurrencyMigration } from './reserved-concurrency';
import { provisionedConcurrencyMigration } from './provisioned-concurrency';

/**
 * The PostgreSQL schema, one migration per entry (applied in order; see
 * `migrate`). Names compare byte-wise (COLLATE "C") as in SQLite, so every
 * listing pages in the same order whatever the database's locale. Records
 * are JSON text, as in SQLite (jsonb would refuse a "\u0000" in a
 * description); what queries need of them is kept in columns of its own.
 * Log messages are bytea: PostgreSQL text cannot hold a NUL byte, which a
 * function may print.
 */
export const migrations: string[] = [
  `CREATE TABLE functions (
     name text COLLATE "C" PRIMARY KEY, created_at text NOT NULL,
     last_version integer NOT NULL DEFAULT 0, tags text NOT NULL DEFAULT '{}');
   CREATE TABLE versions (
     function_name text COLLATE "C" NOT NULL REFERENCES functions(name),
     version text COLLATE "C" NOT NULL,
     num integer GENERATED ALWAYS AS (CASE WHEN version = '$LATEST' THEN NULL ELSE version::integer END) STORED,
     record text NOT NULL, revision_id text NOT NULL,
     code_key text NOT NULL, code_size bigint NOT NULL, layer_keys text[] NOT NULL,
     PRIMARY KEY (function_name, version));
   CREATE TABLE aliases (
     function_name text COLLATE "C" NOT NULL REFERENCES functions(name), name text COLLATE "C" NOT NULL,
     record text NOT NULL, revision_id text NOT NULL,
     versions text[] NOT NULL,
     PRIMARY KEY (function_name, name));
   CREATE TABLE layers (name text COLLATE "C" PRIMARY KEY, last_version integer NOT NULL);
   CREATE TABLE layer_versions (
     layer_name text COLLATE "C" NOT NULL, version integer NOT NULL, record text NOT NULL,
     code_key text NOT NULL, policy_revision_id text NOT NULL,
     PRIMARY KEY (layer_name, version));
   CREATE TABLE async_events (
     id text PRIMARY KEY, function_name text NOT NULL, qualifier text NOT NULL, payload bytea NOT NULL,
     request_id text NOT NULL, attempts integer NOT NULL, due_at_ms bigint NOT NULL,
     enqueued_at_ms bigint NOT NULL, client_context text,
     lease_until_ms bigint NOT NULL DEFAULT 0, lease_owner text);
   CREATE INDEX async_due ON async_events (due_at_ms);
   CREATE TABLE async_owners (id text PRIMARY KEY, heartbeat_at timestamptz NOT NULL);
   CREATE TABLE log_groups (
     name text COLLATE "C" PRIMARY KEY, created_ms bigint NOT NULL, retention_days integer, kms_key_id text);
   CREATE TABLE log_streams (
     log_group text COLLATE "C" NOT NULL, name text COLLATE "C" NOT NULL, created_ms bigint NOT NULL,
     first_ts bigint, last_ts bigint, last_ingest_ms bigint,
     stored_bytes bigint NOT NULL, seq integer NOT NULL, PRIMARY KEY (log_group, name));
   CREATE TABLE log_events (
     id bigserial PRIMARY KEY, log_group text COLLATE "C" NOT NULL, log_stream text COLLATE "C" NOT NULL,
     ts_ms bigint NOT NULL, message bytea NOT NULL, ingest_ms bigint);
   CREATE INDEX log_group_id ON log_events (log_group, id);
   CREATE INDEX log_stream_ts ON log_events (log_group, log_stream, ts_ms, id);
   CREATE INDEX log_group_ts ON log_events (log_group, ts_ms, id);
   CREATE TABLE log_flush (n bigint NOT NULL);
   INSERT INTO log_flush VALUES (0);`,
  // 2: event invoke configs (asynchronous invocation settings per qualifier).
  invokeConfigsMigration,
  // 3: Lambda event source mappings.
  eventSourceMappingsMigration,
  // 4: SNS topics, subscriptions, the delivery outbox and FIFO deduplication (./topics.ts).
  pgTopicMigration,
  // 5: the queue service (SQS): queues, messages (sealed bodies), FIFO deduplication ids.
  postgresQueueMigration,
  // 6: reserved concurrency per function (PutFunctionConcurrency).
  reservedConcurrencyMigration,
  // 7: provisioned concurrency configs per version or alias (PutProvisionedConcurrencyConfig).
  provisionedConcurrencyMigration,
  // 8: the stream service (Kinesis): streams, shards, records (sealed data).
  postgresStreamMigration,
  // 9: the audit trail (CloudTrail-style events, sealed into a chain).
  postgresAuditMigration,
  // 10: function URL configs per function qualifier ($LATEST or an alias).
  functionUrlsMigration,
  // 11: EventBridge: event buses, rules, targets and the delivery outbox (../event-sql.ts).
  postgresEventMigration,
  // 12: Parameter Store (SSM): parameters, their kept versions (SecureString values sealed), labels and tags.
  parameterTablesPostgres,
  // 13: EventBridge Scheduler: schedule groups, schedules, scheduled rules' timers, the fire outbox.
  postgresScheduleMigration,
  // 14: stream mappings' open tumbling window per shard, saved with the checkpoint (../checkpoints.ts).
  postgresCheckpointWindowMigration,
  // 15: metric points (CloudWatch metrics: Lambda's own and PutMetricData's), ../metrics.ts.
  postgresMetricsMigration,
  // 16: HTTP APIs (API Gateway v2): one row per API with its integrations, routes and stages.
  httpApisMigration,
  // 17: IAM: users, access keys (secrets sealed), roles, inline and customer managed policies, attachments (../identity-sql.ts).
  identityTablesPostgres,
  // 18: function policies (AddPermission) per function qualifier: the function, a version or an alias.
  functionPoliciesMigration,
  // 19 (issue 18, authz): the audit trail's Username per event (LookupEvents' Username attribute).
  postgresAuditUserNameMigration,
  // 20: CloudWatch Logs subscription filters with their delivery cursors (../subscription-filters.ts).
  subscriptionFiltersMigration,
  // 21: async events and SQS messages keep their trace header (src/tracing/; SQS's AWSTraceHeader).
  'ALTER TABLE async_events ADD COLUMN trace_header text; ALTER TABLE sqs_messages ADD COLUMN trace_header text;',
  // 22 (issue 18): resource policies of event buses (PutPermission) and Kinesis streams (PutResourcePolicy).
  `${eventBusPolicyMigration} ${streamPolicyMigration}`,
];
