import type { Members, Operation } from '../../gateway/service';
import type { ParameterView } from '../../parameters/parameter-service';
import { constraint } from '../../parameters/errors';
import { bool, int, str, strList } from './decode';
import { filtersOf, parameterShape, required, tagsOf, type SsmDeps } from './operation';

type ParameterType = ParameterView['type'];
const types: ParameterType[] = ['String', 'StringList', 'SecureString'];
const tiers = ['Standard', 'Advanced', 'Intelligent-Tiering'];

/** ParameterMetadata (DescribeParameters) and ParameterHistory share these members. */
function metadataShape(p: ParameterView, accountId: string): Members {
  return {
    Name: p.name, ARN: p.arn, Type: p.type, ...(p.keyId ? { KeyId: p.keyId } : {}), LastModifiedDate: p.modifiedMs / 1000,
    // Kumo has one caller identity: the account's root.
    LastModifiedUser: `arn:aws:iam::${accountId}:root`,
    ...(p.description !== undefined ? { Description: p.description } : {}), ...(p.allowedPattern !== undefined ? { AllowedPattern: p.allowedPattern } : {}),
    Version: p.version, Tier: 'Standard', Policies: [], DataType: p.dataType,
  };
}

/**
 * Parameter Store's operations over the domain's ParameterService: decode
 * the members (enums checked in Coral's words), call it, shape the answer
 * as the model names it.
 */
export function parameterOperations(d: SsmDeps & { accountId: string }): Record<string, Operation> {
  const p = d.parameters;
  return {
    PutParameter: {
      async handle(m) {
        const type = str(m, 'Type');
        if (type !== undefined && !types.includes(type as ParameterType)) throw constraint('Type', type, `Member must satisfy enum value set: [${types.join(', ')}]`);
        const tier = str(m, 'Tier');
        if (tier !== undefined && !tiers.includes(tier)) throw constraint('Tier', tier, `Member must satisfy enum value set: [${tiers.join(', ')}]`);
        const r = await p.put({
          name: required(str(m, 'Name'), 'Name'), value: required(str(m, 'Value'), 'Value'), type: type as ParameterType | undefined,
          description: str(m, 'Description'), allowedPattern: str(m, 'AllowedPattern'), keyId: str(m, 'KeyId'), dataType: str(m, 'DataType'),
          overwrite: bool(m, 'Overwrite'), tags: tagsOf(m), tier, policies: str(m, 'Policies'),
        });
        return { Version: r.version, Tier: r.tier };
      },
    },
    GetParameter: {
      async handle(m) {
        return { Parameter: parameterShape(await p.get(required(str(m, 'Name'), 'Name'), bool(m, 'WithDecryption') === true)) };
      },
    },
    GetParameters: {
      async handle(m) {
        const r = await p.getMany(required(strList(m, 'Names'), 'Names'), bool(m, 'WithDecryption') === true);
        return { Parameters: r.found.map(parameterShape), InvalidParameters: r.invalid };
      },
    },
    GetParametersByPath: {
      async handle(m) {
        const r = await p.byPath(required(str(m, 'Path'), 'Path'), {
          recursive: bool(m, 'Recursive'), filters: filtersOf(m, 'ParameterFilters'), decrypt: bool(m, 'WithDecryption'),
          maxResults: int(m, 'MaxResults'), nextToken: str(m, 'NextToken'),
        });
        return { Parameters: r.items.map(parameterShape), ...(r.nextToken ? { NextToken: r.nextToken } : {}) };
      },
    },
    DeleteParameter: {
      async handle(m) {
        await p.delete(required(str(m, 'Name'), 'Name'));
        return {};
      },
    },
    DeleteParameters: {
      async handle(m) {
        const r = await p.deleteMany(required(strList(m, 'Names'), 'Names'));
        return { DeletedParameters: r.deleted, InvalidParameters: r.invalid };
      },
    },
    DescribeParameters: {
      async handle(m) {
        if (bool(m, 'Shared')) throw constraint('Shared', true, 'Kumo has no parameters shared from other accounts');
        // The deprecated Filters (ParametersFilter: Name, Type, KeyId) are ParameterFilters with Equals.
        const legacy = filtersOf(m, 'Filters')?.map((f) => ({ ...f, option: f.key === 'Name' ? 'BeginsWith' : 'Equals' })) ?? [];
        const r = await p.describe({ filters: [...legacy, ...(filtersOf(m, 'ParameterFilters') ?? [])], maxResults: int(m, 'MaxResults'), nextToken: str(m, 'NextToken') });
        return { Parameters: r.items.map((x) => metadataShape(x, d.accountId)), ...(r.nextToken ? { NextToken: r.nextToken } : {}) };
      },
    },
    GetParameterHistory: {
      async handle(m) {
        const r = await p.history(required(str(m, 'Name'), 'Name'), { decrypt: bool(m, 'WithDecryption'), maxResults: int(m, 'MaxResults'), nextToken: str(m, 'NextToken') });
        return {
          Parameters: r.items.map((x) => ({ ...metadataShape(x, d.accountId), ARN: undefined, Value: x.value, Labels: x.labels })),
          ...(r.nextToken ? { NextToken: r.nextToken } : {}),
        };
      },
    },
    LabelParameterVersion: {
      async handle(m) {
        const r = await p.label(required(str(m, 'Name'), 'Name'), int(m, 'ParameterVersion'), required(strList(m, 'Labels'), 'Labels'));
        return { InvalidLabels: r.invalid, ParameterVersion: r.version };
      },
    },
    UnlabelParameterVersion: {
      async handle(m) {
        const r = await p.unlabel(required(str(m, 'Name'), 'Name'), required(int(m, 'ParameterVersion'), 'ParameterVersion'), required(strList(m, 'Labels'), 'Labels'));
        return { RemovedLabels: r.removed, InvalidLabels: r.invalid };
      },
    },
    AddTagsToResource: {
      async handle(m) {
        await p.addTags(required(str(m, 'ResourceType'), 'ResourceType'), required(str(m, 'ResourceId'), 'ResourceId'), required(tagsOf(m), 'Tags'));
        return {};
      },
    },
    RemoveTagsFromResource: {
      async handle(m) {
        await p.removeTags(required(str(m, 'ResourceType'), 'ResourceType'), required(str(m, 'ResourceId'), 'ResourceId'), required(strList(m, 'TagKeys'), 'TagKeys'));
        return {};
      },
    },
    ListTagsForResource: {
      async handle(m) {
        const t = await p.listTags(required(str(m, 'ResourceType'), 'ResourceType'), required(str(m, 'ResourceId'), 'ResourceId'));
        return { TagList: Object.entries(t).map(([Key, Value]) => ({ Key, Value })) };
      },
    },
  };
}
