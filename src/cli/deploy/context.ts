import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { ApiGatewayV2Client } from '@aws-sdk/client-apigatewayv2';
import { functionArn, stackArn } from '../../domain/arn';
import { apiGatewayV2Client, eventsClient, iamClient, kinesisClient, logsClient, schedulerClient, snsClient, sqsClient, ssmClient, type CliConfig } from '../client';
import { afterApply, NoValue, Resolver } from '../intrinsics';
import type { ResourceDecl, TemplateModel } from '../sam';
import type { StackRecord, StackResource } from '../stack';
import type { TemplateError } from '../template';
import type { Planned } from './kind';
import { kindOf } from './registry';

export interface DeploySetup {
  model: TemplateModel;
  client: LambdaClient;
  cfg: CliConfig;
  out: (line: string) => void;
  stackName: string;
  templateFile: string;
  /** The stack record's resources from the last deploy to this endpoint. */
  prev: Record<string, StackResource>;
  /** The record being written: kinds add to it as soon as a resource exists, so a later failure never orphans one. */
  record: StackRecord;
  /** Stretch every function's Timeout (kumo dev --debug). */
  timeoutOverride?: number;
  /** Only these logical ids are looked at (kumo dev); the others are taken as unchanged from the record. */
  only?: Set<string>;
  /** --runtime-fallback / --architecture-fallback (deploy/fallback.ts). */
  fallback?: { runtime: boolean; architecture: boolean };
}

/**
 * What one deploy knows, shared by the orchestrator and the resource kinds:
 * the template, the client, the previous record, the plans, and the outputs
 * of resources as known so far (plan: from the record or deterministic;
 * apply: real). It resolves intrinsics, asking each resource's kind what its
 * !Ref and !GetAtt give.
 */
export class DeployContext implements DeploySetup {
  readonly model: TemplateModel;
  readonly client: LambdaClient;
  readonly cfg: CliConfig;
  readonly out: (line: string) => void;
  readonly stackName: string;
  readonly templateFile: string;
  readonly prev: Record<string, StackResource>;
  readonly record: StackRecord;
  readonly timeoutOverride?: number;
  readonly only?: Set<string>;
  readonly fallback: { runtime: boolean; architecture: boolean };

  readonly state: Record<string, StackResource> = {};
  readonly plans = new Map<string, Planned>();
  /** Logical ids whose Condition holds (and what they expand into). */
  readonly active = new Set<string>();
  readonly declById = new Map<string, ResourceDecl>();
  /** Logical ids this deploy changed, in order. */
  readonly changed: string[] = [];
  phase: 'plan' | 'apply' = 'plan';
  readonly resolver: Resolver;
  private sqsC?: SQSClient;
  private iamC?: IAMClient;
  private logsC?: CloudWatchLogsClient;
  private snsC?: SNSClient;
  private eventsC?: EventBridgeClient;
  private kinesisC?: KinesisClient;
  private ssmC?: SSMClient;
  private schedulerC?: SchedulerClient;
  private apiGwC?: ApiGatewayV2Client;

  constructor(setup: DeploySetup) {
    this.model = setup.model;
    this.client = setup.client;
    this.cfg = setup.cfg;
    this.out = setup.out;
    this.stackName = setup.stackName;
    this.templateFile = setup.templateFile;
    this.prev = setup.prev;
    this.record = setup.record;
    this.timeoutOverride = setup.timeoutOverride;
    this.only = setup.only;
    this.fallback = setup.fallback ?? { runtime: false, architecture: false };
    for (const d of setup.model.resources) this.declById.set(d.id, d);
    const region = this.cfg.region;
    const account = this.cfg.accountId;
    this.resolver = new Resolver({
      tpl: this.model.tpl,
      params: this.model.params,
      pseudo: {
        'AWS::Region': region,
        'AWS::AccountId': account,
        'AWS::StackName': this.stackName,
        'AWS::StackId': stackArn({ region, accountId: account }, this.stackName, 'kumo'),
        'AWS::Partition': 'aws',
        'AWS::URLSuffix': 'amazonaws.com',
      },
      mappings: this.model.mappings,
      conditionDefs: this.model.conditions,
      resourceIds: this.active,
      declaredIds: new Set([...this.model.resources.map((r) => r.id), ...Object.keys(this.model.implicit)]),
      ref: (name, p) => this.ref(name, p),
      getAtt: (id, attr, p) => {
        const owner = this.implicitOwner(id);
        if (owner) return this.implicitRef(owner, id, attr, p);
        const d = this.declById.get(id)!;
        return kindOf(d.type).getAtt(d, attr, p, this);
      },
    });
  }

