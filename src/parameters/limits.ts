/**
 * Parameter Store's limits, each with AWS's value
 * (https://docs.aws.amazon.com/general/latest/gr/ssm.html, and the
 * constraints of ssm-2014-11-06.json).
 */
export const parameterLimits = {
  /** PSParameterName max (the model's 2048, which includes the ARN prefix AWS reserves). */
  nameCharsMax: 2048,
  /** "Parameter hierarchies are limited to a maximum depth of fifteen levels." */
  hierarchyLevelsMax: 15,
  /** Standard tier: "a value limit of 4 KB" (4096 characters). Kumo keeps the Standard tier only. */
  valueCharsMax: 4096,
  /** ParameterDescription max. */
  descriptionCharsMax: 1024,
  /** AllowedPattern max. */
  allowedPatternCharsMax: 1024,
  /** "Parameter Store keeps up to 100 versions of a parameter"; the oldest is deleted past it. */
  versionsMax: 100,
  /** ParameterLabelList max, and the labels a version can carry ("maximum 10 labels"). */
  labelsPerVersionMax: 10,
  /** ParameterLabel max. */
  labelCharsMax: 100,
  /** ParameterNameList max (GetParameters, DeleteParameters). */
  namesPerRequestMax: 10,
  /** GetParametersByPathMaxResults: 1–10, 10 by default. */
  byPathResultsMax: 10,
  /** DescribeParameters MaxResults: 1–50, 50 by default. */
  describeResultsMax: 50,
  /** GetParameterHistory MaxResults: 1–50, 50 by default. */
  historyResultsMax: 50,
  /** Tags per resource: Systems Manager allows 50 (TooManyTagsError past it). */
  tagsPerResourceMax: 50,
  /** TagKey / TagValue max. */
  tagKeyCharsMax: 128,
  tagValueCharsMax: 256,
} as const;

/** The only KMS key Kumo honours: AWS's managed key for SSM. Kumo has no KMS; values are sealed with its keyring. */
export const defaultKeyId = 'alias/aws/ssm';
