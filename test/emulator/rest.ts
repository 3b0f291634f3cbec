/*
 * The REST side: /services/data, /services/data/vNN.N[/query], /services/oauth2/userinfo, /services/oauth2/singleaccess,
 * /id/<org>/<user>.
 * Everything but GET /services/data needs `Authorization: Bearer <token>`; an unknown or expired token gets
 * 401 INVALID_SESSION_ID, which is what makes the CLI refresh a JWT login.
 */
import { randomBytes } from 'node:crypto';
import type { OrgFacts, StoredUser } from './config.js';
import type { OrgStore } from './org.js';
import { releaseLabel } from './config.js';
import { displayName, emailOf, runQuery } from './soql.js';

export type Reply = { status: number; body: unknown; contentType?: string; headers?: Record<string, string> };
export type Session = { token: string; userId: string; username: string; expiresAt: number };

export type RestContext = {
  baseUrl: string;
  org: OrgFacts;
  users: StoredUser[];
  accounts: Array<Record<string, unknown>>;
  apiVersions: string[];
  store: OrgStore;
  /** the session for the request's bearer token, if valid */
  session: Session | undefined;
  /** a Dev Hub's ScratchOrgInfo records (undefined: not a Dev Hub) */
  scratchOrgInfos?: Array<Record<string, unknown>>;
  activeScratchOrgs?: Array<Record<string, unknown>>;
};

export const JSON_TYPE = 'application/json;charset=UTF-8';
export const NOT_FOUND: Reply = {
  status: 404,
  body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
};
export const INVALID_SESSION: Reply = {
  status: 401,
  body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
};

