/*
 * The names and values a push writes, and each platform's rules for them.
 *
 * Names: the variables `login` reads (SF_JWT_CLIENT_ID, SF_JWT_USERNAME, SF_JWT_INSTANCE_URL, SF_JWT_KEY and, where
 * needed, SF_AUDIENCE_URL), with --secret-prefix before and --secret-suffix after, so one repository can hold several
 * orgs' secrets (SF_JWT_KEY_UAT). GitHub takes [A-Za-z0-9_], not starting with a digit or GITHUB_, and a value of at
 * most 48 KB; GitLab takes [A-Za-z0-9_], at most 255 characters.
 *
 * Values: the key is the PEM on GitHub; on GitLab it is the base64 of the PEM, because GitLab masks only one-line
 * values of the base64 alphabet (Ci::Maskable::REGEX: [a-zA-Z0-9_+=/@:.~-]{8,}), and a PEM is neither. `login`
 * reads either form from SF_JWT_KEY.
 */
import { reason } from '../errors.js';
import type { Platform } from './targets.js';

export const SECRET_NAMES = {
  clientId: 'SF_JWT_CLIENT_ID',
  username: 'SF_JWT_USERNAME',
  instanceUrl: 'SF_JWT_INSTANCE_URL',
  key: 'SF_JWT_KEY',
  audience: 'SF_AUDIENCE_URL',
} as const;

export type SecretNaming = { prefix?: string; suffix?: string };

/** A secret to write: the final name and the value; `pem` marks the private key (base64 of it on GitLab). */
export type Secret = { name: string; value: string; pem?: boolean };

/** What a pipeline needs to log in, as `login` reads it. */
export type HandOver = {
  clientId: string;
  username: string;
  instanceUrl: string;
  /** Only when the login needed the fallback audience. */
  audience?: string;
  /** The private key, PEM. */
  keyPem: string;
};

export function secretName(base: string, naming: SecretNaming = {}): string {
  return `${naming.prefix ?? ''}${base}${naming.suffix ?? ''}`;
}

/** Every name a hand-over may write (SF_AUDIENCE_URL included), for the pre-flight's checks. */
export function handOverNames(naming: SecretNaming = {}): string[] {
  return Object.values(SECRET_NAMES).map((n) => secretName(n, naming));
}

/** The secrets of a whole hand-over (bootstrap). */
export function handOverSecrets(values: HandOver, naming: SecretNaming = {}): Secret[] {
  return [
    { name: secretName(SECRET_NAMES.clientId, naming), value: values.clientId },
    { name: secretName(SECRET_NAMES.username, naming), value: values.username },
    { name: secretName(SECRET_NAMES.instanceUrl, naming), value: values.instanceUrl },
    ...(values.audience ? [{ name: secretName(SECRET_NAMES.audience, naming), value: values.audience }] : []),
    { name: secretName(SECRET_NAMES.key, naming), value: values.keyPem, pem: true },
  ];
}

/** The one secret a rotation changes. */
export function keySecret(keyPem: string, naming: SecretNaming = {}): Secret {
  return { name: secretName(SECRET_NAMES.key, naming), value: keyPem, pem: true };
}

export const GITHUB_MAX_VALUE_BYTES = 48 * 1024;
const GITHUB_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const GITLAB_NAME = /^[A-Za-z0-9_]{1,255}$/;

/** Why `name` cannot be used on `platform` (undefined: it can). */
export function nameProblem(name: string, platform: Platform): string | undefined {
  if (name.length === 0) return reason('push.name.empty');
  if (platform === 'github') {
    if (!GITHUB_NAME.test(name)) return reason('push.name.github');
    if (/^GITHUB_/i.test(name)) return reason('push.name.githubPrefix');
    return undefined;
  }
  return GITLAB_NAME.test(name) ? undefined : reason('push.name.gitlab');
}

/** Why `value` cannot be written on `platform` as it will be sent (undefined: it can). */
export function valueProblem(value: string, platform: Platform): string | undefined {
  const bytes = Buffer.byteLength(value, 'utf8');
  if (platform === 'github' && bytes > GITHUB_MAX_VALUE_BYTES) return reason('push.name.githubSize', [bytes]);
  return undefined;
}

/** The rules of a platform, one line, for the fix of InvalidSecretName. */
export function nameRules(platform: Platform): string {
  return reason(platform === 'github' ? 'push.rules.github' : 'push.rules.gitlab');
}

/** The value as the platform stores it: the key as base64 of the PEM on GitLab, everything else as it is. */
export function platformValue(secret: Secret, platform: Platform): string {
  return secret.pem && platform === 'gitlab' ? Buffer.from(secret.value, 'utf8').toString('base64') : secret.value;
}

/**
 * Whether GitLab can mask the value, by its strict rule (one line, 8 or more characters of the base64 alphabet plus
 * `@ : . ~ -`). Newer GitLab masks raw variables by a looser rule (no whitespace, 8 or more characters); every value
 * the strict rule accepts passes both, so a value masked here is accepted by every GitLab version.
 */
export function gitlabMaskable(value: string): boolean {
  return /^[a-zA-Z0-9_+=/@:.~-]{8,}$/.test(value);
}
