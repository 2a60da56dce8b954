import { gatewayErrors, ServiceError, type ErrorSpec } from '../../gateway/errors';
import { ParameterError, type ParameterErrorKind } from '../../parameters/errors';

const withMessage = (messageKey: 'message' | 'Message') => (names: string[]): Record<string, ErrorSpec> =>
  Object.fromEntries(names.map((n) => [n, { status: 400, fault: 'client' as const, messageKey }]));

/**
 * Systems Manager's errors: every exception of ssm-2014-11-06 (checked by
 * errors.test.ts against the model), JSON 1.1 answers with `__type: <Name>`
 * and the message under the member the model names (`Message` for most,
 * `message` for the Parameter Store ones), all 400 but InternalServerError.
 */
export const ssmErrors: Readonly<Record<string, ErrorSpec>> = {
  ...gatewayErrors,
  ...withMessage('Message')([
    'AccessDeniedException', 'AlreadyExistsException', 'AssociationDoesNotExist', 'AssociationExecutionDoesNotExist',
    'AssociationVersionLimitExceeded', 'AutomationDefinitionNotApprovedException', 'AutomationDefinitionNotFoundException', 'AutomationDefinitionVersionNotFoundException',
    'AutomationExecutionLimitExceededException', 'AutomationExecutionNotFoundException', 'AutomationStepNotFoundException', 'ComplianceTypeCountLimitExceededException',
    'ConflictException', 'CustomSchemaCountLimitExceededException', 'DocumentAlreadyExists', 'DocumentLimitExceeded',
    'DocumentPermissionLimit', 'DocumentVersionLimitExceeded', 'DoesNotExistException', 'DuplicateDocumentContent',
    'DuplicateDocumentVersionName', 'FeatureNotAvailableException', 'IdempotentParameterMismatch', 'InvalidActivation',
    'InvalidActivationId', 'InvalidAggregatorException', 'InvalidAssociation', 'InvalidAssociationVersion',
    'InvalidAutomationExecutionParametersException', 'InvalidAutomationSignalException', 'InvalidAutomationStatusUpdateException', 'InvalidDeleteInventoryParametersException',
    'InvalidDeletionIdException', 'InvalidDocument', 'InvalidDocumentContent', 'InvalidDocumentOperation',
    'InvalidDocumentSchemaVersion', 'InvalidDocumentType', 'InvalidDocumentVersion', 'InvalidFilter',
    'InvalidFilterValue', 'InvalidInstanceId', 'InvalidInventoryGroupException', 'InvalidInventoryItemContextException',
    'InvalidInventoryRequestException', 'InvalidItemContentException', 'InvalidNextToken', 'InvalidNotificationConfig',
    'InvalidOptionException', 'InvalidParameters', 'InvalidPermissionType', 'InvalidResultAttributeException',
    'InvalidRole', 'InvalidSchedule', 'InvalidTag', 'InvalidTarget',
    'InvalidTargetMaps', 'InvalidTypeNameException', 'InvalidUpdate', 'ItemContentMismatchException',
    'ItemSizeLimitExceededException', 'MalformedResourcePolicyDocumentException', 'MaxDocumentSizeExceeded', 'NoLongerSupportedException',
    'OpsItemAccessDeniedException', 'OpsItemAlreadyExistsException', 'OpsItemConflictException', 'OpsItemInvalidParameterException',
    'OpsItemLimitExceededException', 'OpsItemNotFoundException', 'OpsItemRelatedItemAlreadyExistsException', 'OpsItemRelatedItemAssociationNotFoundException',
    'ResourceDataSyncConflictException', 'ResourceDataSyncCountExceededException', 'ResourceDataSyncInvalidConfigurationException', 'ResourceDataSyncNotFoundException',
    'ResourceInUseException', 'ResourceLimitExceededException', 'ResourceNotFoundException', 'ResourcePolicyConflictException',
    'ResourcePolicyInvalidParameterException', 'ResourcePolicyLimitExceededException', 'ResourcePolicyNotFoundException', 'ServiceQuotaExceededException',
    'ServiceSettingNotFound', 'SubTypeCountLimitExceededException', 'TargetInUseException', 'TargetNotConnected',
    'ThrottlingException', 'TooManyUpdates', 'TotalSizeLimitExceededException', 'UnsupportedCalendarException',
    'UnsupportedFeatureRequiredException', 'UnsupportedInventoryItemContextException', 'UnsupportedInventorySchemaVersionException', 'UnsupportedOperatingSystem',
    'UnsupportedOperationException', 'UnsupportedPlatformType', 'ValidationException',
  ]),
  ...withMessage('message')([
    'AssociatedInstances', 'AssociationAlreadyExists', 'AssociationLimitExceeded', 'DuplicateInstanceId',
    'HierarchyLevelLimitExceededException', 'HierarchyTypeMismatchException', 'IncompatiblePolicyException', 'InvalidAllowedPatternException',
    'InvalidCommandId', 'InvalidFilterKey', 'InvalidFilterOption', 'InvalidInstanceInformationFilterValue',
    'InvalidInstancePropertyFilterValue', 'InvalidKeyId', 'InvalidOutputFolder', 'InvalidOutputLocation',
    'InvalidPluginName', 'InvalidPolicyAttributeException', 'InvalidPolicyTypeException', 'InvalidResourceId',
    'InvalidResourceType', 'InvocationDoesNotExist', 'OpsMetadataAlreadyExistsException', 'OpsMetadataInvalidArgumentException',
    'OpsMetadataKeyLimitExceededException', 'OpsMetadataLimitExceededException', 'OpsMetadataNotFoundException', 'OpsMetadataTooManyUpdatesException',
    'ParameterAlreadyExists', 'ParameterLimitExceeded', 'ParameterMaxVersionLimitExceeded', 'ParameterNotFound',
    'ParameterPatternMismatchException', 'ParameterVersionLabelLimitExceeded', 'ParameterVersionNotFound', 'PoliciesLimitExceededException',
    'ResourceDataSyncAlreadyExistsException', 'StatusUnchanged', 'TooManyTagsError', 'UnsupportedParameterType',
  ]),
  InternalServerError: { status: 500, fault: 'server', messageKey: 'Message' },
};

