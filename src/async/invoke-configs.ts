import { limits } from '../config';
import { DomainError, invalidParameter, notFound } from '../domain/errors';
import { parseLambdaArn } from '../domain/arn';
import type { EventInvokeConfigRecord, VersionRecord } from '../domain/records';
import type { InvokeConfigStore } from '../store/types';
import type { FunctionService } from '../control/functions';
import type { EventInvokeConfigInput } from '../control/inputs';
import { Checker } from '../control/validate';
import { destinationArnCharsMax, destinationArnPattern, destinationArnRe, destinationKind, unsupportedDestination, wellFormed } from './destinations';

/** AWS: MaximumRetryAttempts 0–2; the maximum is also the default (`limits.asyncRetriesMax`). */
export const retryAttemptsMax = limits.asyncRetriesMax;
export const retryAttemptsMin = 0;
/** AWS: MaximumEventAgeInSeconds 60–21,600; the maximum (six hours) is also the default (`limits.asyncEventAgeSecondsMax`). */
export const eventAgeSecondsMin = 60;
export const eventAgeSecondsMax = limits.asyncEventAgeSecondsMax;
/** AWS: ListFunctionEventInvokeConfigs MaxItems 1–50 (default 50). */
export const invokeConfigsPageMax = 50;

/** What the async queue applies to one event (a config's members, or AWS's defaults). */
export interface AsyncPolicy {
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  onSuccess?: string;
  onFailure?: string;
}

/**
 * Event invoke configs (PutFunctionEventInvokeConfig and the four others):
 * one per qualifier — `$LATEST` (what the unqualified function uses), a
 * version or an alias, as in AWS, where an event uses the config of exactly
 * the qualifier it was invoked with (no fallback to another qualifier's).
 * Messages and their order follow AWS's recorded answers (LocalStack
 * test_lambda_api.snapshot.json, TestLambdaEventInvokeConfig).
 */
export class EventInvokeConfigService {
  constructor(
    private readonly store: InvokeConfigStore,
    private readonly functions: FunctionService,
  ) {}

