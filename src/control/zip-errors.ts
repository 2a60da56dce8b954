import { limits } from '../config';
import { type DomainError, invalidParameter } from '../domain/errors';
import { ZipError } from '../blobs/unzip';

/** Maps unzip failures to AWS's errors (InvalidParameterValueException with AWS's texts). */
export function zipError(e: unknown): DomainError | undefined {
  if (!(e instanceof ZipError)) return undefined;
  if (e.kind === 'TooLarge') return invalidParameter(`Unzipped size must be smaller than ${limits.unzippedBytesMax} bytes`);
  return invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
}
