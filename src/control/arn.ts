import { notFound, invalidParameter, accessDenied, validationFailed } from '../domain/errors';

// Function ARNs are built by the one ARN model (domain/arn.ts); this file parses the forms FunctionName accepts.
export { functionArn } from '../domain/arn';

/** AWS's pattern for FunctionName in CreateFunction, the updates, PublishVersion and aliases (API model, and AWS's recorded messages). */
export const functionNamePattern =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
/** The pattern AWS quotes for GetFunction / DeleteFunction / Invoke (names may contain dots, `$LATEST.PUBLISHED`). */
export const namespacedFunctionNamePattern =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\.PUBLISHED)?|[a-zA-Z0-9-_]+))?';
const functionNameRe = new RegExp(`^${functionNamePattern}$`);
const namespacedFunctionNameRe = new RegExp(`^${namespacedFunctionNamePattern}$`);
/** AWS's recorded qualifier pattern (GetFunction, Invoke, DeleteFunction...). */
const qualifierPattern = '\\$(LATEST(\\.PUBLISHED)?)|[a-zA-Z0-9-_$]+';
const qualifierRe = /^(\$(LATEST(\.PUBLISHED)?)|[a-zA-Z0-9-_$]+)$/;
/** AWS: Qualifier is 1–128 characters. */
const qualifierCharsMax = 128;
/** AWS: a bare function name is 1–64 characters. */
const bareNameCharsMax = 64;

/**
 * Which operation reads the name: AWS checks FunctionName differently per
 * operation (recorded against AWS: LocalStack test_lambda_api.snapshot.json,
 * test_function_name_and_qualifier_validation):
 * - create: 64 characters for a bare name (refused as InvalidParameterValueException), 140 for an ARN;
 *   every failed constraint reported at once;
 * - get (GetFunction, GetFunctionConfiguration, Invoke): the namespaced pattern, 170 characters;
 * - delete: the namespaced pattern, 140 characters;
 * - update (Update*, PublishVersion, aliases): the model's pattern, 140 characters;
 * - list (ListVersionsByFunction): the model's pattern, 170 characters.
 * Outside create, a pattern failure is reported alone.
 */
export type NameUse = 'create' | 'get' | 'delete' | 'update' | 'list';

export interface FunctionRef {
  name: string;
  qualifier: string | undefined;
}

type Failure = { value: unknown; path: string; constraint: string };

/**
 * Parses every form AWS accepts for FunctionName: `name`, `name:qualifier`,
 * `account:function:name[:qualifier]` and the full ARN. An ARN of another
 * region is ResourceNotFoundException ("not reachable in this region"), of
 * another account AccessDeniedException, as AWS answers them. A Qualifier
 * parameter (`opts.qualifier`) is validated with the name, its failures first
 * as AWS lists them.
 */
export function parseFunctionName(
  raw: string,
  ctx: { region: string; accountId: string },
  opts: { use?: NameUse; qualifier?: string } = {},
): FunctionRef {
  const use = opts.use ?? 'create';
  const re = use === 'get' || use === 'delete' ? namespacedFunctionNameRe : functionNameRe;
  const pattern = use === 'get' || use === 'delete' ? namespacedFunctionNamePattern : functionNamePattern;
  const m = raw.length ? re.exec(raw) : null;
  const region = m?.[3]?.slice(0, -1);
  const account = m?.[9]?.slice(0, -1);
  if (region && region !== ctx.region) {
    throw notFound(`Functions from '${region}' are not reachable in this region ('${ctx.region}')`);
  }
  if (account && account !== ctx.accountId) {
    throw accessDenied(`The resource you requested does not exist or you do not have permission to access it.`);
  }
  const failures: Failure[] = [];
  if (opts.qualifier !== undefined) failures.push(...qualifierFailures(opts.qualifier));
  const bare = m !== null && m[11] === raw;
  const max = use === 'create' ? (bare ? bareNameCharsMax : 140) : use === 'get' || use === 'list' ? 170 : 140;
  if (raw.length < 1) failures.push({ value: raw, path: 'functionName', constraint: 'Member must have length greater than or equal to 1' });
  else {
    const patternFailure = m ? undefined : { value: raw, path: 'functionName', constraint: `Member must satisfy regular expression pattern: ${pattern}` };
    if (patternFailure && use !== 'create') throw validationFailed([...failures, patternFailure]);
    if (raw.length > max) failures.push({ value: raw, path: 'functionName', constraint: `Member must have length less than or equal to ${max}` });
    if (patternFailure) failures.push(patternFailure);
  }
  if (failures.length) {
    // AWS's one exception: a bare name on create that is only too long is InvalidParameterValueException.
    const onlyBareTooLong = use === 'create' && bare && failures.every((f) => f.path === 'functionName');
    throw validationFailed(failures, onlyBareTooLong ? 'InvalidParameter' : 'Validation');
  }
  return { name: m![11]!, qualifier: m![13] };
}

function qualifierFailures(q: string): Failure[] {
  const out: Failure[] = [];
  if (q.length > qualifierCharsMax) out.push({ value: q, path: 'qualifier', constraint: `Member must have length less than or equal to ${qualifierCharsMax}` });
  if (!qualifierRe.test(q)) out.push({ value: q, path: 'qualifier', constraint: `Member must satisfy regular expression pattern: ${qualifierPattern}` });
  return out;
}

/** Merges a `Qualifier` parameter with a qualifier given in the name; AWS requires them to agree. */
export function resolveQualifier(ref: FunctionRef, qualifierParam: string | undefined): string | undefined {
  if (qualifierParam !== undefined) {
    const failures = qualifierFailures(qualifierParam);
    if (failures.length) throw validationFailed(failures);
    if (ref.qualifier !== undefined && ref.qualifier !== qualifierParam) {
      throw invalidParameter('The derived qualifier from the function name does not match the specified qualifier.');
    }
    return qualifierParam;
  }
  return ref.qualifier;
}

