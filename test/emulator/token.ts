/*
 * POST /services/oauth2/token with the JWT bearer grant, judged the way Salesforce does.
 *
 * Check order (stable; each step answers the first problem it finds):
 *   1. grant_type is urn:ietf:params:oauth:grant-type:jwt-bearer        else unsupported_grant_type
 *   2. assertion is three base64url parts, header and claims JSON objects else invalid_grant "invalid assertion"
 *   3. header alg is RS256                                               else invalid_grant "invalid assertion"
 *   4. iss is the consumer key of an app of this org                     else invalid_client_id
 *   5. external myDomainOnly app: aud is the org's My Domain URL         else app_not_found
 *   6. aud is login.salesforce.com (production) / test.salesforce.com
 *      (sandbox) or the org's My Domain URL                              else invalid_grant "audience is invalid"
 *   7. RS256 signature verifies with the app certificate's public key    else invalid_grant "invalid assertion"
 *   8. exp present (a number)                                            else invalid_grant "invalid assertion"
 *      exp not in the past (seconds, CLOCK_SKEW_SECONDS allowed; huge
 *      values such as the official CLI's milliseconds are accepted)      else invalid_grant "expired authorization code"
 *   9. prn (wins) or sub names a user of this org (case-insensitive)     else invalid_grant "user hasn't approved this consumer"
 *  10. user active and not frozen                                        else invalid_grant "inactive user"
 *  11. user not IP restricted                                            else invalid_grant "ip restricted"
 *  12. user admitted: pre-authorized app and user holds one of the app's
 *      permission sets or profiles; or self-authorize app the user
 *      approved himself                                                  else invalid_grant "user hasn't approved this consumer"
 *  13. API Access Control off, or user (name or id) in approvedUsers   else invalid_app_access
 */
import { verify } from 'node:crypto';
import type { StoredApp, StoredUser } from './config.js';

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const PRODUCTION_LOGIN = 'https://login.salesforce.com';
export const SANDBOX_LOGIN = 'https://test.salesforce.com';
export const CLOCK_SKEW_SECONDS = 5;

export type OAuthError = { error: string; error_description: string };

export const ERRORS = {
  unsupportedGrant: { error: 'unsupported_grant_type', error_description: 'grant type not supported' },
  invalidAssertion: { error: 'invalid_grant', error_description: 'invalid assertion' },
  invalidClient: { error: 'invalid_client_id', error_description: 'client identifier invalid' },
  appNotFound: { error: 'app_not_found', error_description: 'External client app is not installed in this org' },
  badAudience: { error: 'invalid_grant', error_description: 'audience is invalid' },
  expired: { error: 'invalid_grant', error_description: 'expired authorization code' },
  notApproved: { error: 'invalid_grant', error_description: "user hasn't approved this consumer" },
  inactive: { error: 'invalid_grant', error_description: 'inactive user' },
  ipRestricted: { error: 'invalid_grant', error_description: 'ip restricted' },
  appAccess: { error: 'invalid_app_access', error_description: 'user is not admin approved to access this app' },
} as const satisfies Record<string, OAuthError>;

export type GrantContext = {
  isSandbox: boolean;
  /** the org's My Domain URLs (the configured one, or the emulator's base URL under its host names) */
  myDomainUrls: string[];
  now?: number;
  findApp(consumerKey: string): StoredApp | undefined;
  findUser(username: string): StoredUser | undefined;
};

export type GrantClaims = { iss?: string; sub?: string; aud?: string };
export type GrantOutcome =
  | { ok: true; claims: GrantClaims; app: StoredApp; user: StoredUser }
  | { ok: false; claims: GrantClaims; error: OAuthError };

type Json = Record<string, unknown>;

