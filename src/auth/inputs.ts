/*
 * The inputs of a JWT login, validated from plain Credentials for login, doctor, assertion, bootstrap and rotate
 * alike: consumer key, username, key source, passphrase, login URL and audiences. Each piece resolves on its own, so
 * doctor can report every problem at once.
 */
import { jwtError, reason } from '../errors.js';
import { audienceCandidates, loginUrlNotice, parseLoginUrl, PRODUCTION_URL, SANDBOX_URL } from '../jwt/endpoint.js';
import { passphraseFromEnv, type KeyInput, type Passphrase } from '../keys/private-key.js';
import { projectLoginUrl } from '../util/project.js';
import type { Credentials, LoginUrlSource } from './credentials.js';

export type LoginInputs = {
  clientId: string;
  username: string;
  key: KeyInput;
  passphrase?: Passphrase;
  loginUrl: URL;
  /** Where the login URL came from, for reports. */
  loginUrlSource: LoginUrlSource;
  /** Said when the given URL was the token endpoint and was stripped back to its host. */
  loginUrlNotice?: string;
  audiences: string[];
  audienceExplicit: boolean;
  sandbox: boolean;
};

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function resolveClientId(credentials: Credentials): string {
  const raw = credentials.clientId;
  if (raw === undefined || raw.trim().length === 0) throw jwtError('MissingClientId');
  const value = raw.trim();
  if (/\s/.test(value)) throw jwtError('InvalidClientId', [reason('clientId.whitespace')]);
  if (CONTROL.test(value)) throw jwtError('InvalidClientId', [reason('clientId.control')]);
  return value;
}

export function resolveUsername(credentials: Credentials): string {
  const raw = credentials.username;
  if (raw === undefined || raw.trim().length === 0) throw jwtError('MissingUsername');
  const value = raw.trim();
  const quoted = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  if (CONTROL.test(value)) throw jwtError('InvalidUsername', [JSON.stringify(quoted), reason('controlCharacter')]);
  if (!/^[^@\s]+@[^@\s]+$/.test(value)) throw jwtError('InvalidUsername', [quoted, reason('username.noDomain')]);
  // It becomes the file name ~/.sfdx/<username>.json: no path separators, no "..".
  if (/[/\\]/.test(value) || value.startsWith('.') || value.includes('..')) {
    throw jwtError('InvalidUsername', [quoted, reason('username.path')]);
  }
  if (value.length > 80) throw jwtError('InvalidUsername', [quoted, reason('username.long')]);
  return value;
}

export function resolveKeyInput(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): KeyInput {
  const key = credentials.key;
  if (key === undefined) throw jwtError('KeySourceMissing');
  if (!('env' in key)) return key;
  const value = env[key.env];
  if (value !== undefined && value.trim().length > 0) return key;
  // Named, or set but blank (a CI secret that does not exist expands to an empty string): say which variable.
  if (credentials.keyEnvNamed === true || value !== undefined)
    throw jwtError('KeyEnvUnset', [key.env], [key.env, key.env, key.env]);
  throw jwtError('KeySourceMissing');
}

export function resolvePassphrase(
  credentials: Credentials,
  env: NodeJS.ProcessEnv = process.env,
): Passphrase | undefined {
  return passphraseFromEnv(credentials.passphraseEnv, env);
}

export function resolveLoginUrl(
  credentials: Credentials,
  cwd = process.cwd(),
): { url: URL; source: LoginUrlSource; notice?: string } {
  const given = (text: string, source: LoginUrlSource): ReturnType<typeof resolveLoginUrl> => {
    const url = parseLoginUrl(text);
    const notice = loginUrlNotice(text, url);
    return notice ? { url, source, notice } : { url, source };
  };
  if (credentials.instanceUrl) return given(credentials.instanceUrl.value, credentials.instanceUrl.source);
  if (credentials.sandbox) return { url: new URL(SANDBOX_URL), source: 'sandbox' };
  const project = projectLoginUrl(cwd);
  if (project) return given(project, 'project');
  return { url: new URL(PRODUCTION_URL), source: 'default' };
}

export function resolveAudiences(credentials: Credentials, loginUrl: URL): { audiences: string[]; explicit: boolean } {
  const explicit = credentials.audience;
  if (explicit !== undefined && explicit.trim().length > 0) {
    const text = explicit.trim();
    try {
      // eslint-disable-next-line no-new
      new URL(text);
    } catch {
      throw jwtError('InvalidUrl', [text, reason('audience.notUrl')]);
    }
    return { audiences: audienceCandidates(loginUrl, { audience: text }), explicit: true };
  }
  return { audiences: audienceCandidates(loginUrl, { sandbox: credentials.sandbox }), explicit: false };
}

export function resolveLoginInputs(credentials: Credentials, env: NodeJS.ProcessEnv = process.env): LoginInputs {
  const clientId = resolveClientId(credentials);
  const username = resolveUsername(credentials);
  const key = resolveKeyInput(credentials, env);
  const passphrase = resolvePassphrase(credentials, env);
  const { url, source, notice } = resolveLoginUrl(credentials);
  const { audiences, explicit } = resolveAudiences(credentials, url);
  return {
    ...(notice ? { loginUrlNotice: notice } : {}),
    clientId,
    username,
    key,
    passphrase,
    loginUrl: url,
    loginUrlSource: source,
    audiences,
    audienceExplicit: explicit,
    sandbox: credentials.sandbox ?? false,
  };
}
