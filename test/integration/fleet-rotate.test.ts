/*
 * `sf jwt-setup fleet rotate` through the real sf CLI against three emulator orgs (one process, each its own org id
 * and My Domain host) that share one key, as sandboxes copied from production do. Each case uses its own app (the
 * same name and consumer key in every org) and its own key, so the cases do not depend on each other's outcome:
 * a dry run; three orgs rotated, verified, the old key refused and every stored login re-pointed and refreshing;
 * one org whose certificate update never takes effect, so all three go back; a refused deploy in the second org, so
 * the first goes back; a mismatched org refused before any change, and --skip-mismatched; a SIGKILL after the first
 * swap, reported by a re-run's pre-flight and finished by the re-run with the same new key. With --push (the GitHub
 * and GitLab secret-store emulators): each org's SF_JWT_KEY<secretSuffix> written with the new key only after every
 * org verified; a push failing midway, so every org goes back, the secret is put back and the store is untouched;
 * a missing token refused before any deploy. A key folder inside a package folder is refused, under --dry-run too.
 */
import { spawn } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'chai';
import type { SalesforceEmulator } from '../emulator/index.js';
import { GitHubSecretsEmulator, GitLabVariablesEmulator } from '../emulator/secrets/index.js';
import { makeCredentials, requestToken, signAssertion, type TestCredentials } from '../emulator/testkit.js';
import {
  EmulatorFleet,
  ROOT,
  SF_BIN,
  SfSandbox,
  expectSameTree,
  snapshotTree,
  withoutLogs,
  type SfRun,
} from '../helpers/index.js';

type Json = Record<string, unknown>;
const ALIASES = ['prod', 'uat', 'dev'] as const;
const admin = (i: number): string => `admin@acme.example.${ALIASES[i]}`;
const ci = (i: number): string => `ci@acme.example.${ALIASES[i]}`;
const GH_WRITE = 'ghp_FleetWriteToken0123456789abcdefABCDEF';
const GL_MAINT = 'glpat-FleetMaintainerToken012345678';
/** Each org's own pipeline secret: SF_JWT_KEY_PROD, SF_JWT_KEY_UAT, SF_JWT_KEY_DEV. */
const SUFFIXES = ALIASES.map((a) => ({ secretSuffix: `_${a.toUpperCase()}` }));

/** The apps of the cases: the same in every org, except Mis_App's certificate in the second org. */
const APPS = {
  main: { name: 'Main_App', key: '3MVG9FleetMainKey000001' },
  frozen: { name: 'Frozen_App', key: '3MVG9FleetFrozenKey0001' },
  refuse: { name: 'Refuse_App', key: '3MVG9FleetRefuseKey0001' },
  twin: { name: 'Twin_App', key: '3MVG9FleetTwinKey000001' },
  mis: { name: 'Mis_App', key: '3MVG9FleetMisKey0000001' },
  skip: { name: 'Skip_App', key: '3MVG9FleetSkipKey000001' },
  kill: { name: 'Kill_App', key: '3MVG9FleetKillKey000001' },
  env: { name: 'Env_App', key: '3MVG9FleetEnvKey0000001' },
  push: { name: 'Push_App', key: '3MVG9FleetPushKey000001' },
  pushFail: { name: 'PushFail_App', key: '3MVG9FleetPushFailKey01' },
  pushToken: { name: 'PushToken_App', key: '3MVG9FleetPushTokenKey1' },
} as const;

