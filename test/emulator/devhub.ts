/*
 * The emulator as a Dev Hub: ScratchOrgInfo records, their insert and polls, and the scratch orgs they create, each
 * served by its own emulator instance (own port, org id and login host) in the same process.
 *
 * What the real `sf org create scratch` (plugin-org 6.0.x, sfdx-core 9.x) does, and so what this answers:
 * - sfdx-core src/org/scratchOrgInfoApi.ts requestScratchOrgCreation: `POST …/sobjects/ScratchOrgInfo` with the
 *   ScratchOrgInfo fields in PascalCase (ConnectedAppConsumerKey from scratchOrgInfoGenerator.ts: --client-id, the
 *   definition's, SF_SCRATCH_SIGNUP_CONNECTED_APP, the hub auth's clientId, else PlatformCLI; ConnectedAppCallbackUrl
 *   from SF_SCRATCH_SIGNUP_CALLBACK_URL, else http://localhost:1717/OauthRedirect).
 * - pollForScratchOrgInfo: `GET …/sobjects/ScratchOrgInfo/<id>` every second until Status is Active or Error;
 *   scratchOrgErrorCodes.ts checkScratchOrgInfoForErrors turns ErrorCode into RemoteOrgSignupFailed.
 * - authorizeScratchOrg: the login URL is the project's signupTargetLoginUrl, else https://<SignupInstance>.salesforce.com
 *   unless the instance name ends in "s" (Hyperforce/Falcon), else LoginUrl; then LoginUrl again on failure. This
 *   emulator's scratch orgs have a Hyperforce-style instance name (ending in S) and LoginUrl = their own base URL, so
 *   sf logs in to the loopback scratch org, by the same path it takes for Hyperforce orgs.
 * Signup outcome (Salesforce DX Developer Guide, Spring '26; error C-1016: the app for Proxy Signup could not be
 * configured — it needs a valid consumer key, callback URL and an unexpired certificate): Error C-1016 when the consumer
 * key names no Connected App of the hub (an External Client App, or no app), or the app's certificate has expired.
 * `PlatformCLI` (the stop-gap SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI) is Salesforce's built-in app: signup
 * succeeds and the scratch login is an auth-code exchange (AuthCode on the record).
 */
import { randomBytes, X509Certificate } from 'node:crypto';
import { newId, type StoredApp } from './config.js';
import type { Reply } from './rest.js';
import type { SalesforceEmulator } from './index.js';

/** Dev Hub behaviour (options.devHub; the hub is an org with org.isDevHub true). */
export type DevHubOptions = {
  /** GET polls of a new ScratchOrgInfo answered with Status New before its outcome (default 1). */
  signupPolls?: number;
  /**
   * After the scratch org is Active, how long its copy of the hub's Connected App admits nobody ("user hasn't
   * approved this consumer": the app is still replicating). Default 0.
   */
  replicationDelayMs?: number;
};

/** The built-in app that SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI names (sfdx-core authInfo DEFAULT_CONNECTED_APP_INFO). */
export const PLATFORM_CLI = 'PlatformCLI';
/** A Hyperforce-style instance name: ends in S, so sf takes LoginUrl (scratchOrgInfoApi getOrgInstanceAuthority). */
export const SCRATCH_INSTANCE = 'USA660S';
const SCRATCH_ADMIN_PROFILE = 'System Administrator';

export type ScratchOrgInfoRecord = Record<string, unknown> & {
  Id: string;
  Status: 'New' | 'Creating' | 'Active' | 'Error' | 'Deleted';
  SignupUsername: string;
  CreatedDate: string;
};

type Signup = { record: ScratchOrgInfoRecord; polls: number; scratch?: SalesforceEmulator; activeId?: string };

export type DevHubDeps = {
  apps: Map<string, StoredApp>;
  /** A started emulator for a new scratch org (the hub's class, given to avoid an import cycle). */
  startOrg: (options: ConstructorParameters<typeof SalesforceEmulator>[0]) => Promise<SalesforceEmulator>;
};

const bad = (status: number, errorCode: string, message: string, fields?: string[]): Reply => ({
  status,
  body: [{ message, errorCode, ...(fields ? { fields } : {}) }],
});

/** Salesforce's datetime form in REST answers: 2026-01-02T03:04:05.000+0000. */
export function sfDatetime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

export class DevHub {
  private readonly signups = new Map<string, Signup>();
  private readonly timers = new Set<NodeJS.Timeout>();

