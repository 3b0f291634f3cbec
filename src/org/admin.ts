/*
 * The admin org: any authorization the sf CLI holds (web login, JWT, access token), named explicitly. Never the
 * configured default, which in a pipeline may be the integration user itself.
 */
import { Org, type AuthInfo, type Connection } from '@salesforce/core';
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

function what(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error).slice(0, 300);
}

export type ConnectOptions = {
  /**
   * Keep what the sf libraries would save into the admin's auth file (a refreshed access token, the API version they
   * cache) in memory only, so that a read-only command leaves the store byte for byte as it was. A refresh token that
   * the org rotated is the one exception: it is saved, or the admin's login would be lost.
   */
  readOnly?: boolean;
};

/** Connect to `targetOrg` and check that it answers; AdminOrgUnreachable otherwise, before anything changes. */
export async function connectAdmin(targetOrg: string, options: ConnectOptions = {}): Promise<AdminOrg> {
  let org: Org;
  try {
    org = await Org.create({ aliasOrUsername: targetOrg });
  } catch (error) {
    throw jwtError('AdminOrgUnreachable', [targetOrg, what(error)], [targetOrg], error);
  }
  const connection = org.getConnection();
  if (options.readOnly) keepInMemory(connection.getAuthInfo());
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

/** AuthInfo.save for a read-only use: fields updated in memory; only a rotated refresh token reaches the file. */
function keepInMemory(authInfo: AuthInfo): void {
  const save = authInfo.save.bind(authInfo);
  const refreshToken = (): unknown => authInfo.getFields(true).refreshToken;
  const before = refreshToken();
  authInfo.save = async (fields?: Parameters<AuthInfo['save']>[0]): Promise<AuthInfo> => {
    if (fields) authInfo.update(fields);
    if (before !== undefined && refreshToken() !== before) return save();
    return authInfo;
  };
}
