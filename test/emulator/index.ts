/*
 * A local Salesforce emulator for the JWT bearer flow and the REST calls the sf CLI makes after it.
 * See token.ts (OAuth checks), rest.ts + soql.ts (REST), org.ts + sobjects.ts + metadata/ (the org side: Metadata
 * API deploy/retrieve, permission sets, assignments, propagation), faults.ts, tls.ts, admin.ts, cli.ts.
 *
 * Request pipeline (non-admin requests): read body -> wait latency -> take a matching fault -> answer
 * (token endpoint, Metadata SOAP, REST) -> append to the request log.
 */
import { X509Certificate } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  DEFAULT_API_VERSIONS,
  DEFAULT_TOKEN_LIFETIME_SECONDS,
  defaultAccounts,
  newAccessToken,
  normalizeApp,
  normalizeUser,
  orgDefaults,
  type EmulatorApp,
  type EmulatorOptions,
  type EmulatorUser,
  type Fault,
  type OrgFacts,
  type OrgSwitches,
  type RequestLogEntry,
  type StoredApp,
  type StoredUser,
} from './config.js';
import { judgeGrant, type GrantClaims } from './token.js';
import { handleRest, INVALID_SESSION, JSON_TYPE, needsAuth, type Reply, type Session } from './rest.js';
import { dribble, FaultSet, MAINTENANCE_PAGE } from './faults.js';
import { generateTlsMaterial } from './tls.js';
import { ADMIN_PREFIX, handleAdmin, isLoopback } from './admin.js';
import { OrgStore, type DeployRecord } from './org.js';
import { handleOrgRest } from './sobjects.js';
import { DeployJobs } from './metadata/deploy.js';
import { RetrieveJobs } from './metadata/retrieve.js';
import { handleSoap, SOAP_PATH } from './metadata/soap.js';
import { recordConfiguredApp } from './metadata/apply.js';

export type {
  EmulatorApp,
  EmulatorUser,
  EmulatorOrg,
  EmulatorOptions,
  EmulatorPermissionSet,
  OrgSwitches,
  Fault,
  FaultKind,
  RequestLogEntry,
} from './config.js';
export { ERRORS, CLOCK_SKEW_SECONDS, PRODUCTION_LOGIN, SANDBOX_LOGIN } from './token.js';
export type { DeployRecord } from './org.js';
export { CONNECTED_APP_BLOCKED } from './metadata/apply.js';

