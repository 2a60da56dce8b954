import { ApiError, validationError } from '../frontend/errors';

/** AWS's pattern for FunctionName in CreateFunction/Update* (from the API model). */
export const functionNamePattern =
  '(arn:(aws[a-zA-Z-]*)?:lambda:)?((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?';
const functionNameRe = new RegExp(`^${functionNamePattern}$`);
const qualifierRe = /^(\$LATEST|[a-zA-Z0-9-_]+)$/;

export interface FunctionRef {
  name: string;
  qualifier: string | undefined;
}

/**
 * Parses every form AWS accepts for FunctionName: `name`, `name:qualifier`,
 * `account:function:name[:qualifier]` and the full ARN. The region and
 * account of an ARN must be this server's (AWS rejects others the same way).
 */
export function parseFunctionName(
  raw: string,
  ctx: { region: string; accountId: string },
  opts: { maxChars?: number; path?: string } = {},
): FunctionRef {
  const path = opts.path ?? 'functionName';
  const max = opts.maxChars ?? 140;
  if (raw.length < 1 || raw.length > max) {
    throw validationError([
      {
        value: raw,
        path,
        constraint: raw.length < 1 ? 'Member must have length greater than or equal to 1' : `Member must have length less than or equal to ${max}`,
      },
    ]);
  }
  const m = functionNameRe.exec(raw);
  if (!m) {
    throw validationError([{ value: raw, path, constraint: `Member must satisfy regular expression pattern: ${functionNamePattern}` }]);
  }
  const region = m[3]?.slice(0, -1);
  const account = m[9]?.slice(0, -1);
  const name = m[11]!;
  const qualifier = m[13];
  if ((region && region !== ctx.region) || (account && account !== ctx.accountId)) {
    throw new ApiError('AccessDeniedException', `The resource you requested does not exist or you do not have permission to access it.`);
  }
  if (name.length > 64) {
    throw validationError([{ value: raw, path, constraint: 'Member must have length less than or equal to 64' }]);
  }
  return { name, qualifier };
}

/** Merges a `Qualifier` parameter with a qualifier given in the name; AWS requires them to agree. */
export function resolveQualifier(ref: FunctionRef, qualifierParam: string | undefined): string | undefined {
  if (qualifierParam !== undefined) {
    if (!qualifierRe.test(qualifierParam) || qualifierParam.length > 128) {
      throw validationError([
        { value: qualifierParam, path: 'qualifier', constraint: 'Member must satisfy regular expression pattern: (|[a-zA-Z0-9$_-]+)' },
      ]);
    }
    if (ref.qualifier !== undefined && ref.qualifier !== qualifierParam) {
      throw new ApiError('InvalidParameterValueException', 'The derived qualifier from the function name does not match the specified qualifier.');
    }
    return qualifierParam;
  }
  return ref.qualifier;
}

export function functionArn(ctx: { region: string; accountId: string }, name: string, qualifier?: string): string {
  const base = `arn:aws:lambda:${ctx.region}:${ctx.accountId}:function:${name}`;
  return qualifier ? `${base}:${qualifier}` : base;
}
