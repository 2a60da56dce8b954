import { zipInline } from '../../package';
import { isMapping } from '../values';
import { functionKind } from './function';

/** AWS::Lambda::Function: Code is a local directory or .zip, or Code.ZipFile inline. */
export const lambdaFunction = functionKind({
  type: 'AWS::Lambda::Function',
  schema: {
    handled: [
      'FunctionName', 'Code', 'Handler', 'Runtime', 'MemorySize', 'Timeout', 'Environment', 'Layers', 'ReservedConcurrentExecutions', 'EphemeralStorage',
      'Description', 'Role', 'Architectures', 'PackageType', 'LoggingConfig', 'DeadLetterConfig', 'TracingConfig',
    ],
    ignored: [
      'Tags', 'VpcConfig', 'KmsKeyArn', 'FileSystemConfigs', 'ImageConfig', 'CodeSigningConfigArn', 'SnapStart',
      'RuntimeManagementConfig', 'RecursiveLoop',
    ],
    check({ props, need, fail }) {
      if (props.PackageType === 'Image') fail('PackageType', 'container image functions are not supported by Kumo (PackageType: Zip only)');
      need('Code');
      need('Runtime');
      need('Handler');
    },
  },
  code: {
    property: 'Code',
    inline: (pr) => (isMapping(pr.Code) && typeof pr.Code.ZipFile === 'string' ? zipInline(pr.Code.ZipFile, pr.Runtime as string | undefined) : undefined),
    redeploys: 'self',
  },
});