const byKind: Record<ParameterErrorKind, string> = {
  NotFound: 'ParameterNotFound',
  VersionNotFound: 'ParameterVersionNotFound',
  AlreadyExists: 'ParameterAlreadyExists',
  Validation: 'ValidationException',
  PatternMismatch: 'ParameterPatternMismatchException',
  InvalidAllowedPattern: 'InvalidAllowedPatternException',
  MaxVersions: 'ParameterMaxVersionLimitExceeded',
  LabelLimit: 'ParameterVersionLabelLimitExceeded',
  HierarchyLevel: 'HierarchyLevelLimitExceededException',
  InvalidKeyId: 'InvalidKeyId',
  AccessDenied: 'AccessDeniedException',
  InvalidFilterKey: 'InvalidFilterKey',
  InvalidFilterOption: 'InvalidFilterOption',
  InvalidFilterValue: 'InvalidFilterValue',
  InvalidNextToken: 'InvalidNextToken',
  InvalidResourceType: 'InvalidResourceType',
  InvalidResourceId: 'InvalidResourceId',
  TooManyTags: 'TooManyTagsError',
  UnsupportedType: 'UnsupportedParameterType',
  TooManyUpdates: 'TooManyUpdates',
};

export const ssmErrorName = (kind: ParameterErrorKind) => byKind[kind];

/** The service's `mapError`: a ParameterError becomes Systems Manager's error; anything else is left to the gateway (internal error). */
export function mapSsmError(err: unknown): ServiceError | undefined {
  if (!(err instanceof ParameterError)) return undefined;
  const name = byKind[err.kind];
  return new ServiceError(name, ssmErrors[name]!, err.message);
}
