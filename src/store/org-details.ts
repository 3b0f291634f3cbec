/*
 * What the sf CLI keeps about an org beside the token, read in one parallel round after the exchange: the highest
 * API version, whether it is a Dev Hub, and the Organization record. Three requests at once, where the incumbent
 * makes them one after another; each is optional, so a missing answer costs a field, not the login.
 */
import { httpRequest, TransportFailure } from '../exchange/http.js';
import type { TokenGrant } from '../exchange/token.js';

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

async function get(grant: TokenGrant, path: string, deadline: number, auth = true): Promise<Answer> {
  try {
    const response = await httpRequest({
      method: 'GET',
      url: new URL(`${grant.instanceUrl}${path}`),
      headers: auth ? { Authorization: `Bearer ${grant.accessToken}` } : {},
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
    return { failure: error instanceof TransportFailure ? error.message : 'request failed' };
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
  return Array.isArray(records) && records[0] && typeof records[0] === 'object' ? (records[0] as Record<string, unknown>) : undefined;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export async function readOrgDetails(grant: TokenGrant, deadline: number): Promise<OrgDetails> {
  const soql = (q: string): string => `/services/data/${PROBE_API_VERSION}/query?q=${encodeURIComponent(q)}`;
  const [versions, devHub, org] = await Promise.all([
    get(grant, '/services/data', deadline, false),
    get(grant, soql('SELECT Id FROM ScratchOrgInfo limit 1'), deadline),
    get(grant, soql('SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization'), deadline),
  ]);
  const problems: string[] = [];
  const describe = (what: string, answer: Answer): void => {
    problems.push('failure' in answer ? `${what}: ${answer.failure}` : `${what}: HTTP ${answer.status}`);
  };
  const apiVersion = 'status' in versions && versions.status === 200 ? highestVersion(versions.json) : undefined;
  if (!apiVersion) describe('API versions', versions);
  const record = 'status' in org && org.status === 200 ? firstRecord(org.json) : undefined;
  if (!record) describe('Organization', org);
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
