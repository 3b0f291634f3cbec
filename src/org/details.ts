/*
 * What the sf CLI keeps about an org beside the token, read in one parallel round after the exchange: the highest
 * API version, whether it is a Dev Hub, and the Organization record. Three requests at once, where the incumbent
 * makes them one after another; each is optional, so a missing answer costs a field, not the login.
 */
import { httpRequest, TransportFailure } from '../exchange/http.js';
import type { TokenGrant } from '../exchange/token.js';
import { reason } from '../errors.js';

/** The version core itself uses for the Dev Hub probe; old enough for every org, and it has the Organization fields. */
const PROBE_API_VERSION = 'v51.0';

export type OrgDetails = {
  apiVersion?: string;
  isDevHub: boolean;
  organization?: {
    name?: string;
    instanceName?: string;
    isSandbox?: boolean;
    trialExpirationDate?: string | null;
    namespacePrefix?: string | null;
    organizationType?: string;
  };
  /** What could not be read, for a warning; never response bodies. */
  problems: string[];
};

type Answer = { status: number; json?: unknown } | { failure: string };

/** GET instanceUrl + path, with the token when one is given. */
async function get(instanceUrl: string, path: string, deadline: number, accessToken?: string): Promise<Answer> {
  try {
    const response = await httpRequest({
      method: 'GET',
      url: new URL(`${instanceUrl}${path}`),
      headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {},
      deadline,
    });
    let json: unknown;
    try {
      json = JSON.parse(response.body);
    } catch {
      json = undefined;
    }
    return { status: response.status, json };
  } catch (error) {
    return { failure: error instanceof TransportFailure ? error.message : reason('requestFailed') };
  }
}

function highestVersion(json: unknown): string | undefined {
  if (!Array.isArray(json)) return undefined;
  const versions = json
    .map((v: unknown) => (v && typeof v === 'object' ? (v as { version?: unknown }).version : undefined))
    .filter((v): v is string => typeof v === 'string' && /^\d+\.0$/.test(v));
  return versions.sort((a, b) => Number(b) - Number(a))[0];
}

function firstRecord(json: unknown): Record<string, unknown> | undefined {
  const records = (json as { records?: unknown } | undefined)?.records;
  return Array.isArray(records) && records[0] && typeof records[0] === 'object'
    ? (records[0] as Record<string, unknown>)
    : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The query the sf CLI itself makes for an org's details. */
export const ORGANIZATION_QUERY =
  'SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization';

export function soqlAt(version: string, query: string): string {
  return `/services/data/${version}/query?q=${encodeURIComponent(query)}`;
}

/** The highest API version an instance lists (GET /services/data answers without a token). */
export async function latestApiVersion(instanceUrl: string, deadline: number): Promise<string | undefined> {
  const answer = await get(instanceUrl, '/services/data', deadline);
  return 'status' in answer && answer.status === 200 ? highestVersion(answer.json) : undefined;
}

export async function readOrgDetails(grant: TokenGrant, deadline: number): Promise<OrgDetails> {
  const [versions, devHub, org] = await Promise.all([
    get(grant.instanceUrl, '/services/data', deadline),
    get(
      grant.instanceUrl,
      soqlAt(PROBE_API_VERSION, 'SELECT Id FROM ScratchOrgInfo limit 1'),
      deadline,
      grant.accessToken,
    ),
    get(grant.instanceUrl, soqlAt(PROBE_API_VERSION, ORGANIZATION_QUERY), deadline, grant.accessToken),
  ]);
  const problems: string[] = [];
  const describe = (what: string, answer: Answer): void => {
    problems.push('failure' in answer ? `${what}: ${answer.failure}` : `${what}: HTTP ${answer.status}`);
  };
  const apiVersion = 'status' in versions && versions.status === 200 ? highestVersion(versions.json) : undefined;
  if (!apiVersion) describe('API versions', versions);
  let orgAnswer = org;
  // An org (or a stand-in) that does not serve v51.0: ask again at the highest version it lists. Only on failure, so
  // the usual login stays at one parallel round after the token.
  if (!('status' in org && org.status === 200) && apiVersion && 'status' in org && org.status !== 401) {
    orgAnswer = await get(grant.instanceUrl, soqlAt(`v${apiVersion}`, ORGANIZATION_QUERY), deadline, grant.accessToken);
  }
  const record = 'status' in orgAnswer && orgAnswer.status === 200 ? firstRecord(orgAnswer.json) : undefined;
  if (!record) describe('Organization', orgAnswer);
  return {
    apiVersion,
    isDevHub: 'status' in devHub && devHub.status === 200,
    organization: record
      ? {
          name: str(record.Name),
          instanceName: str(record.InstanceName),
          isSandbox: typeof record.IsSandbox === 'boolean' ? record.IsSandbox : undefined,
          trialExpirationDate: str(record.TrialExpirationDate) ?? null,
          namespacePrefix: str(record.NamespacePrefix) ?? null,
          organizationType: str(record.OrganizationType),
        }
      : undefined,
    problems,
  };
}
