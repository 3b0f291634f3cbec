/*
 * `sf jwt-setup rotate` through the real sf CLI against the emulator's org side: a dry run that changes nothing; a
 * rotation that ends with the new key logging in, the old key refused and the stored login refreshing with the new
 * key; a rotation whose certificate never takes effect, rolled back; a deploy the org refuses, leaving app and store
 * as they were; pre-flight refusals with no deploy seen.
 */
import { X509Certificate } from 'node:crypto';
import { readdir, readFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, requestToken, signAssertion, type TestCredentials } from '../emulator/testkit.js';
import { SfSandbox, type SfRun } from '../helpers/index.js';

const ADMIN = 'admin@acme.example';
const CI = 'ci@acme.example';
const KEY = '3MVG9RotateConsumerKey0001';
const FROZEN_KEY = '3MVG9FrozenConsumerKey0001';
const DUP_KEY = '3MVG9DupConsumerKey00001';
const TWIN_KEY = '3MVG9TwinConsumerKey0001';
type Json = Record<string, unknown>;

describe('sf jwt-setup rotate through the real sf CLI', function () {
  this.timeout(300_000);
  let emu: SalesforceEmulator;
  let sf: SfSandbox;
  let main: TestCredentials;
  let frozen: TestCredentials;
  let twin: TestCredentials;
  let keys: string;

  const rotate = (args: string[]): Promise<SfRun> =>
    sf.run(['jwt-setup', 'rotate', '--target-org', 'admin', '--username', CI, '--json', ...args], {
      timeoutMs: 240_000,
    });
  const loginAdmin = async (): Promise<void> => {
    const login = await sf.run(
      ['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'admin', '--json'],
      { env: { SF_ACCESS_TOKEN: emu.issueAccessToken(ADMIN).access_token } },
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
  };
  const jwt = async (creds: TestCredentials, clientId: string): Promise<number> =>
    (
      await requestToken(
        emu.url,
        await signAssertion(creds.privateKey, {
          iss: clientId,
          sub: CI,
          aud: emu.url,
          exp: Math.floor(Date.now() / 1000) + 120,
        }),
      )
    ).status;
  const keyFile = async (name: string, creds: TestCredentials): Promise<string> => {
    const dir = join(keys, name);
    await mkdir(dir, { recursive: true });
    const file = join(dir, 'server.key');
    await writeFile(file, creds.privateKeyPem, { mode: 0o600 });
    return file;
  };
  /** The SHA-256 fingerprint of the certificate the token endpoint verifies an app's logins with. */
  const liveCertificate = (name: string): unknown =>
    (emu.state().apps as Json[]).find((a) => a.name === name)?.certificateSha256;
  const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;

  before(async () => {
    [main, frozen, twin] = await Promise.all([
      makeCredentials('main'),
      makeCredentials('frozen'),
      makeCredentials('twin'),
    ]);
    emu = await startEmulator({
      users: [{ username: ADMIN }, { username: CI, permissionSets: ['CI_Users'] }],
      apps: [
        { name: 'CI_Deploy', consumerKey: KEY, certificatePem: main.certificatePem, permissionSets: ['CI_Users'] },
        {
          name: 'Frozen_App',
          consumerKey: FROZEN_KEY,
          certificatePem: frozen.certificatePem,
          permissionSets: ['CI_Users'],
        },
        { name: 'Dup_App', consumerKey: DUP_KEY, certificatePem: twin.certificatePem, permissionSets: ['CI_Users'] },
        { name: 'Twin_App', consumerKey: TWIN_KEY, certificatePem: twin.certificatePem, permissionSets: ['CI_Users'] },
      ],
    });
    sf = await SfSandbox.create();
    keys = join(sf.home, 'keys');
    await loginAdmin();
  });

  after(async () => {
    await emu?.stop();
    await sf?.dispose();
  });

  it('--dry-run checks and prints the plan; no deploy, no file written', async () => {
    const file = await keyFile('dry', main);
    const run = await rotate(['--app', 'CI_Deploy', '--jwt-key-file', file, '--dry-run']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({
      app: 'CI_Deploy',
      consumerKey: KEY,
      dryRun: true,
      verified: false,
      deployId: null,
    });
    expect((run.json?.result?.plan as string[]).join('\n')).to.match(
      /Deploy CI_Deploy_glbloauth with the new certificate/,
    );
    expect(await readdir(join(keys, 'dry'))).to.deep.equal(['server.key']);
    expect(emu.deploys()).to.deep.equal([]);
  });

  it('rotates: new key logs in, old key refused, the stored login refreshes with the new key after its token expires', async () => {
    const file = await keyFile('main', main);
    const login = await sf.run([
      'org',
      'login',
      'jwt',
      '--username',
      CI,
      '--jwt-key-file',
      file,
      '--client-id',
      KEY,
      '--instance-url',
      emu.url,
      '--alias',
      'ci',
      '--json',
    ]);
    expect(login.code, login.stdout + login.stderr).to.equal(0);

    const run = await rotate(['--app', 'CI_Deploy', '--jwt-key-file', file]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = run.json?.result as Json;
    const dir = join(keys, 'main');
    expect(result).to.include({
      app: 'CI_Deploy',
      consumerKey: KEY,
      verified: true,
      oldKeyRefused: true,
      rolledBack: false,
      dryRun: false,
    });
    expect(result.newKeyFile).to.match(new RegExp(`^${dir}/server-\\d{8}\\.key$`));
    expect(result.newCertificateFile).to.equal((result.newKeyFile as string).replace(/\.key$/, '.crt'));
    expect(result.previousCertificateFile).to.equal(join(dir, 'server.previous.crt'));
    expect(result.oldFingerprintSha256).to.be.a('string').and.not.equal(result.newFingerprintSha256);
    expect(result.repointedAuths).to.deep.equal([{ username: CI, from: file, to: result.newKeyFile }]);
    expect(result.secretsChanged).to.deep.equal(['SF_JWT_KEY']);
    expect(JSON.stringify(result)).not.to.match(/PRIVATE KEY|00D\w{12,15}!/);
    // The old key untouched, the previous certificate saved, one deploy of one component with the consumer key kept.
    expect(await readFile(file, 'utf8')).to.equal(main.privateKeyPem);
    expect((await readFile(join(dir, 'server.previous.crt'), 'utf8')).trim()).to.equal(main.certificatePem.trim());
    const deploys = emu.deploys();
    expect(deploys.map((d) => [d.status, d.components.map((c) => `${c.type}:${c.fullName}`)])).to.deep.equal([
      ['Succeeded', ['ExtlClntAppGlobalOauthSettings:CI_Deploy_glbloauth']],
    ]);
    expect(liveCertificate('CI_Deploy'))
      .to.equal(result.newFingerprintSha256)
      .and.equal(fingerprint(await readFile(result.newCertificateFile as string, 'utf8')));
    expect(await jwt(main, KEY)).to.equal(400);

    // The stored login uses the new key: after its token expires, sf refreshes with it.
    const auth = JSON.parse(await readFile(join(sf.home, '.sfdx', `${CI}.json`), 'utf8')) as Json;
    expect(auth.privateKey).to.equal(result.newKeyFile);
    emu.expireAllTokens();
    const query = await sf.run(['data', 'query', '-q', 'SELECT Id, Name FROM Account', '--target-org', 'ci', '--json']);
    expect(query.code, query.stdout + query.stderr).to.equal(0);
    await loginAdmin(); // its access token expired too
  });

  it('a certificate that never takes effect within --wait is rolled back; the old key still logs in', async () => {
    const file = await keyFile('frozen', frozen);
    emu.setSwitches({ freezeCertificates: true });
    const before = emu.deploys().length;
    try {
      const run = await rotate(['--app', 'Frozen_App', '--jwt-key-file', file, '--wait', '1']);
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.json).to.include({ code: 'RotationRolledBack', status: 1 });
      expect(run.json).not.to.have.any.keys('stack');
      expect((run.json as Json).data).to.include({ rolledBack: true, verified: false, oldKeyVerified: true });
    } finally {
      emu.setSwitches({ freezeCertificates: false });
    }
    const deploys = emu.deploys().slice(before);
    expect(deploys.map((d) => d.status)).to.deep.equal(['Succeeded', 'Succeeded']);
    expect(liveCertificate('Frozen_App')).to.equal(fingerprint(frozen.certificatePem));
    expect(await jwt(frozen, FROZEN_KEY)).to.equal(200);
    expect(await readFile(file, 'utf8')).to.equal(frozen.privateKeyPem);
  });

  it('a deploy the org refuses leaves the app and the store as they were', async () => {
    const file = await keyFile('dup', twin);
    const storeBefore = await readFile(join(sf.home, '.sfdx', `${CI}.json`), 'utf8');
    const before = emu.deploys().length;
    emu.setSwitches({ withholdConsumerKeys: true });
    let run: SfRun;
    try {
      // The retrieve withholds the key, and the one given is another app's (which holds the same certificate).
      run = await rotate(['--app', 'Dup_App', '--jwt-key-file', file, '--client-id', TWIN_KEY]);
    } finally {
      emu.setSwitches({ withholdConsumerKeys: false });
    }
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ code: 'DeployFailed' });
    expect(run.json?.message).to.match(/consumer key is already taken/);
    expect(
      emu
        .deploys()
        .slice(before)
        .map((d) => d.status),
    ).to.deep.equal(['Failed']);
    expect(liveCertificate('Dup_App')).to.equal(fingerprint(twin.certificatePem));
    expect(await jwt(twin, DUP_KEY)).to.equal(200);
    expect(await readFile(join(sf.home, '.sfdx', `${CI}.json`), 'utf8')).to.equal(storeBefore);
    expect(await readFile(file, 'utf8')).to.equal(twin.privateKeyPem);
  });

  describe('pre-flight refusals: a coded error, and no deploy seen', () => {
    it('a consumer key the org withholds and nobody gives: ConsumerKeyUnknown', async () => {
      const file = await keyFile('withheld', twin);
      const before = emu.deploys().length;
      emu.setSwitches({ withholdConsumerKeys: true });
      try {
        const run = await rotate(['--app', 'Dup_App', '--jwt-key-file', file]);
        expect(run.code).to.equal(1);
        expect(run.json).to.include({ code: 'ConsumerKeyUnknown' });
      } finally {
        emu.setSwitches({ withholdConsumerKeys: false });
      }
      expect(emu.deploys().length).to.equal(before);
      expect(await readdir(join(keys, 'withheld'))).to.deep.equal(['server.key']);
    });

    it("a key that is not the app's certificate's: RotationPreflightFailed, unless --force", async () => {
      const file = await keyFile('mismatch', main);
      const before = emu.deploys().length;
      const run = await rotate(['--app', 'Dup_App', '--jwt-key-file', file]);
      expect(run.code).to.equal(1);
      expect(run.json).to.include({ code: 'RotationPreflightFailed' });
      expect(run.json?.message).to.match(/does not belong to the key/);
      expect(emu.deploys().length).to.equal(before);
    });

    it('an app the org does not have: AppNotFound', async () => {
      const run = await rotate(['--app', 'No_Such_App', '--jwt-key-file', await keyFile('none', main)]);
      expect(run.code).to.equal(1);
      expect(run.json).to.include({ code: 'AppNotFound' });
    });

    it('an admin org that cannot be reached: AdminOrgUnreachable', async () => {
      const run = await sf.run([
        'jwt-setup',
        'rotate',
        '--target-org',
        'nosuch',
        '--app',
        'CI_Deploy',
        '--username',
        CI,
        '--force',
        '--json',
      ]);
      expect(run.code).to.equal(1);
      expect(run.json).to.include({ code: 'AdminOrgUnreachable' });
      expect(run.json).not.to.have.any.keys('stack');
    });
  });

  describe('a deploy whose reply is lost is settled from what the org holds (issue 19 #1)', () => {
    /** A fresh app holding `creds`' certificate, and its key file. */
    const lostApp = async (name: string, consumerKey: string): Promise<{ file: string; creds: TestCredentials }> => {
      const creds = await makeCredentials(name);
      emu.addApp({ name, consumerKey, certificatePem: creds.certificatePem, permissionSets: ['CI_Users'] });
      return { file: await keyFile(name, creds), creds };
    };
    afterEach(() => emu.setFaults([]));

    it("the deploy request's own reply dropped after it was applied: the app is read back and the rotation finishes", async () => {
      const { file, creds } = await lostApp('Lost_Deploy', '3MVG9LostDeployKey0001');
      emu.setFaults([{ kind: 'drop-reply', match: 'ZipFile', times: 1 }]);
      const run = await rotate(['--app', 'Lost_Deploy', '--jwt-key-file', file]);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as Json;
      expect(result).to.include({ verified: true, rolledBack: false });
      expect(liveCertificate('Lost_Deploy')).to.equal(result.newFingerprintSha256);
      expect(await jwt(creds, '3MVG9LostDeployKey0001')).to.equal(400);
    });

    it('the reply to a status poll dropped after the deploy was applied: the deploy id is asked again', async () => {
      const { file } = await lostApp('Lost_Poll', '3MVG9LostPollKey00001');
      emu.setFaults([{ kind: 'drop-reply', match: 'checkDeployStatus', times: 1 }]);
      const run = await rotate(['--app', 'Lost_Poll', '--jwt-key-file', file]);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as Json;
      expect(result).to.include({ verified: true });
      expect(result.deployId).to.match(/^0Af/);
      expect(liveCertificate('Lost_Poll')).to.equal(result.newFingerprintSha256);
    });

    it('Salesforce unresponsive for a while as rotate polls: polling goes on after it, and the rotation finishes', async () => {
      const { file } = await lostApp('Lost_Silence', '3MVG9LostSilenceKey001');
      emu.setFaults([{ kind: 'unresponsive', match: 'checkDeployStatus', ms: 6000, times: 1 }]);
      const run = await rotate(['--app', 'Lost_Silence', '--jwt-key-file', file]);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as Json;
      expect(result).to.include({ verified: true, rolledBack: false });
      expect(liveCertificate('Lost_Silence')).to.equal(result.newFingerprintSha256);
    });

    it('an outcome that stays unknown: DeployOutcomeUnknown (exit 1), naming the certificate the app holds; the store untouched', async () => {
      const { file, creds } = await lostApp('Lost_Forever', '3MVG9LostForeverKey001');
      const login = await sf.run([
        'org',
        'login',
        'jwt',
        '--username',
        CI,
        '--jwt-key-file',
        file,
        '--client-id',
        '3MVG9LostForeverKey001',
        '--instance-url',
        emu.url,
        '--json',
      ]);
      expect(login.code, login.stdout + login.stderr).to.equal(0);
      const storeBefore = await readFile(join(sf.home, '.sfdx', `${CI}.json`), 'utf8');
      emu.setFaults([{ kind: 'reset', match: 'checkDeployStatus' }]);
      const run = await rotate(['--app', 'Lost_Forever', '--jwt-key-file', file, '--wait', '1']);
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.json).to.include({ code: 'DeployOutcomeUnknown', status: 1 });
      expect(run.json).not.to.have.any.keys('stack');
      const data = (run.json as Json).data as Json;
      expect(data.deployId).to.match(/^0Af/);
      expect(data.orgHolds).to.deep.include({ certificate: 'previous' });
      expect(run.json?.message).to.include(fingerprint(creds.certificatePem));
      expect(await readFile(join(sf.home, '.sfdx', `${CI}.json`), 'utf8')).to.equal(storeBefore);
    });

    it('the new key unverifiable because Salesforce does not answer: RotationUnverified, no rollback deploy, both ways forward', async () => {
      await lostApp('Lost_Verify', '3MVG9LostVerifyKey0001');
      const before = emu.deploys().length;
      emu.setFaults([{ kind: 'reset', path: '/services/oauth2/token' }]);
      // --force without the current key: the pre-flight makes no login, so the first token request is verification's.
      const run = await rotate(['--app', 'Lost_Verify', '--force', '--wait', '1']);
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.json).to.include({ code: 'RotationUnverified', status: 1 });
      const data = (run.json as Json).data as Json;
      expect(data).to.include({ orgHolds: 'new', verified: false, storeRepointed: false, rolledBack: false });
      expect(liveCertificate('Lost_Verify')).to.equal(data.newFingerprintSha256);
      expect(emu.deploys().length - before, 'the swap only: no rollback deploy').to.equal(1);
      const actions = ((run.json as Json).actions as string[]).join('\n');
      expect(actions).to.include(`sf jwt-setup login --username ${CI} --client-id 3MVG9LostVerifyKey0001`);
      expect(actions).to.include(`--jwt-key-file ${data.newKeyFile as string}`);
      expect(actions).to.include('sf jwt-setup rotate --target-org admin --app Lost_Verify');
    });
  });

  describe('orgs that share a consumer key and a key (sandboxes copied from production; issue 19 #4)', () => {
    const SHARED = '3MVG9SharedSandboxKey01';
    const orgs: SalesforceEmulator[] = [];
    const user = (i: number): string => `ci@acme.example${i === 0 ? '' : `.sb${i}`}`;
    const admin = (i: number): string => `admin@acme.example${i === 0 ? '' : `.sb${i}`}`;
    let shared: TestCredentials;

    before(async () => {
      shared = await makeCredentials('shared');
      for (let i = 0; i < 3; i++) {
        // eslint-disable-next-line no-await-in-loop
        const org = await startEmulator({
          users: [{ username: admin(i) }, { username: user(i), permissionSets: ['CI_Users'] }],
          apps: [
            {
              name: 'Fleet_App',
              consumerKey: SHARED,
              certificatePem: shared.certificatePem,
              permissionSets: ['CI_Users'],
            },
          ],
        });
        orgs.push(org);
      }
    });
    after(async () => Promise.all(orgs.map((o) => o.stop())));

    it('re-points only the logins of the org whose app was rotated, and names the others with the command that rotates them', async () => {
      const file = await keyFile('shared', shared);
      for (const [i, org] of orgs.entries()) {
        // eslint-disable-next-line no-await-in-loop
        const login = await sf.run([
          'org',
          'login',
          'jwt',
          '--username',
          user(i),
          '--jwt-key-file',
          file,
          '--client-id',
          SHARED,
          '--instance-url',
          org.url,
          '--alias',
          `fleet-${i}`,
          '--json',
        ]);
        expect(login.code, login.stdout + login.stderr).to.equal(0);
      }
      // An admin login of the first and the second org; none of the third.
      for (const i of [0, 1]) {
        // eslint-disable-next-line no-await-in-loop
        const login = await sf.run(
          [
            'org',
            'login',
            'access-token',
            '--instance-url',
            orgs[i].url,
            '--no-prompt',
            '--alias',
            `fleet-admin-${i}`,
            '--json',
          ],
          { env: { SF_ACCESS_TOKEN: orgs[i].issueAccessToken(admin(i)).access_token } },
        );
        expect(login.code, login.stdout + login.stderr).to.equal(0);
      }

      const run = await sf.run(
        [
          'jwt-setup',
          'rotate',
          '--target-org',
          'fleet-admin-0',
          '--username',
          user(0),
          '--app',
          'Fleet_App',
          '--jwt-key-file',
          file,
          '--json',
        ],
        { timeoutMs: 240_000 },
      );
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as Json;
      expect(result.repointedAuths).to.deep.equal([{ username: user(0), from: file, to: result.newKeyFile }]);
      const others = result.otherOrgLogins as Array<{ username: string; orgId: string; command: string }>;
      expect(others.map((o) => o.username).sort()).to.deep.equal([user(1), user(2)]);
      const orgIds = orgs.map((o) => (o.state().org as Json).orgId);
      for (const other of others) {
        const i = Number(other.username.slice(-1));
        expect(other.orgId).to.equal(orgIds[i]);
        expect(other.command).to.include(`--username ${other.username}`);
        expect(other.command).to.include(`--jwt-key-file ${file} --new-key-file ${result.newKeyFile as string}`);
        expect(other.command).to.include(`--instance-url ${orgs[i].url}`);
      }
      expect(others.find((o) => o.username === user(1))?.command).to.match(
        new RegExp(`^sf jwt-setup rotate --target-org ${admin(1).replace(/\./g, '\\.')} --app Fleet_App`),
      );
      expect(others.find((o) => o.username === user(2))?.command).to.include(
        `--target-org <an admin login of ${orgIds[2] as string}>`,
      );

      // The other orgs' logins keep the old key, which their apps still hold: they refresh after their tokens expire.
      for (const i of [1, 2]) {
        // eslint-disable-next-line no-await-in-loop
        const auth = JSON.parse(await readFile(join(sf.home, '.sfdx', `${user(i)}.json`), 'utf8')) as Json;
        expect(auth.privateKey, user(i)).to.equal(file);
        orgs[i].expireAllTokens();
        // eslint-disable-next-line no-await-in-loop
        const query = await sf.run([
          'data',
          'query',
          '-q',
          'SELECT Id FROM Account',
          '--target-org',
          `fleet-${i}`,
          '--json',
        ]);
        expect(query.code, query.stdout + query.stderr).to.equal(0);
      }
      const rotated = JSON.parse(await readFile(join(sf.home, '.sfdx', `${user(0)}.json`), 'utf8')) as Json;
      expect(rotated.privateKey).to.equal(result.newKeyFile);
    });
  });
});
