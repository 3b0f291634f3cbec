import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { tmpdir } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath } from 'node:url';
// chai 6 ships no type declarations and @types/chai is not installed: drop this comment once it is.
// eslint-disable-next-line @typescript-eslint/ban-ts-comment
import { expect } from 'chai';
import { SignJWT } from 'jose';
import { makeCredentials, requestToken, signAssertion, type TestCredentials } from './testkit.js';
import { SalesforceEmulator, startEmulator, type EmulatorApp, type EmulatorOptions } from './index.js';

const ROOT = resolvePath(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'node_modules', '.bin');

const LOGIN = 'https://login.salesforce.com';
const TEST = 'https://test.salesforce.com';
const KEY = '3MVG9_emulator_test_consumer_key';
const USER = 'ci@acme.example';

let creds: TestCredentials;
let other: TestCredentials;
const running: SalesforceEmulator[] = [];

function app(overrides: Partial<EmulatorApp> = {}): EmulatorApp {
  return { consumerKey: KEY, certificatePem: creds.certificatePem, permissionSets: ['JWT_CI'], ...overrides };
}

async function emulator(options: EmulatorOptions = {}): Promise<SalesforceEmulator> {
  const emu = await startEmulator({
    apps: [app()],
    users: [{ username: USER, permissionSets: ['JWT_CI'] }],
    ...options,
  });
  running.push(emu);
  return emu;
}

async function token(emu: SalesforceEmulator, claims: Record<string, unknown> = {}): Promise<string> {
  const assertion = await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud: LOGIN, ...claims });
  const res = await requestToken(emu.url, assertion);
  expect(res.status, JSON.stringify(res.body)).to.equal(200);
  return res.body.access_token as string;
}

