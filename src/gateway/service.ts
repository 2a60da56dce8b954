import type { Readable } from 'node:stream';
import type http from 'node:http';
import type { ErrorSpec, ServiceError } from './errors';
import type { ConditionContext, Principal } from '../identity/types';

/**
 * What a service folder (src/services/<name>/) gives the gateway: how its
 * requests are recognised, signed and encoded, and its operations. Adding a
 * service is one folder exporting one of these plus one line in
 * `src/services/index.ts`; no other service's files change.
 */
export interface ServiceDefinition {
  /** Short name, for logs and the registry (`lambda`, `logs`). */
  name: string;
  /** SigV4 credential-scope service (`Credential=…/<region>/<signingName>/aws4_request`). */
  signingName: string;
  /** The service's errors by AWS name (may override a gateway error's status). */
  errors: Readonly<Record<string, ErrorSpec>>;
  /** AWS's name for an unexpected failure of this service (Lambda: ServiceException; most others: InternalFailure). */
  internalErrorName?: string;
  /**
   * REST services (Lambda, Scheduler): method + path routes that decode and encode themselves.
   * `errorType`: error bodies carry `Type: User | Service` (Lambda does; default true).
   */
  /**
   * `paramMembers`: the AWS member each path parameter is (`name` →
   * `FunctionName`), for the audit trail's requestParameters.
   */
  restJson?: { routes: Route[]; errorType?: boolean; paramMembers?: Readonly<Record<string, string>> };
  /** JSON RPC services: `X-Amz-Target: <targetPrefix>.<Operation>`. */
  /**
   * `queryCompatible` (the model's `awsQueryCompatible`, SQS): errors carry
   * `__type: <namespace>#<Name>` and `x-amzn-query-error: <query code>;Sender|Receiver`,
   * which the SDKs read to name the error as the query protocol would.
   */
  /**
   * `cborContentType` (Kinesis: `application/x-amz-cbor-1.1`): a request with
   * that content type carries a CBOR body instead of JSON, and is answered in
   * CBOR with the same content type (AWS's "awsJson with CBOR" that the Java
   * SDK and KPL speak to Kinesis).
   */
  /**
   * `targetPrefixAliases`: other prefixes the SDKs send for the same service
   * (CloudTrail: botocore sends the model's `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`,
   * SDK v3 the bare `CloudTrail_20131101`).
   */
  json?: { targetPrefix: string; targetPrefixAliases?: readonly string[]; version: '1.0' | '1.1'; queryCompatible?: { namespace: string }; cborContentType?: string };
  /** Query services: form-encoded `Action=<Operation>&Version=<apiVersion>`, XML answers. */
  query?: { apiVersion: string; xmlNamespace: string };
  /** Smithy RPC v2 CBOR: `POST /service/<serviceName>/operation/<Operation>`, `smithy-protocol: rpc-v2-cbor`. */
  cbor?: { serviceName: string };
  /** Operations of the RPC protocols (json, query, cbor), by AWS name. */
  operations?: Readonly<Record<string, Operation>>;
  /**
   * Data-plane operations (Invoke, SendMessage, PutRecords…): CloudTrail
   * records them only as opt-in data events, so the audit trail leaves them
   * out and the hot path pays nothing for it. Every other operation is a
   * management event and is audited.
   */
  dataPlane?: ReadonlySet<string>;
  /**
   * Turns an error the domain threw (src/domain/errors.ts) into this service's
   * AWS error, in one place for every operation; undefined for anything else
   * (which becomes the internal error).
   */
  mapError?(e: unknown): ServiceError | undefined;
  /**
   * How the service's calls are authorised (issue 18): the IAM action each
   * operation is, and the resources it names. The gateway asks the
   * `Authorizer` (src/identity/types.ts) for every call of a principal other
   * than the account's root, before the operation runs; a refusal is the
   * service's `accessDenied` error with AWS's message (`accessDeniedMessage`).
   */
  iam?: ServiceIam;
  /**
   * Several accounts (issue 18): the account whose resource the call names
   * by URL or ARN (SQS's QueueUrl, SNS's TopicArn, a Lambda function ARN),
   * undefined when it names none or names it by plain name (the signer's
   * account then). The gateway hands the call to that account's gateway,
   * which authorises it by its resource policy. `input`: as for `iam.resources`
   * (for a REST route, its path parameters and query members only).
   */
  ownerAccount?(operation: string, input: Members, ctx: OperationContext): string | undefined;
}

