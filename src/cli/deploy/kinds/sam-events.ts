import { referencedIds } from '../../intrinsics';
import { eventHints, type ResourceDecl } from '../../sam';
import type { DeployContext } from '../context';
import { isMapping } from '../values';
import { roleArn } from '../../../domain/arn';

/**
 * What a SAM function's Events and EventInvokeConfig stand for, named as
 * SAM's translator names them (checked against aws-sam-translator 1.110):
 * - `Type: SQS` → `<Fn><Event>`, an AWS::Lambda::EventSourceMapping;
 * - `Type: Kinesis` → `<Fn><Event>`, an AWS::Lambda::EventSourceMapping of
 *   the stream (StartingPosition required, as Lambda requires it);
 * - `Type: SNS` → `<Fn><Event>`, an AWS::SNS::Subscription with protocol
 *   lambda (SAM's `<Fn><Event>Permission` is not made: Kumo does not yet
 *   enforce function policies for service principals, ARCHITECTURE.md "Choices");
 * - `Type: EventBridgeRule` / `CloudWatchEvent` → `<Fn><Event>`, an
 *   AWS::Events::Rule with the event's Pattern on its EventBusName and the
 *   function as its target (Id `<Fn><Event>LambdaTarget`, or Target.Id);
 *   `Type: Schedule` → the same with the Schedule as ScheduleExpression on
 *   the default bus; Input, InputPath, InputTransformer, RetryPolicy,
 *   DeadLetterConfig.Arn, Name, Description and Enabled/State carry over;
 * - `Type: ScheduleV2` → `<Fn><Event>`, an AWS::Scheduler::Schedule whose
 *   target is the function (SAM's `<Fn><Event>Role` is not made: Kumo has no
 *   IAM; the schedule names that role's ARN unless RoleArn is given), with a
 *   `DeadLetterConfig: {Type: SQS}` queue `<Fn><Event>Queue` as SAM makes it;
 * - `EventInvokeConfig` → `<Fn>EventInvokeConfig`, and for an SQS or SNS
 *   destination without a Destination, the `<Fn>EventInvokeConfigOnSuccessQueue`
 *   / `…OnFailureTopic` SAM creates.
 * - `FunctionUrlConfig` → `<Fn>Url`, an AWS::Lambda::Url, and for AuthType
 *   NONE the two AWS::Lambda::Permission SAM adds, `<Fn>UrlPublicPermissions`
 *   (principal `*`, lambda:InvokeFunctionUrl, FunctionUrlAuthType NONE) and
 *   `<Fn>URLInvokeAllowPublicAccess` (lambda:InvokeFunction,
 *   InvokedViaFunctionUrl): without them the URL answers 403, as AWS's.
 * With AutoPublishAlias they point at the alias, as SAM's do. Other event
 * types are reported (with a `kumo generate-event` line to try the function
 * with such an event) and skipped.
 */

/** Event types that become resources here. */
const wired = new Set(['SQS', 'SNS', 'Kinesis', 'EventBridgeRule', 'CloudWatchEvent', 'Schedule', 'ScheduleV2', 'HttpApi', 'Api']);

const sqsEventProps = ['Queue', 'BatchSize', 'Enabled', 'FilterCriteria', 'MaximumBatchingWindowInSeconds', 'FunctionResponseTypes', 'ScalingConfig'];
/** SQS event properties with no effect on Kumo (KMS-encrypted filters, CloudWatch metrics, provisioned pollers). */
const sqsEventIgnored = ['KmsKeyArn', 'MetricsConfig', 'ProvisionedPollerConfig'];
const kinesisEventProps = [
  'Stream', 'StartingPosition', 'StartingPositionTimestamp', 'BatchSize', 'Enabled', 'FilterCriteria', 'MaximumBatchingWindowInSeconds', 'FunctionResponseTypes',
  'ParallelizationFactor', 'MaximumRetryAttempts', 'MaximumRecordAgeInSeconds', 'BisectBatchOnFunctionError', 'DestinationConfig', 'TumblingWindowInSeconds',
];
/** Kinesis event properties with no effect on Kumo (KMS-encrypted filters, CloudWatch metrics). */
const kinesisEventIgnored = ['KmsKeyArn', 'MetricsConfig'];
const scheduleV2Props = [
  'ScheduleExpression', 'ScheduleExpressionTimezone', 'StartDate', 'EndDate', 'State', 'FlexibleTimeWindow', 'Input', 'Name', 'GroupName',
  'Description', 'DeadLetterConfig', 'RetryPolicy', 'RoleArn', 'KmsKeyArn', 'OmitName',
];
/** No IAM on Kumo: a permissions boundary for the role SAM would make has no effect. */
const scheduleV2Ignored = ['PermissionsBoundary'];
const snsEventProps = ['Topic', 'FilterPolicy', 'FilterPolicyScope', 'RedrivePolicy', 'SqsSubscription'];
/** Region: one region per Kumo server. */
const snsEventIgnored = ['Region'];

