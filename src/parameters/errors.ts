/**
 * What the parameter service throws: a kind in the domain's terms and AWS's
 * message. src/services/ssm/errors.ts maps each kind to Systems Manager's name.
 */
export type ParameterErrorKind =
  | 'NotFound'
  | 'VersionNotFound'
  | 'AlreadyExists'
  | 'Validation'
  | 'PatternMismatch'
  | 'InvalidAllowedPattern'
  | 'MaxVersions'
  | 'LabelLimit'
  | 'HierarchyLevel'
  | 'InvalidKeyId'
  | 'AccessDenied'
  | 'InvalidFilterKey'
  | 'InvalidFilterOption'
  | 'InvalidFilterValue'
  | 'InvalidNextToken'
  | 'InvalidResourceType'
  | 'InvalidResourceId'
  | 'TooManyTags'
  | 'UnsupportedType'
  | 'TooManyUpdates';

export class ParameterError extends Error {
  constructor(readonly kind: ParameterErrorKind, message: string) {
    super(message);
  }
}

export const validation = (message: string) => new ParameterError('Validation', message);
/** Systems Manager answers model constraints in Coral's words (member in lowerCamelCase). */
export const constraint = (member: string, value: unknown, rule: string) =>
  validation(`1 validation error detected: Value '${String(value)}' at '${member[0]!.toLowerCase()}${member.slice(1)}' failed to satisfy constraint: ${rule}`);
export const parameterNotFound = (name: string) => new ParameterError('NotFound', `Parameter ${name} not found.`);
export const versionNotFound = (version: string | number, name: string) =>
  new ParameterError('VersionNotFound', `Systems Manager could not find version ${version} of ${name}. Verify the version and try again.`);
