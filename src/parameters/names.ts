import { constraint, ParameterError, validation } from './errors';
import { parameterLimits } from './limits';

/**
 * Parameter names as Systems Manager checks them (PutParameter's "Naming
 * Constraints"): letters, digits and `_.-`, `/` between hierarchy levels
 * (a name with a `/` must begin with one), at most fifteen levels, and
 * never beginning with "aws" or "ssm" in any case. The messages are AWS's.
 */
const namePrefixMessage = 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).';
const pathNameMessage =
  'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; '
  + 'each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';
export const pathRequirementsMessage =
  'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". '
  + 'It can\'t be prefixed with "aws" or "ssm" (case-insensitive). It must use only letters, numbers, or the following symbols: '
  + '. (period), - (hyphen), _ (underscore). Special characters are not allowed. All sub-paths, if specified, must use the forward slash symbol "/". '
  + 'Valid example: /get/parameters2-/by1./path0_.';

/** HierarchyLevelLimitExceededException's text (the model's). */
const hierarchyMessage = 'A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the Amazon Web Services Systems Manager User Guide.';

const reserved = (name: string) => /^(aws|ssm)/i.test(name.replace(/^\//, ''));

/** Length checks every operation's Name member gets (the model's PSParameterName). */
export function checkNameLength(name: string, member = 'Name'): void {
  if (name.length < 1) throw constraint(member, name, 'Member must have length greater than or equal to 1');
  if (name.length > parameterLimits.nameCharsMax) throw constraint(member, name, `Member must have length less than or equal to ${parameterLimits.nameCharsMax}`);
}

/** The full check PutParameter makes of a new name. */
export function checkNewName(name: string): void {
  checkNameLength(name);
  const isPath = name.includes('/');
  if (reserved(name)) {
    // AWS's own public parameters live under /aws: writing there is refused as access, not validation.
    if (/^\/aws\//i.test(name)) throw new ParameterError('AccessDenied', `No access to reserved parameter name: ${name}.`);
    throw validation(isPath ? pathNameMessage : namePrefixMessage);
  }
  if (isPath && !name.startsWith('/')) throw validation('Parameter name must be a fully qualified name.');
  if (!/^[a-zA-Z0-9_.\-/]+$/.test(name) || name.includes('//') || name.endsWith('/')) throw validation(pathNameMessage);
  if (levels(name) > parameterLimits.hierarchyLevelsMax) {
    throw new ParameterError('HierarchyLevel', hierarchyMessage);
  }
}

/** Hierarchy levels of a name: `/a/b/c` has three, `name` one. */
export const levels = (name: string) => name.split('/').filter((x) => x !== '').length;

/** A path GetParametersByPath takes: `/`, or `/a/b` (a trailing slash allowed). */
export function checkPath(path: string): void {
  checkNameLength(path, 'Path');
  if (reserved(path)) throw validation('The path can\'t be prefixed with "aws" or "ssm" (case-insensitive). When using global parameters, please specify within a global namespace.');
  if (!path.startsWith('/') || path.includes('//') || !/^[a-zA-Z0-9_.\-/]+$/.test(path)) throw validation(pathRequirementsMessage);
  if (levels(path) > parameterLimits.hierarchyLevelsMax) throw new ParameterError('HierarchyLevel', hierarchyMessage);
}

/** Labels AWS does not attach (returned in InvalidLabels): beginning with aws, ssm or a digit, or holding other than letters, digits, `_.-`. */
export const invalidLabel = (l: string) => /^(aws|ssm)/i.test(l) || /^[0-9]/.test(l) || !/^[a-zA-Z0-9_.-]+$/.test(l);
