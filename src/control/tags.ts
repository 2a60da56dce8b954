import { notFound, invalidParameter, validationFailed } from '../domain/errors';
import type { MetadataStore } from '../store/types';
import { parseLambdaArn } from '../domain/arn';
import type { TagResourceInput } from './inputs';
import type { FunctionService } from './functions';
import { Checker, checkTags, tagsPerResourceMax } from './validate';

/** The pattern AWS quotes for a Resource that is not taggable (recorded: LocalStack test_tag_exceptions[lambda_function]). */
const taggablePattern =
  'arn:(aws[a-zA-Z-]*):lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:(function:[a-zA-Z0-9-_]+(:(\\$LATEST|[a-zA-Z0-9-_]+))?|layer:([a-zA-Z0-9-_]+)|code-signing-config:csc-[a-z0-9]{17}|event-source-mapping:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|capacity-provider:[a-zA-Z0-9-_]+)';

/** TagResource / UntagResource / ListTags on functions (the taggable resource Kumo has so far). */
export class TagService {
  constructor(
    private readonly store: MetadataStore,
    /** Only the account and region a function ARN must name. */
    private readonly functions: Pick<FunctionService, 'ctxRegion' | 'ctxAccount'>,
  ) {}

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
    return (await this.store.getTags(await this.fn(arn))) ?? {};
  }

  async tag(arn: string, body: TagResourceInput): Promise<void> {
    const name = await this.fn(arn);
    const c = new Checker();
    const tags = checkTags(c, body.Tags);
    c.done();
    if (!tags) throw validationFailed([{ value: null, path: 'tags', constraint: 'Member must not be null' }]);
    // One store transaction merges and checks the limit: a read here and a write after would lose a concurrent call's tags.
    const r = await this.store.changeTags(name, { set: tags }, tagsPerResourceMax);
    if (r.kind === 'too-many') throw invalidParameter(`Number of tags exceeds resource tag limit of ${tagsPerResourceMax}.`);
    if (r.kind === 'no-function') throw notFound(`Function not found: ${arn}`);
  }

  async untag(arn: string, keys: string[]): Promise<void> {
    const name = await this.fn(arn);
    if (!keys.length) throw validationFailed([{ value: null, path: 'tagKeys', constraint: 'Member must not be null' }]);
    const r = await this.store.changeTags(name, { remove: keys }, tagsPerResourceMax);
    if (r.kind === 'no-function') throw notFound(`Function not found: ${arn}`);
  }
}