const TOKEN_PATH = '/services/oauth2/token';
const REVOKE_PATH = '/services/oauth2/revoke';
const MAX_BODY = 32 * 1024 * 1024;
const NO_STORE = { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private', Pragma: 'no-cache' };

type Server = http.Server | https.Server;

export class SalesforceEmulator {
  public readonly requestLog: RequestLogEntry[] = [];
  private readonly org: OrgFacts;
  private readonly apps = new Map<string, StoredApp>();
  private readonly users = new Map<string, StoredUser>();
  private readonly sessions = new Map<string, Session>();
  private readonly faults = new FaultSet();
  private readonly accounts: Array<Record<string, unknown>>;
  private readonly apiVersions: string[];
  private readonly store: OrgStore;
  private readonly deployJobs: DeployJobs;
  private readonly retrieveJobs: RetrieveJobs;
  private readonly tokenLifetimeMs: number;
  private readonly cancellers = new Set<() => void>();
  private latencyMs: number;
  private issued = 0;
  private server?: Server;
  private baseUrl?: string;
  private caPem?: string;
  private stopping = new AbortController();

  public constructor(private readonly options: EmulatorOptions = {}) {
    this.org = orgDefaults(options.org);
    this.accounts = options.accounts ?? defaultAccounts();
    this.apiVersions = options.apiVersions?.length ? [...options.apiVersions] : [...DEFAULT_API_VERSIONS];
    this.tokenLifetimeMs = (options.tokenLifetimeSeconds ?? DEFAULT_TOKEN_LIFETIME_SECONDS) * 1000;
    this.latencyMs = options.latencyMs ?? 0;
    this.store = new OrgStore(options.switches, options.permissionSets, options.profiles);
    this.deployJobs = new DeployJobs(this.store, this.apps);
    this.retrieveJobs = new RetrieveJobs(this.store);
    for (const app of options.apps ?? []) this.addApp(app);
    for (const user of options.users ?? []) this.addUser(user);
  }

  /** The base URL, e.g. http://127.0.0.1:41234 (throws before start()). */
  public get url(): string {
    if (!this.baseUrl) throw new Error('SalesforceEmulator: not started');
    return this.baseUrl;
  }

  /** PEM of the generated CA in `https: true` mode (undefined otherwise, including with your own key/cert). */
  public get caCertificatePem(): string | undefined {
    return this.caPem;
  }

  public async start(): Promise<string> {
    if (this.server) throw new Error('SalesforceEmulator: already started');
    this.stopping = new AbortController();
    const listener = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      this.onRequest(req, res).catch((error: unknown) => {
        if (!res.headersSent && !res.destroyed)
          this.send(res, { status: 500, body: [{ errorCode: 'UNKNOWN_EXCEPTION', message: String(error) }] });
      });
    };
    let server: Server;
    const tlsOption = this.options.https;
    if (tlsOption) {
      let key: string;
      let cert: string;
      if (tlsOption === true) {
        const material = await generateTlsMaterial();
        ({ key, cert } = material);
        this.caPem = material.caCertificatePem;
      } else {
        ({ key, cert } = tlsOption);
      }
      server = https.createServer({ key, cert }, listener);
    } else {
      server = http.createServer(listener);
    }
    server.keepAliveTimeout = 5000;
    this.server = server;
    const host = this.options.host ?? '127.0.0.1';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const { port } = server.address() as AddressInfo;
    const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
    this.baseUrl = `${tlsOption ? 'https' : 'http'}://${shownHost}:${port}`;
    return this.baseUrl;
  }

  /** Stops listening and destroys every connection, hung ones included. */
  public async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping.abort();
    for (const cancel of this.cancellers) cancel();
    this.cancellers.clear();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
    this.server = undefined;
  }

  public clearLog(): void {
    this.requestLog.length = 0;
  }

  /** An app that exists already (no propagation delay); it is also recorded as metadata, so retrieve sees it. */
  public addApp(app: EmulatorApp): void {
    const stored = normalizeApp(app);
    this.apps.set(stored.consumerKey, stored);
    recordConfiguredApp(this.store, stored);
  }

  /** A user, with PermissionSetAssignment records for its permissionSets (permission sets created if missing). */
  public addUser(user: EmulatorUser): void {
    const stored = normalizeUser(user);
    this.users.set(stored.username.toLowerCase(), stored);
    this.store.syncUserAssignments(stored);
  }

  public updateUser(username: string, patch: Partial<EmulatorUser>): void {
    const existing = this.users.get(username.toLowerCase());
    if (!existing) throw new Error(`unknown user: ${username}`);
    const updated = normalizeUser({ ...existing, ...patch }, existing);
    this.users.delete(username.toLowerCase());
    this.users.set(updated.username.toLowerCase(), updated);
    // an admin's update is the world as it is: records and token endpoint both, at once
    if (patch.permissionSets !== undefined) this.store.syncUserAssignments(updated);
    else this.store.ensureProfile(updated.profile);
  }

  /** Changes org switches (propagation delay, Connected App block, withheld keys, frozen certificates, deploy polls). */
  public setSwitches(patch: Partial<OrgSwitches>): void {
    this.store.setSwitches(patch);
  }

  /** Creates (or relabels) a permission set at once. */
  public addPermissionSet(name: string, label?: string): void {
    this.store.upsertPermissionSet(name, label);
  }

  /** Every deploy received so far (SOAP and REST, check-only ones too), oldest first. */
  public deploys(): DeployRecord[] {
    return this.store.deploys.map((d) => ({ ...d, components: d.components.map((c) => ({ ...c })) }));
  }

  /**
   * An access token for a user, as if they had logged in (for `sf org login access-token` with SF_ACCESS_TOKEN, or
   * direct calls). No app is involved; the token follows the same rules as issued ones (lifetime, expireAllTokens).
   */
  public issueAccessToken(username: string): {
    access_token: string;
    instance_url: string;
    id: string;
    token_type: string;
    scope: string;
  } {
    const user = this.users.get(username.toLowerCase());
    if (!user) throw new Error(`unknown user: ${username}`);
    const token = newAccessToken(this.org.orgId);
    this.sessions.set(token, {
      token,
      userId: user.userId,
      username: user.username,
      expiresAt: Date.now() + this.tokenLifetimeMs,
    });
    this.issued += 1;
    return {
      access_token: token,
      instance_url: this.url,
      id: `${this.url}/id/${this.org.orgId}/${user.userId}`,
      token_type: 'Bearer',
      scope: 'api',
    };
  }

  public setFaults(faults: Fault[]): void {
    this.faults.set(faults);
  }

  public setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  /** Every token issued so far stops working (the next REST call gets 401 INVALID_SESSION_ID). */
  public expireAllTokens(): void {
    for (const session of this.sessions.values()) session.expiresAt = 0;
  }

  /** How many access tokens the token endpoint has issued since construction (expired ones included). */
  public issuedTokenCount(): number {
    return this.issued;
  }

  /** Public facts for GET /__emulator/state: never keys, tokens or certificates. */
  public state(): Record<string, unknown> {
    const now = Date.now();
    this.store.flush(now);
    const psName = (id: string): string | undefined => this.store.permissionSets.find((p) => p.id === id)?.name;
    return {
      url: this.baseUrl,
      org: { ...this.org, myDomainUrl: this.org.myDomainUrl ?? this.baseUrl },
      apps: [...this.apps.values()].map(({ certificatePem, publicKey, ...rest }) => ({
        ...rest,
        certificateSha256: new X509Certificate(certificatePem).fingerprint256,
        keyType: publicKey.asymmetricKeyType,
      })),
      users: [...this.users.values()],
      issuedTokens: this.issued,
      activeTokens: [...this.sessions.values()].filter((s) => s.expiresAt > now).length,
      faults: this.faults.list(),
      latencyMs: this.latencyMs,
      tokenLifetimeSeconds: this.tokenLifetimeMs / 1000,
      apiVersions: this.apiVersions,
      switches: { ...this.store.switches },
      profiles: this.store.profiles.map((p) => ({ ...p })),
      permissionSets: this.store.permissionSets.filter((p) => !p.isOwnedByProfile).map((p) => ({ ...p })),
      assignments: this.store.assignments.map((a) => ({
        ...a,
        permissionSetName: psName(a.permissionSetId),
        username: [...this.users.values()].find((u) => u.userId === a.assigneeId)?.username,
      })),
      metadata: Object.fromEntries(
        [...this.store.components.keys()].map((type) => [type, this.store.componentNames(type)]),
      ),
      pendingChanges: this.store.pendingCount(),
      deploys: this.deploys(),
    };
  }

  // ---------------------------------------------------------------------------------------------------------

  private myDomainUrls(): string[] {
    if (this.org.myDomainUrl) return [this.org.myDomainUrl];
    const base = this.url;
    // the emulator answers under both loopback names, so both count as "its" My Domain
    return [base, base.replace('://127.0.0.1:', '://localhost:'), base.replace('://localhost:', '://127.0.0.1:')];
  }

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = Date.now();
    const method = req.method ?? 'GET';
    // an instance URL saved with a trailing slash makes clients ask for //services/…: collapse repeated slashes
    // (a leading // would otherwise parse as a host name)
    const parsed = new URL(
      (req.url ?? '/').replace(/^[^?]*/, (p) => p.replace(/\/{2,}/g, '/')),
      'http://emulator.invalid',
    );
    const pathname = parsed.pathname;
    const raw = await readBody(req);
    const body = raw?.toString('utf8');

    if (pathname.startsWith(ADMIN_PREFIX)) {
      if (!isLoopback(req.socket.remoteAddress)) {
        this.send(res, { status: 403, body: { error: 'forbidden', message: 'admin API is loopback only' } });
        return;
      }
      this.send(res, handleAdmin(method, pathname, body ?? '', this));
      return;
    }

    const entry: RequestLogEntry = {
      method,
      path: pathname,
      ...(parsed.search ? { query: parsed.search.slice(1) } : {}),
      status: 0,
      at,
    };
    this.requestLog.push(entry);

    if (this.latencyMs > 0) {
      try {
        await sleep(this.latencyMs, undefined, { signal: this.stopping.signal });
      } catch {
        return; // stopping
      }
    }

    const fault = this.faults.take(pathname, body);
    const heldMs = this.faults.unresponsiveFor();
    if (heldMs > 0) {
      // Unreachable for a while: held unanswered until the window closes, then dropped.
      try {
        await sleep(heldMs, undefined, { signal: this.stopping.signal });
      } catch {
        return; // stopping
      }
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'hang') return; // never answered; stop() destroys the socket
    if (fault?.kind === '503') {
      entry.status = fault.status ?? 503;
      this.send(res, { status: entry.status, body: 'Service Unavailable', contentType: 'text/plain;charset=UTF-8' });
      return;
    }
    if (fault?.kind === 'html') {
      entry.status = fault.status ?? 200;
      this.send(res, { status: entry.status, body: MAINTENANCE_PAGE, contentType: 'text/html;charset=UTF-8' });
      return;
    }

    const reply =
      raw === undefined || body === undefined
        ? { status: 413, body: [{ errorCode: 'REQUEST_TOO_LARGE', message: 'request body too large' }] }
        : await this.answer(method, pathname, parsed.searchParams, raw, req.headers, entry);
    entry.status = reply.status;
    if (fault?.kind === 'drop-reply') {
      // Carried out, but the answer never arrives; a deploy it started runs to its end all the same.
      this.deployJobs.finishPending();
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'slow-body') {
      const text = Buffer.from(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      const cancel = dribble(
        res,
        reply.status,
        { 'Content-Type': reply.contentType ?? JSON_TYPE, ...reply.headers },
        text,
      );
      this.cancellers.add(cancel);
      res.once('close', () => this.cancellers.delete(cancel));
      return;
    }
    this.send(res, reply);
  }

  private async answer(
    method: string,
    pathname: string,
    query: URLSearchParams,
    raw: Buffer,
    headers: http.IncomingHttpHeaders,
    entry: RequestLogEntry,
  ): Promise<Reply> {
    const body = raw.toString('utf8');
    const authorization = headers.authorization;
    if (pathname === TOKEN_PATH) {
      if (method !== 'POST')
        return {
          status: 400,
          body: { error: 'invalid_request', error_description: 'must use HTTP POST' },
          headers: NO_STORE,
        };
      return this.grant(body, entry);
    }
    if (pathname === REVOKE_PATH) {
      if (method !== 'POST' && method !== 'GET')
        return { status: 400, body: { error: 'invalid_request', error_description: 'must use HTTP POST' } };
      const token = (method === 'POST' ? new URLSearchParams(body) : query).get('token');
      if (!token || !this.sessions.delete(token))
        return {
          status: 400,
          body: { error: 'unsupported_token_type', error_description: 'this token type is not supported' },
        };
      return { status: 200, body: '' };
    }
    const soap = SOAP_PATH.exec(pathname);
    if (soap) {
      return handleSoap(method, soap[1], body, {
        deploys: this.deployJobs,
        retrieves: this.retrieveJobs,
        apiVersions: this.apiVersions,
        sessionFor: (token) => (token ? this.sessionFor(`Bearer ${token}`, entry) : undefined),
      });
    }
    let session: Session | undefined;
    if (needsAuth(pathname)) {
      session = this.sessionFor(authorization, entry);
      if (!session) return INVALID_SESSION;
    }
    const data = /^\/services\/data\/v(\d+\.\d)(\/.*)$/.exec(pathname);
    if (session && data && Number(data[1]) <= Math.max(...this.apiVersions.map(Number))) {
      const orgReply = await handleOrgRest(method, data[2].replace(/\/$/, ''), query, raw, headers['content-type'], {
        org: this.store,
        deploys: this.deployJobs,
        users: [...this.users.values()],
        session,
        version: data[1],
        grantPermissionSet: (userId, name, granted) => this.grantPermissionSet(userId, name, granted),
      });
      if (orgReply) return orgReply;
    }
    return handleRest(method, pathname, query, {
      store: this.store,
      baseUrl: this.url,
      org: this.org,
      users: [...this.users.values()],
      accounts: this.accounts,
      apiVersions: this.apiVersions,
      session,
    });
  }

  /** The live session of a `Bearer` header: known token, not expired, user still active and not frozen. */
  private sessionFor(authorization: string | undefined, entry: RequestLogEntry): Session | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    const session = m ? this.sessions.get(m[1]) : undefined;
    const user = session ? this.users.get(session.username.toLowerCase()) : undefined;
    const valid = !!session && session.expiresAt > Date.now() && !!user && user.active && !user.frozen;
    entry.authorized = valid;
    return valid ? session : undefined;
  }

  /** The token endpoint's view of a user's permission sets (called when an assignment has propagated). */
  private grantPermissionSet(userId: string, name: string, granted: boolean): void {
    const user = [...this.users.values()].find((u) => u.userId === userId);
    if (!user) return;
    user.permissionSets = granted
      ? [...new Set([...user.permissionSets, name])]
      : user.permissionSets.filter((p) => p !== name);
  }

  private grant(body: string, entry: RequestLogEntry): Reply {
    this.store.flush();
    const outcome = judgeGrant(new URLSearchParams(body), {
      findApp: (key) => this.apps.get(key),
      findUser: (username) => this.users.get(username.toLowerCase()),
      isSandbox: this.org.isSandbox,
      myDomainUrls: this.myDomainUrls(),
    });
    const claims: GrantClaims = outcome.claims;
    if (!outcome.ok) {
      entry.grant = {
        ...claims,
        result:
          outcome.error.error === 'invalid_grant'
            ? `invalid_grant: ${outcome.error.error_description}`
            : outcome.error.error,
      };
      return { status: 400, body: outcome.error, headers: NO_STORE };
    }
    entry.grant = { ...claims, result: 'ok' };
    const token = newAccessToken(this.org.orgId);
    this.sessions.set(token, {
      token,
      userId: outcome.user.userId,
      username: outcome.user.username,
      expiresAt: Date.now() + this.tokenLifetimeMs,
    });
    this.issued += 1;
    const base = this.url;
    return {
      status: 200,
      headers: NO_STORE,
      body: {
        access_token: token,
        scope: 'api',
        instance_url: base,
        id: `${base}/id/${this.org.orgId}/${outcome.user.userId}`,
        token_type: 'Bearer',
      },
    };
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    if (res.destroyed) return;
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType ?? JSON_TYPE,
      ...reply.headers,
      'Content-Length': String(Buffer.byteLength(text)),
    });
    res.end(text);
  }
}

/** Reads the whole body; undefined when larger than MAX_BODY. */
async function readBody(req: http.IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startEmulator(options?: EmulatorOptions): Promise<SalesforceEmulator> {
  const emulator = new SalesforceEmulator(options);
  await emulator.start();
  return emulator;
}
