import { DomainError, notFound, invalidParameter, validationFailed } from '../domain/errors';
import type { MetadataStore } from '../store/types';
import { parseLambdaArn } from '../domain/arn';
import type { TagResourceInput } from './inputs';
import type { FunctionService } from './functions';
import { Checker, checkTags, tagsPerResourceMax } from './validate';

/** The pattern AWS quotes for a Resource that is not taggable (recorded: LocalStack test_tag_exceptions[lambda_function]). */
const taggablePattern =
  'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';

/** An event source mapping ARN (the form the taggable pattern above allows; no qualifier). */
const mappingArnRe = /^arn:aws[a-zA-Z-]*:lambda:([a-z0-9-]+):(\d{12}):event-source-mapping:([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** What tagging needs of the event source mappings (EventSourceMappingService is it). */
export interface MappingTags {
  get(uuid: string): Promise<{ tags: Record<string, string> }>;
  changeTags(uuid: string, change: { set?: Record<string, string>; remove?: string[] }, tagsMax: number): Promise<'ok' | 'not-found' | 'too-many'>;
}

type Resource = { kind: 'function'; name: string } | { kind: 'mapping'; uuid: string };

/**
 * TagResource / UntagResource / ListTags on functions and on event source
 * mappings (whose tags CreateEventSourceMapping also takes), the taggable
 * resources Kumo has so far; other taggable ARNs (code signing configs,
 * capacity providers) name nothing Kumo has, so they are not found.
 */
export class TagService {
  private mappings: MappingTags | undefined;

  constructor(
    private readonly store: MetadataStore,
    /** Only the account and region a function ARN must name. */
    private readonly functions: Pick<FunctionService, 'ctxRegion' | 'ctxAccount'>,
  ) {}

  /** The mapping service is built after this one (it needs the queue service); the composition root hands it over. */
  setMappings(m: MappingTags): void {
    this.mappings = m;
  }

  private async resource(arn: string): Promise<Resource> {
    const m = mappingArnRe.exec(arn);
    if (!m) return { kind: 'function', name: await this.fn(arn) };
    const missing = () => notFound(`Event source mapping not found: ${arn}`);
    if (m[1] !== this.functions.ctxRegion || m[2] !== this.functions.ctxAccount || !this.mappings) throw missing();
    try {
      await this.mappings.get(m[3]!);
    } catch (e) {
      if (e instanceof DomainError && e.kind === 'NotFound') throw missing();
      throw e;
    }
    return { kind: 'mapping', uuid: m[3]! };
  }

  private async changeMapping(arn: string, uuid: string, change: { set?: Record<string, string>; remove?: string[] }): Promise<void> {
    const r = await this.mappings!.changeTags(uuid, change, tagsPerResourceMax);
    if (r === 'too-many') throw invalidParameter(`Number of tags exceeds resource tag limit of ${tagsPerResourceMax}.`);
    if (r === 'not-found') throw notFound(`Event source mapping not found: ${arn}`);
  }

  private async fn(arn: string): Promise<string> {
    const m = parseLambdaArn(arn);
    if (m?.type !== 'function') {
      throw validationFailed([{ value: arn, path: 'resource', constraint: `Member must satisfy regular expression pattern: ${taggablePattern}` }]);
    }
    if (m.qualifier !== undefined) throw invalidParameter('Tags on function aliases and versions are not supported. Please specify a function ARN.');
    if (m.region !== this.functions.ctxRegion || m.account !== this.functions.ctxAccount || !(await this.store.getFunction(m.name))) {
      throw notFound(`Function not found: ${arn}`);
    }
    return m.name;
  }

  async list(arn: string): Promise<Record<string, string>> {
    const res = await this.resource(arn);
    if (res.kind === 'mapping') return (await this.mappings!.get(res.uuid)).tags;
    return (await this.store.getTags(res.name)) ?? {};
  }

  async tag(arn: string, body: TagResourceInput): Promise<void> {
    const res = await this.resource(arn);
    const c = new Checker();
    const tags = checkTags(c, body.Tags);
    c.done();
    if (!tags) throw validationFailed([{ value: null, path: 'tags', constraint: 'Member must not be null' }]);
    if (res.kind === 'mapping') return this.changeMapping(arn, res.uuid, { set: tags });
    const name = res.name;
    // One store transaction merges and checks the limit: a read here and a write after would lose a concurrent call's tags.
    const r = await this.store.changeTags(name, { set: tags }, tagsPerResourceMax);
    if (r.kind === 'too-many') throw invalidParameter(`Number of tags exceeds resource tag limit of ${tagsPerResourceMax}.`);
    if (r.kind === 'no-function') throw notFound(`Function not found: ${arn}`);
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const res = await this.resource(arn);
    if (!keys.length) throw validationFailed([{ value: null, path: 'tagKeys', constraint: 'Member must not be null' }]);
    if (res.kind === 'mapping') return this.changeMapping(arn, res.uuid, { remove: keys });
    const name = res.name;
    const r = await this.store.changeTags(name, { remove: keys }, tagsPerResourceMax);
    if (r.kind === 'no-function') throw notFound(`Function not found: ${arn}`);
  }
}