function decodeJsonPart(part: string): Json | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
  } catch {
    return undefined;
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const audString = (aud: unknown): string | undefined =>
  typeof aud === 'string' ? aud : Array.isArray(aud) ? aud.filter((a) => typeof a === 'string').join(' ') : undefined;

/** Compares URLs ignoring one trailing slash and the case of scheme and host. */
export function sameUrl(a: string, b: string): boolean {
  const norm = (u: string): string => {
    const trimmed = u.endsWith('/') ? u.slice(0, -1) : u;
    const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i.exec(trimmed);
    return m ? m[1].toLowerCase() + m[2] : trimmed;
  };
  return norm(a) === norm(b);
}

function audienceMatches(aud: unknown, accepted: string[]): boolean {
  // Salesforce wants one audience string; an array is tolerated if one member matches.
  const candidates =
    typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
  return candidates.some((c) => accepted.some((a) => sameUrl(c, a)));
}

function admitted(app: StoredApp, user: StoredUser): boolean {
  if (app.preAuthorized) {
    return app.permissionSets.some((p) => user.permissionSets.includes(p)) || app.profiles.includes(user.profile);
  }
  return user.selfApprovedApps.includes(app.consumerKey);
}

/** Judges a token request body (already parsed from application/x-www-form-urlencoded). */
export function judgeGrant(form: URLSearchParams, ctx: GrantContext): GrantOutcome {
  const fail = (error: OAuthError, claims: GrantClaims = {}): GrantOutcome => ({ ok: false, claims, error });

  // 1
  if (form.get('grant_type') !== JWT_BEARER) return fail(ERRORS.unsupportedGrant);
  // 2
  const assertion = (form.get('assertion') ?? '').trim();
  const parts = assertion.split('.');
  if (parts.length !== 3) return fail(ERRORS.invalidAssertion);
  const header = decodeJsonPart(parts[0]);
  const payload = decodeJsonPart(parts[1]);
  if (!header || !payload) return fail(ERRORS.invalidAssertion);
  const username = str(payload.prn) ?? str(payload.sub);
  const claims: GrantClaims = { iss: str(payload.iss), sub: username, aud: audString(payload.aud) };
  // 3
  if (header.alg !== 'RS256') return fail(ERRORS.invalidAssertion, claims);
  // 4
  const app = claims.iss === undefined ? undefined : ctx.findApp(claims.iss);
  if (!app) return fail(ERRORS.invalidClient, claims);
  // 5, 6
  const myDomainOnly = app.kind === 'external' && app.myDomainOnly;
  if (myDomainOnly && !audienceMatches(payload.aud, ctx.myDomainUrls)) return fail(ERRORS.appNotFound, claims);
  const accepted = [...(myDomainOnly ? [] : [ctx.isSandbox ? SANDBOX_LOGIN : PRODUCTION_LOGIN]), ...ctx.myDomainUrls];
  if (!audienceMatches(payload.aud, accepted)) return fail(ERRORS.badAudience, claims);
  // 7
  if (app.publicKey.asymmetricKeyType !== 'rsa' || !/^[A-Za-z0-9_-]*$/.test(parts[2]))
    return fail(ERRORS.invalidAssertion, claims);
  const signedOk = verify(
    'RSA-SHA256',
    Buffer.from(`${parts[0]}.${parts[1]}`),
    app.publicKey,
    Buffer.from(parts[2], 'base64url'),
  );
  if (!signedOk) return fail(ERRORS.invalidAssertion, claims);
  // 8
  if (typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return fail(ERRORS.invalidAssertion, claims);
  const nowSeconds = (ctx.now ?? Date.now()) / 1000;
  if (payload.exp < nowSeconds - CLOCK_SKEW_SECONDS) return fail(ERRORS.expired, claims);
  // 9
  const user = username === undefined ? undefined : ctx.findUser(username);
  if (!user) return fail(ERRORS.notApproved, claims);
  // 10, 11
  if (!user.active || user.frozen) return fail(ERRORS.inactive, claims);
  if (user.ipRestricted) return fail(ERRORS.ipRestricted, claims);
  // 12
  if (!admitted(app, user)) return fail(ERRORS.notApproved, claims);
  // 13
  const approved = (u: string): boolean => u.toLowerCase() === user.username.toLowerCase() || u === user.userId;
  if (app.apiAccessControl && !app.approvedUsers.some(approved)) {
    return fail(ERRORS.appAccess, claims);
  }
  return { ok: true, claims, app, user };
}