describe('sf jwt-setup fleet rotate through the real sf CLI', function () {
  this.timeout(600_000);
  let fleet: EmulatorFleet;
  let sf: SfSandbox;
  let gh: GitHubSecretsEmulator;
  let gl: GitLabVariablesEmulator;
  const creds: Record<string, TestCredentials> = {};
  const pushEnv = (extra: Record<string, string> = {}): Record<string, string> => ({
    GH_TOKEN: GH_WRITE,
    GITHUB_API_URL: gh.url,
    GITLAB_TOKEN: GL_MAINT,
    CI_API_V4_URL: gl.apiUrl,
    ...extra,
  });
  const sameKey = (a: string, b: string): boolean => createPrivateKey(a).equals(createPrivateKey(b));
  const secretWrites = (): number =>
    gh.requestLog.filter((e) => e.method !== 'GET').length + gl.requestLog.filter((e) => e.method !== 'GET').length;

  const emu = (i: number): SalesforceEmulator => fleet.orgs[i].emulator;
  const loginAdmins = async (): Promise<void> => {
    for (const [i, alias] of ALIASES.entries()) {
      // eslint-disable-next-line no-await-in-loop
      const login = await sf.run(
        [
          'org',
          'login',
          'access-token',
          '--instance-url',
          fleet.orgs[i].url,
          '--no-prompt',
          '--alias',
          `admin-${alias}`,
        ],
        { env: { SF_ACCESS_TOKEN: emu(i).issueAccessToken(admin(i)).access_token } },
      );
      expect(login.code, login.stdout + login.stderr).to.equal(0);
    }
  };
  /** The status of one JWT exchange with `key` as org i's CI user through app consumer key `clientId`. */
  const jwt = async (i: number, key: TestCredentials, clientId: string): Promise<number> =>
    (
      await requestToken(
        fleet.orgs[i].url,
        await signAssertion(key.privateKey, {
          iss: clientId,
          sub: ci(i),
          aud: fleet.orgs[i].url,
          exp: Math.floor(Date.now() / 1000) + 120,
        }),
      )
    ).status;
  const live = (i: number, app: string): unknown =>
    (emu(i).state().apps as Json[]).find((a) => a.name === app)?.certificateSha256;
  const fingerprint = (pem: string): string => new X509Certificate(pem).fingerprint256;
  const deploys = (i: number, from = 0): string[] =>
    emu(i)
      .deploys()
      .slice(from)
      .map((d) => d.status);
  const deployCounts = (): number[] => ALIASES.map((_, i) => emu(i).deploys().length);

  /** A folder with the case's key as server.key and a manifest of the three orgs (overrides per org). */
  const setUp = async (
    name: string,
    key: TestCredentials,
    app: { name: string; key: string },
    perOrg: Array<Record<string, string>> = [],
  ): Promise<{ dir: string; manifest: string; keyFile: string }> => {
    const dir = join(sf.home, 'fleets', name);
    await mkdir(dir, { recursive: true });
    const keyFile = join(dir, 'server.key');
    await writeFile(keyFile, key.privateKeyPem, { mode: 0o600 });
    const orgs = ALIASES.map((alias, i) => {
      const extra = Object.entries(perOrg[i] ?? {}).map(([k, v]) => `\n    ${k}: ${v}`);
      return `  - alias: ${alias}\n    username: ${ci(i)}\n    instanceUrl: ${fleet.orgs[i].url}\n    adminOrg: admin-${alias}${extra.join('')}`;
    });
    const manifest = join(dir, 'fleet.yaml');
    await writeFile(
      manifest,
      `defaults:\n  clientId: ${app.key}\n  jwtKeyFile: server.key\n  app: ${app.name}\norgs:\n${orgs.join('\n')}\n`,
    );
    return { dir, manifest, keyFile };
  };
  const rotate = (args: string[]): Promise<SfRun> =>
    sf.run(['jwt-setup', 'fleet', 'rotate', '--json', ...args], { timeoutMs: 480_000 });
  /** The result (or a failed run's data) is valid against the generated schema of the command's result. */
  const expectSchema = async (data: unknown): Promise<void> => {
    const schema = JSON.parse(await readFile(join(ROOT, 'schemas', 'jwt__setup-fleet-rotate.json'), 'utf8')) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    expect(validate(data), ajv.errorsText(validate.errors)).to.equal(true);
  };
  const orgsOf = (run: SfRun): Json[] =>
    ((run.json?.result ?? (run.json as Json | undefined)?.data) as { orgs: Json[] } | undefined)?.orgs ?? [];

  before(async () => {
    const names = [
      'main',
      'frozen',
      'refuse',
      'mis',
      'misOther',
      'skip',
      'skipOther',
      'kill',
      'env',
      'push',
      'pushFail',
      'pushToken',
    ];
    const made = await Promise.all(names.map((n) => makeCredentials(`fleet-${n}`)));
    names.forEach((n, i) => (creds[n] = made[i]));
    const appsOf = (
      i: number,
    ): Array<{ name: string; consumerKey: string; certificatePem: string; permissionSets: string[] }> => [
      {
        name: APPS.main.name,
        consumerKey: APPS.main.key,
        certificatePem: creds.main.certificatePem,
        permissionSets: ['CI_Users'],
      },
      {
        name: APPS.frozen.name,
        consumerKey: APPS.frozen.key,
        certificatePem: creds.frozen.certificatePem,
        permissionSets: ['CI_Users'],
      },
      {
        name: APPS.refuse.name,
        consumerKey: APPS.refuse.key,
        certificatePem: creds.refuse.certificatePem,
        permissionSets: ['CI_Users'],
      },
      {
        name: APPS.twin.name,
        consumerKey: APPS.twin.key,
        certificatePem: creds.refuse.certificatePem,
        permissionSets: ['CI_Users'],
      },
      {
        name: APPS.mis.name,
        consumerKey: APPS.mis.key,
        certificatePem: (i === 1 ? creds.misOther : creds.mis).certificatePem,
        permissionSets: ['CI_Users'],
      },
      {
        name: APPS.skip.name,
        consumerKey: APPS.skip.key,
        certificatePem: (i === 1 ? creds.skipOther : creds.skip).certificatePem,
        permissionSets: ['CI_Users'],
      },
      {
        name: APPS.kill.name,
        consumerKey: APPS.kill.key,
        certificatePem: creds.kill.certificatePem,
        permissionSets: ['CI_Users'],
      },
      {
        name: APPS.env.name,
        consumerKey: APPS.env.key,
        certificatePem: creds.env.certificatePem,
        permissionSets: ['CI_Users'],
      },
      ...(['push', 'pushFail', 'pushToken'] as const).map((k) => ({
        name: APPS[k].name,
        consumerKey: APPS[k].key,
        certificatePem: creds[k].certificatePem,
        permissionSets: ['CI_Users'],
      })),
    ];
    fleet = await EmulatorFleet.start(
      ALIASES.map((_, i) => ({
        users: [{ username: admin(i) }, { username: ci(i), permissionSets: ['CI_Users'] }],
        apps: appsOf(i),
      })),
    );
    gh = new GitHubSecretsEmulator({
      repos: [
        { owner: 'acme', repo: 'fleet' },
        { owner: 'acme', repo: 'fail' },
      ],
      tokens: [{ token: GH_WRITE, repos: ['acme/fleet', 'acme/fail'] }],
    });
    gl = new GitLabVariablesEmulator({
      projects: [{ path: 'acme/fleet' }],
      tokens: [{ token: GL_MAINT, projects: { 'acme/fleet': 'maintainer' } }],
    });
    await Promise.all([gh.start(), gl.start()]);
    sf = await SfSandbox.create();
    await loginAdmins();
  });

  after(async () => {
    await fleet?.stop();
    await Promise.all([gh?.stop(), gl?.stop()]);
    await sf?.dispose();
  });

  it('--dry-run pre-flights every org and prints the plan; no deploy anywhere, no file written', async () => {
    const { dir, manifest } = await setUp('dry', creds.main, APPS.main);
    const run = await rotate(['--manifest', manifest, '--dry-run']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ dryRun: true, outcome: 'dry-run', newKeyWritten: false });
    expect(orgsOf(run).map((o) => [o.alias, o.status, o.deployed])).to.deep.equal([
      ['prod', 'planned', false],
      ['uat', 'planned', false],
      ['dev', 'planned', false],
    ]);
    expect((run.json?.result?.plan as string[]).join('\n')).to.match(
      /uat: save the app's certificate in .*uat\.previous\.crt/,
    );
    expect(deployCounts()).to.deep.equal([0, 0, 0]);
    expect((await readdir(dir)).sort()).to.deep.equal(['fleet.yaml', 'server.key']);
  });

  it('a fleet with several current keys, or an org without adminOrg, is ManifestInvalid before any org is asked', async () => {
    const { dir, manifest } = await setUp('groups', creds.main, APPS.main, [{}, { jwtKeyFile: 'other.key' }]);
    await writeFile(join(dir, 'other.key'), creds.frozen.privateKeyPem, { mode: 0o600 });
    const before = deployCounts();
    const run = await rotate(['--manifest', manifest, '--dry-run']);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ name: 'ManifestInvalidError' });
    expect(run.json?.message).to.match(/2 different current keys: .*server\.key \(prod, dev\); .*other\.key \(uat\)/);

    const text = (await readFile(manifest, 'utf8')).replace('    adminOrg: admin-dev\n', '');
    await writeFile(manifest, text.replace('jwtKeyFile: other.key', 'jwtKeyFile: server.key'));
    const noAdmin = await rotate(['--manifest', manifest, '--dry-run']);
    expect(noAdmin.code, noAdmin.stdout + noAdmin.stderr).to.equal(1);
    expect(noAdmin.json).to.include({ name: 'ManifestInvalidError' });
    expect(noAdmin.json?.message).to.match(/org 'dev' has no adminOrg/);
    expect(deployCounts()).to.deep.equal(before);
  });

  it('rotates three orgs sharing one key: each verified, the old key refused, every login re-pointed and refreshing', async () => {
    const { dir, manifest, keyFile } = await setUp('main', creds.main, APPS.main);
    for (const [i, alias] of ALIASES.entries()) {
      // eslint-disable-next-line no-await-in-loop
      const login = await sf.run([
        'org',
        'login',
        'jwt',
        '--username',
        ci(i),
        '--jwt-key-file',
        keyFile,
        '--client-id',
        APPS.main.key,
        '--instance-url',
        fleet.orgs[i].url,
        '--alias',
        alias,
        '--json',
      ]);
      expect(login.code, login.stdout + login.stderr).to.equal(0);
    }
    // The app's committed source, in a project around the run: updated once, only its certificate.
    const source = join(
      dir,
      'force-app',
      'main',
      'default',
      'extlClntAppGlobalOauthSets',
      'Main_App_glbloauth.ecaGlblOauth-meta.xml',
    );
    await mkdir(join(source, '..'), { recursive: true });
    await writeFile(
      join(dir, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app', default: true }] }),
    );
    const sourceXml = (pem: string): string =>
      `<?xml version="1.0" encoding="UTF-8"?>\n<ExtlClntAppGlobalOauthSettings xmlns="http://soap.sforce.com/2006/04/metadata">\n    <certificate>${pem.trim()}</certificate>\n    <consumerKey>${APPS.main.key}</consumerKey>\n    <externalClientApplication>Main_App</externalClientApplication>\n    <label>Main_App</label>\n</ExtlClntAppGlobalOauthSettings>\n`;
    await writeFile(source, sourceXml(creds.main.certificatePem));
    const before = deployCounts();
    const run = await sf.run(['jwt-setup', 'fleet', 'rotate', '--json', '--manifest', manifest, '--concurrency', '2'], {
      timeoutMs: 480_000,
      cwd: dir,
    });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = run.json?.result as Json;
    await expectSchema(result);
    expect(result.filesToCommit).to.deep.equal([source]);
    expect(await readFile(source, 'utf8')).to.equal(
      sourceXml(await readFile(result.newCertificateFile as string, 'utf8')),
    );
    expect(result).to.include({ outcome: 'rotated', rotated: 3, total: 3, newKeyWritten: true });
    expect(result.newKeyFile).to.match(new RegExp(`^${dir}/server-\\d{8}\\.key$`));
    const newFingerprint = fingerprint(await readFile(result.newCertificateFile as string, 'utf8'));
    for (const [i, o] of orgsOf(run).entries()) {
      expect(o).to.include({
        alias: ALIASES[i],
        app: APPS.main.name,
        status: 'rotated',
        deployed: true,
        verified: true,
        rolledBack: false,
        oldKeyRefused: true,
        oldFingerprintSha256: fingerprint(creds.main.certificatePem),
        newFingerprintSha256: newFingerprint,
        previousCertificateFile: join(dir, `${ALIASES[i]}.previous.crt`),
        orgId: fleet.orgs[i].orgId,
      });
      expect(o.deployIds).to.have.length(1);
      expect(deploys(i, before[i])).to.deep.equal(['Succeeded']);
      expect(live(i, APPS.main.name)).to.equal(newFingerprint);
      // eslint-disable-next-line no-await-in-loop
      expect(await jwt(i, creds.main, APPS.main.key)).to.equal(400);
      // eslint-disable-next-line no-await-in-loop
      expect((await readFile(join(dir, `${ALIASES[i]}.previous.crt`), 'utf8')).trim()).to.equal(
        creds.main.certificatePem.trim(),
      );
    }
    expect((result.repointedAuths as Json[]).map((r) => r.username).sort()).to.deep.equal([ci(2), ci(0), ci(1)].sort());
    expect(JSON.stringify(run.json)).not.to.match(/PRIVATE KEY|00D\w{12,15}!/);
    expect(await readFile(keyFile, 'utf8')).to.equal(creds.main.privateKeyPem);

    // Every stored login uses the new key; after the tokens expire, sf refreshes with it.
    fleet.expireAllTokens();
    for (const alias of ALIASES) {
      // eslint-disable-next-line no-await-in-loop
      const query = await sf.run(['data', 'query', '-q', 'SELECT Id FROM Account', '--target-org', alias, '--json']);
      expect(query.code, `${alias}: ${query.stdout}${query.stderr}`).to.equal(0);
    }
    await loginAdmins(); // their access tokens expired too
  });

  it('one org whose certificate update never takes effect: all three back on the old certificate, FleetRotationRolledBack', async () => {
    const { dir, manifest } = await setUp('frozen', creds.frozen, APPS.frozen);
    const before = deployCounts();
    emu(1).setSwitches({ freezeCertificates: true });
    let run: SfRun;
    try {
      run = await rotate(['--manifest', manifest, '--wait', '1']);
    } finally {
      emu(1).setSwitches({ freezeCertificates: false });
    }
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ name: 'FleetRotationRolledBackError', status: 1 });
    expect(run.json).not.to.have.any.keys('stack');
    expect(orgsOf(run).map((o) => [o.alias, o.status, o.deployed, o.verified, o.rolledBack])).to.deep.equal([
      ['prod', 'rolled-back', true, true, true],
      ['uat', 'rolled-back', true, false, true],
      ['dev', 'rolled-back', true, true, true],
    ]);
    expect(orgsOf(run)[1]).to.include({ code: 'InvalidAssertion' });
    await expectSchema((run.json as Json).data);
    for (const i of [0, 1, 2]) {
      expect(deploys(i, before[i])).to.deep.equal(['Succeeded', 'Succeeded']);
      expect(live(i, APPS.frozen.name)).to.equal(fingerprint(creds.frozen.certificatePem));
      // eslint-disable-next-line no-await-in-loop
      expect(await jwt(i, creds.frozen, APPS.frozen.key)).to.equal(200);
    }
    // The new key files are kept.
    const data = (run.json as Json).data as Json;
    expect(await readFile(data.newKeyFile as string, 'utf8')).to.match(/PRIVATE KEY/);
    expect((await readdir(dir)).filter((f) => /^server-\d{8}\.(key|crt)$/.test(f))).to.have.length(2);
  });

  it('a deploy refused in the second org: the first is put back, the third never deployed', async () => {
    // The second org withholds consumer keys, and the manifest gives it another app's key: the org refuses the deploy.
    const { manifest } = await setUp('refuse', creds.refuse, APPS.refuse, [{}, { clientId: APPS.twin.key }]);
    const before = deployCounts();
    emu(1).setSwitches({ withholdConsumerKeys: true });
    let run: SfRun;
    try {
      run = await rotate(['--manifest', manifest, '--concurrency', '1']);
    } finally {
      emu(1).setSwitches({ withholdConsumerKeys: false });
    }
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ name: 'FleetRotationRolledBackError' });
    expect(orgsOf(run).map((o) => [o.alias, o.status, o.deployed, o.rolledBack, o.code])).to.deep.equal([
      ['prod', 'rolled-back', true, true, null],
      ['uat', 'unchanged', false, false, 'DeployFailed'],
      ['dev', 'unchanged', false, false, null],
    ]);
    expect(deploys(0, before[0])).to.deep.equal(['Succeeded', 'Succeeded']);
    expect(deploys(1, before[1])).to.deep.equal(['Failed']);
    expect(deploys(2, before[2])).to.deep.equal([]);
    for (const i of [0, 1, 2]) {
      expect(live(i, APPS.refuse.name)).to.equal(fingerprint(creds.refuse.certificatePem));
      // eslint-disable-next-line no-await-in-loop
      expect(await jwt(i, creds.refuse, APPS.refuse.key)).to.equal(200);
    }
  });

  it('a mismatched org is refused by name before any change (FleetPreflightFailed, CertificateMismatch)', async () => {
    const { dir, manifest } = await setUp('mis', creds.mis, APPS.mis);
    const before = deployCounts();
    const run = await rotate(['--manifest', manifest]);
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json).to.include({ name: 'FleetPreflightFailedError', status: 1 });
    expect(run.json?.message).to.match(/uat: CertificateMismatch/);
    expect(orgsOf(run).map((o) => [o.alias, o.status, o.code])).to.deep.equal([
      ['prod', 'unchanged', null],
      ['uat', 'refused', 'CertificateMismatch'],
      ['dev', 'unchanged', null],
    ]);
    expect(deployCounts()).to.deep.equal(before);
    expect((await readdir(dir)).sort()).to.deep.equal(['fleet.yaml', 'server.key']);

    // Without --json, under GitHub Actions: the table, an annotation for the refused org, the job summary.
    const summary = join(sf.home, 'step-summary.md');
    const text = await sf.run(['jwt-setup', 'fleet', 'rotate', '--manifest', manifest], {
      env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
      timeoutMs: 240_000,
    });
    expect(text.code).to.equal(1);
    expect(text.stdout).to.match(
      /^alias +app +old certificate +new certificate +deployed +verified +rolled back +result$/m,
    );
    expect(text.stdout).to.match(/^uat +Mis_App .* refused \(CertificateMismatch\)$/m);
    expect(text.stdout).to.match(/^::error title=fleet rotate%3A uat::refused \(CertificateMismatch\)/m);
    expect(text.stderr).to.match(/FleetPreflightFailed|cannot start/);
    expect(await readFile(summary, 'utf8')).to.match(/\| uat \| Mis_App \|.*CertificateMismatch/);
    expect(deployCounts()).to.deep.equal(before);
  });

  it('--skip-mismatched rotates the others, reports the skipped org, and exits 0', async () => {
    const { manifest } = await setUp('skip', creds.skip, APPS.skip);
    const before = deployCounts();
    const run = await rotate(['--manifest', manifest, '--skip-mismatched']);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(run.json?.result).to.include({ outcome: 'rotated', rotated: 2, skipped: 1, total: 3 });
    expect(orgsOf(run).map((o) => [o.alias, o.status, o.code])).to.deep.equal([
      ['prod', 'rotated', null],
      ['uat', 'skipped', 'CertificateMismatch'],
      ['dev', 'rotated', null],
    ]);
    expect(deploys(1, before[1])).to.deep.equal([]);
    expect(live(1, APPS.skip.name)).to.equal(fingerprint(creds.skipOther.certificatePem));
    expect(await jwt(0, creds.skip, APPS.skip.key)).to.equal(400);
  });

  it('a key from jwtKeyEnv needs --output-dir; with it the new files and previous certificates go there', async () => {
    const dir = join(sf.home, 'fleets', 'env');
    await mkdir(dir, { recursive: true });
    const orgs = ALIASES.map(
      (alias, i) =>
        `  - alias: ${alias}\n    username: ${ci(i)}\n    instanceUrl: ${fleet.orgs[i].url}\n    adminOrg: admin-${alias}`,
    );
    const manifest = join(dir, 'fleet.yaml');
    await writeFile(
      manifest,
      `defaults:\n  clientId: ${APPS.env.key}\n  jwtKeyEnv: FLEET_KEY\n  app: ${APPS.env.name}\norgs:\n${orgs.join('\n')}\n`,
    );
    const env = { FLEET_KEY: Buffer.from(creds.env.privateKeyPem).toString('base64') };
    const refused = await sf.run(['jwt-setup', 'fleet', 'rotate', '--json', '--manifest', manifest], { env });
    expect(refused.code, refused.stdout + refused.stderr).to.equal(1);
    expect(refused.json).to.include({ name: 'ManifestInvalidError' });
    expect(refused.json?.message).to.match(/\$FLEET_KEY.*--output-dir/);

    const out = join(dir, 'out');
    await mkdir(out);
    const run = await sf.run(['jwt-setup', 'fleet', 'rotate', '--json', '--manifest', manifest, '--output-dir', out], {
      env,
      timeoutMs: 480_000,
    });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = run.json?.result as Json;
    expect(result.newKeyFile).to.match(new RegExp(`^${out}/server-\\d{8}\\.key$`));
    expect((await readdir(out)).filter((f) => f.endsWith('.previous.crt')).sort()).to.deep.equal([
      'dev.previous.crt',
      'prod.previous.crt',
      'uat.previous.crt',
    ]);
    for (const i of [0, 1, 2]) {
      // eslint-disable-next-line no-await-in-loop
      expect(await jwt(i, creds.env, APPS.env.key)).to.equal(400);
    }
  });

  it('SIGKILL after the first swap: a re-run pre-flight reports which org holds which certificate, and finishes it', async () => {
    const { dir, manifest } = await setUp('kill', creds.kill, APPS.kill);
    const before = deployCounts();
    // The second org's deploy stays in progress long enough for the kill to land after the first swap.
    emu(1).setSwitches({ deployPolls: 1000 });
    try {
      const child = spawn(SF_BIN, ['jwt-setup', 'fleet', 'rotate', '--manifest', manifest, '--concurrency', '1'], {
        cwd: sf.home,
        env: sf.env(),
        stdio: 'ignore',
      });
      const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
      const started = Date.now();
      while (
        !emu(0)
          .deploys()
          .slice(before[0])
          .some((d) => d.status === 'Succeeded')
      ) {
        if (Date.now() - started > 120_000) throw new Error('the first swap never happened');
        // eslint-disable-next-line no-await-in-loop
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGKILL');
      await exited;
    } finally {
      emu(1).setSwitches({ deployPolls: 1 });
    }
    const newKeyFile = (await readdir(dir)).find((f) => /^server-\d{8}\.key$/.test(f)) as string;
    const newCertificateFile = newKeyFile.replace(/\.key$/, '.crt');
    const newFingerprint = fingerprint(await readFile(join(dir, newCertificateFile), 'utf8'));
    expect(live(0, APPS.kill.name)).to.equal(newFingerprint);
    expect(live(1, APPS.kill.name)).to.equal(fingerprint(creds.kill.certificatePem));
    expect(live(2, APPS.kill.name)).to.equal(fingerprint(creds.kill.certificatePem));

    // fleet check reads each org's app certificate from the org: the first no longer holds the manifest key's.
    const check = await sf.run(['jwt-setup', 'fleet', 'check', '--manifest', manifest, '--json'], {
      timeoutMs: 120_000,
    });
    const checked = ((check.json?.result ?? (check.json as Json | undefined)?.data) as { orgs: Json[] }).orgs;
    const certificateCheck = (o: Json): unknown => (o.checks as Json[]).find((c) => c.id === 'org.certificate')?.status;
    expect(checked.map(certificateCheck), check.stdout).to.deep.equal(['fail', 'pass', 'pass']);

    // The re-run's pre-flight, with the key the killed run made: the first org counts as done, not as mismatched.
    const again = [
      '--manifest',
      manifest,
      '--new-key-file',
      join(dir, newKeyFile),
      '--new-certificate-file',
      join(dir, newCertificateFile),
    ];
    const dry = await rotate([...again, '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).to.equal(0);
    expect(orgsOf(dry).map((o) => [o.alias, o.status, o.alreadyRotated])).to.deep.equal([
      ['prod', 'planned', true],
      ['uat', 'planned', false],
      ['dev', 'planned', false],
    ]);
    // Without the new key, the same state is a refusal that names the org holding another certificate.
    const plain = await rotate(['--manifest', manifest, '--dry-run']);
    expect(plain.code).to.equal(1);
    expect(orgsOf(plain).map((o) => o.code)).to.deep.equal(['CertificateMismatch', null, null]);

    const finish = await rotate(again);
    expect(finish.code, finish.stdout + finish.stderr).to.equal(0);
    expect(orgsOf(finish).map((o) => [o.alias, o.status, o.deployed, o.verified, o.alreadyRotated])).to.deep.equal([
      ['prod', 'rotated', false, true, true],
      ['uat', 'rotated', true, true, false],
      ['dev', 'rotated', true, true, false],
    ]);
    for (const i of [0, 1, 2]) expect(live(i, APPS.kill.name)).to.equal(newFingerprint);
  });

  describe('--push', () => {
    it("writes each org's SF_JWT_KEY<secretSuffix> with the new key to every target, only after every org verified", async () => {
      const { manifest } = await setUp('push', creds.push, APPS.push, SUFFIXES);
      const logFrom = ALIASES.map((_, i) => emu(i).requestLog.length);
      // The last org takes a few seconds to accept the new certificate: the push must wait for it.
      emu(2).setSwitches({ propagationDelayMs: 3000 });
      let run: SfRun;
      try {
        run = await sf.run(
          [
            'jwt-setup',
            'fleet',
            'rotate',
            '--json',
            '--manifest',
            manifest,
            '--push',
            'github:acme/fleet',
            '--push',
            'gitlab:acme/fleet',
          ],
          { env: pushEnv(), timeoutMs: 480_000 },
        );
      } finally {
        emu(2).setSwitches({ propagationDelayMs: 0 });
      }
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      const result = run.json?.result as Json;
      await expectSchema(result);
      const names = ['SF_JWT_KEY_PROD', 'SF_JWT_KEY_UAT', 'SF_JWT_KEY_DEV'];
      expect(result).to.include({ outcome: 'rotated', rotated: 3, rolledBack: false });
      expect(result.secretsChanged).to.deep.equal(names);
      expect(result.secretNames).to.deep.equal({ prod: names[0], uat: names[1], dev: names[2] });
      const pushed = result.pushed as Array<{ target: string; written: Json[] }>;
      expect(pushed.map((t) => [t.target, t.written.map((w) => [w.name, w.result, w.org])])).to.deep.equal([
        ['github:acme/fleet', names.map((n, i) => [n, 'created', ALIASES[i]])],
        ['gitlab:acme/fleet', names.map((n, i) => [n, 'created', ALIASES[i]])],
      ]);
      // The emulator opened each sealed box: the new key; GitLab holds its base64 (masked, protected).
      const newPem = await readFile(result.newKeyFile as string, 'utf8');
      for (const name of names) {
        expect(sameKey(gh.secrets('acme/fleet')[name], newPem), name).to.equal(true);
        const variable = gl.variable('acme/fleet', name);
        expect(sameKey(Buffer.from(variable?.value ?? '', 'base64').toString(), newPem), name).to.equal(true);
        expect(variable).to.include({ masked: true, protected: true, raw: true });
      }
      // Every org verified with the new key (its second accepted login: the pre-flight's old key, then the new one)
      // before the first secret was written.
      const firstWrite = Math.min(
        ...[...gh.requestLog, ...gl.requestLog].filter((e) => e.method !== 'GET').map((e) => e.at),
      );
      for (const [i, from] of logFrom.entries()) {
        const accepted = emu(i)
          .requestLog.slice(from)
          .filter((e) => e.grant?.result === 'ok' && e.grant.sub === ci(i));
        expect(accepted.length, ALIASES[i]).to.be.at.least(2);
        expect(accepted[1].at, ALIASES[i]).to.be.at.most(firstWrite);
      }
      // The pipeline's secret logs in to each org.
      for (const [i, name] of names.entries()) {
        const key = { privateKey: createPrivateKey(gh.secrets('acme/fleet')[name]) } as TestCredentials;
        // eslint-disable-next-line no-await-in-loop
        expect(await jwt(i, key, APPS.push.key)).to.equal(200);
      }
      const text = run.stdout + run.stderr;
      expect(text).not.to.match(/PRIVATE KEY|LS0tLS1CRUdJTi/);
      for (const sealed of gh.sealedValues) expect(text).not.to.include(sealed);
    });

    it('--dry-run names what would be written where, and writes nothing', async () => {
      // PushToken_App is never rotated: its orgs still hold the key of the case.
      const { manifest } = await setUp('push-dry', creds.pushToken, APPS.pushToken, SUFFIXES);
      const writes = secretWrites();
      const run = await sf.run(
        ['jwt-setup', 'fleet', 'rotate', '--json', '--manifest', manifest, '--push', 'github:acme/fleet', '--dry-run'],
        { env: pushEnv() },
      );
      expect(run.code, run.stdout + run.stderr).to.equal(0);
      expect((run.json?.result?.plan as string[]).join('\n')).to.include(
        'Write SF_JWT_KEY_PROD, SF_JWT_KEY_UAT, SF_JWT_KEY_DEV (the new key) to github:acme/fleet',
      );
      expect(secretWrites()).to.equal(writes);
    });

    it('a push failing midway: every org back on the old certificate, the secret put back, the store untouched, SecretPushFailed', async () => {
      const { dir, manifest, keyFile } = await setUp('push-fail', creds.pushFail, APPS.pushFail, SUFFIXES);
      // The pipeline as it was: each org's secret holds the old key.
      const { checkPush, pushSecrets } = await import('../../src/push/push.js');
      const names = ['SF_JWT_KEY_PROD', 'SF_JWT_KEY_UAT', 'SF_JWT_KEY_DEV'];
      const check = await checkPush({ targets: ['github:acme/fail'], names, env: pushEnv() });
      const seeded = await pushSecrets(check, [
        { secrets: names.map((name) => ({ name, value: creds.pushFail.privateKeyPem, pem: true })) },
      ]);
      expect(seeded.report.failure).to.equal(undefined);
      // A stored login with the old key, to see that the store is left as it was.
      const login = await sf.run([
        'org',
        'login',
        'jwt',
        '--username',
        ci(0),
        '--jwt-key-file',
        keyFile,
        '--client-id',
        APPS.pushFail.key,
        '--instance-url',
        fleet.orgs[0].url,
        '--json',
      ]);
      expect(login.code, login.stdout + login.stderr).to.equal(0);
      const storeBefore = withoutLogs(await snapshotTree([join(sf.home, '.sfdx'), join(sf.home, '.sf')]));
      const before = deployCounts();
      // The first secret is written, the second write fails (a 500: not retried).
      gh.failWrites({ after: 1, status: 500, times: 1, pathIncludes: 'acme/fail' });
      let run: SfRun;
      try {
        run = await sf.run(
          ['jwt-setup', 'fleet', 'rotate', '--json', '--manifest', manifest, '--push', 'github:acme/fail', '-w', '1'],
          { env: pushEnv(), timeoutMs: 480_000 },
        );
      } finally {
        gh.failWrites(undefined);
      }
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.json).to.include({ code: 'SecretPushFailed', status: 1 });
      expect(run.json?.message).to.match(/rolled back/);
      const data = (run.json as Json).data as Json;
      expect(data).to.deep.include({
        outcome: 'push-failed',
        rolledBack: true,
        target: 'github:acme/fail',
        secret: 'SF_JWT_KEY_UAT',
        written: { 'github:acme/fail': ['SF_JWT_KEY_PROD'] },
        pushUndone: [{ target: 'github:acme/fail', name: 'SF_JWT_KEY_PROD', action: 'restored' }],
        pushNotUndone: [],
        repointedAuths: [],
      });
      expect(orgsOf(run).map((o) => [o.alias, o.status, o.deployed, o.verified, o.rolledBack])).to.deep.equal([
        ['prod', 'rolled-back', true, true, true],
        ['uat', 'rolled-back', true, true, true],
        ['dev', 'rolled-back', true, true, true],
      ]);
      for (const i of [0, 1, 2]) {
        expect(deploys(i, before[i])).to.deep.equal(['Succeeded', 'Succeeded']);
        expect(live(i, APPS.pushFail.name)).to.equal(fingerprint(creds.pushFail.certificatePem));
        // The pipeline's secret holds the old key, which logs in again.
        expect(sameKey(gh.secrets('acme/fail')[names[i]], creds.pushFail.privateKeyPem), names[i]).to.equal(true);
        // eslint-disable-next-line no-await-in-loop
        expect(await jwt(i, creds.pushFail, APPS.pushFail.key)).to.equal(200);
      }
      expectSameTree(storeBefore, withoutLogs(await snapshotTree([join(sf.home, '.sfdx'), join(sf.home, '.sf')])));
      // The new key files are kept for the next run; the old key untouched.
      expect(await readFile(data.newKeyFile as string, 'utf8')).to.match(/PRIVATE KEY/);
      expect(await readFile(keyFile, 'utf8')).to.equal(creds.pushFail.privateKeyPem);
      expect(JSON.stringify(run.json)).not.to.match(/PRIVATE KEY/);
      expect((await readdir(dir)).filter((f) => /^server-\d{8}\.(key|crt)$/.test(f))).to.have.length(2);
    });

    it('a missing token is refused before any org is asked: PushTokenMissing, no deploy, no file, no write', async () => {
      const { dir, manifest } = await setUp('push-token', creds.pushToken, APPS.pushToken, SUFFIXES);
      const before = deployCounts();
      const writes = secretWrites();
      const run = await sf.run(
        ['jwt-setup', 'fleet', 'rotate', '--json', '--manifest', manifest, '--push', 'github:acme/fleet'],
        { env: pushEnv({ GH_TOKEN: '', GITHUB_TOKEN: '' }) },
      );
      expect(run.code, run.stdout + run.stderr).to.equal(1);
      expect(run.json).to.include({ code: 'PushTokenMissing', status: 1 });
      expect(run.json?.message).to.match(/GH_TOKEN/);
      expect(deployCounts()).to.deep.equal(before);
      expect(secretWrites()).to.equal(writes);
      expect((await readdir(dir)).sort()).to.deep.equal(['fleet.yaml', 'server.key']);
    });
  });

  it('a key folder inside a package folder is refused (KeyInPackageFolder), even with --dry-run', async () => {
    // The current key in the project's package folder `keys`: the new key would be written beside it.
    const { dir, manifest, keyFile } = await setUp('in-package', creds.pushToken, APPS.pushToken);
    await mkdir(join(dir, 'keys'));
    await writeFile(join(dir, 'keys', 'server.key'), await readFile(keyFile, 'utf8'), { mode: 0o600 });
    await writeFile(
      manifest,
      (await readFile(manifest, 'utf8')).replace('jwtKeyFile: server.key', 'jwtKeyFile: keys/server.key'),
    );
    await writeFile(
      join(dir, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'keys', default: true }] }),
    );
    const before = deployCounts();
    const run = await sf.run(['jwt-setup', 'fleet', 'rotate', '--json', '--manifest', manifest, '--dry-run'], {
      cwd: dir,
    });
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json, run.stdout).to.include({ code: 'KeyInPackageFolder', status: 1 });
    expect(run.json?.message).to.include(join(dir, 'keys'));
    expect(deployCounts()).to.deep.equal(before);
    expect(await readdir(join(dir, 'keys'))).to.deep.equal(['server.key']);
  });
});
