/**
 * What control's function operations take: AWS's input members by AWS's
 * names, already decoded to their types by the service layer
 * (src/services/lambda/decode.ts answers a member of the wrong type with
 * SerializationException before the domain sees it). Values are not yet
 * checked against the model's constraints: that is control's job
 * (validate.ts), with AWS's messages.
 *
 * Settings Kumo refuses unless they are empty (settings.ts) are carried as
 * the caller sent them (`unknown`): they are never used, only recognised as
 * empty or refused by name.
 */

/** The code of CreateFunction (`Code`) or UpdateFunctionCode (top-level members). */
export interface CodeInput {
  /** The zip, decoded from base64; undefined when absent, empty or not a string. */
  ZipFile?: Buffer;
  S3Bucket?: unknown;
  S3Key?: unknown;
  ImageUri?: unknown;
  S3ObjectVersion?: unknown;
  S3ObjectStorageMode?: unknown;
  SourceKMSKeyArn?: unknown;
}

export interface LoggingConfigInput {
  LogFormat?: string;
  ApplicationLogLevel?: string;
  SystemLogLevel?: string;
  LogGroup?: string;
}

/** Members CreateFunction and UpdateFunctionConfiguration share. */
export interface FunctionSettingsInput {
  Runtime?: string;
  Role?: string;
  Handler?: string;
  Description?: string;
  Timeout?: number;
  MemorySize?: number;
  /** `Size` absent when the object was given without it. */
  EphemeralStorage?: { Size?: number };
  LoggingConfig?: LoggingConfigInput;
  /** `Variables` absent means "no variables" (AWS stores `{}`). */
  Environment?: { Variables?: Record<string, string> };
  Layers?: string[];
  TracingConfig?: { Mode?: string };
  KMSKeyArn?: string;
  // Refused unless empty (settings.ts).
  VpcConfig?: unknown;
  DeadLetterConfig?: unknown;
  FileSystemConfigs?: unknown;
  ImageConfig?: unknown;
  SnapStart?: unknown;
  CodeSigningConfigArn?: unknown;
  TenancyConfig?: unknown;
  CapacityProviderConfig?: unknown;
  DurableConfig?: unknown;
}

export interface CreateFunctionInput extends FunctionSettingsInput {
  /** Undefined when absent or not a string (AWS: "Value null at 'functionName'"). */
  FunctionName?: string;
  /** Undefined when absent or not an object (AWS: "Value null at 'code'"). */
  Code?: CodeInput;
  /** Each element as sent: the enum is a model constraint checked in control. */
  Architectures?: unknown[];
  PackageType?: string;
  Tags?: Record<string, string>;
  Publish?: boolean;
  PublishTo?: unknown;
}

export interface UpdateFunctionConfigurationInput extends FunctionSettingsInput {
  RevisionId?: string;
}

export interface UpdateFunctionCodeInput extends CodeInput {
  Architectures?: unknown[];
  RevisionId?: string;
  DryRun?: boolean;
  Publish?: boolean;
  PublishTo?: unknown;
}

export interface PublishVersionInput {
  CodeSha256?: string;
  Description?: string;
  RevisionId?: string;
  PublishTo?: unknown;
}

/** CreateAlias and UpdateAlias (Name only on create, RevisionId only on update). */
export interface AliasInput {
  Name?: string;
  FunctionVersion?: string;
  Description?: string;
  /** `AdditionalVersionWeights` absent means "no routing" (AWS stores `{}`). */
  RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> };
  RevisionId?: string;
}

export interface LayerContentInput {
  /** The zip, decoded from base64; undefined when absent, empty or not a string. */
  ZipFile?: Buffer;
  S3Bucket?: unknown;
  S3Key?: unknown;
  S3ObjectVersion?: unknown;
  S3ObjectStorageMode?: unknown;
}

export interface PublishLayerVersionInput {
  Description?: string;
  LicenseInfo?: string;
  CompatibleRuntimes?: string[];
  CompatibleArchitectures?: string[];
  /** Undefined when absent or not an object (AWS: "Value 'null' at 'content'"). */
  Content?: LayerContentInput;
}

export interface AddLayerVersionPermissionInput {
  StatementId?: string;
  Action?: string;
  Principal?: string;
  OrganizationId?: string;
}

export interface TagResourceInput {
  Tags?: Record<string, string>;
}

/** Put/UpdateFunctionEventInvokeConfig's body members. */
export interface EventInvokeConfigInput {
  MaximumRetryAttempts?: number;
  MaximumEventAgeInSeconds?: number;
  DestinationConfig?: {
    OnSuccess?: { Destination?: string };
    OnFailure?: { Destination?: string };
  };
}

/** PutFunctionConcurrency's body. */
export interface PutFunctionConcurrencyInput {
  ReservedConcurrentExecutions?: number;
}
