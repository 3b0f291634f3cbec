/*
 * Types and defaults of the Salesforce emulator, plus Salesforce-style record ids.
 */
import { randomBytes, randomInt, X509Certificate } from 'node:crypto';

export type EmulatorApp = {
  consumerKey: string;
  /** PEM X.509; the token endpoint verifies RS256 signatures with its public key */
  certificatePem: string;
  name?: string;
  /** default 'external' */
  kind?: 'external' | 'connected';
  /** "Admin approved users are pre-authorized"; default true */
  preAuthorized?: boolean;
  /** users holding one of these are admitted (pre-authorized apps) */
  permissionSets?: string[];
  /** users with one of these profiles are admitted (pre-authorized apps) */
  profiles?: string[];
  /** external app that only answers when aud is the org's My Domain URL */
  myDomainOnly?: boolean;
  /** "API Access Control" on: only users in approvedUsers may use it -> invalid_app_access */
  apiAccessControl?: boolean;
  approvedUsers?: string[];
};

export type EmulatorUser = {
  username: string;
  /** 18-char 005... id, generated if absent */
  userId?: string;
  /** default true; false -> invalid_grant "inactive user" */
  active?: boolean;
  frozen?: boolean;
  /** default 'System Administrator' */
  profile?: string;
  permissionSets?: string[];
  /** consumer keys the user approved himself (for non-pre-authorized apps) */
  selfApprovedApps?: string[];
  /** -> invalid_grant "ip restricted" */
  ipRestricted?: boolean;
};

export type EmulatorOrg = {
  /** 18-char 00D..., generated if absent */
  orgId?: string;
  name?: string;
  instanceName?: string;
  isSandbox?: boolean;
  isDevHub?: boolean;
  namespacePrefix?: string | null;
  organizationType?: string;
  trialExpirationDate?: string | null;
  /** default: the emulator's own base URL */
  myDomainUrl?: string;
};

/**
 * 503, html: an error answer instead of the real one; reset: the connection dropped before anything is done; hang: no
 * answer ever; slow-body: the answer dribbled out; drop-reply: the request is carried out (a deploy is applied, even if
 * nobody polls it) but the connection drops before the answer; unresponsive: from this request on, for `ms`
 * milliseconds, every request is held unanswered and then dropped (Salesforce unreachable for a while).
 */
export type FaultKind = '503' | 'html' | 'reset' | 'hang' | 'slow-body' | 'drop-reply' | 'unresponsive';
export type Fault = {
  kind: FaultKind;
  /** only requests whose body contains this text (a SOAP operation such as `<checkDeployStatus`) */
  match?: string;
  /** how long an 'unresponsive' fault lasts (default 25000) */
  ms?: number;
  /** how many matching requests get the fault; default: forever */
  times?: number;
  /** path prefix; default all non-admin paths */
  path?: string;
  /** HTTP status of an 'html' fault (default 200) or a '503' fault (default 503) */
  status?: number;
};

export type EmulatorOptions = {
  org?: EmulatorOrg;
  apps?: EmulatorApp[];
  users?: EmulatorUser[];
  /** default 7200; after it, the token gets 401 INVALID_SESSION_ID */
  tokenLifetimeSeconds?: number;
  /** added to every (non-admin) request before answering */
  latencyMs?: number;
  /** true: generate a CA + server cert (SAN 127.0.0.1, localhost) */
  https?: boolean | { key: string; cert: string };
  host?: string;
  port?: number;
  /** rows for SELECT ... FROM Account */
  accounts?: Array<Record<string, unknown>>;
  /** default ['58.0' ... '66.0'] */
  apiVersions?: string[];
  /** permission sets of the org (those named by users and apps are created too) */
  permissionSets?: EmulatorPermissionSet[];
  /** profile names of the org, besides DEFAULT_PROFILES and the users' profiles */
  profiles?: string[];
  /** org-side switches (Metadata API, propagation); see OrgSwitches */
  switches?: Partial<OrgSwitches>;
};

export type EmulatorPermissionSet = { name: string; label?: string };

/** Org-side behaviour, settable at start (options.switches), by setSwitches() and POST /__emulator/switches. */
export type OrgSwitches = {
  /** ms after a deploy or an assignment before the token endpoint sees the change (default 0) */
  propagationDelayMs: number;
  /** "Connected Apps cannot be created" (Spring '26 default: true); updates of existing ones still pass */
  blockConnectedAppCreation: boolean;
  /** retrieve leaves out consumerKey (no "Allow access to OAuth consumer secrets via Metadata API"); default false */
  withholdConsumerKeys: boolean;
  /** a changed certificate of a live app never reaches the token endpoint (the old one keeps verifying); default false */
  freezeCertificates: boolean;
  /** how many checkDeployStatus / GET deployRequest polls answer done:false before the result (default 1, minimum 1) */
  deployPolls: number;
};

export const DEFAULT_SWITCHES: OrgSwitches = {
  propagationDelayMs: 0,
  blockConnectedAppCreation: true,
  withholdConsumerKeys: false,
  freezeCertificates: false,
  deployPolls: 1,
};

export type RequestLogEntry = {
  method: string;
  path: string;
  /** the raw query string without '?', when there was one (e.g. q=SELECT…) */
  query?: string;
  status: number;
  at: number;
  authorized?: boolean;
  grant?: { iss?: string; sub?: string; aud?: string; /** 'ok', or the OAuth error code */ result: string };
};

/** Org facts with every default filled in (myDomainUrl stays optional: it defaults to the live base URL). */
export type OrgFacts = Required<Omit<EmulatorOrg, 'myDomainUrl'>> & { myDomainUrl?: string };

