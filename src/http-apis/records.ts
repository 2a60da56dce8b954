/** An HTTP API's CORS configuration (the model's `Cors`). */
export interface HttpApiCors {
  allowCredentials?: boolean;
  allowHeaders?: string[];
  allowMethods?: string[];
  allowOrigins?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
}

/** An integration: Kumo serves AWS_PROXY to a Lambda function only. */
export interface HttpIntegration {
  integrationId: string;
  integrationType: 'AWS_PROXY';
  /** As given (a function ARN or the `arn:aws:apigateway:…:lambda:path/…/invocations` form). */
  integrationUri: string;
  /** The function it invokes: name and qualifier (undefined: $LATEST), from integrationUri. */
  functionName: string;
  qualifier?: string;
  payloadFormatVersion: '1.0' | '2.0';
  timeoutInMillis: number;
  description?: string;
  integrationMethod?: string;
}

export interface HttpRoute {
  routeId: string;
  routeKey: string;
  /** `integrations/<integration-id>`, or none (a route without target answers 404 as AWS's does). */
  target?: string;
}

export interface HttpStage {
  stageName: string;
  autoDeploy: boolean;
  stageVariables?: Record<string, string>;
  description?: string;
  createdMs: number;
  lastUpdatedMs: number;
  tags?: Record<string, string>;
}

/**
 * An HTTP API with its integrations, routes and stages, stored as one record
 * (an API is small: AWS allows 300 routes and integrations), so every change
 * to it is one read-modify-write transaction and a reader never sees a route
 * whose integration is half-written.
 */
export interface HttpApiRecord {
  apiId: string;
  name: string;
  protocolType: 'HTTP';
  description?: string;
  version?: string;
  cors?: HttpApiCors;
  disableExecuteApiEndpoint: boolean;
  routeSelectionExpression: string;
  apiKeySelectionExpression: string;
  tags: Record<string, string>;
  createdMs: number;
  integrations: HttpIntegration[];
  routes: HttpRoute[];
  stages: HttpStage[];
}