const ruleEventProps = ['Pattern', 'EventBusName', 'Input', 'InputPath', 'InputTransformer', 'Name', 'State', 'Description', 'RetryPolicy', 'DeadLetterConfig', 'Target', 'Enabled'];
const scheduleEventProps = ['Schedule', 'Input', 'Name', 'Description', 'Enabled', 'State', 'RetryPolicy', 'DeadLetterConfig', 'Target'];
/** Permissions and role settings: Kumo does not yet enforce function policies for service principals. */
const ruleEventIgnored = ['RuleName', 'RoleArn'];

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

/** Reports the events Kumo does not wire. */
export function reportEvents(d: ResourceDecl, pr: Record<string, unknown>, ctx: DeployContext): void {
  const evs = pr.Events;
  if (evs === undefined) return;
  if (!isMapping(evs)) throw ctx.error(`Resources.${d.id}.Properties.Events`, 'Events is a mapping of name → {Type, Properties}');
  for (const [name, ev] of Object.entries(evs)) {
    const type = isMapping(ev) ? String(ev.Type) : '?';
    if (wired.has(type)) continue;
    const hint = eventHints[type];
    ctx.out(
      `note: ${d.id} event ${name} (${type}) is not wired: Kumo has no ${type} event source yet` +
        (hint ? `; try it with: kumo generate-event ${hint} | kumo invoke ${d.id} --event -` : ''),
    );
  }
}

