import { limits } from '../config';

/**
 * Limits of function URLs, AWS's values from the Lambda API model
 * (lambda-2015-03-31: Cors, HeadersList, AllowMethodsList, AllowOriginsList,
 * MaxAge, FunctionUrlQualifier) and the function URL documentation
 * (urls-invocation.html, "Lambda function URL limits").
 */
/** Cors.AllowHeaders and Cors.ExposeHeaders: at most 100 entries, each at most 1,024 characters. */
export const corsHeadersMax = 100;
export const corsHeaderCharsMax = 1024;
/** Cors.AllowMethods: at most 6 entries, each at most 6 characters. */
export const corsMethodsMax = 6;
export const corsMethodCharsMax = 6;
/** Cors.AllowOrigins: at most 100 entries, each 1–253 characters. */
export const corsOriginsMax = 100;
export const corsOriginCharsMax = 253;
/** Cors.MaxAge, seconds: 0–86,400. */
export const corsMaxAgeSecondsMax = 86_400;
/** ListFunctionUrlConfigs MaxItems: 1–50, and never more than 50 a page. */
export const urlConfigsPageMax = 50;
/** The URL id: 32 characters (AWS: `<url-id>.lambda-url.<region>.on.aws`, ids of 32 lowercase letters and digits). */
export const urlIdChars = 32;
/** FunctionUrlQualifier: 1–128 characters, an alias name (no version number, no $LATEST). */
export const urlQualifierCharsMax = 128;
/**
 * Request and response payload of a BUFFERED URL invocation: 6 MB, the
 * synchronous Invoke limit (urls-invocation.html: "the maximum payload size
 * … is 6 MB"); the request event (headers, base64 of a binary body) must fit.
 */
export const urlPayloadBytesMax = limits.syncPayloadBytesMax;