export const DEFAULT_API_VERSIONS = ['58.0', '59.0', '60.0', '61.0', '62.0', '63.0', '64.0', '65.0', '66.0'];
export const DEFAULT_TOKEN_LIFETIME_SECONDS = 7200;
export const DEFAULT_PROFILE = 'System Administrator';
export const DEFAULT_PROFILES = [DEFAULT_PROFILE, 'Standard User', 'Minimum Access - API Only Integrations'];

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const CHECKSUM_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

export function randomAlnum(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ALNUM[randomInt(ALNUM.length)];
  return out;
}

/** Turns a 15-char case-sensitive Salesforce id into its 18-char form (an 18-char id is returned unchanged). */
export function toId18(id: string): string {
  if (id.length === 18) return id;
  if (id.length !== 15) throw new Error(`not a Salesforce id: ${id}`);
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const c = id[chunk * 5 + i];
      if (c >= 'A' && c <= 'Z') bits |= 1 << i;
    }
    suffix += CHECKSUM_CHARS[bits];
  }
  return id + suffix;
}

/** A fresh 18-char id with the given 3-char key prefix, shaped like real ones (prefix, pod digits, zeros, tail). */
export function newId(prefix: string): string {
  return toId18(`${prefix}${randomInt(1, 10)}${ALNUM[randomInt(26, 52)]}000000${randomAlnum(4)}`.slice(0, 15));
}

/** Access tokens look like 00D...!AQ...; the CLI detects them with /(00D\w{12,15})![.\w]*\/ */
export function newAccessToken(orgId: string): string {
  const tail = randomBytes(72).toString('base64').replace(/[+/=]/g, '').replace(/-/g, '.');
  return `${orgId.slice(0, 15)}!AQ${tail.slice(0, 94)}`;
}

export function orgDefaults(org: EmulatorOrg = {}): OrgFacts {
  return {
    orgId: org.orgId ? toId18(org.orgId) : newId('00D'),
    name: org.name ?? 'Emulated Org',
    instanceName: org.instanceName ?? (org.isSandbox ? 'CS42' : 'NA224'),
    isSandbox: org.isSandbox ?? false,
    isDevHub: org.isDevHub ?? false,
    namespacePrefix: org.namespacePrefix ?? null,
    organizationType: org.organizationType ?? 'Developer Edition',
    trialExpirationDate: org.trialExpirationDate ?? null,
    ...(org.myDomainUrl ? { myDomainUrl: org.myDomainUrl } : {}),
  };
}

export type StoredApp = Required<Omit<EmulatorApp, 'name'>> & { name: string; publicKey: X509Certificate['publicKey'] };
export type StoredUser = Required<EmulatorUser>;

/** Validates an app (its certificate must parse) and fills in the defaults. */
export function normalizeApp(app: EmulatorApp): StoredApp {
  if (!app || typeof app.consumerKey !== 'string' || app.consumerKey === '')
    throw new Error('app.consumerKey is required');
  if (typeof app.certificatePem !== 'string') throw new Error('app.certificatePem is required');
  let publicKey: X509Certificate['publicKey'];
  try {
    publicKey = new X509Certificate(app.certificatePem).publicKey;
  } catch (error) {
    throw new Error(
      `app ${app.consumerKey}: certificatePem is not a PEM X.509 certificate (${(error as Error).message})`,
    );
  }
  return {
    consumerKey: app.consumerKey,
    certificatePem: app.certificatePem,
    name: app.name ?? `App ${app.consumerKey.slice(0, 8)}`,
    kind: app.kind ?? 'external',
    preAuthorized: app.preAuthorized ?? true,
    permissionSets: [...(app.permissionSets ?? [])],
    profiles: [...(app.profiles ?? [])],
    myDomainOnly: app.myDomainOnly ?? false,
    apiAccessControl: app.apiAccessControl ?? false,
    approvedUsers: [...(app.approvedUsers ?? [])],
    publicKey,
  };
}

export function normalizeUser(user: EmulatorUser, previous?: StoredUser): StoredUser {
  if (!user || typeof user.username !== 'string' || user.username === '') throw new Error('user.username is required');
  return {
    username: user.username,
    userId: user.userId ? toId18(user.userId) : (previous?.userId ?? newId('005')),
    active: user.active ?? true,
    frozen: user.frozen ?? false,
    profile: user.profile ?? DEFAULT_PROFILE,
    permissionSets: [...(user.permissionSets ?? [])],
    selfApprovedApps: [...(user.selfApprovedApps ?? [])],
    ipRestricted: user.ipRestricted ?? false,
  };
}

export function defaultAccounts(): Array<Record<string, unknown>> {
  return [
    { Id: toId18('0015g00000AbCdE'), Name: 'Edge Communications', Industry: 'Electronics', NumberOfEmployees: 1000 },
    {
      Id: toId18('0015g00000AbCdF'),
      Name: 'Burlington Textiles Corp of America',
      Industry: 'Apparel',
      NumberOfEmployees: 9000,
    },
    {
      Id: toId18('0015g00000AbCdG'),
      Name: 'Pyramid Construction Inc.',
      Industry: 'Construction',
      NumberOfEmployees: 2680,
    },
  ];
}

/** Release name of an API version: 58.0 = Summer '23, 59.0 = Winter '24, 60.0 = Spring '24, ... */
export function releaseLabel(version: string): string {
  const n = Math.trunc(Number(version)) - 58;
  const seasons = ['Summer', 'Winter', 'Spring'];
  const season = seasons[((n % 3) + 3) % 3];
  // Summer '23 (58), Winter '24 (59), Spring '24 (60), Summer '24 (61), ...
  const year = 23 + Math.floor((n + 2) / 3);
  return `${season} '${String(year).padStart(2, '0')}`;
}