/** The function itself (its dependencies without those only its events have), then what its events and async settings stand for. */
export function expandFunction(d: ResourceDecl, ctx: DeployContext): ResourceDecl[] {
  const p = `Resources.${d.id}.Properties`;
  const aliased = d.props.AutoPublishAlias !== undefined;
  // ESMs take a name or ARN; SNS wants an ARN (SAM: the alias when there is one, else !GetAtt Fn.Arn).
  const fnName = aliased ? { Ref: `${d.id}.Alias` } : { Ref: d.id };
  const fnArn = aliased ? { Ref: `${d.id}.Alias` } : { 'Fn::GetAtt': [d.id, 'Arn'] };
  const children: { id: string; type: string; props: Record<string, unknown> }[] = [];
  const notes: string[] = [];

  const evs = d.props.Events;
  if (evs !== undefined && !isMapping(evs)) throw ctx.error(`${p}.Events`, 'Events is a mapping of name → {Type, Properties}');
  for (const [name, ev] of Object.entries(evs ?? {})) {
    const ep = `${p}.Events.${name}`;
    if (!isMapping(ev) || typeof ev.Type !== 'string') throw ctx.error(ep, 'an event is {Type, Properties}');
    if (!wired.has(ev.Type)) continue;
    const e = (ev.Properties ?? {}) as Record<string, unknown>;
    if (!isMapping(e)) throw ctx.error(`${ep}.Properties`, 'Properties must be a mapping');
    // HttpApi / Api events are routes of the template's implicit API, made once by implicitApis below.
    if (ev.Type === 'HttpApi' || ev.Type === 'Api') {
      apiRoute(d, name, ev.Type, e, ep, ctx, notes);
      continue;
    }
    const isRule = ev.Type === 'EventBridgeRule' || ev.Type === 'CloudWatchEvent';
    const known = ev.Type === 'SQS' ? sqsEventProps : ev.Type === 'SNS' ? snsEventProps : ev.Type === 'Kinesis' ? kinesisEventProps
      : ev.Type === 'ScheduleV2' ? scheduleV2Props : isRule ? ruleEventProps : scheduleEventProps;
    const ignored = ev.Type === 'SQS' ? sqsEventIgnored : ev.Type === 'SNS' ? snsEventIgnored : ev.Type === 'Kinesis' ? kinesisEventIgnored
      : ev.Type === 'ScheduleV2' ? scheduleV2Ignored : ruleEventIgnored;
    for (const k of Object.keys(e)) {
      if (ignored.includes(k)) notes.push(`${d.id}: event ${name} (${ev.Type}): ${k} has no effect on Kumo (ignored)`);
      else if (!known.includes(k)) throw ctx.error(`${ep}.Properties.${k}`, `unknown property '${k}' of an ${ev.Type} event (known: ${known.join(', ')})`);
    }
    if (isRule || ev.Type === 'Schedule') {
      if (isRule && e.Pattern === undefined) throw ctx.error(`${ep}.Properties`, `an ${ev.Type} event needs Pattern (the event pattern)`);
      if (!isRule && e.Schedule === undefined) throw ctx.error(`${ep}.Properties`, 'a Schedule event needs Schedule (rate(…) or cron(…))');
      const dlq = e.DeadLetterConfig;
      if (dlq !== undefined && !(isMapping(dlq) && dlq.Arn !== undefined && dlq.Type === undefined)) {
        throw ctx.error(`${ep}.Properties.DeadLetterConfig`, 'kumo deploy takes DeadLetterConfig with Arn (an SQS queue ARN); Type (a queue SAM makes) is not supported yet');
      }
      const target = e.Target;
      if (target !== undefined && !(isMapping(target) && typeof target.Id === 'string')) throw ctx.error(`${ep}.Properties.Target`, 'Target is {Id}');
      // SAM: Enabled true/false is State ENABLED/DISABLED; State wins when both are given.
      const state = e.State ?? (e.Enabled === undefined ? undefined : e.Enabled === false || e.Enabled === 'false' ? 'DISABLED' : 'ENABLED');
      children.push({
        id: `${d.id}${name}`,
        type: 'AWS::Events::Rule',
        props: defined({
          Name: e.Name, Description: e.Description, State: state,
          EventPattern: isRule ? e.Pattern : undefined, EventBusName: isRule ? e.EventBusName : undefined, ScheduleExpression: isRule ? undefined : e.Schedule,
          Targets: [defined({
            Id: (target as { Id?: string } | undefined)?.Id ?? `${d.id}${name}LambdaTarget`, Arn: fnArn, Input: e.Input,
            InputPath: isRule ? e.InputPath : undefined, InputTransformer: isRule ? e.InputTransformer : undefined,
            RetryPolicy: e.RetryPolicy, DeadLetterConfig: dlq === undefined ? undefined : { Arn: (dlq as Record<string, unknown>).Arn },
          })],
        }),
      });
    } else if (ev.Type === 'SQS') {
      if (e.Queue === undefined) throw ctx.error(`${ep}.Properties`, `an SQS event needs Queue (the queue ARN: !GetAtt MyQueue.Arn)`);
      children.push({
        id: `${d.id}${name}`,
        type: 'AWS::Lambda::EventSourceMapping',
        props: defined({
          EventSourceArn: e.Queue, FunctionName: fnName, BatchSize: e.BatchSize, Enabled: e.Enabled, FilterCriteria: e.FilterCriteria,
          MaximumBatchingWindowInSeconds: e.MaximumBatchingWindowInSeconds, FunctionResponseTypes: e.FunctionResponseTypes, ScalingConfig: e.ScalingConfig,
        }),
      });
    } else if (ev.Type === 'Kinesis') {
      if (e.Stream === undefined) throw ctx.error(`${ep}.Properties`, 'a Kinesis event needs Stream (the stream ARN: !GetAtt MyStream.Arn)');
      if (e.StartingPosition === undefined) throw ctx.error(`${ep}.Properties`, 'a Kinesis event needs StartingPosition (TRIM_HORIZON, LATEST or AT_TIMESTAMP)');
      children.push({
        id: `${d.id}${name}`,
        type: 'AWS::Lambda::EventSourceMapping',
        props: defined({
          EventSourceArn: e.Stream, FunctionName: fnName, StartingPosition: e.StartingPosition, StartingPositionTimestamp: e.StartingPositionTimestamp,
          BatchSize: e.BatchSize, Enabled: e.Enabled, FilterCriteria: e.FilterCriteria, MaximumBatchingWindowInSeconds: e.MaximumBatchingWindowInSeconds,
          FunctionResponseTypes: e.FunctionResponseTypes, ParallelizationFactor: e.ParallelizationFactor, MaximumRetryAttempts: e.MaximumRetryAttempts,
          MaximumRecordAgeInSeconds: e.MaximumRecordAgeInSeconds, BisectBatchOnFunctionError: e.BisectBatchOnFunctionError,
          DestinationConfig: e.DestinationConfig, TumblingWindowInSeconds: e.TumblingWindowInSeconds,
        }),
      });
    } else if (ev.Type === 'ScheduleV2') {
      if (e.ScheduleExpression === undefined) throw ctx.error(`${ep}.Properties`, 'a ScheduleV2 event needs ScheduleExpression (rate(…), cron(…) or at(…))');
      let dlq: unknown;
      const dl = e.DeadLetterConfig;
      if (dl !== undefined) {
        if (!isMapping(dl)) throw ctx.error(`${ep}.Properties.DeadLetterConfig`, 'DeadLetterConfig is {Arn} or {Type: SQS, QueueLogicalId}');
        if (dl.Arn !== undefined) dlq = { Arn: dl.Arn };
        else if (dl.Type === 'SQS') {
          const qid = typeof dl.QueueLogicalId === 'string' ? dl.QueueLogicalId : `${d.id}${name}Queue`;
          children.push({ id: qid, type: 'AWS::SQS::Queue', props: {} });
          dlq = { Arn: { 'Fn::GetAtt': [qid, 'Arn'] } };
        } else throw ctx.error(`${ep}.Properties.DeadLetterConfig`, 'DeadLetterConfig is {Arn} or {Type: SQS}');
      }
      const omitName = e.OmitName === true || e.OmitName === 'true';
      children.push({
        id: `${d.id}${name}`,
        type: 'AWS::Scheduler::Schedule',
        props: defined({
          // SAM names the schedule after the resource (<Fn><Event>) unless Name is given or OmitName is true.
          Name: e.Name ?? (omitName ? undefined : `${d.id}${name}`),
          GroupName: e.GroupName, Description: e.Description, ScheduleExpression: e.ScheduleExpression,
          ScheduleExpressionTimezone: e.ScheduleExpressionTimezone, StartDate: e.StartDate, EndDate: e.EndDate, State: e.State,
          FlexibleTimeWindow: e.FlexibleTimeWindow ?? { Mode: 'OFF' }, KmsKeyArn: e.KmsKeyArn,
          Target: defined({
            Arn: fnArn, RoleArn: e.RoleArn ?? roleArn(ctx.cfg, `${d.id}${name}Role`), Input: e.Input, RetryPolicy: e.RetryPolicy, DeadLetterConfig: dlq,
          }),
        }),
      });
    } else {
      if (e.Topic === undefined) throw ctx.error(`${ep}.Properties`, 'an SNS event needs Topic (the topic ARN: !Ref MyTopic)');
      if (e.SqsSubscription !== undefined && e.SqsSubscription !== false && e.SqsSubscription !== 'false') {
        throw ctx.error(`${ep}.Properties.SqsSubscription`, 'SqsSubscription is not supported by kumo deploy yet: declare an AWS::SQS::Queue, an AWS::SNS::Subscription (Protocol: sqs) and an SQS event');
      }
      children.push({
        id: `${d.id}${name}`,
        type: 'AWS::SNS::Subscription',
        props: defined({ TopicArn: e.Topic, Protocol: 'lambda', Endpoint: fnArn, FilterPolicy: e.FilterPolicy, FilterPolicyScope: e.FilterPolicyScope, RedrivePolicy: e.RedrivePolicy }),
      });
    }
  }

  const eic = d.props.EventInvokeConfig;
  if (eic !== undefined) {
    const ep = `${p}.EventInvokeConfig`;
    if (!isMapping(eic)) throw ctx.error(ep, 'EventInvokeConfig is {MaximumEventAgeInSeconds, MaximumRetryAttempts, DestinationConfig}');
    for (const k of Object.keys(eic)) {
      if (!['MaximumEventAgeInSeconds', 'MaximumRetryAttempts', 'DestinationConfig'].includes(k)) throw ctx.error(`${ep}.${k}`, `unknown property '${k}' of EventInvokeConfig`);
    }
    const dc = eic.DestinationConfig;
    if (dc !== undefined && !isMapping(dc)) throw ctx.error(`${ep}.DestinationConfig`, 'DestinationConfig is {OnSuccess: {Type, Destination}, OnFailure: {Type, Destination}}');
    const dest: Record<string, unknown> = {};
    for (const when of ['OnSuccess', 'OnFailure'] as const) {
      const x = (dc as Record<string, unknown> | undefined)?.[when];
      if (x === undefined) continue;
      const xp = `${ep}.DestinationConfig.${when}`;
      if (!isMapping(x) || typeof x.Type !== 'string') throw ctx.error(xp, `${when} is {Type: SQS, SNS or Lambda, Destination: ARN}`);
      if (!['SQS', 'SNS', 'Lambda'].includes(x.Type)) throw ctx.error(`${xp}.Type`, `Kumo delivers to SQS, SNS and Lambda destinations, not ${x.Type}`);
      let target = x.Destination;
      if (target === undefined) {
        if (x.Type === 'Lambda') throw ctx.error(xp, 'a Lambda destination needs Destination (the function ARN)');
        // SAM makes the queue or topic itself when no Destination is given.
        const id = `${d.id}EventInvokeConfig${when}${x.Type === 'SQS' ? 'Queue' : 'Topic'}`;
        children.push({ id, type: x.Type === 'SQS' ? 'AWS::SQS::Queue' : 'AWS::SNS::Topic', props: {} });
        target = x.Type === 'SQS' ? { 'Fn::GetAtt': [id, 'Arn'] } : { Ref: id };
      }
      dest[when] = { Destination: target };
    }
    children.push({
      id: `${d.id}EventInvokeConfig`,
      type: 'AWS::Lambda::EventInvokeConfig',
      props: defined({
        FunctionName: { Ref: d.id },
        Qualifier: aliased ? d.props.AutoPublishAlias : '$LATEST',
        MaximumEventAgeInSeconds: eic.MaximumEventAgeInSeconds,
        MaximumRetryAttempts: eic.MaximumRetryAttempts,
        DestinationConfig: Object.keys(dest).length ? dest : undefined,
      }),
    });
  }

  const fuc = d.props.FunctionUrlConfig;
  if (fuc !== undefined) {
    const up = `${p}.FunctionUrlConfig`;
    if (!isMapping(fuc)) throw ctx.error(up, 'FunctionUrlConfig is {AuthType, Cors, InvokeMode}');
    for (const k of Object.keys(fuc)) {
      if (!['AuthType', 'Cors', 'InvokeMode'].includes(k)) throw ctx.error(`${up}.${k}`, `unknown property '${k}' of FunctionUrlConfig (known: AuthType, Cors, InvokeMode)`);
    }
    if (fuc.AuthType === undefined) throw ctx.error(up, 'FunctionUrlConfig needs AuthType (NONE or AWS_IAM)');
    children.push({
      id: `${d.id}Url`,
      type: 'AWS::Lambda::Url',
      props: defined({ TargetFunctionArn: { Ref: d.id }, Qualifier: aliased ? d.props.AutoPublishAlias : undefined, AuthType: fuc.AuthType, Cors: fuc.Cors, InvokeMode: fuc.InvokeMode }),
    });
    if (fuc.AuthType === 'NONE') {
      // A public URL needs the public permission (AWS: urls-auth); SAM 1.110 adds these two, on the alias with AutoPublishAlias.
      const target = aliased ? { Ref: `${d.id}.Alias` } : { Ref: d.id };
      children.push(
        { id: `${d.id}UrlPublicPermissions`, type: 'AWS::Lambda::Permission', props: { Action: 'lambda:InvokeFunctionUrl', FunctionName: target, Principal: '*', FunctionUrlAuthType: 'NONE' } },
        { id: `${d.id}URLInvokeAllowPublicAccess`, type: 'AWS::Lambda::Permission', props: { Action: 'lambda:InvokeFunction', FunctionName: target, Principal: '*', InvokedViaFunctionUrl: true } },
      );
    }
  }

  children.push(...implicitApis(d, ctx));
  for (const n of notes) if (!ctx.model.notes.includes(n)) ctx.model.notes.push(n);
  for (const c of children) {
    if (ctx.declById.has(c.id) && ctx.declById.get(c.id)!.partOf !== d.id) throw ctx.error(`Resources.${c.id}`, `${c.id} is the name SAM gives a resource of ${d.id}; rename one of them`);
  }
  const ids = new Set([...ctx.declById.keys(), ...children.map((c) => c.id)]);
  const depsOf = (props: unknown, extra: string[]) => [...new Set([...[...referencedIds(props)].filter((x) => ids.has(x)), ...extra])];
  const own = Object.fromEntries(Object.entries(d.props).filter(([k]) => k !== 'Events' && k !== 'EventInvokeConfig' && k !== 'FunctionUrlConfig'));
  const fn: ResourceDecl = { ...d, deps: depsOf(own, d.dependsOn).filter((x) => x !== d.id) };
  return [fn, ...children.map((c) => ({ id: c.id, type: c.type, props: c.props, dependsOn: [], deps: depsOf(c.props, [d.id]).filter((x) => x !== c.id), condition: d.condition }))];
}

