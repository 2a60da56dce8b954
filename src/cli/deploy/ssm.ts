import { GetParametersCommand, type Parameter, type SSMClient } from '@aws-sdk/client-ssm';
import { feature } from '../client';
import type { TemplateModel } from '../sam';
import { isMapping } from './values';

/**
 * What a template reads from the server's Parameter Store at deploy time, as
 * CloudFormation does before it creates anything:
 *
 * - parameters of the types `AWS::SSM::Parameter::Value<String>`,
 *   `…Value<List<String>>` and `…Value<CommaDelimitedList>` (the Default or
 *   override is the parameter's name; the template sees its value) and
 *   `AWS::SSM::Parameter::Name` (the name itself, which must exist);
 * - dynamic references `{{resolve:ssm:name}}` and `{{resolve:ssm:name:version}}`
 *   in any string of a resource's properties or an output, replaced by the
 *   value.
 *
 * CloudFormation refuses SecureString parameters in both (only
 * `{{resolve:ssm-secure:…}}` reads them, and only in the properties of
 * resources that take secrets, e.g. AWS::RDS::DBInstance MasterUserPassword,
 * none of which Kumo deploys: refused here, as `{{resolve:secretsmanager:…}}`,
 * a service Kumo lacks). A missing parameter is a template error naming it.
 */

/** GetParameters reads at most 10 names per call (ParameterNameList max). */
const namesPerCallMax = 10;
const dynamicRef = /\{\{resolve:([a-z-]+):([^}]*)\}\}/g;
/** `name` or `name:version`: names are letters, digits and `_.-/` (no `${…}` left for Fn::Sub to fill). */
const ssmRefBody = /^([a-zA-Z0-9_.\-/]+)(?::([0-9]+))?$/;

async function readAll(ssm: SSMClient, selectors: string[]): Promise<Map<string, Parameter>> {
  const found = new Map<string, Parameter>();
  const unique = [...new Set(selectors)];
  for (let i = 0; i < unique.length; i += namesPerCallMax) {
    const batch = unique.slice(i, i + namesPerCallMax);
    const r = await feature('SSM parameters (AWS::SSM::Parameter::Value types and {{resolve:ssm:…}})', 'GetParameters', () => ssm.send(new GetParametersCommand({ Names: batch })));
    for (const p of r.Parameters ?? []) found.set(p.Selector ? `${p.Name}${p.Selector}` : p.Name!, p);
  }
  return found;
}

interface Site {
  path: string;
  text: string;
}

/** Every string under `v` (with its template path) holding a dynamic reference. */
function sites(v: unknown, path: string, out: Site[]): void {
  if (typeof v === 'string') {
    if (v.includes('{{resolve:')) out.push({ path, text: v });
  } else if (Array.isArray(v)) v.forEach((x, i) => sites(x, `${path}[${i}]`, out));
  else if (isMapping(v)) for (const [k, x] of Object.entries(v)) sites(x, `${path}.${k}`, out);
}

function replaceStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => replaceStrings(x, f));
  if (isMapping(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaceStrings(x, f)]));
  return v;
}

/** Reads what the template takes from Parameter Store and puts the values into the model; template errors (LINE:COL) for what cannot be read. */
export async function resolveParameterStore(model: TemplateModel, ssm: () => SSMClient): Promise<void> {
  const found: Site[] = [];
  for (const r of model.resources) sites(r.props, `Resources.${r.id}.Properties`, found);
  for (const [k, o] of Object.entries(model.outputs)) sites(o.Value, `Outputs.${k}.Value`, found);
  const refs: { site: Site; selector: string; whole: string }[] = [];
  for (const site of found) {
    for (const m of site.text.matchAll(dynamicRef)) {
      const [whole, service, body] = m as unknown as [string, string, string];
      if (service === 'ssm-secure') {
        throw model.tpl.error(site.path, `${whole}: CloudFormation allows {{resolve:ssm-secure:…}} only in the properties of resources that take secrets (e.g. AWS::RDS::DBInstance MasterUserPassword), none of which Kumo deploys; a SecureString cannot go here`);
      }
      if (service === 'secretsmanager') throw model.tpl.error(site.path, `${whole}: Kumo has no Secrets Manager; keep the value in Parameter Store and use {{resolve:ssm:…}}`);
      if (service !== 'ssm') throw model.tpl.error(site.path, `${whole}: unknown dynamic reference service '${service}' (ssm, ssm-secure, secretsmanager)`);
      const b = ssmRefBody.exec(body);
      if (!b) throw model.tpl.error(site.path, `${whole}: a {{resolve:ssm:NAME}} or {{resolve:ssm:NAME:VERSION}} reference with a literal parameter name (Kumo resolves references before Fn::Sub, so the name cannot hold \${…})`);
      refs.push({ site, selector: b[2] ? `${b[1]}:${b[2]}` : b[1]!, whole });
    }
  }
  if (!refs.length && !model.ssmParams.length) return;
  const values = await readAll(ssm(), [...model.ssmParams.map((p) => p.ssmName), ...refs.map((r) => r.selector)]);
  for (const p of model.ssmParams) {
    const v = values.get(p.ssmName);
    if (!v) throw model.tpl.error(p.where, `parameter ${p.param}: SSM parameter '${p.ssmName}' does not exist in the server's Parameter Store (create it with aws ssm put-parameter)`);
    if (v.Type === 'SecureString' && !p.nameOnly) throw model.tpl.error(p.where, `parameter ${p.param}: SSM parameter '${p.ssmName}' is a SecureString, which CloudFormation's SSM parameter types do not read`);
    model.params[p.param] = p.nameOnly ? p.ssmName : p.list ? v.Value!.split(',') : v.Value!;
  }
  const byWhole = new Map<string, string>();
  for (const r of refs) {
    const v = values.get(r.selector);
    if (!v) throw model.tpl.error(r.site.path, `${r.whole}: SSM parameter '${r.selector}' does not exist in the server's Parameter Store`);
    if (v.Type === 'SecureString') throw model.tpl.error(r.site.path, `${r.whole}: '${r.selector}' is a SecureString; {{resolve:ssm:…}} reads String and StringList parameters only (as CloudFormation)`);
    byWhole.set(r.whole, v.Value!);
  }
  const fill = (s: string) => s.replace(dynamicRef, (whole) => byWhole.get(whole) ?? whole);
  for (const r of model.resources) r.props = replaceStrings(r.props, fill) as Record<string, unknown>;
  for (const o of Object.values(model.outputs)) if (o.Value !== undefined) o.Value = replaceStrings(o.Value, fill);
}