async function getJson(
  url: string,
  accessToken?: string,
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const res = await fetch(url, { headers: accessToken ? { Authorization: `Bearer ${accessToken}` } : {} });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

const q = (soql: string): string => encodeURIComponent(soql);

describe('Salesforce emulator', function () {
  this.timeout(20_000);

  before(async () => {
    [creds, other] = await Promise.all([makeCredentials('emulator test'), makeCredentials('another key')]);
  });

  afterEach(async () => {
    await Promise.all(running.splice(0).map((e) => e.stop()));
  });

  describe('token endpoint', () => {
    let emu: SalesforceEmulator;
    beforeEach(async () => {
      emu = await emulator({
        org: { orgId: '00D5g000004SmBnEAK' },
        apps: [
          app(),
          app({ consumerKey: 'SELF_AUTH', preAuthorized: false }),
          app({ consumerKey: 'PROFILE_APP', permissionSets: [], profiles: ['Integration User'] }),
          app({ consumerKey: 'MYDOMAIN_ONLY', myDomainOnly: true }),
          app({ consumerKey: 'LOCKED', apiAccessControl: true, approvedUsers: ['approved@acme.example'] }),
        ],
        users: [
          { username: USER, permissionSets: ['JWT_CI'], userId: '0055g00000AbCdEAAV' },
          { username: 'plain@acme.example' },
          { username: 'self@acme.example', selfApprovedApps: ['SELF_AUTH'] },
          { username: 'integration@acme.example', profile: 'Integration User' },
          { username: 'gone@acme.example', permissionSets: ['JWT_CI'], active: false },
          { username: 'frozen@acme.example', permissionSets: ['JWT_CI'], frozen: true },
          { username: 'fenced@acme.example', permissionSets: ['JWT_CI'], ipRestricted: true },
          { username: 'approved@acme.example', permissionSets: ['JWT_CI'] },
        ],
      });
    });

    async function grant(claims: Record<string, unknown>, key = creds.privateKey): Promise<Record<string, unknown>> {
      const res = await requestToken(emu.url, await signAssertion(key, { iss: KEY, sub: USER, aud: LOGIN, ...claims }));
      if (res.status !== 200) {
        expect(res.status).to.equal(400);
        expect(res.contentType).to.equal('application/json;charset=UTF-8');
      }
      return res.body;
    }

    it('issues a token in the documented shape', async () => {
      const res = await requestToken(
        emu.url,
        await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud: LOGIN }),
      );
      expect(res.status).to.equal(200);
      expect(res.contentType).to.equal('application/json;charset=UTF-8');
      expect(Object.keys(res.body).sort()).to.deep.equal(['access_token', 'id', 'instance_url', 'scope', 'token_type']);
      expect(res.body.access_token).to.match(/^00D5g000004SmBn![.\w]{20,}$/);
      expect(res.body).to.include({
        instance_url: emu.url,
        token_type: 'Bearer',
        id: `${emu.url}/id/00D5g000004SmBnEAK/0055g00000AbCdEAAV`,
      });
      expect(emu.issuedTokenCount()).to.equal(1);
    });

    it('sends a Date header', async () => {
      const res = await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', body: 'grant_type=password' });
      expect(res.headers.get('date')).to.match(/GMT$/);
    });

    it('answers the error rows of the facts table', async () => {
      const rows: Array<[string, Record<string, unknown>, string, string?]> = [
        ['unknown client id', { iss: 'NOPE' }, 'invalid_client_id', 'client identifier invalid'],
        ['sandbox audience at a production org', { aud: TEST }, 'invalid_grant', 'audience is invalid'],
        ['foreign audience', { aud: 'https://acme.my.salesforce.com' }, 'invalid_grant', 'audience is invalid'],
        ['expired', { exp: Math.floor(Date.now() / 1000) - 60 }, 'invalid_grant', 'expired authorization code'],
        ['missing exp', { exp: undefined }, 'invalid_grant', 'invalid assertion'],
        ['unknown user', { sub: 'nobody@acme.example' }, 'invalid_grant', "user hasn't approved this consumer"],
        [
          'user without the permission set',
          { sub: 'plain@acme.example' },
          'invalid_grant',
          "user hasn't approved this consumer",
        ],
        [
          'self-authorize app never approved',
          { iss: 'SELF_AUTH', sub: USER },
          'invalid_grant',
          "user hasn't approved this consumer",
        ],
        ['inactive user', { sub: 'gone@acme.example' }, 'invalid_grant', 'inactive user'],
        ['frozen user', { sub: 'frozen@acme.example' }, 'invalid_grant', 'inactive user'],
        ['ip restricted user', { sub: 'fenced@acme.example' }, 'invalid_grant', 'ip restricted'],
        [
          'my-domain-only app at login.salesforce.com',
          { iss: 'MYDOMAIN_ONLY' },
          'app_not_found',
          'External client app is not installed in this org',
        ],
        [
          'API access control',
          { iss: 'LOCKED' },
          'invalid_app_access',
          'user is not admin approved to access this app',
        ],
      ];
      for (const [label, claims, error, description] of rows) {
        // eslint-disable-next-line no-await-in-loop
        expect(await grant(claims), label).to.deep.equal({ error, error_description: description });
      }
      expect(emu.issuedTokenCount()).to.equal(0);
    });

    it("rejects an assertion signed by a key other than the certificate's", async () => {
      expect(await grant({}, other.privateKey)).to.deep.equal({
        error: 'invalid_grant',
        error_description: 'invalid assertion',
      });
    });

    it("accepts the official CLI's exp in milliseconds, and exp within the clock skew", async () => {
      expect(await grant({ exp: Date.now() + 300 })).to.have.property('access_token');
      expect(await grant({ exp: Math.floor(Date.now() / 1000) - 2 })).to.have.property('access_token');
    });

    it('accepts its own URL as audience (what sf sends first), with or without a trailing slash, and as localhost', async () => {
      expect(await grant({ aud: emu.url })).to.have.property('access_token');
      expect(await grant({ aud: `${emu.url}/` })).to.have.property('access_token');
      expect(await grant({ aud: emu.url.replace('127.0.0.1', 'localhost') })).to.have.property('access_token');
      expect(await grant({ iss: 'MYDOMAIN_ONLY', aud: emu.url })).to.have.property('access_token');
    });

    it('admits by profile, by self-approval, and approved users behind API access control', async () => {
      expect(await grant({ iss: 'PROFILE_APP', sub: 'integration@acme.example' })).to.have.property('access_token');
      expect(await grant({ iss: 'PROFILE_APP', sub: USER })).to.deep.include({
        error_description: "user hasn't approved this consumer",
      });
      expect(await grant({ iss: 'SELF_AUTH', sub: 'self@acme.example' })).to.have.property('access_token');
      expect(await grant({ iss: 'LOCKED', sub: 'approved@acme.example' })).to.have.property('access_token');
    });

    it('lets prn win over sub, and matches usernames case-insensitively', async () => {
      expect(await grant({ sub: 'nobody@acme.example', prn: USER })).to.have.property('access_token');
      expect(await grant({ sub: USER, prn: 'nobody@acme.example' })).to.deep.include({ error: 'invalid_grant' });
      expect(await grant({ sub: USER.toUpperCase() })).to.have.property('access_token');
    });

    it('refuses other algorithms and garbage', async () => {
      const claims = { iss: KEY, sub: USER, aud: LOGIN, exp: Math.floor(Date.now() / 1000) + 60 };
      const hs256 = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode('a-shared-secret-of-32-bytes-long!'));
      const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
      const none = `${enc({ alg: 'none' })}.${enc(claims)}.`;
      // a valid RS256 signature moved under a header that says RS512
      const rs256 = await signAssertion(creds.privateKey, claims);
      const rs512 = `${enc({ alg: 'RS512' })}.${rs256.split('.')[1]}.${rs256.split('.')[2]}`;
      for (const assertion of [hs256, none, rs512, 'garbage', 'a.b', 'e30.bm90IGpzb24.c2ln', '', `${rs256}.extra`]) {
        // eslint-disable-next-line no-await-in-loop
        const res = await requestToken(emu.url, assertion);
        expect(res.status, assertion).to.equal(400);
        expect(res.body, assertion).to.deep.equal({ error: 'invalid_grant', error_description: 'invalid assertion' });
      }
    });

    it('refuses other grant types', async () => {
      const assertion = await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud: LOGIN });
      for (const grantType of ['password', 'refresh_token', '']) {
        // eslint-disable-next-line no-await-in-loop
        const res = await requestToken(emu.url, assertion, grantType);
        expect(res.body).to.deep.equal({
          error: 'unsupported_grant_type',
          error_description: 'grant type not supported',
        });
      }
    });

    it('follows the documented check order', async () => {
      // unknown client beats bad audience and bad signature
      expect(await grant({ iss: 'NOPE', aud: 'https://x.example' }, other.privateKey)).to.include({
        error: 'invalid_client_id',
      });
      // bad audience beats bad signature
      expect(await grant({ aud: 'https://x.example' }, other.privateKey)).to.include({
        error_description: 'audience is invalid',
      });
      // bad signature beats expiry and unknown user
      expect(await grant({ exp: 1000, sub: 'nobody@x' }, other.privateKey)).to.include({
        error_description: 'invalid assertion',
      });
      // expiry beats unknown user
      expect(await grant({ exp: 1000, sub: 'nobody@x' })).to.include({
        error_description: 'expired authorization code',
      });
    });

    it('picks up users and apps added or changed at run time', async () => {
      expect(await grant({ sub: 'late@acme.example' })).to.include({ error: 'invalid_grant' });
      emu.addUser({ username: 'late@acme.example', permissionSets: ['JWT_CI'] });
      expect(await grant({ sub: 'late@acme.example' })).to.have.property('access_token');
      emu.updateUser('late@acme.example', { active: false });
      expect(await grant({ sub: 'late@acme.example' })).to.include({ error_description: 'inactive user' });
      emu.addApp({ consumerKey: 'OTHER', certificatePem: other.certificatePem, permissionSets: ['JWT_CI'] });
      expect(await grant({ iss: 'OTHER' }, other.privateKey)).to.have.property('access_token');
    });
  });

  describe('audiences by org kind', () => {
    it('a sandbox accepts test.salesforce.com and refuses login.salesforce.com', async () => {
      const emu = await emulator({ org: { isSandbox: true } });
      const withAud = async (aud: string): Promise<Record<string, unknown>> =>
        (await requestToken(emu.url, await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud }))).body;
      expect(await withAud(TEST)).to.have.property('access_token');
      expect(await withAud(LOGIN)).to.deep.equal({ error: 'invalid_grant', error_description: 'audience is invalid' });
    });

    it('a configured My Domain replaces the base URL as audience', async () => {
      const myDomain = 'https://acme.my.salesforce.com';
      const emu = await emulator({
        org: { myDomainUrl: myDomain },
        apps: [app(), app({ consumerKey: 'ECA', myDomainOnly: true })],
      });
      const withAud = async (aud: string, iss = KEY): Promise<Record<string, unknown>> =>
        (await requestToken(emu.url, await signAssertion(creds.privateKey, { iss, sub: USER, aud }))).body;
      expect(await withAud(myDomain)).to.have.property('access_token');
      expect(await withAud(emu.url)).to.include({ error_description: 'audience is invalid' });
      expect(await withAud(myDomain, 'ECA')).to.have.property('access_token');
      expect(await withAud(LOGIN, 'ECA')).to.include({ error: 'app_not_found' });
    });

    it('connected apps ignore myDomainOnly', async () => {
      const emu = await emulator({ apps: [app({ kind: 'connected', myDomainOnly: true })] });
      const res = await requestToken(
        emu.url,
        await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud: LOGIN }),
      );
      expect(res.status).to.equal(200);
    });
  });

  describe('REST', () => {
    it('lists API versions without auth and maps a version with auth', async () => {
      const emu = await emulator();
      const list = await getJson(`${emu.url}/services/data`);
      expect(list.status).to.equal(200);
      expect(list.body).to.deep.include({ label: "Spring '26", url: '/services/data/v66.0', version: '66.0' });
      expect((list.body as unknown[]).length).to.equal(9);
      expect((await getJson(`${emu.url}/services/data/v60.0`)).status).to.equal(401);
      const map = await getJson(`${emu.url}/services/data/v60.0`, await token(emu));
      expect(map.status).to.equal(200);
      expect(map.body).to.include({ query: '/services/data/v60.0/query', sobjects: '/services/data/v60.0/sobjects' });
    });

    it('answers 401 INVALID_SESSION_ID to missing, unknown and malformed tokens', async () => {
      const emu = await emulator();
      const good = await token(emu);
      for (const auth of [undefined, '00D000000000001!nope', `${good}x`]) {
        // eslint-disable-next-line no-await-in-loop
        const res = await getJson(`${emu.url}/services/data/v60.0/query?q=${q('SELECT Id FROM Account')}`, auth);
        expect(res.status).to.equal(401);
        expect(res.body).to.deep.equal([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      }
      expect(emu.requestLog.filter((e) => e.authorized === false)).to.have.length(3);
    });

    it('expires tokens after tokenLifetimeSeconds', async () => {
      const emu = await emulator({ tokenLifetimeSeconds: 0.3 });
      const access = await token(emu);
      expect((await getJson(`${emu.url}/services/data/v60.0`, access)).status).to.equal(200);
      await new Promise((r) => setTimeout(r, 400));
      expect((await getJson(`${emu.url}/services/data/v60.0`, access)).status).to.equal(401);
    });

    it('expireAllTokens() kills issued tokens and new ones work', async () => {
      const emu = await emulator();
      const first = await token(emu);
      emu.expireAllTokens();
      expect((await getJson(`${emu.url}/services/oauth2/userinfo`, first)).status).to.equal(401);
      const second = await token(emu);
      expect((await getJson(`${emu.url}/services/oauth2/userinfo`, second)).status).to.equal(200);
      expect(emu.issuedTokenCount()).to.equal(2);
    });

    it('deactivating a user ends his sessions', async () => {
      const emu = await emulator();
      const access = await token(emu);
      emu.updateUser(USER, { frozen: true });
      expect((await getJson(`${emu.url}/services/data/v60.0`, access)).status).to.equal(401);
    });

    it('serves userinfo and the identity URL', async () => {
      const emu = await emulator();
      const res = await requestToken(
        emu.url,
        await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud: LOGIN }),
      );
      const access = res.body.access_token as string;
      const info = await getJson(`${emu.url}/services/oauth2/userinfo`, access);
      expect(info.body).to.include({ preferred_username: USER, sub: res.body.id });
      const id = await getJson(res.body.id as string, access);
      expect(id.status).to.equal(200);
      expect(id.body).to.include({ username: USER, id: res.body.id });
      expect((id.body as { organization_id: string }).organization_id).to.match(/^00D\w{15}$/);
    });

    it('answers the ScratchOrgInfo probe by Dev Hub status', async () => {
      const soql = q('SELECT Id FROM ScratchOrgInfo limit 1');
      const plain = await emulator();
      const res = await getJson(`${plain.url}/services/data/v51.0/query?q=${soql}`, await token(plain));
      expect(res.status).to.equal(400);
      expect(res.body).to.deep.equal([
        { message: "sObject type 'ScratchOrgInfo' is not supported.", errorCode: 'INVALID_TYPE' },
      ]);
      const hub = await emulator({ org: { isDevHub: true } });
      const ok = await getJson(`${hub.url}/services/data/v51.0/query?q=${soql}`, await token(hub));
      expect(ok.status).to.equal(200);
      expect(ok.body).to.deep.equal({ totalSize: 0, done: true, records: [] });
    });

    it("a Dev Hub: CreatedDate = LAST_N_DAYS:7 keeps this week's signups and drops older ones", async () => {
      const hub = await emulator({ org: { isDevHub: true } });
      const old = new Date(Date.now() - 9 * 86_400_000).toISOString().replace('Z', '+0000');
      hub.devHub!.seed({ SignupUsername: 'recent@x', Status: 'Error', ErrorCode: 'C-1016' });
      hub.devHub!.seed({ SignupUsername: 'old@x', Status: 'Error', ErrorCode: 'S-1018', CreatedDate: old });
      hub.devHub!.seed({ SignupUsername: 'fine@x', Status: 'Active' });
      const soql = q(
        "SELECT SignupUsername, ErrorCode FROM ScratchOrgInfo WHERE Status = 'Error' AND CreatedDate = LAST_N_DAYS:7",
      );
      const res = await getJson(`${hub.url}/services/data/v66.0/query?q=${soql}`, await token(hub));
      expect(res.status).to.equal(200);
      const records = (res.body as { records: Array<Record<string, unknown>> }).records;
      expect(records.map((r) => [r.SignupUsername, r.ErrorCode])).to.deep.equal([['recent@x', 'C-1016']]);
    });

    it('answers the Organization query from org facts', async () => {
      const emu = await emulator({
        org: {
          orgId: '00D5g000004SmBnEAK',
          name: 'Acme',
          instanceName: 'CS99',
          isSandbox: true,
          namespacePrefix: 'acme',
          organizationType: 'Enterprise Edition',
        },
      });
      const soql =
        'SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization';
      const access = await token(emu, { aud: TEST });
      const res = await getJson(`${emu.url}/services/data/v60.0/query?q=${q(soql)}`, access);
      expect(res.body).to.deep.equal({
        totalSize: 1,
        done: true,
        records: [
          {
            attributes: { type: 'Organization', url: '/services/data/v60.0/sobjects/Organization/00D5g000004SmBnEAK' },
            Name: 'Acme',
            InstanceName: 'CS99',
            IsSandbox: true,
            TrialExpirationDate: null,
            NamespacePrefix: 'acme',
            OrganizationType: 'Enterprise Edition',
          },
        ],
      });
    });

    it('answers Account queries, with selected fields only, WHERE/LIMIT, and column metadata', async () => {
      const accounts = [
        { Id: '001000000000001AAA', Name: 'Acme', Industry: 'Energy' },
        { Id: '001000000000002AAA', Name: 'Globex', Industry: 'Chemicals' },
      ];
      const emu = await emulator({ accounts });
      const access = await token(emu);
      const base = `${emu.url}/services/data/v62.0/query?q=`;
      const res = await getJson(base + q('select id, NAME from account'), access);
      expect(res.body).to.deep.equal({
        totalSize: 2,
        done: true,
        records: accounts.map((a) => ({
          attributes: { type: 'Account', url: `/services/data/v62.0/sobjects/Account/${a.Id}` },
          Id: a.Id,
          Name: a.Name,
        })),
      });
      const filtered = await getJson(base + q("SELECT Name FROM Account WHERE Industry = 'chemicals'"), access);
      expect((filtered.body as { records: unknown[] }).records).to.deep.equal([
        {
          attributes: { type: 'Account', url: '/services/data/v62.0/sobjects/Account/001000000000002AAA' },
          Name: 'Globex',
        },
      ]);
      const limited = await getJson(base + q('SELECT Id FROM Account ORDER BY Name DESC LIMIT 1'), access);
      expect(limited.body).to.deep.include({ totalSize: 1 });
      expect((limited.body as { records: Array<{ Id: string }> }).records[0].Id).to.equal('001000000000002AAA');

      const columns = await getJson(`${base}${q('SELECT Id, Name FROM Account')}&columns=true`, access);
      expect(columns.body).to.deep.equal({
        columnMetadata: [
          {
            aggregate: false,
            apexType: 'Id',
            booleanType: false,
            columnName: 'Id',
            custom: false,
            displayName: 'Id',
            foreignKeyName: null,
            insertable: false,
            joinColumns: [],
            numberType: false,
            textType: false,
            updatable: false,
          },
          {
            aggregate: false,
            apexType: 'String',
            booleanType: false,
            columnName: 'Name',
            custom: false,
            displayName: 'Name',
            foreignKeyName: null,
            insertable: true,
            joinColumns: [],
            numberType: false,
            textType: true,
            updatable: true,
          },
        ],
        entityName: 'Account',
        groupBy: false,
        idSelected: true,
        keyPrefix: '001',
      });
    });

    it('answers User queries by username', async () => {
      const emu = await emulator();
      const res = await getJson(
        `${emu.url}/services/data/v60.0/query?q=${q(`SELECT Id, Username, IsActive FROM User WHERE Username = '${USER}'`)}`,
        await token(emu),
      );
      const records = (res.body as { records: Array<Record<string, unknown>> }).records;
      expect(records).to.have.length(1);
      expect(records[0]).to.include({ Username: USER, IsActive: true });
      expect(records[0].Id).to.match(/^005\w{15}$/);
    });

    it('refuses unknown objects, unknown fields and malformed SOQL, and unknown resources', async () => {
      const emu = await emulator();
      const access = await token(emu);
      const base = `${emu.url}/services/data/v60.0/query?q=`;
      expect((await getJson(base + q('SELECT Id FROM Widget__c'), access)).body).to.deep.equal([
        { message: "sObject type 'Widget__c' is not supported.", errorCode: 'INVALID_TYPE' },
      ]);
      const field = await getJson(base + q('SELECT Bogus FROM Account'), access);
      expect(field.status).to.equal(400);
      expect((field.body as Array<{ errorCode: string }>)[0].errorCode).to.equal('INVALID_FIELD');
      expect(
        ((await getJson(base + q('DELETE Account'), access)).body as Array<{ errorCode: string }>)[0].errorCode,
      ).to.equal('MALFORMED_QUERY');
      const notFound = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];
      expect(await getJson(`${emu.url}/services/data/v60.0/nothing`, access)).to.deep.include({
        status: 404,
        body: notFound,
      });
      expect(await getJson(`${emu.url}/services/data/v99.0`, access)).to.deep.include({ status: 404, body: notFound });
      expect(await getJson(`${emu.url}/elsewhere`)).to.deep.include({ status: 404, body: notFound });
    });
  });

  describe('faults, latency and the request log', () => {
    it('503 and html faults answer instead of the handler, then run out', async () => {
      const emu = await emulator();
      emu.setFaults([
        { kind: '503', times: 1 },
        { kind: 'html', times: 1, path: '/services/data' },
      ]);
      const first = await fetch(`${emu.url}/services/data`);
      expect(first.status).to.equal(503);
      await first.text();
      const second = await fetch(`${emu.url}/services/data`);
      expect(second.status).to.equal(200);
      expect(second.headers.get('content-type')).to.match(/^text\/html/);
      expect(await second.text()).to.match(/<html>.*Maintenance.*<\/html>/s);
      const third = await fetch(`${emu.url}/services/data`);
      expect(third.headers.get('content-type')).to.equal('application/json;charset=UTF-8');
      expect(await third.json()).to.be.an('array');
      expect(emu.requestLog.map((e) => e.status)).to.deep.equal([503, 200, 200]);
    });

    it('path-scoped faults leave other paths alone', async () => {
      const emu = await emulator();
      emu.setFaults([{ kind: '503', path: '/services/oauth2/token' }]);
      expect((await fetch(`${emu.url}/services/data`)).status).to.equal(200);
      const res = await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', body: '' });
      expect(res.status).to.equal(503);
      expect((await fetch(`${emu.url}/services/oauth2/token`, { method: 'POST', body: '' })).status).to.equal(503);
    });

    it('reset destroys the connection', async () => {
      const emu = await emulator();
      emu.setFaults([{ kind: 'reset', times: 1 }]);
      const error = await fetch(`${emu.url}/services/data`).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error).to.be.instanceOf(Error);
      expect((await fetch(`${emu.url}/services/data`)).status).to.equal(200);
    });

    it('hang never answers and stop() still returns promptly', async () => {
      const emu = await emulator();
      emu.setFaults([{ kind: 'hang' }]);
      const started = Date.now();
      const error = await fetch(`${emu.url}/services/data`, { signal: AbortSignal.timeout(300) }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.name).to.equal('TimeoutError');
      expect(Date.now() - started).to.be.lessThan(2000);
      // a second hung request stays open while we stop
      const pending = new Promise<string>((resolve) => {
        http
          .get(`${emu.url}/services/data`, () => resolve('answered'))
          .on('error', (e) => resolve(`error: ${e.message}`));
      });
      await new Promise((r) => setTimeout(r, 50));
      const stopAt = Date.now();
      await emu.stop();
      expect(Date.now() - stopAt).to.be.lessThan(1000);
      expect(await pending).to.match(/^error/);
    });

    it('slow-body sends headers at once and dribbles a valid body', async () => {
      const emu = await emulator();
      emu.setFaults([{ kind: 'slow-body', times: 1 }]);
      const started = Date.now();
      const chunks: string[] = [];
      const headersAt = await new Promise<number>((resolve, reject) => {
        http
          .get(`${emu.url}/services/data`, (res) => {
            expect(res.statusCode).to.equal(200);
            res.on('data', (c: Buffer) => chunks.push(c.toString()));
            res.on('error', () => undefined);
            resolve(Date.now());
          })
          .on('error', (e) => (chunks.length ? undefined : reject(e)));
      });
      expect(headersAt - started).to.be.lessThan(500);
      await new Promise((r) => setTimeout(r, 700));
      const received = chunks.join('');
      expect(received.length).to.be.greaterThan(0);
      expect(() => JSON.parse(received) as unknown).to.throw(); // still incomplete after 0.7 s
      expect('[{"label":"Summer \'23"'.startsWith(received.slice(0, 5))).to.equal(true);
      const stopAt = Date.now();
      await emu.stop();
      expect(Date.now() - stopAt).to.be.lessThan(1000);
    });

    it('applies latency to API requests but not to the admin API', async () => {
      const emu = await emulator({ latencyMs: 150 });
      let t = Date.now();
      await (await fetch(`${emu.url}/services/data`)).text();
      expect(Date.now() - t).to.be.at.least(140);
      t = Date.now();
      await (await fetch(`${emu.url}/__emulator/state`)).text();
      expect(Date.now() - t).to.be.lessThan(140);
      emu.setLatency(0);
      t = Date.now();
      await (await fetch(`${emu.url}/services/data`)).text();
      expect(Date.now() - t).to.be.lessThan(140);
    });

    it('logs every API request with status, authorization and grant outcome', async () => {
      const emu = await emulator();
      const access = await token(emu, { aud: LOGIN });
      await requestToken(emu.url, await signAssertion(other.privateKey, { iss: KEY, sub: USER, aud: LOGIN }));
      await getJson(`${emu.url}/services/data/v60.0?x=1`, access);
      await getJson(`${emu.url}/services/data/v60.0`, 'bad');
      await getJson(`${emu.url}/__emulator/log`);
      expect(emu.requestLog).to.have.length(4);
      const [ok, refused, rest, unauthorized] = emu.requestLog;
      expect(ok).to.deep.include({
        method: 'POST',
        path: '/services/oauth2/token',
        status: 200,
        grant: { iss: KEY, sub: USER, aud: LOGIN, result: 'ok' },
      });
      expect(refused.grant).to.deep.equal({
        iss: KEY,
        sub: USER,
        aud: LOGIN,
        result: 'invalid_grant: invalid assertion',
      });
      expect(rest).to.deep.include({ method: 'GET', path: '/services/data/v60.0', status: 200, authorized: true });
      expect(unauthorized).to.deep.include({ status: 401, authorized: false });
      expect(ok.at).to.be.a('number').and.be.at.most(Date.now());
      emu.clearLog();
      expect(emu.requestLog).to.have.length(0);
    });
  });

  describe('HTTPS mode', () => {
    it('serves TLS with a generated CA that https.request can trust', async () => {
      const emu = await emulator({ https: true });
      expect(emu.url).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(emu.caCertificatePem).to.match(/^-----BEGIN CERTIFICATE-----/);
      const get = (host: string): Promise<{ status?: number; body: string }> =>
        new Promise((resolve, reject) => {
          const url = new URL(`${emu.url}/services/data`);
          https
            .get(
              {
                host,
                port: url.port,
                path: url.pathname,
                ca: emu.caCertificatePem,
                servername: host === 'localhost' ? host : undefined,
              },
              (res) => {
                let body = '';
                res.on('data', (c: Buffer) => (body += c.toString()));
                res.on('end', () => resolve({ status: res.statusCode, body }));
              },
            )
            .on('error', reject);
        });
      const viaIp = await get('127.0.0.1');
      expect(viaIp.status).to.equal(200);
      expect(JSON.parse(viaIp.body)).to.be.an('array');
      expect((await get('localhost')).status).to.equal(200);
      // and without the CA the certificate is refused
      const refused = await new Promise<string>((resolve) => {
        https
          .get(`${emu.url}/services/data`, () => resolve('accepted'))
          .on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
      });
      expect(refused).to.match(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
    });
  });

  describe('admin API', () => {
    it('adds apps and users, patches users, sets faults and latency, expires tokens, reads state and log', async () => {
      const emu = await emulator({ apps: [], users: [] });
      const post = async (path: string, body: unknown, method = 'POST'): Promise<number> =>
        (
          await fetch(`${emu.url}/__emulator/${path}`, {
            method,
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
          })
        ).status;

      expect(await post('apps', app())).to.equal(200);
      expect(await post('users', { username: USER, permissionSets: ['JWT_CI'] })).to.equal(200);
      expect(await post('apps', { consumerKey: 'X', certificatePem: 'not a certificate' })).to.equal(400);
      const access = await token(emu);
      expect((await getJson(`${emu.url}/services/data/v60.0`, access)).status).to.equal(200);

      const state = (await getJson(`${emu.url}/__emulator/state`)).body as Record<string, unknown>;
      expect(JSON.stringify(state)).not.to.match(/PRIVATE KEY|BEGIN CERTIFICATE|00D\w{12,15}!/);
      expect((state.apps as Array<{ consumerKey: string }>).map((a) => a.consumerKey)).to.deep.equal([KEY]);
      expect((state.users as Array<{ username: string }>).map((u) => u.username)).to.deep.equal([USER]);
      expect(state.issuedTokens).to.equal(1);

      expect(await post('expire-tokens', {})).to.equal(200);
      expect((await getJson(`${emu.url}/services/data/v60.0`, access)).status).to.equal(401);

      expect(await post(`users/${encodeURIComponent(USER)}`, { ipRestricted: true }, 'PATCH')).to.equal(200);
      const refused = await requestToken(
        emu.url,
        await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud: LOGIN }),
      );
      expect(refused.body).to.deep.equal({ error: 'invalid_grant', error_description: 'ip restricted' });
      expect(await post('users/nobody', { active: false }, 'PATCH')).to.equal(400);

      const log = (await getJson(`${emu.url}/__emulator/log`)).body as Array<{ path: string }>;
      expect(log.map((e) => e.path)).to.deep.equal([
        '/services/oauth2/token',
        '/services/data/v60.0',
        '/services/data/v60.0',
        '/services/oauth2/token',
      ]);
      expect((await fetch(`${emu.url}/__emulator/log`, { method: 'DELETE' })).status).to.equal(200);
      expect(emu.requestLog).to.have.length(0);

      expect(await post('faults', [{ kind: '503', times: 1 }])).to.equal(200);
      expect(await post('faults', [{ kind: 'explode' }])).to.equal(400);
      expect((await fetch(`${emu.url}/services/data`)).status).to.equal(503);
      expect(await post('latency', { ms: 120 })).to.equal(200);
      const t = Date.now();
      expect((await fetch(`${emu.url}/services/data`)).status).to.equal(200);
      expect(Date.now() - t).to.be.at.least(110);
      expect(await post('latency', { ms: 'fast' })).to.equal(400);
    });
  });

  describe('cli.ts', () => {
    it('prints one JSON line with url and pid, serves, and exits cleanly on SIGTERM', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sf-emulator-cli-'));
      try {
        const config = join(dir, 'config.json');
        writeFileSync(
          config,
          JSON.stringify({
            org: { name: 'From Config' },
            apps: [app()],
            users: [{ username: USER, permissionSets: ['JWT_CI'] }],
          }),
        );
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', 'test/emulator/cli.ts', '--config', config, '--latency', '0', '--token-lifetime', '60'],
          {
            cwd: ROOT,
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        const line = await new Promise<string>((resolve, reject) => {
          let out = '';
          child.stdout.on('data', (c: Buffer) => {
            out += c.toString();
            if (out.includes('\n')) resolve(out.split('\n')[0]);
          });
          child.on('close', () => reject(new Error(`cli exited before printing: ${out}`)));
        });
        const printed = JSON.parse(line) as { url: string; pid: number };
        expect(printed.pid).to.equal(child.pid);
        expect(printed.url).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
        const state = (await getJson(`${printed.url}/__emulator/state`)).body as {
          org: { name: string };
          tokenLifetimeSeconds: number;
        };
        expect(state.org.name).to.equal('From Config');
        expect(state.tokenLifetimeSeconds).to.equal(60);
        const res = await requestToken(
          printed.url,
          await signAssertion(creds.privateKey, { iss: KEY, sub: USER, aud: printed.url }),
        );
        expect(res.status).to.equal(200);
        child.kill('SIGTERM');
        expect(await exited).to.equal(0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('the real sf CLI', () => {
    it('logs in with `sf org login jwt` and shows the org Connected', async function () {
      this.timeout(90_000);
      const emu = await emulator({ org: { isDevHub: true } });
      const home = mkdtempSync(join(tmpdir(), 'sf-emulator-home-'));
      try {
        const keyFile = join(home, 'server.key');
        writeFileSync(keyFile, creds.privateKeyPem, { mode: 0o600 });
        const env = {
          ...process.env,
          HOME: home,
          SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
          SF_DISABLE_TELEMETRY: 'true',
          SF_DISABLE_AUTOUPDATE: 'true',
          SF_SKIP_NEW_VERSION_CHECK: 'true',
          SF_DISABLE_DNS_CHECK: 'true',
          SF_LOG_LEVEL: 'fatal',
          PATH: `${BIN}:${process.env.PATH ?? ''}`,
        };
        const sf = (args: string[]): Promise<{ code: number | null; json: Record<string, unknown> }> =>
          new Promise((resolve, reject) => {
            const child = spawn(join(BIN, 'sf'), args, { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            child.stdout.on('data', (c: Buffer) => (out += c.toString()));
            child.stderr.resume();
            child.on('error', reject);
            child.on('close', (code) => {
              try {
                resolve({ code, json: JSON.parse(out) as Record<string, unknown> });
              } catch {
                reject(new Error(`sf ${args.join(' ')} printed no JSON (exit ${code}): ${out.slice(0, 500)}`));
              }
            });
          });

        const login = await sf([
          'org',
          'login',
          'jwt',
          '--username',
          USER,
          '--jwt-key-file',
          keyFile,
          '--client-id',
          KEY,
          '--instance-url',
          emu.url,
          '--json',
        ]);
        expect(login.code, JSON.stringify(login.json)).to.equal(0);
        expect(login.json.result).to.include({ username: USER, instanceUrl: emu.url });
        const grants = emu.requestLog.filter((e) => e.grant);
        expect(grants[0].grant).to.deep.include({ result: 'ok', iss: KEY, sub: USER });
        expect(grants[0].grant?.aud?.replace(/\/$/, '')).to.equal(emu.url);

        const display = await sf(['org', 'display', '--target-org', USER, '--json']);
        expect(display.code, JSON.stringify(display.json)).to.equal(0);
        expect(display.json.result).to.include({ connectedStatus: 'Connected', username: USER });

        // refresh: every token dies, the CLI re-signs with the key file and carries on
        emu.expireAllTokens();
        const before = emu.issuedTokenCount();
        const again = await sf(['org', 'display', '--target-org', USER, '--json']);
        expect(again.code, JSON.stringify(again.json)).to.equal(0);
        expect(again.json.result).to.include({ connectedStatus: 'Connected' });
        expect(emu.issuedTokenCount()).to.be.greaterThan(before);

        // sf data query asks for rows, then for column metadata
        const queriesBefore = emu.requestLog.filter((e) => e.path.endsWith('/query')).length;
        const query = await sf([
          'data',
          'query',
          '--query',
          'SELECT Id, Name FROM Account',
          '--target-org',
          USER,
          '--json',
        ]);
        expect(query.code, JSON.stringify(query.json)).to.equal(0);
        const result = query.json.result as { totalSize: number; records: Array<{ Name: string }> };
        expect(result.totalSize).to.equal(3);
        expect(result.records.map((r) => r.Name)).to.include('Edge Communications');
        // rows, then the same query with &columns=true
        expect(
          emu.requestLog.filter((e) => e.path.endsWith('/query') && e.status === 200).length - queriesBefore,
        ).to.be.at.least(2);
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    });
  });
});
