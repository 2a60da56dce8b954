import fs from 'node:fs';

/** What one deploy made for one template resource. */
export interface StackResource {
  type: string;
  /** Function name, layer name, alias name, version number, queue or topic name, subscription ARN, mapping UUID, FUNCTION:QUALIFIER. */
  physicalId: string;
  /** The value `!Ref` gives (function name, layer version ARN, alias ARN, version ARN). */
  ref?: string;
  arn?: string;
  /** Layer version / function version number; for an event invoke config, its qualifier. */
  version?: string;
  /** For functions/layers: the CodeSha256 of the last uploaded zip. */
  codeSha256?: string;
  /** For layers: a hash of the published configuration, to publish again only when it changed. */
  configHash?: string;
  /** For functions (AutoPublishAlias): the alias and version made for it. */
  alias?: string;
  /** For functions: the runtime / architecture `--runtime-fallback` / `--architecture-fallback` deployed instead of the template's. */
  fallback?: { runtime?: { from: string; to: string }; architecture?: { from: string; to: string } };
  /** Every layer version this stack published (deleted with the layer). */
  layerVersions?: number[];
  /** For topics: the ARNs of the subscriptions its Subscription list made. */
  subscriptions?: string[];
  /** For SAM functions without Role: the IAM role deploy made for it (`<Fn>Role`), deleted with the function. */
  implicitRole?: string;
  /** For aliases/versions/event invoke configs: the function they belong to. */
  functionName?: string;
  /** For HTTP APIs: the routes, integrations and stage the API's own resource made (not the AWS::ApiGatewayV2::* resources beside it). */
  routeIds?: string[];
  integrationIds?: string[];
  stageName?: string;
  /** For AWS::ApiGatewayV2::Route / Integration / Stage: the API they belong to. */
  apiId?: string;
  /** For AWS::SQS::QueuePolicy / AWS::SNS::TopicPolicy: the queue URLs / topic ARNs the policy was set on. */
  targets?: string[];
}

/** `.kumo-stack.json` beside the template: the stack's resources as last deployed. */
export interface StackRecord {
  stackName: string;
  endpoint: string;
  template: string;
  updatedAt: string;
  resources: Record<string, StackResource>;
}

export function readStackRecord(file: string): StackRecord | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as StackRecord;
    if (r && typeof r === 'object' && r.resources && typeof r.resources === 'object') return r;
  } catch {
    // A damaged record is treated as absent (nothing will be deleted by mistake).
  }
  return undefined;
}

/** Writes atomically (temp file + rename) so an interrupted deploy never leaves half a record. */
export function writeStackRecord(file: string, rec: StackRecord): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n');
  fs.renameSync(tmp, file);
}
