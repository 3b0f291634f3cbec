/*
 * `sf jwt-setup bootstrap` through the real sf CLI against the emulator's org side: from nothing to a working login
 * (then sf data query as the CI user), a re-run that changes nothing, each pre-flight refusal with no deploy seen, a
 * refused component and the Spring '26 Connected App block printed, propagation ridden out, and --dry-run.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import { SfSandbox, type SfRun } from '../helpers/index.js';

const ADMIN = 'admin@acme.example';
const CI = 'ci@acme.example';
type Json = Record<string, unknown>;

describe('sf jwt-setup bootstrap through the real sf CLI', function () {
  this.timeout(300_000);
  let emu: SalesforceEmulator;
  let sf: SfSandbox;
  let project: string;

  const bootstrap = (args: string[], env?: Record<string, string>): Promise<SfRun> =>
    sf.run(['jwt-setup', 'bootstrap', '--target-org', 'admin', '--json', ...args], {
      cwd: project,
      env,
      timeoutMs: 240_000,
    });

  before(async () => {
    emu = await startEmulator({
      users: [
        { username: ADMIN },
        { username: CI, profile: 'Minimum Access - API Only Integrations', permissionSets: [] },
        { username: 'late@acme.example', permissionSets: [] },
        { username: 'gone@acme.example', active: false },
        { username: 'ice@acme.example', frozen: true },
      ],
    });
    sf = await SfSandbox.create();
    const login = await sf.run(
      ['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'admin', '--json'],
      { env: { SF_ACCESS_TOKEN: emu.issueAccessToken(ADMIN).access_token } },
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    project = join(sf.home, 'project');
    await mkdir(project, { recursive: true });
    await writeFile(
      join(project, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: '64.0' }),
    );
  });

  after(async () => {
    await emu?.stop();
    await sf?.dispose();
  });

  it('from nothing: key, app, deploy, assignment and a verified login; then sf data query works as the CI user', async () => {
    const run = await bootstrap(['--username', CI, '--app', 'CI_Deploy', '--alias', 'ci']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = run.json?.result as Json;
    expect(result).to.include({
      app: 'CI_Deploy',
      type: 'external',
      username: CI,
      permissionSet: 'CI_Deploy_Users',
      assignment: 'created',
      dryRun: false,
    });
    expect(result.consumerKey).to.match(/^[A-Za-z0-9]{64}$/);
    expect(result.deployId).to.be.a('string');
    expect(result.secrets).to.deep.include({
      SF_JWT_CLIENT_ID: result.consumerKey,
      SF_JWT_USERNAME: CI,
      SF_JWT_INSTANCE_URL: emu.url,
    });
    expect(JSON.stringify(result)).not.to.match(/PRIVATE KEY|00D\w{12,15}!/);
    // The key pair in the project folder, the app's five files and the permission set in the package folder.
    expect((await stat(join(project, 'server.key'))).mode & 0o777).to.equal(0o600);
    expect(existsSync(join(project, 'server.crt'))).to.equal(true);
    const files = (result.files as string[]).map((f) => f.slice(project.length + 1)).sort();
    expect(files).to.include('force-app/main/default/externalClientApps/CI_Deploy.eca-meta.xml');
    expect(files).to.include('force-app/main/default/permissionsets/CI_Deploy_Users.permissionset-meta.xml');
    // Two deploys: the new permission set first, then the app.
    expect(emu.deploys().map((d) => [d.status, d.components.map((c) => c.type).sort()])).to.deep.equal([
      ['Succeeded', ['PermissionSet']],
      [
        'Succeeded',
        [
          'ExternalClientApplication',
          'ExtlClntAppConfigurablePolicies',
          'ExtlClntAppGlobalOauthSettings',
          'ExtlClntAppOauthConfigurablePolicies',
          'ExtlClntAppOauthSettings',
        ],
      ],
    ]);

    const query = await sf.run(['data', 'query', '-q', 'SELECT Id, Name FROM Account', '--target-org', 'ci', '--json']);
    expect(query.code, query.stdout + query.stderr).to.equal(0);
    const auth = JSON.parse(await readFile(join(sf.home, '.sfdx', `${CI}.json`), 'utf8')) as Json;
    expect(auth.privateKey).to.equal(join(project, 'server.key'));
    expect(auth.clientId).to.equal(result.consumerKey);
  });

  it('a re-run changes nothing and succeeds: same consumer key, no deploy, the assignment exists', async () => {
    const before = emu.deploys().length;
    const first = JSON.parse(await readFile(join(sf.home, '.sfdx', `${CI}.json`), 'utf8')) as Json;
    const run = await bootstrap(['--username', CI, '--app', 'CI_Deploy', '--alias', 'ci']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = run.json?.result as Json;
    expect(result).to.include({ assignment: 'existing', deployId: null, consumerKey: first.clientId });
    expect(emu.deploys().length, 'no second deploy').to.equal(before);
    expect((emu.state().assignments as Json[]).filter((a) => a.username === CI)).to.have.length(1);
  });

  it('--dry-run checks and prints the plan; nothing is written or deployed', async () => {
    const before = emu.deploys().length;
    const empty = join(sf.home, 'dry');
    await mkdir(empty);
    const run = await sf.run(
      [
        'jwt-setup',
        'bootstrap',
        '--target-org',
        'admin',
        '--username',
        'late@acme.example',
        '--app',
        'Dry_App',
        '--dry-run',
        '--json',
      ],
      { cwd: empty },
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ dryRun: true, deployId: null, assignment: null });
    expect((run.json?.result?.plan as string[]).join('\n')).to.match(/Deploy the app Dry_App/);
    expect(await readdir(empty)).to.deep.equal([]);
    expect(emu.deploys().length).to.equal(before);
  });

  describe('pre-flight refusals: a coded error, and the emulator saw no deploy', () => {
    const cases: Array<[string, string[], string]> = [
      ['no such user', ['--username', 'nobody@acme.example', '--app', 'CI_X'], 'UserNotFound'],
      ['an inactive user', ['--username', 'gone@acme.example', '--app', 'CI_X'], 'UserInactive'],
      ['a frozen user', ['--username', 'ice@acme.example', '--app', 'CI_X'], 'UserFrozen'],
      ['a bad app name', ['--username', CI, '--app', '9 bad name'], 'InvalidAppName'],
      [
        'the key folder inside the package folder',
        ['--username', CI, '--app', 'CI_X', '--output-dir', 'force-app/main/default/keys'],
        'KeyInPackageFolder',
      ],
    ];
    for (const [what, args, code] of cases) {
      it(what, async () => {
        const before = emu.deploys().length;
        const run = await bootstrap(args);
        expect(run.code, run.stdout + run.stderr).to.equal(1);
        expect(run.json).to.include({ code, status: 1 });
        expect(run.json).not.to.have.any.keys('stack');
        expect(emu.deploys().length).to.equal(before);
      });
    }

    it('an admin org that is not reachable', async () => {
      const before = emu.deploys().length;
      const run = await sf.run(
        ['jwt-setup', 'bootstrap', '--target-org', 'nosuch', '--username', CI, '--app', 'CI_X', '--json'],
        { cwd: project },
      );
      expect(run.code).to.equal(1);
      expect(run.json).to.include({ code: 'AdminOrgUnreachable' });
      expect(emu.deploys().length).to.equal(before);
    });
  });

  it('a component Salesforce refuses: each failure printed (type, name, problem), a coded error, nothing applied', async () => {
    const run = await sf.run(
      [
        'jwt-setup',
        'bootstrap',
        '--target-org',
        'admin',
        '--username',
        'late@acme.example',
        '--app',
        'Bad_App',
        '--profile',
        'No Such Profile',
      ],
      { cwd: project, timeoutMs: 240_000 },
    );
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.stderr).to.include('DeployFailed');
    expect(run.stderr).to.match(/ExtlClntAppOauthConfigurablePolicies Bad_App_oauthPlcy: .*No Such Profile/);
    expect((emu.state().apps as Json[]).some((a) => a.name === 'Bad_App')).to.equal(false);
  });

  it("a Connected App refused by the Spring '26 switch gets its own code and the fix", async () => {
    const run = await bootstrap(['--username', 'late@acme.example', '--app', 'Old_Style', '--type', 'connected']);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ code: 'ConnectedAppCreationBlocked' });
    expect(((run.json as { actions?: string[] }).actions ?? []).join(' ')).to.match(/External Client App/);
  });

  it('rides out 20 seconds of propagation with --wait 1', async () => {
    emu.setSwitches({ propagationDelayMs: 20_000 });
    try {
      const run = await bootstrap(['--username', 'late@acme.example', '--app', 'Late_App']);
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect(run.json?.result).to.include({ username: 'late@acme.example', assignment: 'created' });
    } finally {
      emu.setSwitches({ propagationDelayMs: 0 });
    }
  });

  it('deploys over REST where SF_ORG_METADATA_REST_DEPLOY=true says so, as sf project deploy start does', async () => {
    emu.addUser({ username: 'rest@acme.example', permissionSets: [] });
    const before = emu.deploys().length;
    const run = await bootstrap(['--username', 'rest@acme.example', '--app', 'Rest_App'], {
      SF_ORG_METADATA_REST_DEPLOY: 'true',
    });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const deploys = emu.deploys().slice(before);
    expect(deploys.map((d) => [d.via, d.status])).to.deep.equal([
      ['REST', 'Succeeded'],
      ['REST', 'Succeeded'],
    ]);
  });

  it('deploys whose replies are lost after they were applied are read back from the org, and the run finishes (issue 19 #1)', async () => {
    emu.addUser({ username: 'lost@acme.example', permissionSets: [] });
    const before = emu.deploys().length;
    // Both deploy requests (the permission set's, then the app's) are carried out, but their replies never arrive.
    emu.setFaults([{ kind: 'drop-reply', match: 'ZipFile', times: 2 }]);
    let run: SfRun;
    try {
      run = await bootstrap(['--username', 'lost@acme.example', '--app', 'Lost_App']);
    } finally {
      emu.setFaults([]);
    }
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ username: 'lost@acme.example', assignment: 'created', app: 'Lost_App' });
    expect(
      emu
        .deploys()
        .slice(before)
        .map((d) => d.status),
    ).to.deep.equal(['Succeeded', 'Succeeded']);
    const query = await sf.run([
      'data',
      'query',
      '-q',
      'SELECT Id FROM Account',
      '--target-org',
      'lost@acme.example',
      '--json',
    ]);
    expect(query.code, query.stdout + query.stderr).to.equal(0);
  });

  it("a --consumer-key that differs from the org app's: ConsumerKeyConflict naming both, nothing deployed", async () => {
    const creds = await makeCredentials('conflict');
    emu.addApp({
      name: 'Conflict_App',
      consumerKey: '3MVG9TheAppsOwnKey0001',
      certificatePem: creds.certificatePem,
      permissionSets: ['Conflict_App_Users'],
    });
    const before = emu.deploys().length;
    const run = await bootstrap([
      '--username',
      CI,
      '--app',
      'Conflict_App',
      '--consumer-key',
      '3MVG9NotTheAppsKey0001',
    ]);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ code: 'ConsumerKeyConflict', status: 1 });
    expect(run.json?.message).to.include('3MVG9NotTheAppsKey0001').and.include('3MVG9TheAppsOwnKey0001');
    expect(emu.deploys().length).to.equal(before);
  });
});