const httpApiEventProps = ['Path', 'Method', 'ApiId', 'PayloadFormatVersion', 'TimeoutInMillis', 'RouteSettings', 'Auth'];
const apiEventProps = ['Path', 'Method', 'RestApiId', 'RequestParameters', 'RequestModel', 'Auth', 'TimeoutInMillis'];
/**
 * Settings of an Api event that change nothing unless they ask API Gateway
 * to validate the request (Kumo has no request validation): without
 * `Required`/`Validate*`, AWS too only documents or caches with them.
 */
const apiEventIgnored = ['RequestParameters', 'RequestModel'];

/** Whether an Api event's RequestParameters / RequestModel asks for validation Kumo does not do. */
function asksValidation(k: string, v: unknown): boolean {
  if (k === 'RequestModel') return isMapping(v) && (v.Required === true || v.ValidateBody === true || v.ValidateParameters === true);
  const entries = Array.isArray(v) ? v : [v];
  return entries.some((p) => isMapping(p) && Object.values(p).some((o) => isMapping(o) && o.Required === true));
}
const implicitApiIds = { HttpApi: 'ServerlessHttpApi', Api: 'ServerlessRestApi' } as const;
const apiTypeOf = { HttpApi: 'AWS::Serverless::HttpApi', Api: 'AWS::Serverless::Api' } as const;

