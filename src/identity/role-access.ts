import type { Authorizer, Principal } from './types';

/**
 * What a service acting as a function's execution role may do (issue 18):
 * Lambda's pollers read a queue or stream, and async invocations deliver to
 * their destinations, with the function's role, as AWS does. The role is
 * asked through the `Authorizer` as a session of the role named after the
 * function (the session an EE of it gets), without minting credentials.
 */
export class RoleAccess {
  constructor(private readonly authorizer: Authorizer) {}

  /** The first of `actions` on `resource` the role does not allow, or undefined when it allows them all. */
  async firstDenied(roleArn: string, sessionName: string, actions: readonly string[], resource: string): Promise<string | undefined> {
    const p = rolePrincipal(roleArn, sessionName);
    for (const action of actions) {
      const d = await this.authorizer.authorize(p, { action, resource, context: {} });
      if (!d.allowed) return action;
    }
    return undefined;
  }

  async allows(roleArn: string, sessionName: string, action: string, resource: string): Promise<boolean> {
    return (await this.firstDenied(roleArn, sessionName, [action], resource)) === undefined;
  }
}

/** `arn:aws:iam::<acct>:role<path><name>` → the principal of a session of it (`arn:aws:sts::<acct>:assumed-role/<name>/<session>`). */
export function rolePrincipal(roleArn: string, sessionName: string): Principal {
  const m = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  const partition = m?.[1] ?? 'aws';
  const accountId = m?.[2] ?? '';
  const name = m?.[3] ?? roleArn;
  return {
    type: 'AssumedRole',
    accountId,
    arn: `arn:${partition}:sts::${accountId}:assumed-role/${name}/${sessionName}`,
    principalId: `:${sessionName}`,
    accessKeyId: '',
    roleArn,
    sessionName,
  };
}
