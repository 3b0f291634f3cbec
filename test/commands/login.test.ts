import { generateKeyPairSync } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import sinon from 'sinon';
import Login, { type LoginResult } from '../../src/commands/jwt-setup/login.js';
import { login } from '../../src/auth/login.js';
import { parseLoginUrl, audienceCandidates } from '../../src/jwt/endpoint.js';
import { privateKeyPem } from '../../src/keys/private-key.js';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import { errorName, type ErrorCode } from '../../src/errors.js';
import {
  CONSUMER_KEY,
  expectCommandError,
  expectCoded,
  isolatedHome,
  rejection,
  runCommand,
  type Home,
} from '../helpers/index.js';

const USER = 'ci@acme.example';
const RESULT_KEYS = [
  'username',
  'orgId',
  'instanceUrl',
  'loginUrl',
  'audience',
  'clientId',
  'privateKeyFile',
  'isDevHub',
];

type AuthFile = Record<string, unknown>;

async function readJson(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('sf jwt-setup login (against the Salesforce emulator)', function () {
  this.timeout(30_000);
  let creds: TestCredentials;
  let other: TestCredentials;
  let emu: SalesforceEmulator;
  let home: Home;
  let keyFile: string;

  before(async () => {
    creds = await makeCredentials();
    other = await makeCredentials('another key');
    emu = await startEmulator({
      org: { orgId: '00D5g000004XyZaEAK' },
      apps: [
        { consumerKey: CONSUMER_KEY, certificatePem: creds.certificatePem, permissionSets: ['JWT'] },
        { consumerKey: `${CONSUMER_KEY}OTHERCERT`, certificatePem: other.certificatePem, permissionSets: ['JWT'] },
        {
          consumerKey: `${CONSUMER_KEY}APICONTROL`,
          certificatePem: creds.certificatePem,
          permissionSets: ['JWT'],
          apiAccessControl: true,
        },
        {
          consumerKey: `${CONSUMER_KEY}MYDOMAIN`,
          certificatePem: creds.certificatePem,
          permissionSets: ['JWT'],
          myDomainOnly: true,
        },
      ],
      users: [
        { username: USER, permissionSets: ['JWT'] },
        { username: 'notadmitted@acme.example', permissionSets: [] },
        { username: 'inactive@acme.example', permissionSets: ['JWT'], active: false },
        { username: 'iprestricted@acme.example', permissionSets: ['JWT'], ipRestricted: true },
      ],
    });
  });

  after(async () => {
    await emu.stop();
  });

  beforeEach(async () => {
    home = await isolatedHome();
    keyFile = join(home.home, 'server.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
  });

  afterEach(async () => {
    await home.restore();
  });

  const flags = (extra: string[] = [], clientId = CONSUMER_KEY, username = USER): string[] => [
    '--client-id',
    clientId,
    '--username',
    username,
    '--instance-url',
    emu.url,
    ...extra,
    '--json',
  ];

  const authFile = (username = USER): string => join(home.home, '.sfdx', `${username}.json`);

  /** A successful login: the JSON result has exactly the documented fields, and no token anywhere. */
  function expectLoggedIn(
    ran: { result?: LoginResult; error?: Error; stdout: string },
    extraKeys: string[] = [],
  ): LoginResult {
    expect(ran.error, ran.error?.message).to.equal(undefined);
    const result = ran.result!;
    expect(Object.keys(result).sort()).to.deep.equal([...RESULT_KEYS, ...extraKeys].sort());
    expect(result.username).to.equal(USER);
    expect(result.orgId).to.equal('00D5g000004XyZaEAK');
    expect(result.instanceUrl).to.equal(emu.url);
    expect(result.loginUrl).to.equal(emu.url);
    expect(result.clientId).to.equal(CONSUMER_KEY);
    expect(JSON.stringify(result)).to.not.match(/!AQ|accessToken|access_token/);
    expect(ran.stdout).to.not.match(/!AQ|accessToken|access_token/);
    const json = JSON.parse(ran.stdout) as { status: number; result: LoginResult };
    expect(json.status).to.equal(0);
    expect(json.result).to.deep.equal(result);
    return result;
  }

  async function expectStoredJwtAuth(privateKey: string): Promise<AuthFile> {
    const auth = await readJson(authFile());
    expect(auth.username).to.equal(USER);
    expect(auth.privateKey).to.equal(privateKey);
    expect(auth.clientId).to.equal(CONSUMER_KEY);
    expect(auth.loginUrl).to.equal(emu.url);
    expect(auth.instanceUrl).to.equal(emu.url);
    expect(auth.orgId).to.equal('00D5g000004XyZaEAK');
    expect(auth.instanceApiVersion).to.equal('66.0');
    expect(auth).to.not.have.property('refreshToken');
    // the access token is stored encrypted, never in clear
    expect(String(auth.accessToken ?? '')).to.not.match(/^00D\w+!/);
    return auth;
  }

  describe('success', () => {
    it('with a key file: registers a JWT auth the sf CLI reads (key path, client id, login URL, no refresh token)', async () => {
      const ran = await runCommand<LoginResult>(Login, flags(['--jwt-key-file', keyFile]));
      const result = expectLoggedIn(ran);
      expect(result.audience).to.equal(emu.url);
      expect(result.privateKeyFile).to.equal(keyFile);
      expect(result.isDevHub).to.equal(false);
      await expectStoredJwtAuth(keyFile);
      const grants = emu.requestLog.filter((e) => e.grant).slice(-1);
      expect(grants[0].grant).to.include({ iss: CONSUMER_KEY, sub: USER, aud: emu.url, result: 'ok' });
    });

    const envForms: Array<[string, () => string]> = [
      ['PEM', (): string => creds.privateKeyPem],
      ['PEM with literal \\n', (): string => creds.privateKeyPem.trim().replace(/\n/g, '\\n')],
      ['base64 of the PEM', (): string => Buffer.from(creds.privateKeyPem).toString('base64')],
    ];
    for (const [form, value] of envForms) {
      it(`with the key in SF_JWT_KEY as ${form}: a 0600 copy is kept under ~/.sfdx/sf-jwt-setup/keys`, async () => {
        home.setEnv('SF_JWT_KEY', value());
        const ran = await runCommand<LoginResult>(Login, flags());
        const result = expectLoggedIn(ran);
        const keysDir = join(home.home, '.sfdx', 'sf-jwt-setup', 'keys');
        expect(result.privateKeyFile.startsWith(keysDir + '/')).to.equal(true);
        expect((await stat(result.privateKeyFile)).mode & 0o777).to.equal(0o600);
        expect((await stat(keysDir)).mode & 0o777).to.equal(0o700);
        expect(await readFile(result.privateKeyFile, 'utf8')).to.equal(
          creds.privateKey.export({ type: 'pkcs8', format: 'pem' }),
        );
        await expectStoredJwtAuth(result.privateKeyFile);
      });
    }

    it('a key in SF_JWT_KEY as one-line base64 is not reported as mangled', async () => {
      home.setEnv('SF_JWT_KEY', Buffer.from(creds.privateKeyPem).toString('base64'));
      const ran = await runCommand<LoginResult>(
        Login,
        flags().filter((a) => a !== '--json'),
      );
      expect(ran.error, ran.error?.message).to.equal(undefined);
      expect(ran.stdout + ran.stderr).to.not.include('mangled');
    });

    it('a key in SF_JWT_KEY with literal \\n is reported as repaired', async () => {
      home.setEnv('SF_JWT_KEY', creds.privateKeyPem.trim().replace(/\n/g, '\\n'));
      const ran = await runCommand<LoginResult>(
        Login,
        flags().filter((a) => a !== '--json'),
      );
      expect(ran.error, ran.error?.message).to.equal(undefined);
      expect(ran.stdout + ran.stderr).to.include('literal-newlines');
      // with --json the notice is one of the result's warnings
      const json = await runCommand<LoginResult>(Login, flags());
      expect(json.error, json.error?.message).to.equal(undefined);
      const warnings = (JSON.parse(json.stdout) as { warnings?: string[] }).warnings ?? [];
      expect(warnings.join('\n')).to.include('was repaired (literal-newlines)');
    });

    it('with --jwt-key-env naming another variable', async () => {
      home.setEnv('OTHER_KEY_VAR', creds.privateKeyPem);
      const result = expectLoggedIn(await runCommand<LoginResult>(Login, flags(['--jwt-key-env', 'OTHER_KEY_VAR'])));
      expect(result.privateKeyFile).to.include(join('.sfdx', 'sf-jwt-setup', 'keys'));
      home.setEnv('OTHER_KEY_VAR', undefined);
      expectCommandError(
        await runCommand<LoginResult>(Login, flags(['--jwt-key-env', 'OTHER_KEY_VAR'])),
        'KeyEnvUnset',
      );
    });

    it('with an encrypted key file and --passphrase-env: the stored key is an unencrypted 0600 copy', async () => {
      const encrypted = join(home.home, 'encrypted.key');
      await writeFile(encrypted, privateKeyPem(creds.privateKey, 'pw'), { mode: 0o600 });
      home.setEnv('KEY_PW', 'pw');
      const result = expectLoggedIn(
        await runCommand<LoginResult>(Login, flags(['--jwt-key-file', encrypted, '--passphrase-env', 'KEY_PW'])),
      );
      expect(result.privateKeyFile).to.not.equal(encrypted);
      expect(result.privateKeyFile.startsWith(join(home.home, '.sfdx', 'sf-jwt-setup', 'keys'))).to.equal(true);
      const stored = await readFile(result.privateKeyFile, 'utf8');
      expect(stored).to.match(/^-----BEGIN PRIVATE KEY-----/);
      expect((await stat(result.privateKeyFile)).mode & 0o777).to.equal(0o600);
      await expectStoredJwtAuth(result.privateKeyFile);
      // without the passphrase
      expectCommandError(
        await runCommand<LoginResult>(Login, flags(['--jwt-key-file', encrypted])),
        'KeyEncryptedNoPassphrase',
      );
    });

    it('with no flags at all: SF_JWT_CLIENT_ID, SF_JWT_USERNAME, SF_JWT_INSTANCE_URL and SF_JWT_KEY', async () => {
      home.setEnv('SF_JWT_CLIENT_ID', CONSUMER_KEY);
      home.setEnv('SF_JWT_USERNAME', USER);
      home.setEnv('SF_JWT_INSTANCE_URL', emu.url);
      home.setEnv('SF_JWT_KEY', Buffer.from(creds.privateKeyPem).toString('base64'));
      const result = expectLoggedIn(await runCommand<LoginResult>(Login, ['--json']));
      expect(result.audience).to.equal(emu.url);
    });

    it('--alias and --set-default write alias.json and target-org', async () => {
      const result = expectLoggedIn(
        await runCommand<LoginResult>(Login, flags(['--jwt-key-file', keyFile, '--alias', 'ci-org', '--set-default'])),
        ['alias'],
      );
      expect(result.alias).to.equal('ci-org');
      const aliases = await readJson(join(home.home, '.sfdx', 'alias.json'));
      expect(aliases).to.deep.equal({ orgs: { 'ci-org': USER } });
      const config = await readJson(join(home.home, '.sf', 'config.json'));
      expect(config['target-org']).to.equal('ci-org');
    });

    it('an invalid alias → InvalidAlias, and nothing is registered', async () => {
      expectCommandError(
        await runCommand<LoginResult>(Login, flags(['--jwt-key-file', keyFile, '--alias', 'has space'])),
        'InvalidAlias',
      );
      expect(await stat(authFile()).catch(() => 'absent')).to.equal('absent');
    });

    it('replacing an existing auth keeps its alias', async () => {
      expectLoggedIn(await runCommand<LoginResult>(Login, flags(['--jwt-key-file', keyFile, '--alias', 'keepme'])), [
        'alias',
      ]);
      const firstAuth = await readJson(authFile());
      home.setEnv('SF_JWT_KEY', creds.privateKeyPem);
      const second = expectLoggedIn(await runCommand<LoginResult>(Login, flags()));
      const secondAuth = await readJson(authFile());
      expect(secondAuth.privateKey).to.equal(second.privateKeyFile).and.not.equal(firstAuth.privateKey);
      expect(await readJson(join(home.home, '.sfdx', 'alias.json'))).to.deep.equal({ orgs: { keepme: USER } });
    });

    it('an audience refused at the first candidate falls back to login.salesforce.com, recorded in the attempts', async () => {
      const myDomainEmu = await startEmulator({
        org: { myDomainUrl: 'https://acme.my.salesforce.com' },
        apps: [{ consumerKey: CONSUMER_KEY, certificatePem: creds.certificatePem, permissionSets: ['JWT'] }],
        users: [{ username: USER, permissionSets: ['JWT'] }],
      });
      try {
        const loginUrl = parseLoginUrl(myDomainEmu.url);
        const events: string[] = [];
        const outcome = await login(
          {
            clientId: CONSUMER_KEY,
            username: USER,
            key: { file: keyFile },
            loginUrl,
            loginUrlSource: 'flag',
            audiences: audienceCandidates(loginUrl),
            audienceExplicit: false,
            sandbox: false,
          },
          { onEvent: (e) => events.push(e.type) },
        );
        expect(outcome.audience).to.equal('https://login.salesforce.com');
        expect(outcome.attempts).to.deep.equal([
          { loginUrl: `${myDomainEmu.url}/`, audience: myDomainEmu.url, outcome: 'AudienceInvalid' },
          { loginUrl: `${myDomainEmu.url}/`, audience: 'https://login.salesforce.com', outcome: 'ok' },
        ]);
        expect(events).to.deep.equal(['audience-fallback']);
      } finally {
        await myDomainEmu.stop();
      }
    });

    it('--wait: a user admitted while waiting logs in (login() with a short interval)', async () => {
      const waitUser = 'later@acme.example';
      emu.addUser({ username: waitUser, permissionSets: [] });
      const timer = setTimeout(() => emu.updateUser(waitUser, { permissionSets: ['JWT'] }), 1500);
      try {
        const loginUrl = parseLoginUrl(emu.url);
        const events: string[] = [];
        const started = Date.now();
        const outcome = await login(
          {
            clientId: CONSUMER_KEY,
            username: waitUser,
            key: { file: keyFile },
            loginUrl,
            loginUrlSource: 'flag',
            audiences: audienceCandidates(loginUrl),
            audienceExplicit: false,
            sandbox: false,
          },
          { waitMinutes: 1, waitIntervalMs: 200, onEvent: (e) => events.push(e.type) },
        );
        expect(Date.now() - started).to.be.greaterThanOrEqual(1400);
        expect(outcome.username).to.equal(waitUser);
        const outcomes = outcome.attempts.map((a) => a.outcome);
        expect(outcomes[outcomes.length - 1]).to.equal('ok');
        expect(outcomes.length).to.be.greaterThan(1);
        expect(new Set(outcomes.slice(0, -1))).to.deep.equal(new Set(['UserNotApproved']));
        expect(events).to.include('waiting');
      } finally {
        clearTimeout(timer);
      }
    });

    it('without --wait the same refusal fails at once', async () => {
      const waitUser = 'never@acme.example';
      emu.addUser({ username: waitUser, permissionSets: [] });
      const started = Date.now();
      expectCommandError(
        await runCommand<LoginResult>(Login, flags(['--jwt-key-file', keyFile], CONSUMER_KEY, waitUser)),
        'UserNotApproved',
      );
      expect(Date.now() - started).to.be.lessThan(5000);
    });
  });

  describe("Salesforce's refusals, each as its coded error, nothing registered", () => {
    const rows: Array<{ title: string; code: ErrorCode; clientId?: string; username?: string; extra?: string[] }> = [
      { title: 'an unknown consumer key', code: 'ClientIdentifierInvalid', clientId: `${CONSUMER_KEY}NOPE` },
      { title: 'a user the app does not admit', code: 'UserNotApproved', username: 'notadmitted@acme.example' },
      { title: 'an unknown user', code: 'UserNotApproved', username: 'nobody@acme.example' },
      { title: 'an inactive user', code: 'InactiveUser', username: 'inactive@acme.example' },
      { title: 'an IP-restricted user', code: 'IpRestricted', username: 'iprestricted@acme.example' },
      {
        title: "the app holding another key's certificate",
        code: 'InvalidAssertion',
        clientId: `${CONSUMER_KEY}OTHERCERT`,
      },
      {
        title: 'API Access Control without the user approved',
        code: 'AppAccessDenied',
        clientId: `${CONSUMER_KEY}APICONTROL`,
      },
      {
        title: 'a My-Domain-only External Client App with aud login.salesforce.com',
        code: 'AppNotInstalled',
        clientId: `${CONSUMER_KEY}MYDOMAIN`,
        extra: ['--audience', 'https://login.salesforce.com'],
      },
      {
        title: 'aud test.salesforce.com at a production org',
        code: 'AudienceInvalid',
        extra: ['--audience', 'https://test.salesforce.com'],
      },
    ];
    for (const row of rows) {
      it(`${row.title} → ${row.code}`, async () => {
        const before = emu.requestLog.length;
        const ran = await runCommand<LoginResult>(
          Login,
          flags(['--jwt-key-file', keyFile, ...(row.extra ?? [])], row.clientId, row.username),
        );
        expectCommandError(ran, row.code);
        expect(ran.exitCode).to.equal(1);
        expect(await stat(authFile(row.username ?? USER)).catch(() => 'absent')).to.equal('absent');
        // one token request (no audience fallback for these refusals, no REST calls)
        const requests = emu.requestLog.slice(before);
        expect(requests.map((r) => r.path)).to.deep.equal(['/services/oauth2/token']);
        expect(JSON.parse(ran.stdout)).to.include({ name: errorName(row.code), status: 1 });
      });
    }

    it('the myDomainOnly app with the default audiences: the emulator URL is its My Domain, so the login works', async () => {
      const ran = await runCommand<LoginResult>(Login, flags(['--jwt-key-file', keyFile], `${CONSUMER_KEY}MYDOMAIN`));
      expect(ran.error, ran.error?.message).to.equal(undefined);
      expect(ran.result!.audience).to.equal(emu.url);
    });

    it('an expired assertion (server clock an hour ahead) → AssertionExpired', async () => {
      // The emulator is in this process: run its grant judgement under a clock one hour ahead, as a server with a
      // skewed clock would see the assertion.
      const target = emu as unknown as { grant: (body: string, entry: unknown) => unknown };
      const original = target.grant.bind(emu);
      target.grant = (body: string, entry: unknown): unknown => {
        const clock = sinon.useFakeTimers({ now: Date.now() + 3_600_000, toFake: ['Date'] });
        try {
          return original(body, entry);
        } finally {
          clock.restore();
        }
      };
      try {
        const error = await rejection(
          login({
            clientId: CONSUMER_KEY,
            username: USER,
            key: { file: keyFile },
            loginUrl: parseLoginUrl(emu.url),
            loginUrlSource: 'flag',
            audiences: [emu.url],
            audienceExplicit: true,
            sandbox: false,
          }),
        );
        expectCoded(error, 'AssertionExpired');
        expect((error.data as { attempts: unknown[] }).attempts).to.deep.equal([
          { loginUrl: `${emu.url}/`, audience: emu.url, outcome: 'AssertionExpired' },
        ]);
      } finally {
        target.grant = original;
      }
    });

    it('http:// to a real host → InsecureUrl, before any request', async () => {
      const before = emu.requestLog.length;
      const ran = await runCommand<LoginResult>(Login, [
        '--client-id',
        CONSUMER_KEY,
        '--username',
        USER,
        '--jwt-key-file',
        keyFile,
        '--instance-url',
        'http://login.salesforce.com',
        '--json',
      ]);
      expectCommandError(ran, 'InsecureUrl');
      expect(emu.requestLog.length).to.equal(before);
    });

    it('missing inputs → MissingClientId, MissingUsername, KeySourceMissing', async () => {
      expectCommandError(
        await runCommand<LoginResult>(Login, [
          '--username',
          USER,
          '--jwt-key-file',
          keyFile,
          '--instance-url',
          emu.url,
          '--json',
        ]),
        'MissingClientId',
      );
      expectCommandError(
        await runCommand<LoginResult>(Login, [
          '--client-id',
          CONSUMER_KEY,
          '--jwt-key-file',
          keyFile,
          '--instance-url',
          emu.url,
          '--json',
        ]),
        'MissingUsername',
      );
      expectCommandError(await runCommand<LoginResult>(Login, flags()), 'KeySourceMissing');
    });

    it('SF_JWT_KEY set but empty (a CI secret that does not exist) → KeyEnvUnset naming the variable, with the pipeline hint', async () => {
      home.setEnv('SF_JWT_KEY', '');
      const ran = await runCommand<LoginResult>(Login, flags());
      expectCommandError(ran, 'KeyEnvUnset');
      expect(ran.error?.message).to.include('SF_JWT_KEY');
      expect((ran.error?.actions ?? []).join('\n')).to.include(
        'a secret that does not exist expands to an empty string',
      );
    });

    it('a key that does not work (a certificate) → KeyIsCertificate before any request', async () => {
      const certFile = join(home.home, 'server.crt');
      await writeFile(certFile, creds.certificatePem);
      const before = emu.requestLog.length;
      expectCommandError(await runCommand<LoginResult>(Login, flags(['--jwt-key-file', certFile])), 'KeyIsCertificate');
      expect(emu.requestLog.length).to.equal(before);
    });
  });

  describe('a Dev Hub org', () => {
    let hub: SalesforceEmulator;

    before(async () => {
      hub = await startEmulator({
        org: { isDevHub: true },
        apps: [{ consumerKey: CONSUMER_KEY, certificatePem: creds.certificatePem, permissionSets: ['JWT'] }],
        users: [{ username: USER, permissionSets: ['JWT'] }],
      });
    });

    after(async () => {
      await hub.stop();
    });

    it('--set-default-dev-hub: isDevHub true in the result and the auth, target-dev-hub set', async () => {
      const ran = await runCommand<LoginResult>(Login, [
        '--client-id',
        CONSUMER_KEY,
        '--username',
        USER,
        '--instance-url',
        hub.url,
        '--jwt-key-file',
        keyFile,
        '--alias',
        'hub',
        '--set-default-dev-hub',
        '--json',
      ]);
      expect(ran.error, ran.error?.message).to.equal(undefined);
      expect(ran.result!.isDevHub).to.equal(true);
      const auth = await readJson(authFile());
      expect(auth.isDevHub).to.equal(true);
      const config = await readJson(join(home.home, '.sf', 'config.json'));
      expect(config['target-dev-hub']).to.equal('hub');
      expect(config).to.not.have.property('target-org');
    });
  });

  it('a generated key pair unrelated to the app is refused by signature (InvalidAssertion)', async () => {
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    home.setEnv('SF_JWT_KEY', stranger.export({ type: 'pkcs1', format: 'pem' }) as string);
    expectCommandError(await runCommand<LoginResult>(Login, flags()), 'InvalidAssertion');
  });
});
