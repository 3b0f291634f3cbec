/*
 * Scratch orgs from a JWT Dev Hub, through the real sf CLI against the emulator playing the hub (and serving each new
 * scratch org on its own port): `sf org create scratch` against a Connected App hub; C-1016 for an External Client
 * App hub and for an expired certificate, each found and explained by `sf jwt-setup doctor --dev-hub`; the hub's key
 * moved away; the stop-gap variables for an ECA hub.
 */
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type EmulatorApp, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import { SfSandbox, type SfRun } from '../helpers/index.js';

type Check = { id: string; status: string; detail: string; fix?: string };
type Report = { ok: boolean; checks: Check[] };

const STOP_GAP = {
  SF_SCRATCH_SIGNUP_CONNECTED_APP: 'PlatformCLI',
  SF_SCRATCH_SIGNUP_CALLBACK_URL: 'http://localhost:1717/OauthRedirect',
};

describe('scratch orgs from a JWT Dev Hub, through the real sf CLI', function () {
  this.timeout(600_000);
  let sf: SfSandbox;
  const hubs: SalesforceEmulator[] = [];

  /** A Dev Hub emulator with one app, and the hub logged in by JWT with `sf org login jwt` as `alias`. */
  async function hubWith(
    alias: string,
    app: Omit<EmulatorApp, 'certificatePem' | 'consumerKey'>,
    creds: TestCredentials,
    devHub: { replicationDelayMs?: number } = {},
  ): Promise<{ emu: SalesforceEmulator; username: string; keyFile: string; consumerKey: string }> {
    const username = `${alias}@acme.example`;
    const consumerKey = `${alias.replace(/\W/g, '')}Key0123456789`;
    const emu = await startEmulator({
      org: { isDevHub: true },
      apps: [{ ...app, consumerKey, certificatePem: creds.certificatePem, profiles: ['System Administrator'] }],
      users: [{ username }],
      devHub: { signupPolls: 1, ...devHub },
    });
    hubs.push(emu);
    const keyFile = join(sf.home, `${alias}.key`);
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    const login = await sf.run(
      ['org', 'login', 'jwt', '-o', username, '-f', keyFile, '-i', consumerKey, '-r', emu.url, '-a', alias, '--json'],
      {},
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    return { emu, username, keyFile, consumerKey };
  }

  const createScratch = (hub: string, extra: string[] = [], env: Record<string, string> = {}): Promise<SfRun> =>
    sf.run(['org', 'create', 'scratch', '-v', hub, '--edition', 'developer', '--wait', '2', '--json', ...extra], {
      env,
      timeoutMs: 200_000,
    });

  const doctor = async (hub: string, extra: string[] = []): Promise<{ code: number; report: Report }> => {
    const ran = await sf.run(['jwt-setup', 'doctor', '--target-org', hub, '--dev-hub', '--json', ...extra], {
      timeoutMs: 200_000,
    });
    expect(ran.json, ran.stdout + ran.stderr).to.not.equal(undefined);
    return { code: ran.code, report: ran.json?.result as unknown as Report };
  };
  const check = (report: Report, id: string): Check => {
    const found = report.checks.find((c) => c.id === id);
    expect(found, `${id} in ${JSON.stringify(report.checks.map((c) => c.id))}`).to.not.equal(undefined);
    return found!;
  };

  before(async () => {
    sf = await SfSandbox.create();
  });

  after(async () => {
    await Promise.all(hubs.map((h) => h.stop()));
    await sf?.dispose();
  });

  describe('a Connected App hub with a valid certificate', () => {
    let hub: Awaited<ReturnType<typeof hubWith>>;
    before(async () => {
      hub = await hubWith('hubca', { name: 'Hub_CA', kind: 'connected' }, await makeCredentials('hub ca'));
    });

    it('sf org create scratch succeeds and the scratch org is listed', async () => {
      const created = await createScratch('hubca', ['--alias', 'scr-ok']);
      expect(created.code, created.stdout + created.stderr).to.equal(0);
      const username = String(created.json?.result?.username);
      expect(hub.emu.devHub!.scratchOrg(username), 'served by its own emulator').to.not.equal(undefined);
      const list = await sf.run(['org', 'list', '--json']);
      const scratchOrgs = (list.json?.result?.scratchOrgs ?? []) as Array<Record<string, unknown>>;
      const listed = scratchOrgs.find((o) => o.username === username);
      expect(listed, list.stdout).to.not.equal(undefined);
      expect(listed!.devHubUsername).to.equal(hub.username);
      expect(listed!.privateKey, 'the scratch auth stores the hub key path').to.equal(hub.keyFile);
    });

    it('doctor --dev-hub --admin-org passes every hub.* check', async () => {
      const { code, report } = await doctor('hubca', ['--admin-org', 'hubca']);
      const hubChecks = report.checks.filter((c) => c.id.startsWith('hub.'));
      expect(hubChecks.map((c) => c.id)).to.deep.equal([
        'hub.is-dev-hub',
        'hub.key-path',
        'hub.app-kind',
        'hub.certificate',
        'hub.signup-errors',
        'hub.env',
      ]);
      for (const c of hubChecks) expect(c.status, `${c.id}: ${c.detail}`).to.equal('pass');
      expect(check(report, 'hub.app-kind').detail).to.contain('Connected App Hub_CA');
      expect(code, JSON.stringify(report.checks.filter((c) => c.status === 'fail'))).to.equal(0);
    });

    it('doctor without --dev-hub runs no hub.* check', async () => {
      const ran = await sf.run(['jwt-setup', 'doctor', '--target-org', 'hubca', '--json'], { timeoutMs: 120_000 });
      const report = ran.json?.result as unknown as Report;
      expect(report.checks.some((c) => c.id.startsWith('hub.'))).to.equal(false);
    });

    it('the hub key moved away: hub.key-path fails, naming the path scratch auths will use', async () => {
      const moved = `${hub.keyFile}.moved`;
      await rename(hub.keyFile, moved);
      try {
        const { code, report } = await doctor('hubca');
        const keyPath = check(report, 'hub.key-path');
        expect(keyPath.status).to.equal('fail');
        expect(keyPath.detail).to.contain(hub.keyFile);
        expect(keyPath.fix).to.contain(hub.keyFile);
        expect(code).to.equal(1);
        expect(check(report, 'hub.app-kind').status, 'needs --admin-org').to.equal('skip');
      } finally {
        await rename(moved, hub.keyFile);
      }
    });

    it('SF_SCRATCH_SIGNUP_CONNECTED_APP set for the job: hub.env warns (and a warning alone exits 0)', async () => {
      const ran = await sf.run(['jwt-setup', 'doctor', '--target-org', 'hubca', '--dev-hub', '--json'], {
        env: STOP_GAP,
        timeoutMs: 120_000,
      });
      const env = check(ran.json?.result as unknown as Report, 'hub.env');
      expect(env.status).to.equal('warn');
      expect(env.detail).to.contain('SF_SCRATCH_SIGNUP_CONNECTED_APP');
      expect(env.detail).to.contain('sandbox');
      expect(ran.code).to.equal(0);
    });
  });

  it('an org that is not a Dev Hub: hub.is-dev-hub fails (the ScratchOrgInfo probe is refused), exit 1', async () => {
    const creds = await makeCredentials('plain org');
    const emu = await startEmulator({
      apps: [
        { consumerKey: 'PlainKey0123456789', certificatePem: creds.certificatePem, profiles: ['System Administrator'] },
      ],
      users: [{ username: 'plain@acme.example' }],
    });
    hubs.push(emu);
    const keyFile = join(sf.home, 'plain.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    const login = await sf.run(
      [
        'org',
        'login',
        'jwt',
        '-o',
        'plain@acme.example',
        '-f',
        keyFile,
        '-i',
        'PlainKey0123456789',
        '-r',
        emu.url,
        '-a',
        'plain',
      ],
      {},
    );
    expect(login.code, login.stderr).to.equal(0);
    const { code, report } = await doctor('plain');
    const probe = check(report, 'hub.is-dev-hub');
    expect(probe.status).to.equal('fail');
    expect(probe.detail).to.contain('INVALID_TYPE');
    expect(probe.fix).to.contain('Dev Hub');
    expect(check(report, 'hub.signup-errors').status).to.equal('skip');
    expect(code).to.equal(1);
  });

  describe('an External Client App hub', () => {
    let hub: Awaited<ReturnType<typeof hubWith>>;
    before(async () => {
      hub = await hubWith('hubeca', { name: 'Hub_ECA', kind: 'external' }, await makeCredentials('hub eca'));
    });

    it('sf org create scratch fails with C-1016', async () => {
      const created = await createScratch('hubeca');
      expect(created.code).to.not.equal(0);
      expect(created.json?.name, created.stdout).to.equal('RemoteOrgSignupFailed');
      expect(created.stdout).to.contain('C-1016');
    });

    it('doctor --dev-hub finds it: hub.app-kind fails naming the stop-gap, hub.signup-errors lists C-1016', async () => {
      const { code, report } = await doctor('hubeca', ['--admin-org', 'hubeca']);
      const kind = check(report, 'hub.app-kind');
      expect(kind.status).to.equal('fail');
      expect(kind.detail).to.contain('External Client App Hub_ECA');
      expect(kind.fix).to.contain('SF_SCRATCH_SIGNUP_CONNECTED_APP=PlatformCLI');
      expect(kind.fix).to.contain('SF_SCRATCH_SIGNUP_CALLBACK_URL=http://localhost:1717/OauthRedirect');
      const history = check(report, 'hub.signup-errors');
      expect(history.status).to.equal('warn');
      expect(history.detail).to.match(/C-1016 \(/);
      expect(history.detail).to.contain('External Client App');
      expect(code).to.equal(1);
    });

    it('login --dev-hub for the failed signup: ScratchOrgSignupFailed naming C-1016 and its cause', async () => {
      const failed = hub.emu.devHub!.rows().find((r) => r.Status === 'Error');
      const ran = await sf.run([
        'jwt-setup',
        'login',
        '--dev-hub',
        'hubeca',
        '-o',
        String(failed?.SignupUsername),
        '--json',
      ]);
      expect(ran.code).to.equal(1);
      expect((ran.json as unknown as { code?: string }).code).to.equal('ScratchOrgSignupFailed');
      expect(ran.json?.message).to.contain('C-1016');
      expect(ran.json?.message).to.contain('External Client App');
    });

    it('with the stop-gap on the create step, signup succeeds and the scratch login is an auth-code exchange', async () => {
      const created = await createScratch('hubeca', [], STOP_GAP);
      expect(created.code, created.stdout + created.stderr).to.equal(0);
      const result = created.json?.result as { scratchOrgInfo?: Record<string, unknown> };
      expect(result.scratchOrgInfo?.ConnectedAppConsumerKey).to.equal('PlatformCLI');
    });
  });

  describe('a Connected App hub whose app replicates slowly into new scratch orgs', () => {
    const scratchUser = 'ci-replication@acme.scratch';
    let hub: Awaited<ReturnType<typeof hubWith>>;
    before(async () => {
      hub = await hubWith('hubrep', { name: 'Hub_Rep', kind: 'connected' }, await makeCredentials('hub rep'), {
        replicationDelayMs: 30_000,
      });
    });

    it('sf org create scratch fails at its one JWT login to the new org, and registers nothing', async () => {
      const created = await createScratch('hubrep', ['--username', scratchUser, '--alias', 'scr-rep']);
      // plugin-org 6.0.x / sfdx-core 9.x: the login in authorizeScratchOrg is not wrapped by setExitCodeIfError(68),
      // so sf 2.150 exits 1 here (68 is for failures after the login, such as the settings deploy).
      expect(created.code, created.stdout).to.equal(1);
      expect(created.json?.name).to.equal('JwtAuthError');
      expect(created.json?.message).to.contain("user hasn't approved this consumer");
      expect(hub.emu.devHub!.rows().find((r) => r.SignupUsername === scratchUser)?.Status).to.equal('Active');
      const list = await sf.run(['org', 'list', '--json']);
      const scratchOrgs = (list.json?.result?.scratchOrgs ?? []) as Array<Record<string, unknown>>;
      expect(scratchOrgs.some((o) => o.username === scratchUser)).to.equal(false);
    });

    it('login --dev-hub with --wait 0 while the app replicates: UserNotApproved, the replication cause first', async () => {
      const ran = await sf.run([
        'jwt-setup',
        'login',
        '--dev-hub',
        'hubrep',
        '-o',
        scratchUser,
        '--wait',
        '0',
        '--json',
      ]);
      expect(ran.code, ran.stdout).to.equal(1);
      expect(ran.json?.name).to.equal('UserNotApprovedError');
      const actions = (ran.json as unknown as { actions?: string[] }).actions ?? [];
      expect(actions[0]).to.contain("the scratch org's copy of the hub's app");
      expect(actions[0]).to.contain(scratchUser);
    });

    it('login --dev-hub finishes it (SF_JWT_* ignored), and sf lists, displays and deletes it as a scratch org', async () => {
      const ran = await sf.run(
        ['jwt-setup', 'login', '--dev-hub', 'hubrep', '-o', scratchUser, '-a', 'scr-rep', '--json'],
        {
          env: {
            SF_JWT_CLIENT_ID: 'NotTheHubKey',
            SF_JWT_INSTANCE_URL: 'https://wrong.my.salesforce.com',
            SF_JWT_KEY: 'not a key',
            SF_JWT_USERNAME: 'someone@else.example',
          },
          timeoutMs: 400_000,
        },
      );
      expect(ran.code, ran.stdout + ran.stderr).to.equal(0);
      const result = ran.json?.result as Record<string, unknown>;
      expect(result.username).to.equal(scratchUser);
      expect(result.devHubUsername).to.equal(hub.username);
      expect(result.privateKeyFile).to.equal(hub.keyFile);
      expect(result.clientId).to.equal(hub.consumerKey);
      const scratch = hub.emu.devHub!.scratchOrg(scratchUser)!;
      expect(result.orgId).to.equal((scratch.state().org as { orgId: string }).orgId);

      const list = await sf.run(['org', 'list', '--json']);
      const scratchOrgs = (list.json?.result?.scratchOrgs ?? []) as Array<Record<string, unknown>>;
      const listed = scratchOrgs.find((o) => o.username === scratchUser);
      expect(listed, list.stdout).to.not.equal(undefined);
      expect(listed!.devHubUsername, 'the hub username, not its alias').to.equal(hub.username);
      expect(listed!.isScratch).to.equal(true);
      expect(listed!.privateKey).to.equal(hub.keyFile);
      expect(listed!.expirationDate).to.match(/^\d{4}-\d\d-\d\d$/);
      expect(listed!.alias).to.equal('scr-rep');

      const display = await sf.run(['org', 'display', '-o', 'scr-rep', '--json']);
      expect(display.code, display.stdout).to.equal(0);
      expect(display.json?.result?.username, display.stdout).to.equal(scratchUser);
      expect(display.json?.result?.devHubId, display.stdout).to.equal(hub.username);
      expect(display.json?.result?.status, display.stdout).to.equal('Active');

      const opened = await sf.run(['org', 'open', '-o', 'scr-rep', '--url-only', '--json']);
      expect(opened.code, opened.stdout + opened.stderr).to.equal(0);

      const deleted = await sf.run(['org', 'delete', 'scratch', '-o', 'scr-rep', '--no-prompt', '--json']);
      expect(deleted.code, deleted.stdout + deleted.stderr).to.equal(0);
      expect(hub.emu.devHub!.rows().find((r) => r.SignupUsername === scratchUser)?.Status).to.equal('Deleted');
    });

    it('login --dev-hub refuses --client-id, --jwt-key-file and --instance-url', async () => {
      for (const flag of [
        ['-i', 'OtherKey'],
        ['-f', hub.keyFile],
        ['-r', 'https://login.salesforce.com'],
      ]) {
        // eslint-disable-next-line no-await-in-loop
        const ran = await sf.run(['jwt-setup', 'login', '--dev-hub', 'hubrep', '-o', scratchUser, ...flag]);
        expect(ran.code, ran.stderr).to.equal(2);
        expect(ran.stderr).to.contain('--dev-hub');
      }
    });

    it('login --dev-hub for a username with no signup on this hub: ScratchOrgNotFound', async () => {
      const ran = await sf.run(['jwt-setup', 'login', '--dev-hub', 'hubrep', '-o', 'nobody@acme.scratch', '--json']);
      expect(ran.code).to.equal(1);
      expect((ran.json as unknown as { code?: string }).code).to.equal('ScratchOrgNotFound');
      expect(ran.json?.message).to.contain(hub.username);
    });
  });

  describe('a Connected App hub whose certificate has expired', () => {
    let hub: Awaited<ReturnType<typeof hubWith>>;
    before(async () => {
      const expired = await makeCredentials('hub expired', {
        notBefore: new Date(Date.now() - 400 * 86_400_000),
        notAfter: new Date(Date.now() - 2 * 86_400_000),
      });
      hub = await hubWith('hubexp', { name: 'Hub_Expired', kind: 'connected' }, expired);
    });

    it('the hub login works, but sf org create scratch fails with C-1016', async () => {
      const created = await createScratch('hubexp');
      expect(created.code).to.not.equal(0);
      expect(created.json?.name, created.stdout).to.equal('RemoteOrgSignupFailed');
      expect(created.stdout).to.contain('C-1016');
    });

    it('doctor --dev-hub finds it: hub.certificate fails with a rotate command of real values, which fixes it', async () => {
      const { code, report } = await doctor('hubexp', ['--admin-org', 'hubexp']);
      expect(check(report, 'hub.app-kind').status).to.equal('pass');
      const cert = check(report, 'hub.certificate');
      expect(cert.status).to.equal('fail');
      expect(cert.detail).to.contain('expired');
      expect(cert.detail).to.contain('C-1016');
      expect(cert.fix).to.contain(
        `sf jwt-setup rotate --target-org hubexp --app Hub_Expired --username ${hub.username} --jwt-key-file ${hub.keyFile} --client-id ${hub.consumerKey} --instance-url ${hub.emu.url}`,
      );
      expect(check(report, 'hub.signup-errors').detail).to.contain('C-1016');
      expect(code).to.equal(1);

      // the fix, pasted as given: the app gets a new certificate, the hub login moves to the new key
      const command = /`sf ([^`]+)`/.exec(cert.fix ?? '')?.[1];
      const rotated = await sf.run([...command!.split(' '), '--json'], { timeoutMs: 300_000 });
      expect(rotated.code, rotated.stdout + rotated.stderr).to.equal(0);
      const after = await doctor('hubexp', ['--admin-org', 'hubexp']);
      expect(check(after.report, 'hub.certificate').status).to.equal('pass');
      expect(check(after.report, 'hub.signup-errors').status, 'the failure stays in the history').to.equal('warn');
      const created = await createScratch('hubexp');
      expect(created.code, created.stdout + created.stderr).to.equal(0);
    });
  });
});
