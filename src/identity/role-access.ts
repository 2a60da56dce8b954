import type { Authorizer, Principal } from './types';

/**
 * What a service acting as a function's execution role may do (issue 18):
 * Lambda's pollers read a queue or stream, and async invocations deliver to
 * their destinations, with the function's role, as AWS does. The role is
 * asked through the `Authorizer` as a session of the role named after the
 * function (the session an EE of it gets), without minting credentials.
 */
export class RoleAccess {
  /**
   * `principalOf`: the session principal of a role as the authorizer knows
   * it (its principal id carries the role's id, so a session of a deleted
   * and re-made role is not the new role's); undefined when the role does
   * not exist (then nothing is allowed). Default: `rolePrincipal`.
   */
  constructor(
    private readonly authorizer: Authorizer,
    private readonly principalOf: (roleArn: string, sessionName: string) => Principal | undefined | Promise<Principal | undefined> = rolePrincipal,
    /**
     * Several accounts: the authorizer of the account a resource ARN names
     * (a queue or stream of another account is authorised there, by its
     * resource policy and the role's own policies); undefined: `authorizer`.
     */
    private readonly authorizerOf?: (accountId: string) => Authorizer | undefined,
  ) {}

  /** The first of `actions` on `resource` the role does not allow, or undefined when it allows them all. */
  async firstDenied(roleArn: string, sessionName: string, actions: readonly string[], resource: string): Promise<string | undefined> {
    const p = await this.principalOf(roleArn, sessionName);
    if (!p) return actions[0];
    const account = this.authorizerOf ? resource.split(':')[4] : undefined;
    const az = (account && this.authorizerOf?.(account)) || this.authorizer;
    for (const action of actions) {
      const d = await az.authorize(p, { action, resource, context: {} });
      if (!d.allowed) return action;
    }
    return undefined;
  }

  async allows(roleArn: string, sessionName: string, action: string, resource: string): Promise<boolean> {
    return (await this.firstDenied(roleArn, sessionName, [action], resource)) === undefined;
  }
}

/**
 * `arn:aws:iam::<acct>:role<path><name>` → the principal of a session of it
 * (`arn:aws:sts::<acct>:assumed-role/<name>/<session>`); `roleId` (AROA…)
 * makes the principal id `<roleId>:<session>`, as STS's.
 */
export function rolePrincipal(roleArn: string, sessionName: string, roleId = ''): Principal {
  const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  const partition = m?.[1] ?? 'aws';
  const accountId = m?.[2] ?? '';
  const name = m?.[3] ?? roleArn;
  return {
    type: 'AssumedRole',
    accountId,
    arn: `arn:${partition}:sts::${accountId}:assumed-role/${name}/${sessionName}`,
    principalId: `${roleId}:${sessionName}`,
    accessKeyId: '',
    roleArn,
    sessionName,
  };
}
