import { iamOf } from '../iam-table';
import { cloudTrailErrors } from './errors';

/** CloudTrail's LookupEvents names no resource (`*`). */
export const cloudTrailIam = iamOf({
  prefix: 'cloudtrail',
  accessDenied: { name: 'AccessDeniedException', spec: cloudTrailErrors.AccessDeniedException ?? { status: 400, fault: 'client', messageKey: 'message' } },
  resources: { LookupEvents: '*' },
});
