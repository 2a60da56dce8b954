import type { IdentityService } from '../../identity/identity-service';

/**
 * IAM's output shapes from the domain's records. Policy documents are
 * URL-encoded (RFC 3986) as IAM returns them: botocore and the aws CLI
 * decode them, SDK v3 users call decodeURIComponent.
 */
type User = Awaited<ReturnType<IdentityService['getUser']>>;
type Role = Awaited<ReturnType<IdentityService['getRole']>>;
type Policy = Awaited<ReturnType<IdentityService['getPolicy']>>;
type Version = Awaited<ReturnType<IdentityService['getPolicyVersion']>>;

export const encodeDocument = (doc: string) => encodeURIComponent(doc);

export const tagList = (tags: [string, string][]) => tags.map(([Key, Value]) => ({ Key, Value }));

export function userShape(u: User, withTags = false) {
  return {
    Path: u.path, UserName: u.name, UserId: u.id, Arn: u.arn, CreateDate: new Date(u.createdMs),
    ...(withTags && u.tags.length ? { Tags: tagList(u.tags) } : {}),
  };
}

export function roleShape(r: Role, full = true) {
  return {
    Path: r.path, RoleName: r.name, RoleId: r.id, Arn: r.arn, CreateDate: new Date(r.createdMs),
    AssumeRolePolicyDocument: encodeDocument(r.trustPolicy),
    ...(r.description !== undefined ? { Description: r.description } : {}),
    MaxSessionDuration: r.maxSessionDurationS,
    ...(full && r.tags.length ? { Tags: tagList(r.tags) } : {}),
    ...(full ? { RoleLastUsed: {} } : {}),
  };
}

export function policyShape(p: Omit<Policy, 'awsManaged'> & { awsManaged?: boolean }, withTags = false) {
  return {
    PolicyName: p.name, PolicyId: p.id, Arn: p.arn, Path: p.path, DefaultVersionId: p.defaultVersionId, AttachmentCount: p.attachmentCount,
    PermissionsBoundaryUsageCount: 0, IsAttachable: true, ...(p.description !== undefined && withTags ? { Description: p.description } : {}),
    CreateDate: new Date(p.createdMs), UpdateDate: new Date(p.updatedMs),
    ...(withTags && p.tags.length ? { Tags: tagList(p.tags) } : {}),
  };
}

export function versionShape(v: Version) {
  return { Document: encodeDocument(v.document), VersionId: v.versionId, IsDefaultVersion: v.isDefault, CreateDate: new Date(v.createdMs) };
}

export const truncation = (marker: string | undefined) => (marker ? { IsTruncated: true, Marker: marker } : { IsTruncated: false });
