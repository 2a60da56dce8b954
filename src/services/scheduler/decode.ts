import { wrongType } from '../../domain/errors';
import { schedulerError } from './errors';
import type { ApiRequest } from '../../gateway/service';
import type { ScheduleInput } from '../../schedules/schedule-service';

/**
 * Decoding Scheduler's rest-json bodies into the domain's typed inputs: a
 * member of the wrong JSON type is refused before any constraint (as AWS
 * deserialises before it validates); timestamps are epoch seconds (the
 * protocol's default) or ISO 8601 text.
 */
export function jsonBody(req: ApiRequest): Record<string, unknown> {
  if (req.body.length === 0) return {};
  let v: unknown;
  try {
    v = JSON.parse(req.body.toString('utf8'));
  } catch {
    throw schedulerError('SerializationException', 'Unable to parse the request body as JSON.');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw schedulerError('SerializationException', 'The request body must be a JSON object.');
  return v as Record<string, unknown>;
}

export function str(o: Record<string, unknown>, key: string, path = key): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(path);
  return v;
}

export function int(o: Record<string, unknown>, key: string, path = key): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(path);
  return v;
}

export function obj(o: Record<string, unknown>, key: string, path = key): Record<string, unknown> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(path);
  return v as Record<string, unknown>;
}

function timestamp(o: Record<string, unknown>, key: string): number | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.round(v * 1000);
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw wrongType(key);
}

/** Only the members each nested structure has in the model, each of its type. */
function target(o: Record<string, unknown>): Record<string, unknown> | undefined {
  const t = obj(o, 'Target');
  if (!t) return undefined;
  const out: Record<string, unknown> = { Arn: str(t, 'Arn', 'Target.Arn'), RoleArn: str(t, 'RoleArn', 'Target.RoleArn'), Input: str(t, 'Input', 'Target.Input') };
  const rp = obj(t, 'RetryPolicy', 'Target.RetryPolicy');
  if (rp) out.RetryPolicy = { MaximumEventAgeInSeconds: int(rp, 'MaximumEventAgeInSeconds', 'Target.RetryPolicy.MaximumEventAgeInSeconds'), MaximumRetryAttempts: int(rp, 'MaximumRetryAttempts', 'Target.RetryPolicy.MaximumRetryAttempts') };
  const dlq = obj(t, 'DeadLetterConfig', 'Target.DeadLetterConfig');
  if (dlq) out.DeadLetterConfig = { Arn: str(dlq, 'Arn', 'Target.DeadLetterConfig.Arn') };
  const sqs = obj(t, 'SqsParameters', 'Target.SqsParameters');
  if (sqs) out.SqsParameters = { MessageGroupId: str(sqs, 'MessageGroupId', 'Target.SqsParameters.MessageGroupId') };
  const eb = obj(t, 'EventBridgeParameters', 'Target.EventBridgeParameters');
  if (eb) out.EventBridgeParameters = { DetailType: str(eb, 'DetailType', 'Target.EventBridgeParameters.DetailType'), Source: str(eb, 'Source', 'Target.EventBridgeParameters.Source') };
  for (const m of ['EcsParameters', 'KinesisParameters', 'SageMakerPipelineParameters']) if (t[m] !== undefined && t[m] !== null) out[m] = t[m];
  return out;
}

export function decodeScheduleInput(name: string, b: Record<string, unknown>): ScheduleInput {
  const w = obj(b, 'FlexibleTimeWindow');
  return {
    Name: name,
    GroupName: str(b, 'GroupName'),
    ScheduleExpression: str(b, 'ScheduleExpression'),
    ScheduleExpressionTimezone: str(b, 'ScheduleExpressionTimezone'),
    StartDate: timestamp(b, 'StartDate'),
    EndDate: timestamp(b, 'EndDate'),
    State: str(b, 'State'),
    Description: str(b, 'Description'),
    FlexibleTimeWindow: w ? { Mode: str(w, 'Mode', 'FlexibleTimeWindow.Mode'), MaximumWindowInMinutes: int(w, 'MaximumWindowInMinutes', 'FlexibleTimeWindow.MaximumWindowInMinutes') } : undefined,
    Target: target(b),
    ActionAfterCompletion: str(b, 'ActionAfterCompletion'),
    ClientToken: str(b, 'ClientToken'),
    KmsKeyArn: str(b, 'KmsKeyArn'),
  };
}

/** TagList: `[{ Key, Value }]`. */
export function decodeTags(b: Record<string, unknown>): Record<string, string> {
  const v = b.Tags;
  if (v === undefined || v === null) return {};
  if (!Array.isArray(v)) throw wrongType('Tags');
  const out: Record<string, string> = {};
  for (const t of v) {
    if (typeof t !== 'object' || t === null) throw wrongType('Tags');
    const k = str(t as Record<string, unknown>, 'Key', 'Tags.Key');
    const val = str(t as Record<string, unknown>, 'Value', 'Tags.Value');
    if (k === undefined || val === undefined) throw schedulerError('ValidationException', `1 validation error detected: Value null at 'tags.member.${k === undefined ? 'key' : 'value'}' failed to satisfy constraint: Member must not be null`);
    out[k] = val;
  }
  return out;
}

export function queryInt(req: ApiRequest, key: string): number | undefined {
  const v = req.query.get(key);
  if (v === null) return undefined;
  if (!/^-?\d+$/.test(v)) throw wrongType(key);
  return Number(v);
}

export const queryStr = (req: ApiRequest, key: string): string | undefined => req.query.get(key) ?? undefined;
