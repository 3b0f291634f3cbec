/*
 * The plugin through the real sf CLI: keygen, login against the Salesforce emulator, then the CLI's own commands on
 * the registered org (display, list, data query, token refresh), doctor healthy and broken, and assertion.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { SfSandbox } from '../helpers/index.js';

const CLIENT_ID = '3MVG9IntegrationTestConsumerKey0123456789';
const USER = 'ci@acme.com';

describe('through the real sf CLI', function () {
  this.timeout(240_000);
  let sf: SfSandbox;
  let emulator: SalesforceEmulator;
  let keyFile: string;
  let certFile: string;

  before(async () => {
    sf = await SfSandbox.create();
    const keygen = await sf.run(['jwt-setup', 'keygen', '--output-dir', 'jwt', '--json']);
    expect(keygen.code, keygen.stderr).to.equal(0);
    keyFile = keygen.json?.result?.keyFile as string;
    certFile = keygen.json?.result?.certificateFile as string;
    emulator = await startEmulator({
      tokenLifetimeSeconds: 3600,
      apps: [
        {
          consumerKey: CLIENT_ID,
          certificatePem: await readFile(certFile, 'utf8'),
          permissionSets: ['JWT_Integration'],
        },
      ],
      users: [
        { username: USER, permissionSets: ['JWT_Integration'] },
        { username: 'outsider@acme.com', permissionSets: [] },
      ],
    });
  });

  after(async () => {
    await emulator?.stop();
    await sf?.dispose();
  });

  it('keygen --json writes a 0600 key and a certificate, with the documented result fields', async () => {
    const run = await sf.run([
      'jwt-setup',
      'keygen',
      '--output-dir',
      'again',
      '--name',
      'ci',
      '--key-size',
      '3072',
      '--json',
    ]);
    expect(run.code).to.equal(0);
    const result = run.json?.result ?? {};
    expect(Object.keys(result)).to.include.members([
      'keyFile',
      'certificateFile',
      'keySize',
      'subject',
      'serialNumber',
      'notBefore',
      'notAfter',
      'fingerprintSha256',
      'fingerprintSha1',
      'keyEncrypted',
    ]);
    expect(result.keySize).to.equal(3072);
    expect(run.stdout).not.to.include('PRIVATE KEY');
  });

  it('login registers the org; sf org display, org list and data query work with it', async () => {
    const login = await sf.run([
      'jwt-setup',
      'login',
      '-o',
      USER,
      '-f',
      keyFile,
      '-i',
      CLIENT_ID,
      '-r',
      emulator.url,
      '-a',
      'ci',
      '-s',
      '--json',
    ]);
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    expect(login.json?.result).to.include({ username: USER, clientId: CLIENT_ID, alias: 'ci', isDevHub: false });
    expect(login.stdout).not.to.match(/00D\w{12,15}!/);

    const display = await sf.run(['org', 'display', '--target-org', 'ci', '--json']);
    expect(display.code, display.stderr).to.equal(0);
    expect(display.json?.result?.connectedStatus).to.equal('Connected');
    expect(display.json?.result?.username).to.equal(USER);

    const list = await sf.run(['org', 'list', '--json']);
    expect(list.code).to.equal(0);
    expect(JSON.stringify(list.json?.result)).to.include(USER);

    const query = await sf.run(['data', 'query', '-q', 'SELECT Id, Name FROM Account', '--target-org', 'ci', '--json']);
    expect(query.code, query.stderr).to.equal(0);
    const records = (query.json?.result?.records ?? []) as Array<{ Name?: string }>;
    expect(records.length).to.be.greaterThan(0);
    expect(records.every((r) => typeof r.Name === 'string')).to.equal(true);
  });

  it('after the token expires, sf refreshes it from the stored key path by itself', async () => {
    const before = emulator.issuedTokenCount();
    emulator.expireAllTokens();
    const display = await sf.run(['org', 'display', '--target-org', 'ci', '--json']);
    expect(display.code, display.stderr).to.equal(0);
    expect(display.json?.result?.connectedStatus).to.equal('Connected');
    expect(emulator.issuedTokenCount()).to.be.greaterThan(before);
    const auth = JSON.parse(await readFile(join(sf.home, '.sfdx', `${USER}.json`), 'utf8')) as Record<string, unknown>;
    expect(auth.privateKey).to.equal(keyFile);
    expect(auth).not.to.have.property('refreshToken');
  });

  it('doctor exits 0 on a healthy setup and 1 on a broken one, with the failing check in --json', async () => {
    const healthy = await sf.run([
      'jwt-setup',
      'doctor',
      '-o',
      USER,
      '-f',
      keyFile,
      '-i',
      CLIENT_ID,
      '-r',
      emulator.url,
      '-c',
      certFile,
      '--json',
    ]);
    expect(healthy.code, healthy.stdout).to.equal(0);
    expect(healthy.json?.result?.ok).to.equal(true);

    const broken = await sf.run([
      'jwt-setup',
      'doctor',
      '-o',
      'outsider@acme.com',
      '-f',
      keyFile,
      '-i',
      CLIENT_ID,
      '-r',
      emulator.url,
      '--json',
    ]);
    expect(broken.code).to.equal(1);
    const checks = (broken.json?.result?.checks ?? []) as Array<{ id: string; status: string; fix?: string }>;
    const exchange = checks.find((c) => c.id === 'exchange');
    expect(exchange?.status).to.equal('fail');
    expect(exchange?.fix).to.match(/pre-authorized/);
  });

  it('a failed login is a coded error with actions, and no stack trace in the human output', async () => {
    const run = await sf.run(['jwt-setup', 'login', '-o', USER, '-f', certFile, '-i', CLIENT_ID, '-r', emulator.url]);
    expect(run.code).to.equal(1);
    expect(run.stderr).to.include('KeyIsCertificate');
    expect(run.stderr).to.match(/Try this:|private key/);
    expect(run.stderr).not.to.match(/\n\s+at .*\.(js|ts):\d+/);

    const json = await sf.run([
      'jwt-setup',
      'login',
      '-o',
      USER,
      '-f',
      certFile,
      '-i',
      CLIENT_ID,
      '-r',
      emulator.url,
      '--json',
    ]);
    expect(json.code).to.equal(1);
    expect(json.json).to.include({ name: 'KeyIsCertificateError', code: 'KeyIsCertificate', status: 1 });
    expect((json.json as { actions?: string[] }).actions ?? []).to.have.length.greaterThan(0);
    expect(json.json, 'no stack trace for a user mistake').not.to.have.any.keys('stack', 'cause');
  });

  // oclif's update hook reads SF_DISABLE_AUTOUPDATE; an npm-installed sf given only the legacy SF_AUTOUPDATE_DISABLE
  // claims ~/.cache/sf/autoupdate and spawns a detached `sf update --autoupdate` that outlives the test.
  it('the sandbox keeps sf from spawning its auto-updater', () => {
    // The hook touches lastrun right after its disable check, and claims autoupdate before it spawns.
    for (const marker of ['lastrun', 'autoupdate', 'autoupdate.log']) {
      expect(existsSync(join(sf.home, '.cache', 'sf', marker)), marker).to.equal(false);
    }
  });
});