  public constructor(
    private readonly deps: DevHubDeps,
    private readonly options: DevHubOptions = {},
  ) {}

  /** Every ScratchOrgInfo record, for SOQL (and tests). */
  public rows(): ScratchOrgInfoRecord[] {
    return [...this.signups.values()].map((s) => s.record);
  }

  /** ActiveScratchOrg records: one per Active signup (what `sf org delete scratch` queries and deletes). */
  public activeRows(): Array<Record<string, unknown>> {
    return [...this.signups.values()]
      .filter((s) => s.record.Status === 'Active' && s.activeId)
      .map((s) => ({
        Id: s.activeId,
        ScratchOrg: s.record.ScratchOrg,
        SignupUsername: s.record.SignupUsername,
        ScratchOrgInfoId: s.record.Id,
        CreatedDate: s.record.CreatedDate,
        Edition: s.record.Edition,
        ExpirationDate: s.record.ExpirationDate,
        OrgName: s.record.OrgName,
      }));
  }

  /** The emulator serving a scratch org, by its signup username. */
  public scratchOrg(username: string): SalesforceEmulator | undefined {
    return [...this.signups.values()].find((s) => s.record.SignupUsername === username.toLowerCase())?.scratch;
  }

  /** A record as if an earlier signup had made it (tests of doctor's signup history). */
  public seed(fields: Partial<ScratchOrgInfoRecord> & { SignupUsername: string }): ScratchOrgInfoRecord {
    const record: ScratchOrgInfoRecord = {
      ...this.baseRecord(fields),
      Status: fields.Status ?? 'Error',
      ...fields,
      SignupUsername: fields.SignupUsername.toLowerCase(),
    } as ScratchOrgInfoRecord;
    this.signups.set(record.Id, { record, polls: Number.POSITIVE_INFINITY });
    return record;
  }

