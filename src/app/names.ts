/*
 * The inputs of `sf jwt-setup app`, checked the way Salesforce would check them on deploy, so a bad value fails here
 * with a coded error and nothing written, instead of minutes later in `sf project deploy start`.
 */
import { randomBytes } from 'node:crypto';
import { jwtError, reason } from '../errors.js';

export type AppKind = 'external' | 'connected';

/* ------------------------------------------------------------ API names */

/** Why `name` is not a Salesforce API name (developer name) of at most `max` characters; undefined when it is. */
export function apiNameProblem(name: string, max: number): string | undefined {
  if (name.length === 0) return reason('empty');
  if (name.length > max) return reason('tooLong', [name.length, max]);
  if (!/^[A-Za-z]/.test(name)) return reason('apiName.letter');
  const bad = /[^A-Za-z0-9_]/.exec(name);
  if (bad) return reason('apiName.character', [bad[0]]);
  if (name.includes('__')) return reason('apiName.doubleUnderscore');
  if (name.endsWith('_')) return reason('apiName.trailingUnderscore');
  return undefined;
}

/** App API names: ExternalClientApplication and ConnectedApp developer names, at most 40 characters. */
export const APP_NAME_MAX = 40;
/** Permission set API names: at most 80 characters. */
export const PERMISSION_SET_NAME_MAX = 80;
/** Profile names (not API names: "System Administrator"), as the Metadata API's profileName takes them. */
export const PROFILE_NAME_MAX = 255;

export function validateAppName(name: string): string {
  const problem = apiNameProblem(name, APP_NAME_MAX);
  if (problem) throw jwtError('InvalidAppName', [name, problem]);
  return name;
}

export function validatePermissionSetName(name: string): string {
  const problem = apiNameProblem(name, PERMISSION_SET_NAME_MAX);
  if (problem) throw jwtError('InvalidPermissionSetName', [name, problem]);
  return name;
}

/** A profile name, trimmed; commas are refused since commaSeparatedProfile joins names with them. */
export function validateProfileName(raw: string): string {
  const name = raw.trim();
  let problem: string | undefined;
  if (name.length === 0) problem = reason('empty');
  else if (name.length > PROFILE_NAME_MAX) problem = reason('tooLong', [name.length, PROFILE_NAME_MAX]);
  else if (name.includes(',')) problem = reason('profile.comma');
  // eslint-disable-next-line no-control-regex
  else if (/[\u0000-\u001F\u007F<>]/.test(name)) problem = reason('profile.control');
  if (problem) throw jwtError('InvalidProfileName', [raw, problem]);
  return name;
}

/** The label Salesforce would suggest for an API name: underscores become spaces ("CI_Deploy" -> "CI Deploy"). */
export function labelFromName(name: string): string {
  return name.replace(/_/g, ' ');
}

/* ------------------------------------------------------------ email */

/** A plain address: one @, a dot in the domain, no spaces, at most 80 characters (Salesforce's email fields). */
export function validateEmail(raw: string): string {
  const email = raw.trim();
  const ok =
    email.length <= 80 &&
    /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
      email,
    ) &&
    !email.startsWith('.') &&
    !email.includes('..');
  if (!ok) throw jwtError('InvalidEmail', [raw]);
  return email;
}

/* ------------------------------------------------------------ consumer key */

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const CONSUMER_KEY_MIN = 8;
export const CONSUMER_KEY_MAX = 256;
/** Length of a generated key: 64 characters of a 62-letter alphabet, about 381 bits. */
export const GENERATED_CONSUMER_KEY_LENGTH = 64;

/** A random alphanumeric consumer key, uniform over the alphabet (rejection sampling, no modulo bias). */
export function generateConsumerKey(length = GENERATED_CONSUMER_KEY_LENGTH): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62]; // 248 = 4 * 62
    }
  }
  return out;
}

