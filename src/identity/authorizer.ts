import type { IdentityService } from './identity-service';
import { identityTuning } from './limits';
import { evaluatePolicies, parsePolicy } from './policy';
import type { PolicyDoc } from './policy-types';
import type { Authorizer, AuthzDecision, AuthzRequest, Principal, ResourcePolicySource } from './types';

/**
 * IAM's decision for a caller in the resource's own account, as AWS's
 * "policy evaluation logic" documents it (same-account requests; Kumo has
 * no permissions boundaries, SCPs or session policies):
 *
 * 1. An explicit Deny in any applicable policy (the caller's identity
 *    policies, the resource's policy) → ExplicitDeny.
 * 2. Else an Allow in the identity policies, or in the resource policy by a
 *    statement whose Principal names the caller → allowed. "Names the
 *    caller": the user's ARN; for a role session its session ARN or its
 *    role's ARN. A statement naming only the account (`arn:aws:iam::<acct>:root`)
 *    delegates to the identity policies and does not allow by itself
 *    (AWS: "the account's administrator must grant … identity-based policies").
 * 3. Else ImplicitDeny (identity-based).
 *
 * Root is allowed everything in its account. A session whose role was
 * deleted (or deleted and made again) is denied everything. Identity
 * policies come compiled from IdentityService's cache; resource policies
 * are compiled once per text here.
 */
export class IdentityAuthorizer implements Authorizer {
  private readonly sources = new Map<string, ResourcePolicySource>();
  private readonly compiledResourcePolicies = new Map<string, PolicyDoc | null>();

  /**
   * The authorizers of the server's other accounts (issue 18): a caller of
   * another account is allowed only when its own account's identity
   * policies allow the call AND this account's resource policy allows the
   * caller (AWS's cross-account evaluation).
   */
  peers: ((accountId: string) => IdentityAuthorizer | undefined) | undefined;

  constructor(private readonly identity: IdentityService) {}

  /** The resource policies of one service (its IAM prefix: `lambda`), asked for the resource each call names. */
  registerResourcePolicies(prefix: string, source: ResourcePolicySource): void {
    if (this.sources.has(prefix)) throw new Error(`resource policies of ${prefix} are registered twice`);
    this.sources.set(prefix, source);
  }

  authorize(principal: Principal, request: AuthzRequest): AuthzDecision | Promise<AuthzDecision> {
    if (principal.accountId !== this.identity.accountId) return this.crossAccount(principal, request);
    if (principal.type === 'Root') return allowed;
    const docs = this.identity.identityPoliciesOf(principal);
    const colon = request.action.indexOf(':');
    const source = this.sources.get(colon > 0 ? request.action.slice(0, colon) : request.action);
    const policy = source?.policyOf(request.resource);
    if (docs instanceof Promise || policy instanceof Promise) {
      return Promise.all([docs, policy]).then(([d, p]) => this.decide(principal, request, d, p));
    }
    return this.decide(principal, request, docs, policy);
  }

  /** What the caller's identity policies alone say (STS AssumeRole combines it with the trust policy itself). */
  async identityDecision(principal: Principal, action: string, resource: string, context: AuthzRequest['context']): Promise<'Allow' | 'Deny' | 'None'> {
    if (principal.type === 'Root') return 'Allow';
    const docs = await this.identity.identityPoliciesOf(principal);
    if (docs === null) return 'None';
    return evaluatePolicies(docs, { action, resource, context: withGlobalKeys(principal, context) });
  }