  public async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.signups.values()].map((s) => s.scratch?.stop()));
  }

  /** Answers sobjects/ScratchOrgInfo[/id]; undefined for any other path. `rest` is the path after vNN.N. */
  public async handle(
    method: string,
    rest: string,
    body: string,
    version: string,
    user: { userId: string; username: string },
  ): Promise<Reply | undefined> {
    if (rest === '/sobjects/ScratchOrgInfo' && method === 'POST') return this.insert(body, user);
    const active = /^\/sobjects\/ActiveScratchOrg\/(\w{15}|\w{18})$/.exec(rest);
    if (active && method === 'DELETE') {
      const signup = [...this.signups.values()].find((s) => s.activeId?.slice(0, 15) === active[1].slice(0, 15));
      if (!signup || signup.record.Status !== 'Active') return bad(404, 'ENTITY_IS_DELETED', 'entity is deleted', []);
      signup.record.Status = 'Deleted';
      signup.record.LastModifiedDate = sfDatetime(new Date());
      await signup.scratch?.stop();
      return { status: 204, body: '' };
    }
    const one = /^\/sobjects\/ScratchOrgInfo\/(\w{15}|\w{18})$/.exec(rest);
    if (one && method === 'GET') {
      const signup = [...this.signups.values()].find((s) => s.record.Id.slice(0, 15) === one[1].slice(0, 15));
      if (!signup) return bad(404, 'NOT_FOUND', 'The requested resource does not exist');
      await this.advance(signup);
      return {
        status: 200,
        body: {
          attributes: {
            type: 'ScratchOrgInfo',
            url: `/services/data/v${version}/sobjects/ScratchOrgInfo/${signup.record.Id}`,
          },
          // the record's own fields (relationship columns such as CreatedBy.Username are for SOQL only)
          ...Object.fromEntries(Object.entries(signup.record).filter(([k]) => !k.includes('.'))),
        },
      };
    }
    return undefined;
  }

  private baseRecord(fields: Record<string, unknown>): ScratchOrgInfoRecord {
    const now = new Date();
    const days = Number(fields.DurationDays ?? 7) || 7;
    return {
      Id: newId('2SR'),
      OrgName: 'Company',
      Edition: 'Developer',
      Status: 'New',
      ErrorCode: null,
      SignupUsername: '',
      Username: null,
      SignupEmail: null,
      SignupInstance: null,
      LoginUrl: null,
      ScratchOrg: null,
      AuthCode: null,
      Namespace: null,
      Description: null,
      DurationDays: days,
      ExpirationDate: new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10),
      ConnectedAppConsumerKey: null,
      ConnectedAppCallbackUrl: null,
      CreatedDate: sfDatetime(now),
      LastModifiedDate: sfDatetime(now),
    } as ScratchOrgInfoRecord;
  }

  private insert(body: string, user: { userId: string; username: string }): Reply {
    let fields: Record<string, unknown>;
    try {
      fields = JSON.parse(body || '{}') as Record<string, unknown>;
    } catch {
      return bad(400, 'JSON_PARSER_ERROR', 'Unexpected character in the request body');
    }
    if (!fields.Edition && !fields.Template && !fields.Snapshot && !fields.SourceOrg)
      return bad(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Edition]', ['Edition']);
    const username =
      typeof fields.Username === 'string' && fields.Username
        ? fields.Username.toLowerCase()
        : `test-${randomBytes(6).toString('hex')}@example.com`;
    if (this.rows().some((r) => r.SignupUsername === username && r.Status !== 'Error' && r.Status !== 'Deleted'))
      return bad(400, 'DUPLICATE_USERNAME', `Duplicate Username: ${username}`, ['Username']);
    const record = this.baseRecord(fields);
    for (const [key, value] of Object.entries(fields))
      if (value !== undefined && key !== 'Username') record[key] = value;
    record.SignupUsername = username;
    record.CreatedById = user.userId;
    record['CreatedBy.Username'] = user.username;
    this.signups.set(record.Id, { record, polls: 0 });
    return { status: 201, body: { id: record.Id, success: true, errors: [] } };
  }

  /** One poll: New for signupPolls polls, then Error (C-1016) or Active with its scratch org started. */
  private async advance(signup: Signup): Promise<void> {
    const { record } = signup;
    if (record.Status !== 'New') return;
    signup.polls += 1;
    if (signup.polls <= (this.options.signupPolls ?? 1)) return;
    const now = sfDatetime(new Date());
    const key = String(record.ConnectedAppConsumerKey ?? PLATFORM_CLI);
    const errorCode = this.signupError(key);
    if (errorCode) {
      Object.assign(record, { Status: 'Error', ErrorCode: errorCode, LastModifiedDate: now });
      return;
    }
    record.Status = 'Creating'; // a concurrent poll sees it in progress, not a second start
    const scratch = await this.deps.startOrg({
      org: {
        name: String(record.OrgName ?? 'Company'),
        instanceName: SCRATCH_INSTANCE,
        isSandbox: true,
        isDevHub: false,
        organizationType: 'Developer Edition',
        trialExpirationDate: String(record.ExpirationDate),
      },
      users: [{ username: record.SignupUsername, profile: SCRATCH_ADMIN_PROFILE }],
    });
    signup.scratch = scratch;
    signup.activeId = newId('2AS');
    const orgId = String((scratch.state().org as { orgId: string }).orgId);
    const app = this.deps.apps.get(key);
    if (app) this.replicate(scratch, app);
    Object.assign(record, {
      Status: 'Active',
      ScratchOrg: orgId.slice(0, 15),
      SignupInstance: SCRATCH_INSTANCE,
      LoginUrl: scratch.url,
      Username: record.SignupUsername,
      AuthCode: key === PLATFORM_CLI ? scratch.issueAuthCode(record.SignupUsername, PLATFORM_CLI) : null,
      LastModifiedDate: now,
    });
  }

  /** C-1016 unless the key names a Connected App of the hub with an unexpired certificate (or is PlatformCLI). */
  private signupError(key: string): string | undefined {
    if (key === PLATFORM_CLI) return undefined;
    const app = this.deps.apps.get(key);
    if (!app || app.kind !== 'connected') return 'C-1016';
    if (new Date(new X509Certificate(app.certificatePem).validTo).getTime() < Date.now()) return 'C-1016';
    return undefined;
  }

  /** The hub's app in the scratch org: present at once, admitting the scratch admin only after the replication delay. */
  private replicate(scratch: SalesforceEmulator, app: StoredApp): void {
    const copy = {
      consumerKey: app.consumerKey,
      certificatePem: app.certificatePem,
      name: app.name,
      kind: app.kind,
      preAuthorized: true,
    };
    const delay = this.options.replicationDelayMs ?? 0;
    if (delay <= 0) {
      scratch.addApp({ ...copy, profiles: [SCRATCH_ADMIN_PROFILE] });
      return;
    }
    scratch.addApp({ ...copy, profiles: [] });
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      scratch.addApp({ ...copy, profiles: [SCRATCH_ADMIN_PROFILE] });
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}
