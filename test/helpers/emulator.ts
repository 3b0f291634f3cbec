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
