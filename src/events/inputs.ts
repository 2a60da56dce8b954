/** The typed inputs of the event-bus operations (AWS's member names; the service folder decodes JSON into them). */
export interface Tag { Key: string; Value: string }

export interface CreateEventBusInput {
  Name: string;
  Description?: string;
  Tags?: Tag[];
  /** Members Kumo does not honour, by name (refused). */
  unsupported: string[];
}

export interface PutRuleInput {
  Name: string;
  EventBusName?: string;
  EventPattern?: string;
  ScheduleExpression?: string;
  State?: string;
  Description?: string;
  RoleArn?: string;
  Tags?: Tag[];
}

/** A target as decoded: the members Kumo honours, and the names of any others given (refused per target). */
export interface TargetInput {
  Id: string;
  Arn: string;
  RoleArn?: string;
  Input?: string;
  InputPath?: string;
  InputTransformer?: { InputPathsMap?: Record<string, string>; InputTemplate: string };
  SqsParameters?: { MessageGroupId?: string };
  RetryPolicy?: { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  DeadLetterConfig?: { Arn?: string };
  unsupported: string[];
}

export interface PutEventsEntry {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  /** Time as ms since the epoch (the wire's timestamp, decoded). */
  TimeMs?: number;
  EventBusName?: string;
  TraceHeader?: string;
}

export interface Page { NextToken?: string; Limit?: number }
