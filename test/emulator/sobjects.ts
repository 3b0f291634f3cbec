/*
 * REST resources of the org side, under /services/data/vNN.N:
 *   GET    sobjects/User/<id>                           the user record (core reads Username from it after an access-token login)
 *   POST   sobjects/PermissionSetAssignment             {AssigneeId, PermissionSetId} -> 201 {id, success, errors}; 400 DUPLICATE_VALUE
 *   DELETE sobjects/PermissionSetAssignment/<id>        204
 *   GET    tooling/sobjects/SourceMember/describe       404 NOT_FOUND: the org does not track source
 *   POST   metadata/deployRequest                       multipart: file (zip) + entity_content {"deployOptions":{…}} -> 201
 *   GET    metadata/deployRequest/<id>[?includeDetails] {id, url, deployOptions, deployResult}; each GET is one poll
 *   PATCH  metadata/deployRequest/<id>                  {"deployResult":{"status":"Canceling"}} -> 202
 * Assignments change the records at once and the token endpoint after the propagation delay (OrgStore.schedule).
 */
import type { StoredUser } from './config.js';
import type { OrgStore } from './org.js';
import type { Reply, Session } from './rest.js';
import { NOT_FOUND } from './rest.js';
import { displayName, emailOf } from './soql.js';
import { deployOptions, type DeployJobs } from './metadata/deploy.js';

export type OrgRestContext = {
  org: OrgStore;
  deploys: DeployJobs;
  users: StoredUser[];
  session: Session;
  version: string;
  /** the token endpoint's view: give the user a permission set (called after the propagation delay) */
  grantPermissionSet(userId: string, name: string, granted: boolean): void;
};

const bad = (status: number, errorCode: string, message: string, fields?: string[]): Reply => ({
  status,
  body: [{ message, errorCode, ...(fields ? { fields } : {}) }],
});
const sameId = (a: string, b: string): boolean => a.length >= 15 && b.length >= 15 && a.slice(0, 15) === b.slice(0, 15);

export function userRecord(user: StoredUser, org: OrgStore, version: string): Record<string, unknown> {
  const profile = org.profileOf(user);
  return {
    attributes: { type: 'User', url: `/services/data/v${version}/sobjects/User/${user.userId}` },
    Id: user.userId,
    Username: user.username,
    Name: displayName(user.username),
    Email: emailOf(user.username),
    IsActive: user.active,
    ProfileId: profile.id,
    UserType: 'Standard',
  };
}

/** Multipart/form-data parts by name (binary-safe). */
export function multipartParts(body: Buffer, contentType: string | undefined): Map<string, Buffer> {
  const parts = new Map<string, Buffer>();
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType ?? '');
  if (!boundary) return parts;
  const delimiter = Buffer.from(`--${boundary[1] ?? boundary[2]}`);
  let start = body.indexOf(delimiter);
  while (start >= 0) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(start + delimiter.length, next);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd >= 0) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const name = /name="([^"]+)"/i.exec(headers)?.[1];
      let content = part.subarray(headerEnd + 4);
      if (content.subarray(-2).toString() === '\r\n') content = content.subarray(0, -2);
      if (name) parts.set(name, content);
    }
    start = next;
  }
  return parts;
}

