/* Shortcuts for tests against the emulator. */
import type { LoginInputs } from '../../src/auth/inputs.js';
import { audienceCandidates, parseLoginUrl } from '../../src/jwt/endpoint.js';
import type { KeyInput } from '../../src/keys/private-key.js';
import type { SalesforceEmulator } from '../emulator/index.js';

export function loginInputs(emulatorUrl: string, clientId: string, username: string, key: KeyInput): LoginInputs {
  const loginUrl = parseLoginUrl(emulatorUrl);
  return {
    clientId,
    username,
    key,
    loginUrl,
    loginUrlSource: 'flag',
    audiences: audienceCandidates(loginUrl),
    audienceExplicit: false,
    sandbox: false,
  };
}

/** Every access token the emulator issued (its private session table). */
export function issuedTokens(emulator: SalesforceEmulator): string[] {
  const sessions = (emulator as unknown as { sessions: Map<string, unknown> }).sessions;
  return [...sessions.keys()];
}

export function tokenRequests(emulator: SalesforceEmulator): number {
  return emulator.requestLog.filter((e) => e.path === '/services/oauth2/token').length;
}

export { EmulatorFleet, type OrgHandle } from '../emulator/fleet.js';

/** One app (consumer key + certificate) and users admitted to it: the usual org of a JWT test. */
export function jwtOrgOptions(spec: {
  consumerKey: string;
  certificatePem: string;
  usernames: string[];
  permissionSet?: string;
  latencyMs?: number;
  tokenLifetimeSeconds?: number;
  isSandbox?: boolean;
}): import('../emulator/index.js').EmulatorOptions {
  const permissionSet = spec.permissionSet ?? 'CI';
  return {
    ...(spec.latencyMs !== undefined ? { latencyMs: spec.latencyMs } : {}),
    ...(spec.tokenLifetimeSeconds !== undefined ? { tokenLifetimeSeconds: spec.tokenLifetimeSeconds } : {}),
    ...(spec.isSandbox ? { org: { isSandbox: true } } : {}),
    apps: [{ consumerKey: spec.consumerKey, certificatePem: spec.certificatePem, permissionSets: [permissionSet] }],
    users: spec.usernames.map((username) => ({ username, permissionSets: [permissionSet] })),
  };
}
