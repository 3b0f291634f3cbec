/*
 * A Dev Hub's side of scratch orgs, read over REST/SOQL with a connection to the hub: whether it is a Dev Hub (the
 * probe sf itself uses), its ScratchOrgInfo records (one signup by username, the recent failures), and the login URL
 * sf derives from a signup. Read-only.
 *
 * Sources (forcedotcom/sfdx-core 9.x):
 * - src/org/org.ts determineIfDevHubOrg: `SELECT Id FROM ScratchOrgInfo limit 1`; an error (INVALID_TYPE) means the
 *   org is not a Dev Hub.
 * - src/org/scratchOrgInfoApi.ts getOrgInstanceAuthority and authorizeScratchOrg: the scratch login URL is the
 *   project's signupTargetLoginUrl, else https://<SignupInstance>.salesforce.com unless the instance name ends in
 *   "s" (then LoginUrl), and when that login fails, LoginUrl once more.
 * - src/org/scratchOrgErrorCodes.ts: the signup error codes, and the C-1016 action naming
 *   SF_SCRATCH_SIGNUP_CONNECTED_APP / SF_SCRATCH_SIGNUP_CALLBACK_URL.
 */
import type { Connection } from '@salesforce/core';
import { briefError } from '../errors.js';
import { queryRecords, soqlString, type SoqlRecord } from './soql.js';

/** The probe sf uses (sfdx-core org.ts determineIfDevHubOrg). */
export const DEV_HUB_PROBE = 'SELECT Id FROM ScratchOrgInfo limit 1';

export type DevHubProbe = { isDevHub: true } | { isDevHub: false; errorCode?: string; message: string };

function errorFields(error: unknown): { errorCode?: string; message: string } {
  const e = error as { errorCode?: unknown; name?: unknown; message?: unknown };
  const errorCode = typeof e.errorCode === 'string' ? e.errorCode : typeof e.name === 'string' ? e.name : undefined;
  const message = briefError(typeof e.message === 'string' ? e.message : error);
  return { errorCode, message };
}

/** Whether the org answers the ScratchOrgInfo probe. Any refusal (INVALID_TYPE for a plain org) is "not a Dev Hub". */
export async function probeDevHub(connection: Connection): Promise<DevHubProbe> {
  try {
    await connection.query(DEV_HUB_PROBE);
    return { isDevHub: true };
  } catch (error) {
    return { isDevHub: false, ...errorFields(error) };
  }
}

export type ScratchSignup = {
  id: string;
  status: string;
  signupUsername: string;
  errorCode?: string;
  createdDate?: string;
  expirationDate?: string;
  loginUrl?: string;
  signupInstance?: string;
  /** The 15-character id of the scratch org (Active signups). */
  scratchOrg?: string;
  consumerKey?: string;
  callbackUrl?: string;
  namespace?: string;
  orgName?: string;
};

const FIELDS =
  'Id, Status, SignupUsername, ErrorCode, CreatedDate, ExpirationDate, LoginUrl, SignupInstance, ScratchOrg, ' +
  'ConnectedAppConsumerKey, ConnectedAppCallbackUrl, Namespace, OrgName';

const str = (record: SoqlRecord, field: string): string | undefined =>
  typeof record[field] === 'string' && record[field] !== '' ? record[field] : undefined;

function toSignup(record: SoqlRecord): ScratchSignup {
  return {
    id: String(record.Id),
    status: str(record, 'Status') ?? '',
    signupUsername: str(record, 'SignupUsername') ?? '',
    errorCode: str(record, 'ErrorCode'),
    createdDate: str(record, 'CreatedDate'),
    expirationDate: str(record, 'ExpirationDate'),
    loginUrl: str(record, 'LoginUrl'),
    signupInstance: str(record, 'SignupInstance'),
    scratchOrg: str(record, 'ScratchOrg'),
    consumerKey: str(record, 'ConnectedAppConsumerKey'),
    callbackUrl: str(record, 'ConnectedAppCallbackUrl'),
    namespace: str(record, 'Namespace'),
    orgName: str(record, 'OrgName'),
  };
}

/** The newest signup of `username` on the hub (usernames are lower-cased by sf at signup), or undefined. */
export async function findSignup(connection: Connection, username: string): Promise<ScratchSignup | undefined> {
  const records = await queryRecords(
    connection,
    `SELECT ${FIELDS} FROM ScratchOrgInfo WHERE SignupUsername = ${soqlString(username.toLowerCase())} ` +
      'ORDER BY CreatedDate DESC LIMIT 1',
  );
  return records[0] ? toSignup(records[0]) : undefined;
}

/** The one signup by id (the ScratchOrgInfo record sf polls). */
export async function readSignup(connection: Connection, id: string): Promise<ScratchSignup | undefined> {
  const records = await queryRecords(connection, `SELECT ${FIELDS} FROM ScratchOrgInfo WHERE Id = ${soqlString(id)}`);
  return records[0] ? toSignup(records[0]) : undefined;
}

/** Failed signups (Status = 'Error') of the last `days` days, newest first. */
export async function recentSignupErrors(connection: Connection, days = 7, limit = 50): Promise<ScratchSignup[]> {
  const records = await queryRecords(
    connection,
    `SELECT ${FIELDS} FROM ScratchOrgInfo WHERE Status = 'Error' AND CreatedDate = LAST_N_DAYS:${days} ` +
      `ORDER BY CreatedDate DESC LIMIT ${limit}`,
  );
  return records.map(toSignup);
}

/**
 * The login URLs sf tries for a scratch org, in order (sfdx-core scratchOrgInfoApi.ts getOrgInstanceAuthority, then
 * the LoginUrl retry of authorizeScratchOrg): the project's signupTargetLoginUrl, else the instance URL from
 * SignupInstance (not for instance names ending in "s", which are not hosts), else LoginUrl; then LoginUrl.
 */
export function signupLoginUrls(
  signup: Pick<ScratchSignup, 'signupInstance' | 'loginUrl'>,
  signupTargetLoginUrl?: string,
): string[] {
  const instance = signup.signupInstance;
  const fromInstance =
    instance && !instance.toLowerCase().endsWith('s') ? `https://${instance}.salesforce.com` : signup.loginUrl;
  const first = signupTargetLoginUrl ?? fromInstance;
  return [...new Set([first, signup.loginUrl].filter((u): u is string => typeof u === 'string' && u !== ''))];
}