/** Answers the resources above; undefined for any other path (the caller goes on). `rest` is the path after vNN.N. */
export async function handleOrgRest(
  method: string,
  rest: string,
  query: URLSearchParams,
  body: Buffer,
  contentType: string | undefined,
  ctx: OrgRestContext,
): Promise<Reply | undefined> {
  const { org } = ctx;
  const userMatch = /^\/sobjects\/User\/(\w{15}|\w{18})$/.exec(rest);
  if (userMatch && method === 'GET') {
    const user = ctx.users.find((u) => sameId(u.userId, userMatch[1]));
    return user ? { status: 200, body: userRecord(user, org, ctx.version) } : NOT_FOUND;
  }
  if (rest === '/tooling/sobjects/SourceMember/describe') return NOT_FOUND;

  if (rest === '/sobjects/PermissionSetAssignment' && method === 'POST') {
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      return bad(400, 'JSON_PARSER_ERROR', 'Unexpected character in the request body');
    }
    const assigneeId = typeof fields.AssigneeId === 'string' ? fields.AssigneeId : undefined;
    const permissionSetId = typeof fields.PermissionSetId === 'string' ? fields.PermissionSetId : undefined;
    const missing = [assigneeId ? undefined : 'AssigneeId', permissionSetId ? undefined : 'PermissionSetId'].filter(
      (f): f is string => !!f,
    );
    if (missing.length > 0)
      return bad(400, 'REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing);
    const user = ctx.users.find((u) => sameId(u.userId, assigneeId!));
    if (!user)
      return bad(400, 'FIELD_INTEGRITY_EXCEPTION', `Assignee ID: id value of incorrect type: ${assigneeId!}`, [
        'AssigneeId',
      ]);
    const ps = org.permissionSets.find((p) => sameId(p.id, permissionSetId!));
    if (!ps)
      return bad(
        400,
        'FIELD_INTEGRITY_EXCEPTION',
        `Permission Set ID: id value of incorrect type: ${permissionSetId!}`,
        ['PermissionSetId'],
      );
    const created = org.assign(user.userId, ps.id);
    if (created === 'duplicate') {
      return bad(
        400,
        'DUPLICATE_VALUE',
        `Duplicate PermissionSetAssignment. Assignee: ${user.userId.slice(0, 15)}; Permission Set: ${ps.id.slice(0, 15)}`,
        [],
      );
    }
    org.schedule(() => ctx.grantPermissionSet(user.userId, ps.name, true));
    return { status: 201, body: { id: created.id, success: true, errors: [] } };
  }
  const psaMatch = /^\/sobjects\/PermissionSetAssignment\/(\w{15}|\w{18})$/.exec(rest);
  if (psaMatch && method === 'DELETE') {
    const removed = org.unassign(psaMatch[1]);
    if (!removed) return bad(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
    const name = org.permissionSets.find((p) => p.id === removed.permissionSetId)?.name;
    if (name) org.schedule(() => ctx.grantPermissionSet(removed.assigneeId, name, false));
    return { status: 204, body: '' };
  }

  if (rest === '/metadata/deployRequest' && method === 'POST') {
    const parts = multipartParts(body, contentType);
    const zip = parts.get('file');
    if (!zip) return bad(400, 'INVALID_MULTIPART_REQUEST', 'The multipart request needs a part named file (the zip)');
    let entity: { deployOptions?: Record<string, unknown> } = {};
    try {
      entity = JSON.parse(parts.get('entity_content')?.toString('utf8') ?? '{}') as typeof entity;
    } catch {
      return bad(400, 'JSON_PARSER_ERROR', 'entity_content is not JSON');
    }
    const options = deployOptions(entity.deployOptions ?? {});
    const result = await ctx.deploys.start(zip, options, 'REST', ctx.version, ctx.session.userId);
    return {
      status: 201,
      body: { id: result.id, validatedDeployRequestId: null, deployOptions: options, deployResult: result },
    };
  }
  const deployMatch = /^\/metadata\/deployRequest\/(\w{15}|\w{18})$/.exec(rest);
  if (deployMatch) {
    const id = deployMatch[1];
    if (!ctx.deploys.has(id)) return NOT_FOUND;
    const url = `/services/data/v${ctx.version}/metadata/deployRequest/${id}`;
    if (method === 'GET') {
      const result = ctx.deploys.poll(id, query.get('includeDetails') === 'true')!;
      return {
        status: 200,
        body: {
          id,
          url,
          validatedDeployRequestId: null,
          deployOptions: ctx.deploys.optionsOf(id),
          deployResult: result,
        },
      };
    }
    if (method === 'PATCH') {
      ctx.deploys.cancel(id);
      return { status: 202, body: { id, url, deployResult: ctx.deploys.peek(id) } };
    }
  }
  return undefined;
}
