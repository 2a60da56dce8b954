import type { Package } from '../package';
import type { ResourceDecl } from '../sam';
import type { StackResource } from '../stack';
import type { DeployContext } from './context';

/**
 * The contract every resource kind implements: one module per CloudFormation
 * or SAM type, registered in `registry.ts`. The orchestrator knows nothing of
 * any type; it asks the kind to plan (read-only: compare the template with
 * the server and say what would change) and then to apply that plan.
 *
 * A new kind (AWS::SQS::Queue, AWS::Lambda::EventSourceMapping, …) is one
 * file exporting a `ResourceKind` and one line in the registry. A SAM-level
 * kind that stands for several lower-level resources (AWS::Serverless::Function
 * → <Id>Role, <Id>Version…, <Id>Alias…) does so with `expand`.
 */

export type Action = 'create' | 'update' | 'unchanged' | 'delete' | 'skip';

/** One resource's planned change: shown in the plan, then handed back to the kind's `apply`. */
export interface Planned<D = unknown> {
  decl: ResourceDecl;
  action: Action;
  /** What differs, shown in the plan in parentheses ("code; MemorySize"). */
  reasons: string[];
  /** The name the resource has (or will have) on the server. */
  physical: string;
  /** Why this resource cannot be deployed: reported as its failure, and its dependants are skipped. */
  conflict?: string;
  /**
   * Why Kumo does not deploy this resource at all (a service it lacks): not a
   * failure; the plan lists such resources once, grouped by type and reason.
   * With `blocksDependants`, what depends on it is skipped as failed (its
   * values are not even stand-ins); without, dependants get stand-ins (!Ref:
   * the logical id).
   */
  unsupported?: string;
  blocksDependants?: boolean;
  /** What planning learned that applying reuses (the zip, the server's configuration). */
  data?: D;
}

/** Which properties a kind acts on, checked before anything is resolved (template.yaml:LINE:COL on a mistake). */
export interface PropertySchema {
  handled: readonly string[];
  /** Accepted but with no local effect (IAM, networking, tracing…): reported once, not an error. */
  ignored: readonly string[];
  /** Throws (through `need` / `fail`) when a property the resource cannot do without is missing or unusable. */
  check?(c: RequiredCheck): void;
  /**
   * The logical ids SAM's translator creates for this resource that a
   * template may name in !Ref, !GetAtt and !Sub though it never declares
   * them (`<Fn>Role`, `<Fn>Alias<name>`); resolved by the kind's `implicitRef`.
   */
  implicit?(id: string, props: Record<string, unknown>): string[];
  /**
   * Whether an id the template names but does not declare is one SAM makes
   * for this resource under a name only known once the code is packaged
   * (`<Fn>Version<hash>`); resolved, and checked, by the kind's `implicitRef`.
   */
  implicitMatch?(id: string, props: Record<string, unknown>, candidate: string): boolean;
}

export interface RequiredCheck {
  id: string;
  /** Unresolved properties (Globals merged). */
  props: Record<string, unknown>;
  /** A template error "<Type> <Id> needs <key><why>" unless the property is there. */
  need(key: string, why?: string): void;
  /** A template error at the property (or at the resource: key undefined). */
  fail(key: string | undefined, message: string): never;
}

/** Where a kind's code lives, for packaging and for `kumo dev`'s watcher. */
export interface CodeSource {
  /** The property holding a local directory, .zip or single file (CodeUri, Code, ContentUri, Content). */
  property: string;
  /**
   * The path used when the property is absent and there is no inline code
   * (AWS::Serverless::Function: `.`, the template's own folder, which SAM CLI
   * packages when CodeUri is omitted, as every `sam init` Node.js template does).
   */
  defaultPath?: string;
  /** The property holding inline code, when the kind has one at the top level (InlineCode): with it, `defaultPath` does not apply. */
  inlineProperty?: string;
  /** Code given in the template itself (InlineCode, Code.ZipFile), zipped on the spot; undefined when the property is a path. */
  inline?(props: Record<string, unknown>, propsPath: string, ctx: DeployContext): Promise<Package> | undefined;
  /** What a change of the code redeploys in `kumo dev`: this resource only, or the stack (a layer's new version changes its functions). */
  redeploys: 'self' | 'stack';
}

export interface ResourceKind<D = unknown> {
  readonly type: string;
  /** Absent for kinds Kumo reports and skips (their properties are not checked). */
  readonly schema?: PropertySchema;
  readonly code?: CodeSource;
  /** Files besides the template whose content is part of the resource's definition (DefinitionUri): `kumo dev` redeploys the stack when one is saved. */
  readonly definitionFiles?: (props: Record<string, unknown>) => string[];
  /** True when a new physical name means a new resource (the old one is deleted): functions. */
  readonly replacedOnRename?: boolean;
  /** Removed resources are deleted in ascending order (aliases and versions before functions, functions before layers). */
  readonly deleteOrder: number;

  /**
   * The resources this declaration stands for, in dependency order (itself
   * included or not), each with `partOf` set to this id. Runs once per deploy,
   * after Conditions, before planning. Absent: the declaration is deployed as is.
   */
  expand?(decl: ResourceDecl, ctx: DeployContext): ResourceDecl[];
  /** The name on the server (FunctionName, LayerName, or a name derived from the stack). */
  physicalId(decl: ResourceDecl, ctx: DeployContext): string;
  /** What `!Ref` gives. */
  ref(decl: ResourceDecl, ctx: DeployContext): string;
  /** What `!GetAtt Id.attr` gives; a template error naming the attributes there are otherwise. */
  getAtt(decl: ResourceDecl, attr: string, path: string, ctx: DeployContext): string;
  /** `!Ref X` (attr undefined) or `!GetAtt X.attr` of an id `schema.implicit` named for this resource. */
  implicitRef?(decl: ResourceDecl, implicitId: string, attr: string | undefined, path: string, ctx: DeployContext): string;
  /** `!Ref Id.Sub` (SAM's Fn.Alias / Fn.Version); absent: a template error. */
  refAttribute?(decl: ResourceDecl, sub: string, path: string, ctx: DeployContext): string;

  /** Read-only: what applying would change. */
  plan(decl: ResourceDecl, ctx: DeployContext): Promise<Planned<D>>;
  /** Makes the change; returns what goes in the stack record (undefined: nothing to record). */
  apply(planned: Planned<D>, ctx: DeployContext): Promise<StackResource | undefined>;
  /** Deletes a resource the template no longer has; a resource already gone is not an error. */
  remove?(rec: StackResource, ctx: DeployContext): Promise<void>;
  /** The physical id of the resource whose deletion already deleted this one (a function takes its versions and aliases with it). */
  deletedWith?(rec: StackResource, gone: readonly StackResource[]): string | undefined;
}

/** Keeps a kind's plan data typed inside its module while the registry holds kinds of every data type. */
export const defineKind = <D>(k: ResourceKind<D>): ResourceKind => k as unknown as ResourceKind;
