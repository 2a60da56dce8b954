import { formatArn } from '../../../domain/arn';
import { defineKind, type ResourceKind } from '../kind';

/**
 * Every type no kind is registered for (AWS::DynamoDB::Table, Custom::…, SAM types
 * Kumo lacks): reported in the plan under its own type name and skipped. A
 * !Ref to it gives its logical id and a !GetAtt a stand-in, so templates that
 * declare more than Kumo runs still deploy their functions.
 */
export function notDeployed(type: string): ResourceKind {
  return defineKind({
    type,
    deleteOrder: 3,
    physicalId: (d) => d.id,
    ref: (d) => d.id,
    getAtt(d, attr, _p, ctx) {
      const svc = d.type.split('::')[1]!.toLowerCase();
      if (/arn$/i.test(attr)) return formatArn({ partition: 'aws', service: svc, region: ctx.cfg.region, account: ctx.cfg.accountId, resource: d.id });
      return d.id;
    },
    plan: async (d) => ({ decl: d, action: 'skip', reasons: [], physical: d.id, unsupported: 'not supported by Kumo yet' }),
    apply: async () => undefined,
  });
}
