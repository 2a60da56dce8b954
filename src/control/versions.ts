import { randomUUID } from 'node:crypto';
import { notFound, conflict, invalidParameter, preconditionFailed } from '../domain/errors';
import type { VersionRecord } from '../domain/records';
import type { MetadataStore } from '../store/types';
import type { FunctionService } from './functions';
import { Checker, checkDescription } from './validate';
import { checkSettings } from './settings';
import type { PublishVersionInput } from './inputs';
import { awsTimestamp } from './time';

/** Versions ListFunctions(FunctionVersion=ALL) lists per function (AWS documents no limit; Kumo's bound on one answer). */
const publishedListedMax = 10_000;

/**
 * Published versions: immutable snapshots of $LATEST's code and configuration
 * (environment included). Numbers are never reused. Publishing when nothing
 * changed since the newest version returns that version, as AWS does.
 */
export class VersionService {
  constructor(
    private readonly store: MetadataStore,
    private readonly functions: FunctionService,
  ) {
    functions.publisher = (name) => this.publishLatestCreated(name, {});
  }

  async publish(rawName: string, body: PublishVersionInput): Promise<VersionRecord> {
    const { name, qualifier } = this.functions.ref(rawName);
    if (qualifier !== undefined) throw invalidParameter('Unsupported FunctionName: a qualifier cannot be given when publishing a version.');
    const c = new Checker();
    const codeSha256 = c.string(body.CodeSha256, 'codeSha256');
    const description = checkDescription(c, body.Description);
    const revisionId = c.string(body.RevisionId, 'revisionId');
    c.done();
    checkSettings('PublishVersion', body);
    return this.publishLatest(name, { codeSha256, description, revisionId });
  }

  private async publishLatest(name: string, o: { codeSha256?: string; description?: string; revisionId?: string }): Promise<VersionRecord> {
    return (await this.publishLatestCreated(name, o)).rec;
  }

  private async publishLatestCreated(name: string, o: { codeSha256?: string; description?: string; revisionId?: string }): Promise<{ rec: VersionRecord; created: boolean }> {
    const fn = await this.store.getFunction(name);
    if (!fn) throw notFound(`Function not found: ${this.functions.arn(name)}`);
    const latest = fn.latest;
    if (latest.state !== 'Active' || latest.lastUpdateStatus !== 'Successful') {
      throw conflict(`The operation cannot be performed at this time. An update is in progress for resource: ${this.functions.arn(name)}`);
    }
    if (o.revisionId !== undefined && o.revisionId !== latest.revisionId) {
      throw preconditionFailed(
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    if (o.codeSha256 !== undefined && o.codeSha256 !== latest.codeSha256) {
      throw invalidParameter(
        `CodeSHA256 (${o.codeSha256}) is different from current CodeSHA256 in $LATEST (${latest.codeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
      );
    }
    // The store compares with the newest version and inserts in one transaction: two concurrent
    // publishes of an unchanged $LATEST make one version, as on AWS.
    const published = await this.store.publishVersionIfChanged(name, latest.revisionId, (newest) => this.sameSnapshot(newest, latest), (version) => ({
      ...latest,
      version,
      config: { ...latest.config, description: o.description ?? latest.config.description },
      publishedFromDescription: latest.config.description,
      revisionId: randomUUID(),
      lastModified: awsTimestamp(new Date()),
      state: 'Active',
      stateReason: null,
      stateReasonCode: null,
      lastUpdateStatus: 'Successful',
      lastUpdateStatusReason: null,
      lastUpdateStatusReasonCode: null,
    }));
    if (!published) {
      throw preconditionFailed(
        'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
      );
    }
    if (published.created) this.functions.changed(name, latest, { version: published.rec.version });
    return published;
  }

  /** $LATEST first, then published versions in ascending order (AWS's order). */
  async list(rawName: string, marker: string | undefined, maxItems: number): Promise<{ items: VersionRecord[]; next?: string }> {
    const { name } = this.functions.ref(rawName, undefined, 'list');
    const fn = await this.store.getFunction(name);
    if (!fn) throw notFound(`Function not found: ${this.functions.arn(name)}`);
    let after = -1;
    if (marker) {
      after = Number(Buffer.from(marker, 'base64url').toString('utf8'));
      if (!Number.isInteger(after)) throw invalidParameter('Invalid marker');
    }
    const items: VersionRecord[] = [];
    if (after < 0) items.push(fn.latest);
    items.push(...(await this.store.listVersions(name, Math.max(after, 0), maxItems + 1 - items.length)));
    const page = items.slice(0, maxItems);
    const last = page[page.length - 1];
    const next = items.length > maxItems && last ? Buffer.from(last.version === '$LATEST' ? '0' : last.version).toString('base64url') : undefined;
    return { items: page, next };
  }

  /** Every published version of a function, oldest first (ListFunctions with FunctionVersion=ALL). */
  async published(name: string): Promise<VersionRecord[]> {
    return this.store.listVersions(name, 0, publishedListedMax);
  }

  /**
   * Same code and configuration (environment compared in clear: sealed
   * values differ per sealing). A change of $LATEST's Description counts
   * (AWS publishes a new version then; recorded: test_version_lifecycle),
   * a Description given to PublishVersion does not.
   */
  private sameSnapshot(v: VersionRecord, latest: VersionRecord): boolean {
    if (v.codeSha256 !== latest.codeSha256) return false;
    if (v.publishedFromDescription !== undefined && v.publishedFromDescription !== latest.config.description) return false;
    const { description: _a, ...vc } = v.config;
    const { description: _b, ...lc } = latest.config;
    if (JSON.stringify(vc) !== JSON.stringify(lc)) return false;
    return JSON.stringify(this.functions.openEnv(v)) === JSON.stringify(this.functions.openEnv(latest));
  }
}