/**
 * The declared API an HttpApi / Api event names (`ApiId: !Ref MyApi` /
 * `RestApiId: !Ref MyApi`), or undefined for SAM's implicit API. As
 * aws-sam-translator requires, it is a `!Ref` to an API of the right type
 * in the same template.
 */
function namedApi(type: 'HttpApi' | 'Api', e: Record<string, unknown>, ep: string, ctx: DeployContext): string | undefined {
  const key = type === 'HttpApi' ? 'ApiId' : 'RestApiId';
  const v = e[key];
  if (v === undefined) return undefined;
  const ref = isMapping(v) && typeof v.Ref === 'string' ? v.Ref : undefined;
  const decl = ref !== undefined ? ctx.declById.get(ref) : undefined;
  if (!decl || decl.type !== apiTypeOf[type] || decl.partOf !== undefined) {
    throw ctx.error(`${ep}.Properties.${key}`, `${key} must be a valid reference to an '${apiTypeOf[type]}' resource in the same template (!Ref MyApi)`);
  }
  return ref;
}

/**
 * One HttpApi / Api event as a route: `METHOD /path` (SAM's `any` is
 * `ANY`; an HttpApi event without Path and Method is the `$default`
 * route), payload format 2.0 by default for HttpApi, 1.0 for Api (REST API
 * events, served by Kumo's HTTP API engine with payload 1.0, as `sam local
 * start-api` does), TimeoutInMillis as the integration's timeout. Auth is
 * refused (Kumo has no authorizers) unless it says `Authorizer: NONE`.
 */
