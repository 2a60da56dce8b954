/**
 * Limits of HTTP APIs (API Gateway v2), from AWS's quotas page
 * (http-api-quotas.html) and the apigatewayv2 model's constraints.
 */
/** Routes per API (AWS: 300). */
export const routesPerApiMax = 300;
/** Integrations per API (AWS: 300). */
export const integrationsPerApiMax = 300;
/** Stages per API (AWS: 10). */
export const stagesPerApiMax = 10;
/** An API's name: 1–128 characters (StringWithLengthBetween1And128). */
export const apiNameCharsMax = 128;
/** Description: 0–1024 characters (StringWithLengthBetween0And1024). */
export const descriptionCharsMax = 1024;
/** A stage name: 1–128 characters (StringWithLengthBetween1And128). */
export const stageNameCharsMax = 128;
/** Integration timeout: 50–30000 ms (IntegerWithLengthBetween50And30000), default 30000. */
export const integrationTimeoutMsMin = 50;
export const integrationTimeoutMsMax = 30_000;
/** CORS MaxAge: -1–86400 seconds (IntegerWithLengthBetweenMinus1And86400). */
export const corsMaxAgeSecondsMax = 86_400;
/** The request payload an HTTP API passes to Lambda (AWS: 10 MB for the API, 6 MB for Lambda's invoke). */
export const requestPayloadBytesMax = 6 * 1024 * 1024;
/** A page of GetApis/GetRoutes/…: AWS pages by MaxResults (a string); Kumo answers every item up to this many. */
export const pageItemsMax = 500;
/** API ids: 10 lowercase letters and digits (`a1b2c3d4e5`); route and integration ids: 7. */
export const apiIdChars = 10;
export const subIdChars = 7;
/** Tags per API or stage (AWS's API Gateway quotas: 50); keys 1–128, values 0–256 characters (the model's StringWithLengthBetween…). */
export const tagsPerResourceMax = 50;
export const tagKeyCharsMax = 128;
export const tagValueCharsMax = 256;
