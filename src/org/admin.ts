/*
 * The admin org: any authorization the sf CLI holds (web login, JWT, access token), named explicitly. Never the
 * configured default, which in a pipeline may be the integration user itself.
 */
import { Org, type Connection } from '@salesforce/core';
import { jwtError } from '../errors.js';
import { queryRecords } from './soql.js';

export type AdminOrg = {
  org: Org;
  connection: Connection;
  /** The admin's username, the org id and the instance (My Domain) URL. */
  username: string;
  orgId: string;
  instanceUrl: string;
  /** The login URL the admin's auth was made at, if the store has one. */
  loginUrl?: string;
  isSandbox: boolean;
};

/** The library's error, as AdminOrgUnreachable quotes it (jwtError bounds every token, see bounded()). */
function what(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Connect to `targetOrg` and check that it answers; AdminOrgUnreachable otherwise, before anything changes. */
export async function connectAdmin(targetOrg: string): Promise<AdminOrg> {
  let org: Org;
  try {
    org = await Org.create({ aliasOrUsername: targetOrg });
  } catch (error) {
    throw jwtError('AdminOrgUnreachable', [targetOrg, what(error)], [targetOrg], error);
  }
  const connection = org.getConnection();
  let isSandbox = false;
  try {
    const [organization] = await queryRecords(connection, 'SELECT Id, IsSandbox FROM Organization');
    isSandbox = organization?.IsSandbox === true;
  } catch (error) {
    throw jwtError('AdminOrgUnreachable', [targetOrg, what(error)], [targetOrg], error);
  }
  const fields = org.getConnection().getAuthInfoFields();
  return {
    org,
    connection,
    username: org.getUsername() ?? targetOrg,
    orgId: org.getOrgId(),
    instanceUrl: connection.instanceUrl.replace(/\/+$/, ''),
    loginUrl: typeof fields.loginUrl === 'string' ? fields.loginUrl : undefined,
    isSandbox,
  };
}
