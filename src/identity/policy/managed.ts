/**
 * AWS managed policies (`arn:aws:iam::aws:policy/…`), the ones Lambda users
 * attach, with their real statements, ids, versions and dates (the data is
 * `managed-data.ts`, generated from IAM's own answers; see its header). IAM's
 * GetPolicy/GetPolicyVersion/ListPolicies (Scope=AWS) answer from here, and
 * the authorizer evaluates `document` like any attached policy.
 */
import { MANAGED_POLICY_RECORDS } from './managed-data';
import { parsePolicy } from './parse';
import type { PolicyDocument } from './types';

/** One AWS managed policy as recorded (the generated data's shape). */
export interface ManagedPolicyRecord {
  name: string;
  policyId: string;
  arn: string;
  path: string;
  defaultVersionId: string;
  createDate: string;
  updateDate: string;
  description: string;
  /** The default version's document, as IAM returns it. */
  document: unknown;
}

/** AWS managed policies Lambda users attach, with their real statements. */
export interface ManagedPolicy {
  name: string;
  arn: string;
  path: string;
  description: string;
  defaultVersionId: string;
  /** The default version, parsed (normalised) for evaluation. */
  document: PolicyDocument;
  /** The default version's text, as GetPolicyVersion returns it (before URL-encoding). */
  documentText: string;
  /** ISO 8601, UTC (`2015-04-09T15:03:43Z`). */
  createDate: string;
  updateDate: string;
  /** IAM's PolicyId (`ANPA…`). */
  policyId: string;
}

function load(): ReadonlyMap<string, ManagedPolicy> {
  const m = new Map<string, ManagedPolicy>();
  for (const r of MANAGED_POLICY_RECORDS) {
    // AWS's text is not recorded byte for byte (the recorder re-serialised it); Kumo prints it with 4-space indents.
    const documentText = JSON.stringify(r.document, null, 4);
    const parsed = parsePolicy(documentText, 'identity', { managed: true });
    if (!parsed.ok) throw new Error(`managed policy ${r.name} does not parse: ${parsed.message}`);
    m.set(r.arn, {
      name: r.name,
      arn: r.arn,
      path: r.path,
      description: r.description,
      defaultVersionId: r.defaultVersionId,
      document: parsed.doc,
      documentText,
      createDate: r.createDate,
      updateDate: r.updateDate,
      policyId: r.policyId,
    });
  }
  return m;
}

/** By ARN (`arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`: note the path). */
export const managedPolicies: ReadonlyMap<string, ManagedPolicy> = load();
