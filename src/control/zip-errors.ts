import { limits } from '../config';
import { invalidParameter, type ApiError } from '../services/lambda/errors';
import { ZipError } from '../blobs/unzip';

/** Maps unzip failures to AWS's errors (InvalidParameterValueException with AWS's texts). */
export function zipApiError(e: unknown): ApiError | undefined {
  if (!(e instanceof ZipError)) return undefined;
  if (e.kind === 'TooLarge') return invalidParameter(`Unzipped size must be smaller than ${limits.unzippedBytesMax} bytes`);
  return invalidParameter('Could not unzip uploaded file. Please check your file, then try to upload again.');
}
