/*
 * The inputs of a JWT login, resolved once from flags and environment for login, doctor and assertion alike:
 * consumer key, username, key source, passphrase, login URL and audiences. Flags win over environment variables,
 * so a pipeline can log in with no flags at all.
 */
import { jwtError, reason } from '../errors.js';
import { projectLoginUrl } from '../util/project.js';
import { audienceCandidates, loginUrlNotice, parseLoginUrl, PRODUCTION_URL, SANDBOX_URL } from '../jwt/endpoint.js';
import { DEFAULT_KEY_ENV, passphraseFromEnv, type KeyInput, type Passphrase } from '../keys/private-key.js';

export const ENV = {
  clientId: 'SF_JWT_CLIENT_ID',
  username: 'SF_JWT_USERNAME',
  instanceUrl: 'SF_JWT_INSTANCE_URL',
  key: DEFAULT_KEY_ENV,
  audience: 'SF_AUDIENCE_URL',
} as const;

export type CredentialFlags = {
  username?: string;
  'jwt-key-file'?: string;
  'jwt-key-env'?: string;
  'passphrase-env'?: string;
  'client-id'?: string;
  'instance-url'?: string;
  sandbox?: boolean;
  audience?: string;
};

export type LoginInputs = {
  clientId: string;
  username: string;
  key: KeyInput;
  passphrase?: Passphrase;
  loginUrl: URL;
  /** Where the login URL came from, for reports. */
  loginUrlSource: 'flag' | 'env' | 'sandbox' | 'project' | 'default';
  /** Said when the given URL was the token endpoint and was stripped back to its host. */
  loginUrlNotice?: string;
  audiences: string[];
  audienceExplicit: boolean;
  sandbox: boolean;
};

/** The pieces each command needs; doctor resolves them one by one to report every problem. */
export function resolveClientId(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flags['client-id'] ?? env[ENV.clientId];
  if (raw === undefined || raw.trim().length === 0) throw jwtError('MissingClientId');
  const value = raw.trim();
  if (/\s/.test(value)) throw jwtError('InvalidClientId', [reason('clientId.whitespace')]);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw jwtError('InvalidClientId', [reason('clientId.control')]);
  return value;
}

export function resolveUsername(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flags.username ?? env[ENV.username];
  if (raw === undefined || raw.trim().length === 0) throw jwtError('MissingUsername');
  const value = raw.trim();
  const quoted = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value))
    throw jwtError('InvalidUsername', [JSON.stringify(quoted), reason('controlCharacter')]);
  if (!/^[^@\s]+@[^@\s]+$/.test(value)) throw jwtError('InvalidUsername', [quoted, reason('username.noDomain')]);
  // It becomes the file name ~/.sfdx/<username>.json: no path separators, no "..".
  if (/[/\\]/.test(value) || value.startsWith('.') || value.includes('..')) {
    throw jwtError('InvalidUsername', [quoted, reason('username.path')]);
  }
  if (value.length > 80) throw jwtError('InvalidUsername', [quoted, reason('username.long')]);
  return value;
}

export function resolveKeyInput(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): KeyInput {
  if (flags['jwt-key-file']) return { file: flags['jwt-key-file'] };
  const name = flags['jwt-key-env'] ?? ENV.key;
  const value = env[name];
  if (value !== undefined && value.trim().length > 0) return { env: name };
  // Named, or set but blank (a CI secret that does not exist expands to an empty string): say which variable.
  if (flags['jwt-key-env'] !== undefined || value !== undefined) throw jwtError('KeyEnvUnset', [name], [name]);
  throw jwtError('KeySourceMissing');
}

export function resolvePassphrase(
  flags: CredentialFlags,
  env: NodeJS.ProcessEnv = process.env,
): Passphrase | undefined {
  return passphraseFromEnv(flags['passphrase-env'], env);
}

export function resolveLoginUrl(
  flags: CredentialFlags,
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): { url: URL; source: LoginInputs['loginUrlSource']; notice?: string } {
  const given = (text: string, source: LoginInputs['loginUrlSource']): ReturnType<typeof resolveLoginUrl> => {
    const url = parseLoginUrl(text);
    const notice = loginUrlNotice(text, url);
    return notice ? { url, source, notice } : { url, source };
  };
  if (flags['instance-url']) return given(flags['instance-url'], 'flag');
  if (env[ENV.instanceUrl]) return given(env[ENV.instanceUrl] as string, 'env');
  if (flags.sandbox) return { url: new URL(SANDBOX_URL), source: 'sandbox' };
  const project = projectLoginUrl(cwd);
  if (project) return given(project, 'project');
  return { url: new URL(PRODUCTION_URL), source: 'default' };
}

export function resolveAudiences(
  flags: CredentialFlags,
  loginUrl: URL,
  env: NodeJS.ProcessEnv = process.env,
): { audiences: string[]; explicit: boolean } {
  const explicit = flags.audience ?? env[ENV.audience];
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
  return { audiences: audienceCandidates(loginUrl, { sandbox: flags.sandbox }), explicit: false };
}

export function resolveLoginInputs(flags: CredentialFlags, env: NodeJS.ProcessEnv = process.env): LoginInputs {
  const clientId = resolveClientId(flags, env);
  const username = resolveUsername(flags, env);
  const key = resolveKeyInput(flags, env);
  const passphrase = resolvePassphrase(flags, env);
  const { url, source, notice } = resolveLoginUrl(flags, env);
  const { audiences, explicit } = resolveAudiences(flags, url, env);
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
    sandbox: flags.sandbox ?? false,
  };
}
