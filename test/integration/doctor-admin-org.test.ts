/*
 * `sf jwt-setup doctor --admin-org` through the real sf CLI: each org.* failure is made by changing only the org side
 * (the app's certificate, its policy, a missing assignment, a frozen user, a consumer key from another org); the check
 * fails, the diagnosis names that cause first, and the fix it gives, run against the emulator, makes the next doctor
 * run pass.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type EmulatorApp, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import { SfSandbox } from '../helpers/index.js';

const ADMIN = 'admin@acme.example';
const CI = 'ci@acme.example';
const KEY = 'DoctorAdminOrgKey0123456789';
type Check = { id: string; status: string; detail: string; fix?: string };
type Report = { ok: boolean; checks: Check[] };

describe('sf jwt-setup doctor --admin-org through the real sf CLI', function () {
  this.timeout(300_000);
  let emu: SalesforceEmulator;
  let sf: SfSandbox;
  let creds: TestCredentials;
  let keyFile: string;
  let app: EmulatorApp;

  const doctor = async (extra: string[] = [], clientId = KEY): Promise<{ code: number; report: Report }> => {
    const run = await sf.run(
      [
        'jwt-setup',
        'doctor',
        '-o',
        CI,
        '-f',
        keyFile,
        '-i',
        clientId,
        '-r',
        emu.url,
        '--admin-org',
        'admin',
        '--json',
        ...extra,
      ],
      { timeoutMs: 120_000 },
    );
    expect(run.json, run.stdout + run.stderr).to.not.equal(undefined);
    return { code: run.code, report: run.json?.result as unknown as Report };
  };
  const check = (report: Report, id: string): Check => report.checks.find((c) => c.id === id) as Check;
  /** The fix's command, run as the user would paste it (the backquoted part). */
  const runFix = async (fix: string | undefined): Promise<void> => {
    const command = /`sf ([^`]+)`/.exec(fix ?? '')?.[1];
    expect(command, `a command in the fix: ${fix}`).to.be.a('string');
    const ran = await sf.run([...command!.split(' '), '--json'], { cwd: sf.home, timeoutMs: 240_000 });
    expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
  };

  before(async () => {
    creds = await makeCredentials('doctor admin org');
    app = { name: 'CI_App', consumerKey: KEY, certificatePem: creds.certificatePem, permissionSets: ['CI_Perm'] };
    emu = await startEmulator({
      apps: [app],
      users: [{ username: ADMIN }, { username: CI, permissionSets: ['CI_Perm'] }],
    });
    sf = await SfSandbox.create();
    keyFile = join(sf.home, 'server.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    const login = await sf.run(
      ['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'admin', '--json'],
      { env: { SF_ACCESS_TOKEN: emu.issueAccessToken(ADMIN).access_token } },
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
  });

  after(async () => {
    await emu?.stop();
    await sf?.dispose();
  });

  it('a healthy setup: every org.* check passes, and nothing is written to the org', async () => {
    const before = emu.deploys().length;
    const { code, report } = await doctor();
    expect(code, JSON.stringify(report.checks)).to.equal(0);
    for (const id of ['org.match', 'org.app', 'org.certificate', 'org.policy', 'org.user', 'org.admission']) {
      expect(check(report, id)?.status, id).to.equal('pass');
    }
    expect(emu.deploys().length).to.equal(before);
    expect(JSON.stringify(report)).not.to.match(/PRIVATE KEY|00D\w{12,15}!/);
  });

  it('without --admin-org no org.* check is listed', async () => {
    const run = await sf.run(['jwt-setup', 'doctor', '-o', CI, '-f', keyFile, '-i', KEY, '-r', emu.url, '--json']);
    expect(run.code).to.equal(0);
    const report = run.json?.result as unknown as Report;
    expect(report.checks.filter((c) => c.id.startsWith('org.'))).to.deep.equal([]);
  });

  it("org.certificate: the app holds another key's certificate; the fix puts this key's in", async () => {
    const other = await makeCredentials('someone else');
    emu.addApp({ ...app, certificatePem: other.certificatePem });
    const { code, report } = await doctor();
    expect(code).to.equal(1);
    const cert = check(report, 'org.certificate');
    expect(cert.status).to.equal('fail');
    expect(cert.detail).to.match(/CI_App holds certificate .* but your key is/);
    const exchange = check(report, 'exchange');
    expect(exchange.status).to.equal('fail');
    expect(exchange.fix?.startsWith('1. What the org says: The app CI_App holds certificate')).to.equal(true);
    await runFix(cert.fix);
    const after = await doctor();
    expect(after.code, JSON.stringify(after.report.checks.filter((c) => c.status !== 'pass'))).to.equal(0);
  });

  it('org.policy: a self-authorized app refuses the user; the fix deploys the pre-authorized policy', async () => {
    emu.addApp({ ...app, preAuthorized: false });
    const { code, report } = await doctor();
    expect(code).to.equal(1);
    expect(check(report, 'org.policy').status).to.equal('fail');
    expect(check(report, 'exchange').fix).to.match(/^1\. What the org says: CI_App is self-authorized/);
    await runFix(check(report, 'org.policy').fix);
    expect((await doctor()).code).to.equal(0);
  });

  it('org.admission: the user lost its permission set; the fix is sf org assign permset', async () => {
    emu.updateUser(CI, { permissionSets: [] });
    const { code, report } = await doctor();
    expect(code).to.equal(1);
    const admission = check(report, 'org.admission');
    expect(admission.status).to.equal('fail');
    expect(admission.fix).to.equal(`\`sf org assign permset --name CI_Perm --on-behalf-of ${CI} --target-org admin\``);
    expect(check(report, 'exchange').fix).to.match(/^1\. What the org says: ci@acme\.example holds none/);
    // The inferred causes the facts rule out are gone: no generic "set Permitted Users" advice.
    expect(check(report, 'exchange').fix).not.to.include('Permitted Users to');
    await runFix(admission.fix);
    expect((await doctor()).code).to.equal(0);
  });

  it('org.user: a frozen user; unfreezing it makes doctor pass', async () => {
    emu.updateUser(CI, { frozen: true });
    const { code, report } = await doctor();
    expect(code).to.equal(1);
    expect(check(report, 'org.user')).to.include({ status: 'fail' });
    expect(check(report, 'org.user').detail).to.include('frozen');
    expect(check(report, 'exchange').fix).to.match(/^1\. What the org says: The user ci@acme\.example is frozen/);
    emu.updateUser(CI, { frozen: false }); // what the fix says: Setup, Users, Unfreeze
    expect((await doctor()).code).to.equal(0);
  });

  it('org.app: a consumer key that no app of this org holds (another org, a refreshed sandbox)', async () => {
    const { code, report } = await doctor([], 'AnotherOrgsConsumerKey42');
    expect(code).to.equal(1);
    expect(check(report, 'org.app').status).to.equal('fail');
    expect(check(report, 'org.certificate').status).to.equal('skip');
    expect(check(report, 'exchange').fix).to.match(/^1\. What the org says: No app in org/);
    expect((await doctor([], KEY)).code).to.equal(0);
  });

  it('an org that withholds consumer keys: --app names the app', async () => {
    emu.setSwitches({ withholdConsumerKeys: true });
    try {
      const withheld = await doctor();
      expect(check(withheld.report, 'org.app').status).to.equal('warn');
      const named = await doctor(['--app', 'CI_App']);
      expect(check(named.report, 'org.app').status).to.equal('pass');
      expect(check(named.report, 'org.certificate').status).to.equal('pass');
    } finally {
      emu.setSwitches({ withholdConsumerKeys: false });
    }
  });

  it('a certificate valid for 10 more days: doctor warns, locally and from the org, and names rotate as the fix', async () => {
    const keygen = await sf.run([
      'jwt-setup',
      'keygen',
      '--key-file',
      keyFile,
      '--days',
      '10',
      '--output-dir',
      'short',
      '--name',
      'short',
      '--json',
    ]);
    expect(keygen.code, keygen.stdout + keygen.stderr).to.equal(0);
    const shortCert = keygen.json?.result?.certificateFile as string;
    emu.addApp({ ...app, certificatePem: await readFile(shortCert, 'utf8') });
    try {
      const { code, report } = await doctor(['-c', shortCert]);
      expect(code, 'warnings do not fail').to.equal(0);
      const local = check(report, 'certificate.validity');
      expect(local.status).to.equal('warn');
      expect(local.detail).to.match(/in (9|10) days/);
      expect(local.fix).to.include('sf jwt-setup rotate');
      const org = check(report, 'org.certificate');
      expect(org.status).to.equal('warn');
      expect(org.fix).to.include(
        `sf jwt-setup rotate --target-org admin --app CI_App --username ${CI} --jwt-key-file ${keyFile}`,
      );
    } finally {
      emu.addApp(app);
    }
  });

  const doctorWithAdmin = (admin: string): ReturnType<SfSandbox['run']> =>
    sf.run(['jwt-setup', 'doctor', '-o', CI, '-f', keyFile, '-i', KEY, '-r', emu.url, '--admin-org', admin, '--json']);

  /** The org side was asked for and cannot be read: org.match fails with AdminOrgUnreachable's text, exit 1. */
  const expectUnreadable = (run: Awaited<ReturnType<SfSandbox['run']>>, admin: string): void => {
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    const report = run.json?.result as unknown as Report;
    expect(report.ok).to.equal(false);
    const org = report.checks.filter((c) => c.id.startsWith('org.'));
    expect(org).to.have.length(6);
    const match = check(report, 'org.match');
    expect(match.status).to.equal('fail');
    expect(match.detail).to.match(new RegExp(`^The admin org ${admin} cannot be used: `));
    expect(match.fix).to.include(`sf org login web --alias ${admin}`);
    expect(
      org.filter((c) => c.id !== 'org.match').every((c) => c.status === 'skip' && c.detail.includes(admin)),
    ).to.equal(true);
    expect(check(report, 'exchange').status).to.equal('pass');
  };

  it('an admin org alias that does not exist: org.match fails with the reason (AdminOrgUnreachable), exit 1; the others still run', async () => {
    expectUnreadable(await doctorWithAdmin('nosuch'), 'nosuch');
  });

  it('an admin login that can no longer refresh (its access token revoked): org.match fails, exit 1', async () => {
    const token = emu.issueAccessToken(ADMIN).access_token;
    const login = await sf.run(
      ['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'stale', '--json'],
      { env: { SF_ACCESS_TOKEN: token } },
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    const revoked = await fetch(`${emu.url}/services/oauth2/revoke`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(revoked.status).to.equal(200);
    expectUnreadable(await doctorWithAdmin('stale'), 'stale');
  });
});
