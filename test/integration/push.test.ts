/*
 * --push through the real sf CLI, against the Salesforce emulator and the GitHub and GitLab secret-store emulators:
 *   bootstrap --push github:…, then a fresh HOME that logs in with only the pushed values and runs sf data query;
 *   the same for GitLab, whose SF_JWT_KEY is the base64 of the PEM (a re-run: it converges and pushes);
 *   a push failing midway (SecretPushFailed, the app stays) and the re-run that converges;
 *   a missing token, an unknown repository and a forbidden token, each refused before any change;
 *   --dry-run naming what would be written where and writing nothing;
 *   rotate --push: SF_JWT_KEY swapped only after the new key is verified, nothing else changed;
 *   rotate --push failing midway: the certificate rolled back, the written secret put back, the store untouched,
 *   and the pipeline's old values still logging in;
 *   no key, token or sealed value in any output or log.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { GitHubSecretsEmulator, GitLabVariablesEmulator } from '../emulator/secrets/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import { expectSameTree, keyLeakNeedles, snapshotTree, SfSandbox, withoutLogs, type SfRun } from '../helpers/index.js';

const ADMIN = 'admin@acme.example';
const CI = 'ci@acme.example';
const ROT = 'rot@acme.example';
const ROT_KEY = '3MVG9PushRotateConsumerKey01';
const GH_WRITE = 'ghp_TestWriteToken0123456789abcdefABCDEF';
const GH_NONE = 'ghp_TestNoSecretsToken0123456789abcdefAB';
const GL_MAINT = 'glpat-TestMaintainerToken0123456789';
type Json = Record<string, unknown>;

describe('--push through the real sf CLI', function () {
  this.timeout(600_000);
  let emu: SalesforceEmulator;
  let gh: GitHubSecretsEmulator;
  let gl: GitLabVariablesEmulator;
  let sf: SfSandbox;
  let project: string;
  let rot: TestCredentials;
  const outputs: string[] = [];
  const sandboxes: SfSandbox[] = [];

  const pushEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    GH_TOKEN: GH_WRITE,
    GITHUB_API_URL: gh.url,
    GITLAB_TOKEN: GL_MAINT,
    CI_API_V4_URL: gl.apiUrl,
    ...extra,
  });
  const record = (run: SfRun): SfRun => {
    outputs.push(run.stdout, run.stderr);
    return run;
  };
  const bootstrap = async (args: string[], env: Record<string, string>, cwd = project): Promise<SfRun> =>
    record(
      await sf.run(
        ['jwt-setup', 'bootstrap', '--target-org', 'admin', '--username', CI, '--app', 'CI_Deploy', '--json', ...args],
        {
          cwd,
          env,
          timeoutMs: 240_000,
        },
      ),
    );
  const rotate = async (args: string[], env: Record<string, string>): Promise<SfRun> =>
    record(
      await sf.run(
        ['jwt-setup', 'rotate', '--target-org', 'admin', '--app', 'Rot_App', '--username', ROT, '--json', ...args],
        {
          env,
          timeoutMs: 240_000,
        },
      ),
    );
  const secretWrites = (): number =>
    gh.requestLog.filter((e) => e.method !== 'GET').length + gl.requestLog.filter((e) => e.method !== 'GET').length;
  const loginAdmin = async (): Promise<void> => {
    const login = await sf.run(
      ['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'admin', '--json'],
      { env: { SF_ACCESS_TOKEN: emu.issueAccessToken(ADMIN).access_token } },
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
  };

  /** A fresh HOME with only `vars` set: sf jwt-setup login, then sf data query as that user. */
  const pipelineLogsIn = async (vars: Record<string, string>): Promise<void> => {
    const fresh = await SfSandbox.create();
    sandboxes.push(fresh);
    const login = record(
      await fresh.run(['jwt-setup', 'login', '--alias', 'ci', '--wait', '1', '--json'], { env: vars }),
    );
    expect(login.code, login.stdout + login.stderr).to.equal(0);
    const query = record(
      await fresh.run(['data', 'query', '-q', 'SELECT Id, Name FROM Account', '--target-org', 'ci', '--json']),
    );
    expect(query.code, query.stdout + query.stderr).to.equal(0);
    expect((query.json?.result as Json).totalSize).to.be.greaterThan(0);
  };

  before(async () => {
    rot = await makeCredentials('rotate push');
    emu = await startEmulator({
      users: [
        { username: ADMIN },
        { username: CI, profile: 'Minimum Access - API Only Integrations', permissionSets: [] },
        { username: ROT, permissionSets: ['Rot_Users'] },
      ],
      apps: [
        { name: 'Rot_App', consumerKey: ROT_KEY, certificatePem: rot.certificatePem, permissionSets: ['Rot_Users'] },
      ],
    });
    gh = new GitHubSecretsEmulator({
      repos: [
        { owner: 'acme', repo: 'app', environments: ['production'] },
        { owner: 'acme', repo: 'rot' },
      ],
      tokens: [
        { token: GH_WRITE, repos: ['acme/app', 'acme/rot'] },
        { token: GH_NONE, repos: ['acme/app'], secrets: 'none' },
      ],
    });
    gl = new GitLabVariablesEmulator({
      projects: [{ path: 'acme/app' }, { path: 'acme/rot' }],
      tokens: [{ token: GL_MAINT, projects: { 'acme/app': 'maintainer', 'acme/rot': 'maintainer' } }],
    });
    await Promise.all([gh.start(), gl.start()]);
    sf = await SfSandbox.create();
    await loginAdmin();
    project = join(sf.home, 'project');
    await mkdir(project, { recursive: true });
    await writeFile(
      join(project, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }], sourceApiVersion: '64.0' }),
    );
  });

  after(async () => {
    await emu?.stop();
    await Promise.all([gh?.stop(), gl?.stop()]);
    await sf?.dispose();
    await Promise.all(sandboxes.map((s) => s.dispose()));
  });

  describe('pre-flight refusals: a coded error, no deploy, no key written, no secret written', () => {
    const cases: Array<[string, string[], () => Record<string, string>, string, RegExp]> = [
      [
        'a missing token',
        ['--push', 'github:acme/app'],
        (): Record<string, string> => pushEnv({ GH_TOKEN: '' }),
        'PushTokenMissing',
        /GH_TOKEN or GITHUB_TOKEN/,
      ],
      [
        'an unknown repository',
        ['--push', 'github:acme/nothing'],
        (): Record<string, string> => pushEnv(),
        'PushTargetNotFound',
        /404/,
      ],
      [
        'a forbidden token',
        ['--push', 'github:acme/app'],
        (): Record<string, string> => pushEnv({ GH_TOKEN: GH_NONE }),
        'PushForbidden',
        /HTTP 403/,
      ],
      [
        'a name GitHub refuses',
        ['--push', 'github:acme/app', '--secret-suffix', '-uat'],
        (): Record<string, string> => pushEnv(),
        'InvalidSecretName',
        /SF_JWT_CLIENT_ID-uat/,
      ],
    ];
    for (const [what, args, env, code, message] of cases) {
      it(what, async () => {
        const folder = join(sf.home, `refused-${code}`);
        await mkdir(folder);
        await writeFile(
          join(folder, 'sfdx-project.json'),
          JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
        );
        const [deploys, writes] = [emu.deploys().length, secretWrites()];
        const run = await bootstrap(args, env(), folder);
        expect(run.code, run.stdout + run.stderr).to.equal(1);
        expect(run.json).to.include({ code, status: 1 });
        expect(run.json?.message).to.match(message);
        expect(run.json).not.to.have.any.keys('stack');
        expect(emu.deploys().length).to.equal(deploys);
        expect(secretWrites()).to.equal(writes);
        expect(await readdir(folder)).to.deep.equal(['sfdx-project.json']);
      });
    }
  });

  it('--dry-run names what would be written where, and writes nothing', async () => {
    const writes = secretWrites();
    const run = await bootstrap(
      ['--push', 'github:acme/app@production', '--secret-prefix', 'PROD_', '--dry-run'],
      pushEnv(),
    );
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect((run.json?.result?.plan as string[]).join('\n')).to.include(
      'Write PROD_SF_JWT_CLIENT_ID, PROD_SF_JWT_USERNAME, PROD_SF_JWT_INSTANCE_URL, PROD_SF_JWT_KEY to github:acme/app@production (environment secrets of production)',
    );
    expect(run.json?.result?.pushed).to.deep.equal([]);
    expect(secretWrites()).to.equal(writes);
  });

  it('bootstrap --push github:…: the secrets sealed into the repository; a fresh HOME logs in with only them', async () => {
    const run = await bootstrap(['--push', 'github:acme/app'], pushEnv());
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = run.json?.result as Json;
    expect(result.pushed).to.deep.equal([
      {
        target: 'github:acme/app',
        platform: 'github',
        kind: 'repository secrets',
        written: (result.pushed as Array<{ written: Json[] }>)[0].written,
        notWritten: [],
        unmasked: [],
      },
    ]);
    const written = (result.pushed as Array<{ written: Array<{ name: string; result: string; updatedAt: string }> }>)[0]
      .written;
    expect(written.map((w) => `${w.name}:${w.result}`)).to.deep.equal([
      'SF_JWT_CLIENT_ID:created',
      'SF_JWT_USERNAME:created',
      'SF_JWT_INSTANCE_URL:created',
      'SF_JWT_KEY:created',
    ]);
    const secrets = gh.secrets('acme/app');
    expect(Object.keys(secrets).sort()).to.deep.equal([
      'SF_JWT_CLIENT_ID',
      'SF_JWT_INSTANCE_URL',
      'SF_JWT_KEY',
      'SF_JWT_USERNAME',
    ]);
    expect(secrets.SF_JWT_CLIENT_ID).to.equal(result.consumerKey);
    expect(secrets.SF_JWT_KEY).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(
      createPrivateKey(secrets.SF_JWT_KEY).equals(
        createPrivateKey(await readFile(join(project, 'server.key'), 'utf8')),
      ),
    ).to.equal(true);
    // The PUT happened after the verified login (the emulator's last successful grant).
    const lastGrant = emu.requestLog.filter((e) => e.grant?.result === 'ok').pop();
    const firstPut = gh.requestLog.find((e) => e.method === 'PUT');
    expect(firstPut && lastGrant && firstPut.at >= lastGrant.at, 'pushed after the verified login').to.equal(true);

    await pipelineLogsIn(secrets);
  });

  it('the same for GitLab (a re-run: no deploy, it converges and pushes); SF_JWT_KEY is the base64 of the PEM', async () => {
    const deploys = emu.deploys().length;
    const run = await bootstrap(['--push', 'gitlab:acme/app@production'], pushEnv());
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(emu.deploys().length).to.equal(deploys);
    const pushed = (run.json?.result as Json).pushed as Array<{ kind: string; written: Json[]; unmasked: string[] }>;
    expect(pushed[0].kind).to.equal('CI/CD variables of the environment scope production');
    expect(pushed[0].written.every((w) => w.masked === true && w.protected === true)).to.equal(true);
    const vars = Object.fromEntries(gl.variables('acme/app').map((v) => [v.key, v]));
    expect(Object.keys(vars).sort()).to.deep.equal([
      'SF_JWT_CLIENT_ID',
      'SF_JWT_INSTANCE_URL',
      'SF_JWT_KEY',
      'SF_JWT_USERNAME',
    ]);
    expect(
      Object.values(vars).every((v) => v.raw && v.masked && v.protected && v.environment_scope === 'production'),
    ).to.equal(true);
    expect(vars.SF_JWT_KEY.value).to.match(/^[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(vars.SF_JWT_KEY.value, 'base64').toString()).to.match(/^-----BEGIN PRIVATE KEY-----/);

    await pipelineLogsIn(Object.fromEntries(Object.values(vars).map((v) => [v.key, v.value])));
  });

  it('a push that fails midway: SecretPushFailed naming what was and was not written; the re-run converges', async () => {
    gh.failWrites({ after: 2, status: 502 });
    let run: SfRun;
    try {
      run = await bootstrap(['--push', 'github:acme/app@production'], pushEnv());
    } finally {
      gh.failWrites(undefined);
    }
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ code: 'SecretPushFailed', status: 1 });
    const data = (run.json as Json).data as Json;
    expect(data).to.deep.include({
      target: 'github:acme/app@production',
      secret: 'SF_JWT_INSTANCE_URL',
      rolledBack: false,
      written: { 'github:acme/app@production': ['SF_JWT_CLIENT_ID', 'SF_JWT_USERNAME'] },
      notWritten: { 'github:acme/app@production': ['SF_JWT_INSTANCE_URL', 'SF_JWT_KEY'] },
    });
    expect(run.json?.message)
      .to.match(/HTTP 502/)
      .and.match(/The app works/);

    const deploys = emu.deploys().length;
    const again = await bootstrap(['--push', 'github:acme/app@production'], pushEnv());
    expect(again.code, again.stdout + again.stderr).to.equal(0);
    expect(emu.deploys().length).to.equal(deploys);
    expect(Object.keys(gh.secrets('acme/app', 'production')).sort()).to.deep.equal([
      'SF_JWT_CLIENT_ID',
      'SF_JWT_INSTANCE_URL',
      'SF_JWT_KEY',
      'SF_JWT_USERNAME',
    ]);
  });

  describe('rotate --push', () => {
    let keyFile: string;
    const liveCertificate = (): unknown =>
      (emu.state().apps as Json[]).find((a) => a.name === 'Rot_App')?.certificateSha256;
    const pipeline = (): Record<string, string> => gh.secrets('acme/rot');

    before(async () => {
      const dir = join(sf.home, 'rot-keys');
      await mkdir(dir, { recursive: true });
      keyFile = join(dir, 'server.key');
      await writeFile(keyFile, rot.privateKeyPem, { mode: 0o600 });
      // The pipeline as bootstrap left it, in GitHub and GitLab: the old key and the rest.
      const base = { SF_JWT_CLIENT_ID: ROT_KEY, SF_JWT_USERNAME: ROT, SF_JWT_INSTANCE_URL: emu.url };
      const { checkPush, pushSecrets } = await import('../../src/push/push.js');
      const { handOverSecrets } = await import('../../src/push/names.js');
      const check = await checkPush({
        targets: ['github:acme/rot', 'gitlab:acme/rot'],
        names: Object.keys(base).concat('SF_JWT_KEY'),
        env: pushEnv(),
      });
      const seeded = await pushSecrets(check, [
        {
          secrets: handOverSecrets({
            clientId: ROT_KEY,
            username: ROT,
            instanceUrl: emu.url,
            keyPem: rot.privateKeyPem,
          }),
        },
      ]);
      expect(seeded.report.failure).to.equal(undefined);
      // A stored login with the old key, to prove the store is left untouched when the push fails.
      const login = await sf.run([
        'org',
        'login',
        'jwt',
        '--username',
        ROT,
        '--jwt-key-file',
        keyFile,
        '--client-id',
        ROT_KEY,
        '--instance-url',
        emu.url,
        '--json',
      ]);
      expect(login.code, login.stdout + login.stderr).to.equal(0);
    });

    it('fails midway: the certificate rolled back, the written secret put back, the store untouched; the old values log in', async () => {
      const storeBefore = withoutLogs(await snapshotTree([join(sf.home, '.sfdx'), join(sf.home, '.sf')]));
      const certificateBefore = liveCertificate();
      const before = pipeline();
      gl.failWrites({ after: 0, status: 500 });
      let run: SfRun;
      try {
        run = await rotate(
          ['--jwt-key-file', keyFile, '--push', 'github:acme/rot', '--push', 'gitlab:acme/rot', '--wait', '1'],
          pushEnv(),
        );
      } finally {
        gl.failWrites(undefined);
      }
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.json).to.include({ code: 'SecretPushFailed', status: 1 });
      const data = (run.json as Json).data as Json;
      expect(data).to.deep.include({
        target: 'gitlab:acme/rot',
        secret: 'SF_JWT_KEY',
        rolledBack: true,
        oldKeyVerified: true,
        written: { 'github:acme/rot': ['SF_JWT_KEY'], 'gitlab:acme/rot': [] },
        undone: [{ target: 'github:acme/rot', name: 'SF_JWT_KEY', action: 'restored' }],
        notUndone: [],
      });
      expect(run.json?.message).to.match(/rolled back/);
      // The app trusts the old key again; the pipeline's secrets hold the old key; the sf store as it was.
      expect(liveCertificate()).to.equal(certificateBefore);
      expect(createPrivateKey(pipeline().SF_JWT_KEY).equals(createPrivateKey(rot.privateKeyPem))).to.equal(true);
      expect({ ...pipeline(), SF_JWT_KEY: '' }).to.deep.equal({ ...before, SF_JWT_KEY: '' });
      expect(gl.variable('acme/rot', 'SF_JWT_KEY')?.value).to.equal(Buffer.from(rot.privateKeyPem).toString('base64'));
      expectSameTree(storeBefore, withoutLogs(await snapshotTree([join(sf.home, '.sfdx'), join(sf.home, '.sf')])));
      await pipelineLogsIn(pipeline());
      await loginAdmin();
    });

    it('swaps SF_JWT_KEY only after the new key is verified; nothing else changes; the pipeline logs in with it', async () => {
      const before = pipeline();
      const deploysBefore = emu.deploys().length;
      emu.setSwitches({ propagationDelayMs: 4000 });
      let run: SfRun;
      try {
        run = await rotate(['--jwt-key-file', keyFile, '--push', 'github:acme/rot', '--wait', '1'], pushEnv());
      } finally {
        emu.setSwitches({ propagationDelayMs: 0 });
      }
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as Json;
      expect(result).to.include({ verified: true, rolledBack: false });
      expect(result.secretsChanged).to.deep.equal(['SF_JWT_KEY']);
      expect((result.pushed as Array<{ written: Json[] }>)[0].written.map((w) => [w.name, w.result])).to.deep.equal([
        ['SF_JWT_KEY', 'updated'],
      ]);
      const after = pipeline();
      expect(
        createPrivateKey(after.SF_JWT_KEY).equals(
          createPrivateKey(await readFile(result.newKeyFile as string, 'utf8')),
        ),
      ).to.equal(true);
      expect({ ...after, SF_JWT_KEY: '' }).to.deep.equal({ ...before, SF_JWT_KEY: '' });
      // Order: the swap's deploy, then refusals while it propagates, then the new key's first successful grant, then the PUT.
      const deploy = emu.deploys()[deploysBefore];
      const deployed = Date.parse(deploy.createdDate);
      const grants = emu.requestLog.filter((e) => e.grant && e.at >= deployed);
      const firstOk = grants.find((e) => e.grant?.result === 'ok');
      expect(grants[0].grant?.result, 'the new key was refused while the swap propagated').not.to.equal('ok');
      const puts = gh.requestLog.filter(
        (e) => e.method === 'PUT' && e.path.startsWith('/repos/acme/rot/') && e.at >= deployed,
      );
      expect(puts).to.have.length(1);
      expect(firstOk && puts[0].at >= firstOk.at, 'the PUT came after the verified login').to.equal(true);
      // The stored login re-pointed after the push; the pipeline logs in with what was pushed.
      expect(new X509Certificate(await readFile(result.newCertificateFile as string, 'utf8')).fingerprint256).to.be.a(
        'string',
      );
      await pipelineLogsIn(after);
    });
  });

  // Last: after every run above (mocha runs a describe's own tests before its nested describes).
  describe('the outputs of every run above', () => {
    it('no key, token or sealed value in any output or log', async () => {
      const keyFiles = [
        join(project, 'server.key'),
        ...(await readdir(join(sf.home, 'rot-keys')))
          .filter((f) => f.endsWith('.key'))
          .map((f) => join(sf.home, 'rot-keys', f)),
      ];
      const keys = [rot.privateKeyPem, ...(await Promise.all(keyFiles.map((f) => readFile(f, 'utf8'))))];
      const logFiles = (
        await Promise.all(
          [sf, ...sandboxes].map(async (s) =>
            (await readdir(join(s.home, '.sf')).catch(() => [] as string[]))
              .filter((n) => n.endsWith('.log'))
              .map((n) => join(s.home, '.sf', n)),
          ),
        )
      ).flat();
      const logs = await Promise.all(logFiles.map((f) => readFile(f, 'utf8')));
      expect(logFiles.length, 'sf log files to search').to.be.greaterThan(0);
      const text = [...outputs, ...logs].join('\n');
      expect(outputs.length).to.be.greaterThan(10);
      for (const needle of [
        ...keys.flatMap(keyLeakNeedles),
        GH_WRITE,
        GH_NONE,
        GL_MAINT,
        ...gh.sealedValues.map((s) => s.slice(0, 40)),
      ]) {
        expect(text.includes(needle), `leaked: ${needle.slice(0, 12)}…`).to.equal(false);
      }
    });
  });
});