  /** The SQS client, made on first use (a template without queues never loads the SDK). */
  get sqs(): SQSClient {
    return (this.sqsC ??= sqsClient(this.cfg));
  }

  /** The IAM client (execution roles), made on first use. */
  get iam(): IAMClient {
    return (this.iamC ??= iamClient(this.cfg));
  }

  /** The SNS client, made on first use. */
  get sns(): SNSClient {
    return (this.snsC ??= snsClient(this.cfg));
  }

  /** The CloudWatch Logs client, made on first use. */
  get logs(): CloudWatchLogsClient {
    return (this.logsC ??= logsClient(this.cfg));
  }

  /** The EventBridge client, made on first use. */
  get events(): EventBridgeClient {
    return (this.eventsC ??= eventsClient(this.cfg));
  }

  /** The Kinesis client, made on first use. */
  get kinesis(): KinesisClient {
    return (this.kinesisC ??= kinesisClient(this.cfg));
  }

  /** The SSM (Parameter Store) client, made on first use. */
  get ssm(): SSMClient {
    return (this.ssmC ??= ssmClient(this.cfg));
  }

  /** The EventBridge Scheduler client, made on first use. */
  get scheduler(): SchedulerClient {
    return (this.schedulerC ??= schedulerClient(this.cfg));
  }

  /** The API Gateway v2 client (HTTP APIs), made on first use. */
  get apiGateway(): ApiGatewayV2Client {
    return (this.apiGwC ??= apiGatewayV2Client(this.cfg));
  }

  /** Closes the clients this deploy made. */
  destroy(): void {
    this.ssmC?.destroy();
    this.iamC?.destroy();
    this.logsC?.destroy();
    this.eventsC?.destroy();
    this.sqsC?.destroy();
    this.snsC?.destroy();
    this.schedulerC?.destroy();
    this.apiGwC?.destroy();
    this.kinesisC?.destroy();
  }

  /** The resource an implicit id (`<Fn>Role`) belongs to, when the id is one and that resource is deployed. */
  private implicitOwner(id: string): ResourceDecl | undefined {
    const owner = this.model.implicit[id];
    return owner !== undefined && !this.declById.has(id) ? this.declById.get(owner) : undefined;
  }

  private implicitRef(owner: ResourceDecl, id: string, attr: string | undefined, p: string): string {
    const kind = kindOf(owner.type);
    if (!kind.implicitRef) throw this.error(p, `'${id}' is not a resource of this template`);
    return kind.implicitRef(owner, id, attr, p, this);
  }

  private ref(name: string, p: string): string {
    const [id, sub] = name.split('.') as [string, string | undefined];
    const owner = this.implicitOwner(id);
    if (owner && sub === undefined) return this.implicitRef(owner, id, undefined, p);
    const d = this.declById.get(id)!;
    const kind = kindOf(d.type);
    if (sub === undefined) return kind.ref(d, this);
    if (!kind.refAttribute) throw this.error(p, `${name}: only SAM functions have .Alias / .Version`);
    return kind.refAttribute(d, sub, p, this);
  }

  /** A value of another resource: real once applied (or unchanged), a placeholder the plan can name otherwise. */
  known(id: string, v: string | undefined): string {
    if (v !== undefined && (this.phase === 'apply' || this.plans.get(id)?.action === 'unchanged')) return v;
    return afterApply(id);
  }

  /** A resource's properties, resolved with what is known now (re-resolved at apply, when what it depends on exists). */
  props(d: ResourceDecl): Record<string, unknown> {
    const r = this.resolver.value(d.props, `Resources.${d.id}.Properties`);
    return (r === NoValue ? {} : r) as Record<string, unknown>;
  }

  physicalOf(d: ResourceDecl): string {
    return kindOf(d.type).physicalId(d, this);
  }

  fnArn(name: string): string {
    return functionArn(this.cfg, name);
  }

  /** A template error at a path (template.yaml:LINE:COL). */
  error(path: string, message: string): TemplateError {
    return this.model.tpl.error(path, message);
  }

  /** False for resources `kumo dev` left out of this run (a code change elsewhere). */
  looksAt(d: ResourceDecl): boolean {
    return !this.only || this.only.has(d.id) || (d.partOf !== undefined && this.only.has(d.partOf));
  }

  /** Records that this deploy changed a resource (counted in "deployed: N resource(s) changed"). */
  markChanged(id: string): void {
    this.changed.push(id);
  }
}
