/*
 * Permission sets and their assignments: what admits a user to a pre-authorized app. Assignments are created the way
 * `sf org assign permset` creates them (core's PermissionSetAssignment), after a look-up, so a re-run never makes a
 * duplicate.
 */
import { PermissionSetAssignment, type Connection, type Org } from '@salesforce/core';
import { nested, queryRecords, soqlString } from './soql.js';

export type OrgPermissionSet = { id: string; name: string; namespacePrefix?: string };

export async function findPermissionSet(connection: Connection, name: string): Promise<OrgPermissionSet | undefined> {
  const [record] = await queryRecords(
    connection,
    `SELECT Id, Name, NamespacePrefix FROM PermissionSet WHERE Name = ${soqlString(name)}`,
  );
  if (!record) return undefined;
  return {
    id: String(record.Id),
    name: String(record.Name),
    ...(typeof record.NamespacePrefix === 'string' ? { namespacePrefix: record.NamespacePrefix } : {}),
  };
}

/** The API names of the permission sets assigned to a user. */
export async function assignedPermissionSets(connection: Connection, userId: string): Promise<string[]> {
  const records = await queryRecords(
    connection,
    `SELECT Id, PermissionSetId, PermissionSet.Name FROM PermissionSetAssignment WHERE AssigneeId = ${soqlString(userId)}`,
  );
  return records.map((r) => nested(r, 'PermissionSet.Name')).filter((n): n is string => n !== undefined);
}

/** Assign `name` to the user unless it is assigned already: 'created' or 'existing'. */
export async function ensureAssignment(org: Org, user: { id: string }, name: string): Promise<'created' | 'existing'> {
  const connection = org.getConnection();
  if ((await assignedPermissionSets(connection, user.id)).includes(name)) return 'existing';
  const assignments = await PermissionSetAssignment.init(org);
  await assignments.create(user.id, name);
  return 'created';
}