/** A consumer key as Salesforce takes one in metadata: 8 to 256 letters and digits. */
export function validateConsumerKey(key: string): string {
  let problem: string | undefined;
  if (key.length < CONSUMER_KEY_MIN) problem = reason('consumerKey.short', [key.length, CONSUMER_KEY_MIN]);
  else if (key.length > CONSUMER_KEY_MAX) problem = reason('tooLong', [key.length, CONSUMER_KEY_MAX]);
  else if (/[^A-Za-z0-9]/.test(key)) problem = reason('consumerKey.characters');
  if (problem) throw jwtError('InvalidConsumerKey', [key.length > 40 ? `${key.slice(0, 37)}...` : key, problem]);
  return key;
}

/* ------------------------------------------------------------ API version */

export const DEFAULT_API_VERSION = '64.0';
export const MAX_API_VERSION = 67;
/**
 * Lowest version per type. External Client Apps: the types exist from 59.0, but ExtlClntAppGlobalOauthSettings.certificate
 * (what turns the JWT bearer flow on) and ExtlClntAppConfigurablePolicies only from 60.0. Connected Apps: oauthPolicy
 * (ipRelaxation, refreshTokenPolicy) from 49.0.
 */
export const MIN_API_VERSION: Record<AppKind, number> = { external: 60, connected: 49 };

/** "64", "64.0" -> { text: "64.0", major: 64 }; InvalidApiVersion outside the range of `kind`. */
export function parseApiVersion(raw: string, kind: AppKind): { text: string; major: number } {
  const match = /^\s*(\d{2,3})(?:\.0)?\s*$/.exec(raw);
  const major = match ? Number(match[1]) : NaN;
  const min = MIN_API_VERSION[kind];
  if (!match || major < min || major > MAX_API_VERSION) {
    throw jwtError('InvalidApiVersion', [raw], [`${min}.0`, `${MAX_API_VERSION}.0`]);
  }
  return { text: `${major}.0`, major };
}

/* ------------------------------------------------------------ scopes */

/**
 * OAuth scope tokens (as in the scope parameter and the org's /.well-known/openid-configuration) -> the names the
 * Metadata API takes: ConnectedAppOauthAccessScope values for ConnectedApp <scopes>, and the same words in
 * ExtlClntAppOauthSettings.commaSeparatedOauthScopes ("Api, RefreshToken").
 */
export const SCOPE_TOKENS: Readonly<Record<string, string>> = {
  api: 'Api',
  refresh_token: 'RefreshToken',
  web: 'Web',
  full: 'Full',
  id: 'Basic',
  openid: 'OpenID',
  sfap_api: 'SFAP',
  chatter_api: 'Chatter',
  custom_permissions: 'CustomPermissions',
  visualforce: 'CustomApplications',
  wave_api: 'Wave',
  cdp_api: 'CDP',
};

/** Aliases accepted on input: offline_access is refresh_token, and the metadata names themselves. */
const SCOPE_ALIASES: Readonly<Record<string, string>> = {
  offline_access: 'refresh_token',
  ...Object.fromEntries(Object.entries(SCOPE_TOKENS).map(([token, metadata]) => [metadata.toLowerCase(), token])),
};

export const DEFAULT_SCOPES = 'api refresh_token';

export type ParsedScopes = { tokens: string[]; metadataNames: string[] };

/** Parse "api refresh_token", "api,refresh_token", "Api, RefreshToken": canonical tokens, deduplicated, in order. */
export function parseScopes(raw: string | string[]): ParsedScopes {
  const words = (Array.isArray(raw) ? raw : [raw]).flatMap((r) => r.split(/[\s,]+/)).filter((w) => w !== '');
  if (words.length === 0) throw jwtError('InvalidScopes', ['(none given)']);
  const tokens: string[] = [];
  for (const word of words) {
    const lower = word.toLowerCase();
    const token = Object.hasOwn(SCOPE_TOKENS, lower)
      ? lower
      : Object.hasOwn(SCOPE_ALIASES, lower)
        ? SCOPE_ALIASES[lower]
        : undefined;
    if (token === undefined) throw jwtError('InvalidScopes', [`"${word}"`]);
    if (!tokens.includes(token)) tokens.push(token);
  }
  return { tokens, metadataNames: tokens.map((t) => SCOPE_TOKENS[t]) };
}
