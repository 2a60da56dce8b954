import type { ServiceDefinition } from '../../gateway/service';
import { cloudTrailIam } from './iam';
import type { AuditTrail } from '../../audit/audit-trail';
import type { AuditAttribute } from '../../audit/attribute';
import { lookupAttributeValueCharsMax } from '../../audit/limits';
import { cloudTrailError, cloudTrailErrors, mapCloudTrailError } from './errors';

export interface CloudTrailDeps {
  audit: AuditTrail;
}

const attributeKeys = new Set(['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId']);

/** A Date member of the JSON protocol: epoch seconds (a number) or an ISO string. */
function time(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw cloudTrailError('InvalidTimeRangeException', `${name} is not a valid time.`);
  return ms;
}

/**
 * AWS CloudTrail (2013-11-01): JSON 1.1, `X-Amz-Target:
 * com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.<Operation>`, SigV4
 * service `cloudtrail`. LookupEvents over Kumo's audit trail (src/audit/):
 * management events of every service, newest first. Trails, event data
 * stores and Insights are not Kumo's: those operations are unknown.
 */
export function cloudTrailService(d: CloudTrailDeps): ServiceDefinition {
  return {
    name: 'cloudtrail',
    signingName: 'cloudtrail',
    // Every operation's IAM action and resources (./iam.ts).
    iam: cloudTrailIam,
    errors: cloudTrailErrors,
    json: { targetPrefix: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101', targetPrefixAliases: ['CloudTrail_20131101'], version: '1.1' },
    mapError: mapCloudTrailError,
    operations: {
      LookupEvents: {
        handle: async (input) => {
          const i = (input ?? {}) as Record<string, unknown>;
          if (i.EventCategory !== undefined) {
            throw cloudTrailError('InvalidEventCategoryException', 'Kumo has no CloudTrail Insights: EventCategory insight is not supported.');
          }
          let attribute: AuditAttribute | undefined;
          if (i.LookupAttributes !== undefined) {
            const list = i.LookupAttributes;
            if (!Array.isArray(list)) throw cloudTrailError('InvalidLookupAttributesException', 'LookupAttributes must be a list.');
            if (list.length > 1) throw cloudTrailError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
            if (list.length === 1) {
              const a = list[0] as { AttributeKey?: unknown; AttributeValue?: unknown };
              if (typeof a?.AttributeKey !== 'string' || !attributeKeys.has(a.AttributeKey)) {
                throw cloudTrailError('InvalidLookupAttributesException', `AttributeKey must be one of ${[...attributeKeys].join(', ')}.`);
              }
              if (typeof a.AttributeValue !== 'string' || a.AttributeValue.length < 1 || a.AttributeValue.length > lookupAttributeValueCharsMax) {
                throw cloudTrailError('InvalidLookupAttributesException', `AttributeValue must be 1 to ${lookupAttributeValueCharsMax} characters.`);
              }
              // Username: `root`, an IAM user's name, or a role session's name (audit/record.ts userNameOf).
              if (a.AttributeKey === 'ReadOnly') attribute = { key: 'ReadOnly', value: a.AttributeValue === 'true' };
              else attribute = { key: a.AttributeKey as Exclude<AuditAttribute['key'], 'ReadOnly'>, value: a.AttributeValue };
            }
          }
          if (i.MaxResults !== undefined && (typeof i.MaxResults !== 'number' || !Number.isInteger(i.MaxResults))) {
            throw cloudTrailError('InvalidMaxResultsException', 'MaxResults must be between 1 and 50.');
          }
          if (i.NextToken !== undefined && typeof i.NextToken !== 'string') throw cloudTrailError('InvalidNextTokenException', 'Invalid next token.');
          const r = await d.audit.lookup({
            attribute,
            startMs: time(i.StartTime, 'StartTime'),
            endMs: time(i.EndTime, 'EndTime'),
            maxResults: i.MaxResults as number | undefined,
            nextToken: i.NextToken as string | undefined,
          });
          return {
            Events: r.rows.map((e) => ({
              EventId: e.eventId,
              EventName: e.eventName,
              ReadOnly: String(e.readOnly),
              ...(e.accessKeyId ? { AccessKeyId: e.accessKeyId } : {}),
              EventTime: e.timeMs / 1000,
              EventSource: e.eventSource,
              Username: e.userName,
              Resources: e.resourceType ? [{ ResourceType: e.resourceType, ResourceName: e.resourceName }] : [],
              CloudTrailEvent: e.body,
            })),
            ...(r.nextToken ? { NextToken: r.nextToken } : {}),
          };
        },
      },
    },
  };
}