const methodNotAllowed = (method: string): Reply => ({
  status: 405,
  body: [{ errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are GET,HEAD` }],
});

export function versionList(apiVersions: string[]): Array<{ label: string; url: string; version: string }> {
  return apiVersions.map((v) => ({ label: releaseLabel(v), url: `/services/data/v${v}`, version: v }));
}

function resourceMap(version: string, idUrl: string): Record<string, string> {
  const base = `/services/data/v${version}`;
  const map: Record<string, string> = { identity: idUrl };
  for (const name of [
    'sobjects',
    'query',
    'queryAll',
    'search',
    'limits',
    'tooling',
    'metadata',
    'composite',
    'recent',
    'connect',
    'actions',
    'tabs',
    'theme',
    'jobs',
  ]) {
    map[name] = `${base}/${name}`;
  }
  return map;
}

function identity(ctx: RestContext, user: StoredUser): Record<string, unknown> {
  const { baseUrl, org } = ctx;
  const name = displayName(user.username);
  const idUrl = `${baseUrl}/id/${org.orgId}/${user.userId}`;
  const urls: Record<string, string> = {};
  for (const [key, path] of Object.entries({ enterprise: 'c', metadata: 'm', partner: 'u' }))
    urls[key] = `${baseUrl}/services/Soap/${path}/{version}/${org.orgId.slice(0, 15)}`;
  Object.assign(urls, {
    rest: `${baseUrl}/services/data/v{version}/`,
    sobjects: `${baseUrl}/services/data/v{version}/sobjects/`,
    search: `${baseUrl}/services/data/v{version}/search/`,
    query: `${baseUrl}/services/data/v{version}/query/`,
    profile: `${baseUrl}/${user.userId}`,
  });
  return {
    id: idUrl,
    asserted_user: true,
    user_id: user.userId,
    organization_id: org.orgId,
    username: user.username,
    nick_name: user.username.split('@')[0],
    display_name: name,
    email: emailOf(user.username),
    email_verified: true,
    first_name: name.split(' ')[0],
    last_name: name.split(' ').slice(1).join(' ') || name,
    timezone: 'America/Los_Angeles',
    status: { created_date: null, body: null },
    urls,
    active: user.active,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28_800_000,
    last_modification_date: '2024-01-01T00:00:00Z',
    is_app_installed: true,
  };
}

function userInfo(ctx: RestContext, user: StoredUser): Record<string, unknown> {
  const id = identity(ctx, user);
  return {
    sub: id.id,
    user_id: user.userId,
    organization_id: ctx.org.orgId,
    preferred_username: user.username,
    nickname: id.nick_name,
    name: id.display_name,
    email: id.email,
    email_verified: true,
    given_name: id.first_name,
    family_name: id.last_name,
    zoneinfo: id.timezone,
    profile: `${ctx.baseUrl}/${user.userId}`,
    urls: id.urls,
    active: user.active,
    user_type: 'STANDARD',
    language: 'en_US',
    locale: 'en_US',
    utcOffset: -28_800_000,
    updated_at: '2024-01-01T00:00:00Z',
    is_app_installed: true,
  };
}

const maxVersion = (versions: string[]): number => Math.max(...versions.map(Number));

/** Whether a path is served only with a bearer token (everything under /services/ and /id/ but the public ones). */
export function needsAuth(pathname: string): boolean {
  if (pathname === '/services/data' || pathname === '/services/data/') return false;
  if (
    pathname.startsWith('/services/oauth2/') &&
    pathname !== '/services/oauth2/userinfo' &&
    pathname !== '/services/oauth2/singleaccess'
  )
    return false;
  return pathname.startsWith('/services/') || pathname.startsWith('/id/');
}

/** Answers a REST request; the caller has already turned away requests that need a session and have none. */
export function handleRest(method: string, pathname: string, query: URLSearchParams, ctx: RestContext): Reply {
  const path = pathname.length > 1 && pathname.endsWith('/') ? pathname.slice(0, -1) : pathname;
  const get = method === 'GET' || method === 'HEAD';

  if (path === '/services/data')
    return get ? { status: 200, body: versionList(ctx.apiVersions) } : methodNotAllowed(method);

  const session = ctx.session;
  if (!session) return NOT_FOUND;
  const user = ctx.users.find((u) => u.userId === session.userId);
  if (!user) return INVALID_SESSION;

  if (path === '/services/oauth2/userinfo') return { status: 200, body: userInfo(ctx, user) };
  // UI Bridge API (`sf org open` asks it for a single-use front-door URL)
  if (path === '/services/oauth2/singleaccess') {
    const otp = randomBytes(24).toString('base64url');
    return { status: 200, body: { frontdoor_uri: `${ctx.baseUrl}/secur/frontdoor.jsp?otp=${otp}&cshc=emulator` } };
  }

  const idMatch = /^\/id\/(00D\w{12}(?:\w{3})?)\/(005\w{12}(?:\w{3})?)$/.exec(path);
  if (idMatch) {
    const [, orgId, userId] = idMatch;
    const target = ctx.users.find((u) => u.userId.slice(0, 15) === userId.slice(0, 15));
    if (orgId.slice(0, 15) !== ctx.org.orgId.slice(0, 15) || !target) return NOT_FOUND;
    return get ? { status: 200, body: identity(ctx, target) } : methodNotAllowed(method);
  }

  const data = /^\/services\/data\/v(\d+\.\d)(\/.*)?$/.exec(path);
  if (!data) return NOT_FOUND;
  const [, version, rest = ''] = data;
  if (Number(version) < 20 || Number(version) > maxVersion(ctx.apiVersions)) return NOT_FOUND;
  if (rest === '') {
    return get
      ? { status: 200, body: resourceMap(version, `${ctx.baseUrl}/id/${ctx.org.orgId}/${user.userId}`) }
      : methodNotAllowed(method);
  }
  if (rest === '/query' || rest === '/queryAll') {
    if (!get) return methodNotAllowed(method);
    const q = query.get('q');
    if (!q)
      return { status: 400, body: [{ message: 'A query string has to be specified', errorCode: 'MALFORMED_QUERY' }] };
    return runQuery(
      q,
      {
        org: ctx.org,
        users: ctx.users,
        accounts: ctx.accounts,
        store: ctx.store,
        scratchOrgInfos: ctx.scratchOrgInfos,
        activeScratchOrgs: ctx.activeScratchOrgs,
      },
      version,
      query.get('columns') === 'true',
    );
  }
  return NOT_FOUND;
}
