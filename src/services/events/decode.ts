import { gatewayError } from '../../gateway/errors';
import type { Members } from '../../gateway/service';
import type { Tag, TargetInput } from '../../events/inputs';
import { eventsErrors } from './errors';

/**
 * Reading EventBridge's JSON 1.1 members into the domain's typed inputs. A
 * member of the wrong JSON type is SerializationException, before any
 * constraint, as AWS deserialises before it validates.
 */
const wrongType = (member: string) => gatewayError('SerializationException', `Unexpected value type for member ${member}`, eventsErrors);

export function str(m: Members, k: string): string | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(k);
  return v;
}

export function int(m: Members, k: string): number | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(k);
  return v;
}

export function bool(m: Members, k: string): boolean | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw wrongType(k);
  return v;
}

export function obj(m: Members, k: string): Members | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw wrongType(k);
  return v as Members;
}

export function list(m: Members, k: string): unknown[] | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw wrongType(k);
  return v;
}

export function strList(m: Members, k: string): string[] | undefined {
  const l = list(m, k);
  if (l && !l.every((x) => typeof x === 'string')) throw wrongType(k);
  return l as string[] | undefined;
}

export function strMap(m: Members, k: string): Record<string, string> | undefined {
  const o = obj(m, k);
  if (o && !Object.values(o).every((x) => typeof x === 'string')) throw wrongType(k);
  return o as Record<string, string> | undefined;
}

/** A timestamp in epoch milliseconds (JSON 1.1 sends epoch seconds; some clients an ISO string). */
export function timestampMs(m: Members, k: string): number | undefined {
  const v = m[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'number') return Math.round(v * 1000);
  if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
  throw wrongType(k);
}

export function tags(m: Members, k = 'Tags'): Tag[] | undefined {
  return list(m, k)?.map((t) => {
    if (typeof t !== 'object' || t === null || Array.isArray(t)) throw wrongType(k);
    return { Key: str(t as Members, 'Key')!, Value: str(t as Members, 'Value')! };
  });
}

/** Target members Kumo honours; any other member given is named in `unsupported`, and that target refused. */
const targetMembers = new Set(['Id', 'Arn', 'RoleArn', 'Input', 'InputPath', 'InputTransformer', 'SqsParameters', 'RetryPolicy', 'DeadLetterConfig']);

export function target(t: unknown): TargetInput {
  if (typeof t !== 'object' || t === null || Array.isArray(t)) throw wrongType('Targets');
  const m = t as Members;
  const tr = obj(m, 'InputTransformer');
  const sqs = obj(m, 'SqsParameters');
  const retry = obj(m, 'RetryPolicy');
  const dlq = obj(m, 'DeadLetterConfig');
  return {
    Id: str(m, 'Id')!, Arn: str(m, 'Arn')!, RoleArn: str(m, 'RoleArn'), Input: str(m, 'Input'), InputPath: str(m, 'InputPath'),
    InputTransformer: tr && { InputPathsMap: strMap(tr, 'InputPathsMap'), InputTemplate: str(tr, 'InputTemplate')! },
    SqsParameters: sqs && { MessageGroupId: str(sqs, 'MessageGroupId') },
    RetryPolicy: retry && { MaximumRetryAttempts: int(retry, 'MaximumRetryAttempts'), MaximumEventAgeInSeconds: int(retry, 'MaximumEventAgeInSeconds') },
    DeadLetterConfig: dlq && { Arn: str(dlq, 'Arn') },
    unsupported: Object.keys(m).filter((k) => !targetMembers.has(k) && m[k] !== undefined && m[k] !== null),
  };
}
