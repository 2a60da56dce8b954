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
 *   lambda (SAM's `<Fn><Event>Permission` is not made: Kumo enforces no
 *   resource policies);
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
 * - `FunctionUrlConfig` → `<Fn>Url`, an AWS::Lambda::Url (SAM's
 *   `<Fn>UrlPublicPermissions` is not made: Kumo has no resource policies, a
 *   NONE URL is public).
 * With AutoPublishAlias they point at the alias, as SAM's do. Other event
 * types are reported (with a `kumo generate-event` line to try the function
 * with such an event) and skipped.
 */

/** Event types that become resources here. */
const wired = new Set(['SQS', 'SNS', 'Kinesis', 'EventBridgeRule', 'CloudWatchEvent', 'Schedule', 'ScheduleV2']);

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
/** Permissions and role settings: Kumo enforces no resource policies. */
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
  }

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
