/** LookupEvents' one attribute (CloudTrail takes at most one), by the event field it filters. */
export type AuditAttribute =
  | { key: 'EventId' | 'EventName' | 'EventSource' | 'AccessKeyId' | 'ResourceType' | 'ResourceName' | 'Username'; value: string }
  | { key: 'ReadOnly'; value: boolean };