  /**
   * What this account's resource policy on `resource` says of a service
   * principal sending from another account (src/domain/delivery.ts: an SNS
   * topic, a rule, a log group of that account delivering here): the
   * statement must name the service (or the source account), its
   * conditions (`aws:SourceArn`, `aws:SourceAccount`) are matched against the
   * source. No policy: 'None'.
   */
  async resourcePolicyDecision(service: string, sourceAccount: string, action: string, resource: string, sourceArn: string): Promise<'Allow' | 'Deny' | 'None'> {
    const colon = action.indexOf(':');
    const source = this.sources.get(action.slice(0, colon));
    const text = await source?.policyOf(resource);
    const doc = text === undefined ? null : this.compiledResource(text);
    if (!doc) return 'None';
    return evaluatePolicies([doc], {
      action, resource,
      context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount, 'aws:SourceOwner': sourceAccount },
      principal: { service, aws: [`arn:aws:iam::${sourceAccount}:root`, sourceAccount] },
    });
  }

  /**
   * A caller of another account: both sides must allow (AWS: "the
   * identity-based policy of the requester and the resource-based policy of
   * the resource"); an explicit Deny on either side wins. In a resource
   * policy, naming the caller's account (`arn:aws:iam::<acct>:root`) names
   * every principal of that account, its own policies deciding the rest.
   */
  private async crossAccount(principal: Principal, request: AuthzRequest): Promise<AuthzDecision> {
    const own = this.peers?.(principal.accountId);
    if (!own) return implicitDeny;
    const id = await own.identityDecision(principal, request.action, request.resource, request.context);
    if (id === 'Deny') return explicitDeny('identity-based');
    const colon = request.action.indexOf(':');
    const source = this.sources.get(colon > 0 ? request.action.slice(0, colon) : request.action);
    const text = await source?.policyOf(request.resource);
    const doc = text === undefined ? null : this.compiledResource(text);
    let r: 'Allow' | 'Deny' | 'None' = 'None';
    if (doc) {
      const named = [principal.arn, `arn:aws:iam::${principal.accountId}:root`];
      if (principal.type === 'AssumedRole' && principal.roleArn) named.push(principal.roleArn);
      r = evaluatePolicies([doc], { action: request.action, resource: request.resource, context: withGlobalKeys(principal, request.context), principal: { aws: named } });
    }
    if (r === 'Deny') return explicitDeny('resource-based');
    if (r !== 'Allow') return { allowed: false, reason: 'ImplicitDeny', policyType: 'resource-based' };
    return id === 'Allow' ? allowed : implicitDeny;
  }

  private decide(principal: Principal, request: AuthzRequest, docs: PolicyDoc[] | null, policyText: string | undefined): AuthzDecision {
    if (docs === null) return implicitDeny;
    const req = { action: request.action, resource: request.resource, context: withGlobalKeys(principal, request.context) };
    const id = evaluatePolicies(docs, req);
    if (id === 'Deny') return explicitDeny('identity-based');
    const resourceDoc = policyText === undefined ? null : this.compiledResource(policyText);
    if (resourceDoc) {
      const named = principal.type === 'AssumedRole' ? [principal.arn, principal.roleArn!] : [principal.arn];
      const r = evaluatePolicies([resourceDoc], { ...req, principal: { aws: named } });
      if (r === 'Deny') return explicitDeny('resource-based');
      if (r === 'Allow') return allowed;
    }
    return id === 'Allow' ? allowed : implicitDeny;
  }

  private compiledResource(text: string): PolicyDoc | null {
    let doc = this.compiledResourcePolicies.get(text);
    if (doc === undefined) {
      const r = parsePolicy(text, 'resource');
      doc = r.ok ? r.doc : null;
      if (this.compiledResourcePolicies.size >= identityTuning.resourcePoliciesMax) {
        this.compiledResourcePolicies.delete(this.compiledResourcePolicies.keys().next().value!);
      }
      this.compiledResourcePolicies.set(text, doc);
    }
    return doc;
  }
}

const allowed: AuthzDecision = { allowed: true };
const implicitDeny: AuthzDecision = { allowed: false, reason: 'ImplicitDeny', policyType: 'identity-based' };
const explicitDeny = (policyType: 'identity-based' | 'resource-based'): AuthzDecision => ({ allowed: false, reason: 'ExplicitDeny', policyType });

/** AWS's global condition keys about the caller (aws:PrincipalArn is the role's ARN for a role session). */
function withGlobalKeys(p: Principal, context: AuthzRequest['context']): AuthzRequest['context'] {
  return {
    'aws:PrincipalArn': p.roleArn ?? p.arn,
    'aws:PrincipalAccount': p.accountId,
    'aws:PrincipalType': p.type === 'IAMUser' ? 'User' : p.type === 'AssumedRole' ? 'AssumedRole' : 'Account',
    'aws:userid': p.principalId,
    ...(p.userName ? { 'aws:username': p.userName } : {}),
    ...context,
  };
}
