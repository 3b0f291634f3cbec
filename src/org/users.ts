/*
 * The integration user as the admin org sees it: exists, active, frozen, profile, permission sets.
 */
import type { Connection } from '@salesforce/core';
import { nested, queryRecords, soqlString } from './soql.js';

export type OrgUser = {
  id: string;
  username: string;
  isActive: boolean;
  /** UserLogin.IsFrozen: a frozen user cannot log in, whatever the app says. */
  frozen: boolean;
  profileId?: string;
  profileName?: string;
};

export async function findUser(connection: Connection, username: string): Promise<OrgUser | undefined> {
  const [user] = await queryRecords(
    connection,
    `SELECT Id, Username, IsActive, ProfileId, Profile.Name FROM User WHERE Username = ${soqlString(username)}`,
  );
  if (!user) return undefined;
  const id = String(user.Id);
  const [login] = await queryRecords(connection, `SELECT IsFrozen FROM UserLogin WHERE UserId = ${soqlString(id)}`);
  return {
    id,
    username: String(user.Username ?? username),
    isActive: user.IsActive === true || user.IsActive === 'true',
    frozen: login?.IsFrozen === true || login?.IsFrozen === 'true',
    profileId: typeof user.ProfileId === 'string' ? user.ProfileId : undefined,
    profileName: nested(user, 'Profile.Name'),
  };
}
