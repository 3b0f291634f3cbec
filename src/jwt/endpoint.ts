/*
 * Login hosts and audiences. Which URL the assertion is posted to, which `aud` it carries, and which URLs are refused
 * (http to a real host, Lightning and Setup page URLs). Pure.
 */
import { jwtError, reason } from '../errors.js';

export const PRODUCTION_URL = 'https://login.salesforce.com';
export const SANDBOX_URL = 'https://test.salesforce.com';

export type HostKind =
  | 'production' // login.salesforce.com
  | 'sandbox' // test.salesforce.com
  | 'my-domain' // acme.my.salesforce.com, acme-dev-ed.develop.my.salesforce.com
  | 'sandbox-my-domain' // acme--uat.sandbox.my.salesforce.com
  | 'scratch-my-domain' // x.scratch.my.salesforce.com
  | 'site' // Experience Cloud: acme.my.site.com, *.force.com sites
  | 'loopback' // 127.0.0.1, localhost: tests and emulators
  | 'other';

/** The token (or authorize) endpoint given where the login host belongs: its path is stripped back to the host. */
const OAUTH_ENDPOINT = /\/services\/oauth2\/(token|authorize)$/i;

const SETUP_PATHS = /^\/(lightning|setup|_ui|one|home|secur|apex)(\/|$)/i;

export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h);
}

export function classifyHost(url: URL): HostKind {
  const host = url.hostname.toLowerCase();
  if (isLoopbackHost(host)) return 'loopback';
  if (host === 'login.salesforce.com') return 'production';
  if (host === 'test.salesforce.com') return 'sandbox';
  if (host.endsWith('.sandbox.my.salesforce.com')) return 'sandbox-my-domain';
  if (host.endsWith('.scratch.my.salesforce.com')) return 'scratch-my-domain';
  if (host.endsWith('.my.salesforce.com')) return 'my-domain';
  if (host.endsWith('.my.site.com') || host.endsWith('.force.com') || host.endsWith('.site.com')) return 'site';
  return 'other';
}

/** The My Domain URL behind a Lightning Experience URL. */
export function myDomainForLightning(url: URL): string | undefined {
  const match = /^(.+?)\.(sandbox\.|scratch\.|develop\.)?lightning\.force\.com$/i.exec(url.hostname);
  if (!match) return undefined;
  return `https://${match[1]}.${match[2] ?? ''}my.salesforce.com`;
}

/**
 * Validate a login (instance) URL given by the user. Returns the base URL (origin, plus the path of an Experience
 * Cloud site) without a trailing slash.
 */
export function parseLoginUrl(input: string): URL {
  let url: URL;
  const text = input.trim();
  try {
    url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `https://${text}`);
  } catch {
    throw jwtError('InvalidUrl', [input, reason('url.unparsable')]);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw jwtError('InvalidUrl', [input, reason('url.scheme', [url.protocol])]);
  if (url.username || url.password) throw jwtError('InvalidUrl', [input, reason('url.credentials')]);
  const lightning = myDomainForLightning(url);
  if (lightning) throw jwtError('LightningUrl', [url.origin], [lightning]);
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname))
    throw jwtError('InsecureUrl', [url.origin], [url.host]);
  if (SETUP_PATHS.test(url.pathname) || url.search || url.hash) {
    if (url.pathname !== '/' || url.search || url.hash) throw jwtError('SetupPageUrl', [input], [url.origin]);
  }
  const base = new URL(url.origin);
  const path = url.pathname.replace(/\/+$/, '').replace(OAUTH_ENDPOINT, '');
  if (path) base.pathname = path;
  return base;
}

/** A notice when `input` named an OAuth endpoint that parseLoginUrl stripped back to its host; undefined otherwise. */
export function loginUrlNotice(input: string, parsed: URL): string | undefined {
  const text = input
    .trim()
    .replace(/[?#].*$/, '')
    .replace(/\/+$/, '');
  return OAUTH_ENDPOINT.test(text) ? reason('url.oauthEndpoint', [text, baseUrlText(parsed)]) : undefined;
}

/** The base URL as text, without a trailing slash: what Salesforce compares `aud` with. */
export function baseUrlText(url: URL): string {
  return url.href.replace(/\/+$/, '');
}

export type AudienceOptions = {
  /** --audience or SF_AUDIENCE_URL: always wins, and is the only one tried. */
  audience?: string;
  sandbox?: boolean;
};

/**
 * The audiences to try at this host, most likely first. The second, when there is one, is tried only when
 * Salesforce answers "audience is invalid" or "External client app is not installed" to the first.
 */
export function audienceCandidates(loginUrl: URL, options: AudienceOptions = {}): string[] {
  if (options.audience) return [options.audience.trim().replace(/\/+$/, '')];
  const self = baseUrlText(loginUrl);
  switch (classifyHost(loginUrl)) {
    case 'production':
      return [PRODUCTION_URL];
    case 'sandbox':
      return [SANDBOX_URL];
    case 'my-domain':
      return options.sandbox ? [SANDBOX_URL, self] : [PRODUCTION_URL, self];
    case 'sandbox-my-domain':
    case 'scratch-my-domain':
      return [SANDBOX_URL, self];
    default:
      return [self, options.sandbox ? SANDBOX_URL : PRODUCTION_URL];
  }
}

/** The standard audience for a host, for the claim rules: what a correct assertion to this host carries. */
export function expectedAudiences(loginUrl: URL, sandbox = false): string[] {
  return audienceCandidates(loginUrl, { sandbox });
}

/** The token endpoint of a login URL. */
export function tokenUrl(loginUrl: URL): URL {
  return new URL(`${baseUrlText(loginUrl)}/services/oauth2/token`);
}