export interface ServiceIam {
  /** IAM's service prefix (`lambda`, `sqs`, `sns`, `kinesis`, `events`, `scheduler`, `ssm`, `logs`, `cloudwatch`, `cloudtrail`, `apigateway`, `iam`, `sts`). */
  prefix: string;
  /** Operation → action name where IAM's differs from the operation (`Invoke` → `InvokeFunction`, `SendMessageBatch` → `SendMessage`). */
  actions?: Readonly<Record<string, string>>;
  /**
   * The ARNs the call acts on (each is authorised), `['*']` where it names
   * none, and `[]` for a call that needs no authorisation at all (STS's
   * GetCallerIdentity: AWS answers it whatever the caller's policies say). `input` is the decoded members for the RPC protocols; for a REST
   * route, its path parameters under the AWS member names
   * (`restJson.paramMembers`), the query string's members, and the JSON
   * body's members where the route is not data-plane (an Invoke payload is
   * never parsed for this). `[]` means the operation needs no authorisation
   * by the gateway: STS's GetCallerIdentity (AWS allows it to every valid
   * caller) and AssumeRole (the STS domain decides it from the trust policy).
   */
  resources(operation: string, input: Members, ctx: OperationContext): readonly string[];
  /** The error a refusal is (Lambda: AccessDeniedException 403; query services: AccessDenied 403). */
  accessDenied: { name: string; spec: ErrorSpec };
  /** How the action is spelled in the refusal's message where the service words it its own way (SQS: lower case, `sqs:sendmessage`). */
  messageAction?(action: string): string;
}

export type ProtocolName = 'rest-json' | 'json' | 'query' | 'rpc-v2-cbor';

/** Who is calling and how: the same for every protocol. */
export interface OperationContext {
  requestId: string;
  /** The access key that signed the request (undefined for unsigned routes). */
  accessKeyId: string | undefined;
  region: string;
  /** `http://host:port` as the client addressed this server. */
  baseUrl: string;
  protocol: ProtocolName;
  /** The request's path (SQS's query clients POST to the queue URL's path and may omit QueueUrl). */
  path: string;
  /** Who signed the request (undefined for unsigned routes). */
  principal?: Principal;
}

/** Input and output members keyed by AWS's member names, as the protocol decoded them. */
export type Members = Record<string, unknown>;

/** What a protocol decoder returns: the members, or why the body could not be read. */
export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

export interface Operation {
  /** Largest request body accepted, in bytes (AWS's limit for this operation where it documents one). */
  bodyBytesMax?: number;
  handle(input: Members, ctx: OperationContext): Promise<Members | void>;
}

// ---- rest-json ----------------------------------------------------------

export interface ApiRequest {
  method: string;
  /** Path split into decoded segments. */
  segments: string[];
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  requestId: string;
  /** `http://host:port` as the client addressed this server. */
  baseUrl: string;
  /** The access key that signed the request (undefined for unsigned routes). */
  accessKeyId?: string;
  /** Who signed the request (undefined for unsigned routes). */
  principal?: Principal;
  /** The request's IAM condition keys for `principal` (the gateway's `conditionContext`), for a handler that asks the Authorizer itself. */
  conditions?: () => ConditionContext;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON-serialisable object, raw bytes, or nothing. */
  json?: unknown;
  raw?: Buffer;
  /**
   * A body written as it is read (chunked), with backpressure; destroyed if
   * the client goes away first (InvokeWithResponseStream's event stream).
   */
  stream?: Readable;
}

export interface Route {
  method: string;
  /** Path template segments; `{x}` captures one segment. */
  path: string[];
  /** The AWS operation, used in size-limit messages. */
  operation: string;
  /**
   * Where one path and method serve two operations, told apart by the query
   * (Lambda's ListLayers and GetLayerVersionByArn, `?find=LayerVersion`):
   * the operation a request is, for its authorisation and audit.
   */
  operationOf?(query: URLSearchParams): string;
  /** Largest body accepted (AWS's per-operation request limit). */
  bodyBytesMax: number;
  /** Whether SigV4 is required (everything but pre-signed code downloads). */
  auth: boolean;
  /** The error for a body over `bodyBytesMax`, where the operation words it its own way (Lambda's Invoke). */
  tooLarge?(): ServiceError;
  handle(req: ApiRequest, params: Record<string, string>): Promise<ApiResponse>;
}
