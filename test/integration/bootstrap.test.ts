/*
 * `sf jwt-setup bootstrap` through the real sf CLI against the emulator's org side: from nothing to a working login
 * (then sf data query as the CI user), a re-run that changes nothing, each pre-flight refusal with no deploy seen, a
 * refused component and the Spring '26 Connected App block printed, propagation ridden out, and --dry-run.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
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
      JSON.stringify({
        packageDirectories: [{ path: 'force-app', default: true }, { path: 'other-pkg' }],
        sourceApiVersion: '64.0',
      }),
    );
    await mkdir(join(project, 'other-pkg'), { recursive: true });
    await mkdir(join(project, 'force-app', 'main', 'default'), { recursive: true });
    await symlink(join(project, 'force-app', 'main'), join(project, 'linked-keys'));
  });

  /** The files of app `name` under the package folder (any type but permission sets, by name). */
  const appFilesOf = async (name: string): Promise<string[]> => {
    const root = join(project, 'force-app', 'main', 'default');
    const folders = await readdir(root).catch(() => [] as string[]);
    const files = await Promise.all(
      folders.map(async (f) => (await readdir(join(root, f)).catch(() => [] as string[])).map((n) => `${f}/${n}`)),
    );
    return files
      .flat()
      .filter((f) => !f.startsWith('permissionsets/'))
      .filter((f) => f.split('/')[1].startsWith(`${name}.`) || f.split('/')[1].startsWith(`${name}_`));
  };

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

  it('rotate updates the committed app source; a bootstrap re-run then refuses to put the older certificate back', async () => {
    const source = join(
      project,
      'force-app/main/default/extlClntAppGlobalOauthSets/CI_Deploy_glbloauth.ecaGlblOauth-meta.xml',
    );
    const sourceBefore = await readFile(source, 'utf8');
    const rotated = await sf.run(
      ['jwt-setup', 'rotate', '--target-org', 'admin', '--app', 'CI_Deploy', '--username', CI, '-f', 'server.key'],
      { cwd: project, timeoutMs: 240_000 },
    );
    expect(rotated.code, rotated.stdout + rotated.stderr).to.equal(0);
    // Issue 19 #2: the local source carries the new certificate, every other byte as it was; the report names it.
    const sourceAfter = await readFile(source, 'utf8');
    const certificateOf = (xml: string): string => /<certificate>([^<]*)<\/certificate>/.exec(xml)?.[1] ?? '';
    const newKey = (await readdir(project)).find((f) => /^server-\d{8}\.key$/.test(f)) as string;
    const newCertificate = await readFile(join(project, newKey.replace(/\.key$/, '.crt')), 'utf8');
    expect(certificateOf(sourceAfter)).to.equal(newCertificate.trim());
    expect(sourceAfter.replace(certificateOf(sourceAfter), '')).to.equal(
      sourceBefore.replace(certificateOf(sourceBefore), ''),
    );
    expect(rotated.stdout).to.include("Commit the app's updated metadata");
    expect(rotated.stdout).to.include(source);
    const otherFiles = await readdir(join(project, 'force-app/main/default/externalClientApps'));
    expect(otherFiles).to.deep.equal(['CI_Deploy.eca-meta.xml']);

    // Issue 19 #3: bootstrap reuses server.key by default; the org's newer certificate is another key's: refused.
    const before = emu.deploys().length;
    const again = await bootstrap(['--username', CI, '--app', 'CI_Deploy', '--alias', 'ci']);
    expect(again.code, again.stdout + again.stderr).to.equal(1);
    expect(again.json).to.include({ code: 'CertificateNewerInOrg', status: 1 });
    const orgFingerprint = new X509Certificate(newCertificate).fingerprint256;
    const oldFingerprint = new X509Certificate(await readFile(join(project, 'server.crt'))).fingerprint256;
    expect(again.json?.message).to.include(orgFingerprint).and.include(oldFingerprint);
    expect((again.json as { actions?: string[] }).actions?.join('\n')).to.include(join(project, newKey));
    expect((again.json as { data?: Json }).data).to.include({ matchingKeyFile: join(project, newKey) });
    expect(emu.deploys().length, 'no deploy').to.equal(before);
    expect(await readFile(source, 'utf8'), 'the local source keeps the new certificate').to.equal(sourceAfter);

    // With the key that matches, the re-run converges: nothing to deploy.
    const matching = await bootstrap(['--username', CI, '--app', 'CI_Deploy', '--alias', 'ci', '-f', newKey]);
    expect(matching.code, matching.stdout + matching.stderr).to.equal(0);
    expect(matching.json?.result).to.include({ deployId: null });
    expect(emu.deploys().length, 'no deploy').to.equal(before);
  });

  it('--passphrase-env reads an encrypted --jwt-key-file, as login does', async () => {
    const pem = createPrivateKey(await readFile(join(project, 'server.key'))).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase: 'correct horse',
    }) as string;
    const keys = join(sf.home, 'enc-keys');
    await mkdir(keys);
    await writeFile(join(keys, 'enc.key'), pem, { mode: 0o600 });
    const args = ['--username', CI, '--app', 'CI_Deploy', '-f', join(keys, 'enc.key'), '--dry-run'];
    const refused = await bootstrap(args);
    expect(refused.code, refused.stdout + refused.stderr).to.equal(1);
    expect(refused.json).to.include({ code: 'KeyEncryptedNoPassphrase' });
    expect((refused.json as { actions?: string[] }).actions?.join(' ')).to.include('--passphrase-env');
    const run = await bootstrap([...args, '--passphrase-env', 'KEY_PASS'], { KEY_PASS: 'correct horse' });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ dryRun: true });
    expect(await readdir(keys)).to.deep.equal(['enc.key']);
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
      // Issue 19 #5: every packageDirectories entry, by real path, for --jwt-key-file too, under --dry-run as well.
      [
        'the key folder being the package folder itself (--dry-run)',
        ['--username', CI, '--app', 'CI_X', '--output-dir', 'force-app', '--dry-run'],
        'KeyInPackageFolder',
      ],
      [
        'the key folder inside another packageDirectories entry (--dry-run)',
        ['--username', CI, '--app', 'CI_X', '--output-dir', 'other-pkg/keys', '--dry-run'],
        'KeyInPackageFolder',
      ],
      [
        'the key folder behind a symbolic link into the package folder (--dry-run)',
        ['--username', CI, '--app', 'CI_X', '--output-dir', 'linked-keys/keys', '--dry-run'],
        'KeyInPackageFolder',
      ],
      [
        'a --jwt-key-file inside the package folder (--dry-run)',
        ['--username', CI, '--app', 'CI_X', '--jwt-key-file', 'force-app/main/default/server.key', '--dry-run'],
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
        if (code === 'KeyInPackageFolder') {
          expect(run.json?.message).to.match(/inside the package folder \S*\/(force-app|other-pkg)\b/);
          expect(existsSync(join(project, 'force-app', 'main', 'default', 'keys'))).to.equal(false);
          expect(await readdir(join(project, 'other-pkg'))).to.deep.equal([]);
        }
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

  it('a component Salesforce refuses: each failure printed (type, name, problem), a coded error, nothing applied, no file left', async () => {
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
    // Issue 19 #6: the refused app's files are taken out of the package folder again, and the message says so.
    expect(run.stderr).to.match(/Nothing was applied to the org\./);
    expect(run.stderr).to.match(/5 removed/);
    expect(await appFilesOf('Bad_App')).to.deep.equal([]);
  });

  it("a Connected App refused by the Spring '26 switch gets its own code and the fix", async () => {
    const run = await bootstrap(['--username', 'late@acme.example', '--app', 'Old_Style', '--type', 'connected']);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ code: 'ConnectedAppCreationBlocked' });
    expect(((run.json as { actions?: string[] }).actions ?? []).join(' ')).to.match(/External Client App/);
    // Issue 19 #6: the permission set was deployed (its file stays, to commit), the app was not (its file is gone).
    const message = run.json?.message as string;
    expect(message).not.to.match(/Nothing was applied/);
    expect(message).to.match(/Applied to the org before it: the permission set Old_Style_Users \(deploy \w+\)\./);
    expect(message).to.match(/Not applied: the app Old_Style\./);
    expect((run.json as { data?: Json }).data).to.deep.include({
      notApplied: [{ what: 'app', name: 'Old_Style' }],
    });
    expect(await appFilesOf('Old_Style')).to.deep.equal([]);
    expect(existsSync(join(project, 'force-app/main/default/connectedApps'))).to.equal(false);
    expect(
      existsSync(join(project, 'force-app/main/default/permissionsets/Old_Style_Users.permissionset-meta.xml')),
    ).to.equal(true);
    // The corrected re-run, as an External Client App, succeeds, and no refused component is left to deploy.
    const fixed = await bootstrap(['--username', 'late@acme.example', '--app', 'Old_Style']);
    expect(fixed.code, fixed.stdout + fixed.stderr).to.equal(0);
    expect(await appFilesOf('Old_Style')).to.have.length(5);
    expect((await appFilesOf('Old_Style')).some((f) => f.includes('connectedApp'))).to.equal(false);
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