function apiRoute(d: ResourceDecl, name: string, type: 'HttpApi' | 'Api', e: Record<string, unknown>, ep: string, ctx: DeployContext, notes: string[] | undefined): { RouteKey: string; PayloadFormatVersion: '1.0' | '2.0'; TimeoutInMillis?: unknown; api?: string } {
  const known = type === 'HttpApi' ? httpApiEventProps : apiEventProps;
  for (const k of Object.keys(e)) {
    if (!known.includes(k)) throw ctx.error(`${ep}.Properties.${k}`, `unknown property '${k}' of an ${type} event (known: ${known.join(', ')})`);
    if (apiEventIgnored.includes(k)) {
      if (asksValidation(k, e[k])) throw ctx.error(`${ep}.Properties.${k}`, `${k} asks for request validation (Required / ValidateBody / ValidateParameters), which Kumo does not do; remove it to deploy this route`);
      notes?.push(`${d.id}: event ${name} (${type}): ${k} has no effect on Kumo (no validation asked; ignored)`);
    }
  }
  // Per-route throttling and detailed metrics: refused as the API's DefaultRouteSettings / RouteSettings are.
  if (e.RouteSettings !== undefined) throw ctx.error(`${ep}.Properties.RouteSettings`, 'RouteSettings is not supported by Kumo (no throttling or detailed metrics per route); remove it to deploy this route');
  const api = namedApi(type, e, ep, ctx);
  if (e.Auth !== undefined && !(isMapping(e.Auth) && Object.keys(e.Auth).length === 1 && e.Auth.Authorizer === 'NONE')) {
    throw ctx.error(`${ep}.Properties.Auth`, 'Kumo has no API authorizers yet: Auth is not supported (only Authorizer: NONE)');
  }
  const pfv = e.PayloadFormatVersion === undefined ? (type === 'HttpApi' ? '2.0' : '1.0') : String(e.PayloadFormatVersion);
  if (pfv !== '1.0' && pfv !== '2.0') throw ctx.error(`${ep}.Properties.PayloadFormatVersion`, 'PayloadFormatVersion is 1.0 or 2.0');
  const extra = { ...(e.TimeoutInMillis !== undefined ? { TimeoutInMillis: e.TimeoutInMillis } : {}), ...(api ? { api } : {}) };
  if (e.Path === undefined && e.Method === undefined && type === 'HttpApi') return { RouteKey: '$default', PayloadFormatVersion: pfv, ...extra };
  if (typeof e.Path !== 'string' || !e.Path.startsWith('/')) throw ctx.error(`${ep}.Properties.Path`, `an ${type} event needs Path (a path starting with /)`);
  if (typeof e.Method !== 'string') throw ctx.error(`${ep}.Properties.Method`, `an ${type} event needs Method (get, post, … or any)`);
  const m = e.Method.toUpperCase();
  const method = m === 'X-AMAZON-APIGATEWAY-ANY-METHOD' ? 'ANY' : m;
  if (!['ANY', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'].includes(method)) throw ctx.error(`${ep}.Properties.Method`, `unknown method ${e.Method}`);
  return { RouteKey: `${method} ${e.Path}`, PayloadFormatVersion: pfv, ...extra };
}

/** The routes of every active function's HttpApi / Api events that go to `api` (undefined: SAM's implicit API of that type). */
function routesFor(type: 'HttpApi' | 'Api', api: string | undefined, ctx: DeployContext): (Record<string, unknown> & { At: string })[] {
  const routes: (Record<string, unknown> & { At: string })[] = [];
  const seen = new Map<string, string>();
  for (const f of ctx.model.resources) {
    if (f.type !== 'AWS::Serverless::Function' || !ctx.active.has(f.id)) continue;
    const fn = f.props.AutoPublishAlias !== undefined ? { Ref: `${f.id}.Alias` } : { Ref: f.id };
    for (const [name, ev] of eventsOf(f)) {
      if (ev.Type !== type) continue;
      const ep = `Resources.${f.id}.Properties.Events.${name}`;
      const { api: target, ...r } = apiRoute(f, name, type, (ev.Properties ?? {}) as Record<string, unknown>, ep, ctx, undefined);
      if (target !== api) continue;
      const other = seen.get(r.RouteKey);
      if (other) throw ctx.error(ep, `${r.RouteKey} is already the route of ${other}: a route key names one event`);
      seen.set(r.RouteKey, `${f.id} event ${name}`);
      routes.push({ ...r, Function: fn, At: ep });
    }
  }
  return routes;
}

/** The routes of the events naming a declared AWS::Serverless::HttpApi / Api (its `expand`, in http-api.ts). */
export function explicitApiRoutes(d: ResourceDecl, ctx: DeployContext): { RouteKey: string; Function: string; PayloadFormatVersion: '1.0' | '2.0'; At: string }[] {
  return routesFor(d.type === 'AWS::Serverless::Api' ? 'Api' : 'HttpApi', d.id, ctx) as never;
}

/**
 * SAM's implicit APIs (`ServerlessHttpApi`, `ServerlessRestApi`) with the
 * routes of every active function's HttpApi / Api events without ApiId /
 * RestApiId, made once: by the last such function in the template, so the
 * API comes after every function it routes to.
 */
function implicitApis(d: ResourceDecl, ctx: DeployContext): { id: string; type: string; props: Record<string, unknown> }[] {
  const out: { id: string; type: string; props: Record<string, unknown> }[] = [];
  for (const type of ['HttpApi', 'Api'] as const) {
    const users = ctx.model.resources.filter((r) => r.type === 'AWS::Serverless::Function' && ctx.active.has(r.id) && eventsOf(r).some(([, ev]) => ev.Type === type && !namesApi(ev)));
    if (!users.length || users[users.length - 1]!.id !== d.id) continue;
    out.push({
      id: implicitApiIds[type],
      type: apiTypeOf[type],
      props: { StageName: type === 'HttpApi' ? '$default' : 'Prod', Routes: routesFor(type, undefined, ctx) },
    });
  }
  return out;
}

/** Whether an HttpApi / Api event names a declared API. */
const namesApi = (ev: Record<string, unknown>) => isMapping(ev.Properties) && (ev.Properties.ApiId !== undefined || ev.Properties.RestApiId !== undefined);

function eventsOf(r: ResourceDecl): [string, Record<string, unknown>][] {
  const evs = r.props.Events;
  if (!isMapping(evs)) return [];
  return Object.entries(evs).filter(([, ev]) => isMapping(ev)) as [string, Record<string, unknown>][];
}

/** The implicit API ids a function's events make SAM create. */
export function implicitApiIdsOf(props: Record<string, unknown>): string[] {
  const evs = props.Events;
  if (!isMapping(evs)) return [];
  const types = new Set(Object.values(evs).map((ev) => (isMapping(ev) && !namesApi(ev) ? ev.Type : undefined)));
  return [...(types.has('HttpApi') ? ['ServerlessHttpApi'] : []), ...(types.has('Api') ? ['ServerlessRestApi'] : [])];
}