  async put(rawName: string, qualifierParam: string | undefined, body: EventInvokeConfigInput): Promise<EventInvokeConfigRecord> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    const given = this.check(body);
    if (given.maximumRetryAttempts === undefined && given.maximumEventAgeInSeconds === undefined && body.DestinationConfig === undefined) {
      throw invalidParameter('You must specify at least one of error handling or destination setting.');
    }
    await this.checkDestinations(name, given);
    const rec: EventInvokeConfigRecord = { functionName: name, qualifier, ...given, lastModifiedMs: Date.now() };
    if ((await this.store.putInvokeConfig(rec)) === 'no-function') throw notFound("The function doesn't exist.");
    return rec;
  }

  /** Merges the given members into the stored config (a member given replaces it; DestinationConfig as a whole). */
  async update(rawName: string, qualifierParam: string | undefined, body: EventInvokeConfigInput): Promise<EventInvokeConfigRecord> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    const given = this.check(body);
    await this.checkDestinations(name, given);
    const r = await this.store.updateInvokeConfig(name, qualifier, (cur) => {
      const next: EventInvokeConfigRecord = { ...cur, lastModifiedMs: Date.now() };
      if (given.maximumRetryAttempts !== undefined) next.maximumRetryAttempts = given.maximumRetryAttempts;
      if (given.maximumEventAgeInSeconds !== undefined) next.maximumEventAgeInSeconds = given.maximumEventAgeInSeconds;
      if (body.DestinationConfig !== undefined) {
        delete next.onSuccess;
        delete next.onFailure;
        if (given.onSuccess) next.onSuccess = given.onSuccess;
        if (given.onFailure) next.onFailure = given.onFailure;
      }
      return next;
    });
    if (r === 'no-function') throw notFound("The function doesn't exist.");
    if (r === 'no-config') throw this.noConfig(name, qualifier);
    return r;
  }

  async get(rawName: string, qualifierParam: string | undefined): Promise<EventInvokeConfigRecord> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    const rec = await this.store.getInvokeConfig(name, qualifier);
    if (!rec) throw this.noConfig(name, qualifier);
    return rec;
  }

  async delete(rawName: string, qualifierParam: string | undefined): Promise<void> {
    const { name, qualifier } = this.ref(rawName, qualifierParam);
    if (!(await this.store.deleteInvokeConfig(name, qualifier))) throw this.noConfig(name, qualifier);
  }

  /** A page of configs in qualifier order; the marker is the last qualifier returned. */
  async list(rawName: string, marker: string | undefined, limit: number): Promise<{ items: EventInvokeConfigRecord[]; next?: string }> {
    const { name } = this.functions.ref(rawName, undefined, 'list');
    // The function must exist (AWS: "The function doesn't exist." for ListFunctionEventInvokeConfigs).
    try {
      await this.functions.get(name);
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') throw notFound("The function doesn't exist.");
      throw e;
    }
    const items = await this.store.listInvokeConfigs(name, marker, limit + 1);
    const page = items.slice(0, limit);
    return items.length > limit ? { items: page, next: page[page.length - 1]!.qualifier } : { items: page };
  }

  /** The settings the queue applies to an event invoked with `qualifier` ('$LATEST' for the unqualified function). */
  async policy(functionName: string, qualifier: string): Promise<AsyncPolicy> {
    const c = await this.store.getInvokeConfig(functionName, qualifier);
    return {
      maximumRetryAttempts: c?.maximumRetryAttempts ?? retryAttemptsMax,
      maximumEventAgeSeconds: c?.maximumEventAgeInSeconds ?? eventAgeSecondsMax,
      ...(c?.onSuccess ? { onSuccess: c.onSuccess } : {}),
      ...(c?.onFailure ? { onFailure: c.onFailure } : {}),
    };
  }

  /** The dead-letter target of the version that ran (AWS: part of the version's configuration). */
  async deadLetterArn(functionName: string, version: string): Promise<string | undefined> {
    let rec: VersionRecord;
    try {
      rec = await this.functions.get(functionName, version);
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') return undefined;
      throw e;
    }
    return rec.config.deadLetterTargetArn;
  }

  arn(name: string, qualifier: string): string {
    return this.functions.arn(name, qualifier);
  }

  private ref(rawName: string, qualifierParam: string | undefined): { name: string; qualifier: string } {
    const { name, qualifier } = this.functions.ref(rawName, qualifierParam, 'get');
    return { name, qualifier: qualifier ?? '$LATEST' };
  }

  private noConfig(name: string, qualifier: string): DomainError {
    return notFound(`The function ${this.functions.arn(name, qualifier)} doesn't have an EventInvokeConfig`);
  }

  /** Model constraints (ValidationException), all members at once. */
  private check(body: EventInvokeConfigInput): Omit<EventInvokeConfigRecord, 'functionName' | 'qualifier' | 'lastModifiedMs'> {
    const c = new Checker();
    const retries = c.int(body.MaximumRetryAttempts, 'maximumRetryAttempts', retryAttemptsMin, retryAttemptsMax);
    const age = c.int(body.MaximumEventAgeInSeconds, 'maximumEventAgeInSeconds', eventAgeSecondsMin, eventAgeSecondsMax);
    const arn = (v: string | undefined, path: string) =>
      c.string(v, path, { min: 0, max: destinationArnCharsMax, pattern: destinationArnPattern, re: destinationArnRe });
    const onSuccess = arn(body.DestinationConfig?.OnSuccess?.Destination, 'destinationConfig.onSuccess.destination');
    const onFailure = arn(body.DestinationConfig?.OnFailure?.Destination, 'destinationConfig.onFailure.destination');
    c.done();
    return {
      ...(retries !== undefined ? { maximumRetryAttempts: retries } : {}),
      ...(age !== undefined ? { maximumEventAgeInSeconds: age } : {}),
      // An empty Destination means none (the pattern allows it; AWS then returns `OnSuccess: {}`).
      ...(onSuccess ? { onSuccess } : {}),
      ...(onFailure ? { onFailure } : {}),
    };
  }

  /** AWS's semantic checks of the destinations (InvalidParameterValueException). */
  private async checkDestinations(name: string, d: { onSuccess?: string; onFailure?: string }): Promise<void> {
    for (const arn of [d.onSuccess, d.onFailure]) {
      if (!arn) continue;
      const kind = destinationKind(arn);
      if (kind === undefined) {
        const part = (m: string, v: string | undefined) => (v ? `${m[0]!.toUpperCase()}${m.slice(1)}(destination=${v})` : 'null');
        throw invalidParameter(
          `The provided destination config DestinationConfig(onSuccess=${part('onSuccess', d.onSuccess)}, onFailure=${part('onFailure', d.onFailure)}) is invalid.`,
        );
      }
      if (kind === 'unsupported') throw unsupportedDestination(arn);
      if (!wellFormed(arn, kind)) throw invalidParameter(`The destination ARN ${arn} is invalid.`);
      if (kind === 'lambda') {
        const fn = parseLambdaArn(arn);
        if (fn?.type === 'function' && fn.name === name) throw invalidParameter("You can't specify the function as a destination for itself.");
        // AWS checks that a function destination exists (recorded: put_destination_lambda_doesntexist). One of another
        // account (AccessDenied here) is that account's to accept when a record is sent (its function policy; src/domain/delivery.ts).
        try {
          await this.functions.get(arn);
        } catch (e) {
          if (e instanceof DomainError && e.kind === 'AccessDenied') continue;
          if (e instanceof DomainError && e.kind === 'NotFound') throw invalidParameter(`The destination ARN ${arn} is invalid.`);
          throw e;
        }
      }
    }
  }
}
