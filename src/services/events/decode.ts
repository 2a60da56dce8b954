import { memberReaders } from '../../gateway/protocols/members';
import type { Members } from '../../gateway/service';
import type { Tag, TargetInput } from '../../events/inputs';
import { eventsErrors } from './errors';

/**
 * Reading EventBridge's JSON 1.1 members into the domain's typed inputs. A
 * member of the wrong JSON type is SerializationException, before any
 * constraint, as AWS deserialises before it validates.
 */
const readers = memberReaders(eventsErrors);
const { wrongType } = readers;
export const { str, int, bool, obj, list, strList, strMap } = readers;








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
