/*
 * `sf jwt-setup fleet login` and `fleet check` through the real sf CLI, against eight emulated orgs side by side
 * (each its own My Domain host, org id and users; one key pair and consumer key shared, as sandboxes copied from
 * production share them). One org refuses its user: the others log in and are usable at once, the refused one keeps
 * its earlier auth. Also CumulusCI's variables with a refresh after the token expired, fleet check with a certificate
 * due in 10 days (a warning; nothing written), every manifest error coded with nothing written, --json as one document.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { expect } from 'chai';
import { createSelfSignedCertificate } from '../../src/keys/certificate.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import {
  EmulatorFleet,
  expectSameTree,
  issuedTokens,
  jwtOrgOptions,
  keyLeakNeedles,
  ROOT,
  SfSandbox,
  snapshotTree,
  withoutLogs,
  type SfRun,
} from '../helpers/index.js';

const KEY = 'FleetConsumerKey0123456789';
const N = 8;
const BROKEN = 7;
const user = (i: number): string => `ci${i}@fleet${i}.example`;
const alias = (i: number): string => `org${i}`;
const ADMIN = 'admin@fleet0.example';

type OrgRow = {
  alias: string;
  username: string;
  orgId?: string;
  instanceUrl?: string;
  loginUrl?: string;
  status: string;
  code?: string;
  message?: string;
  durationMs: number;
  checks?: Array<{ id: string; status: string; detail: string; fix?: string }>;
};
type Report = { orgs: OrgRow[]; ok: number; failed: number; warned?: number };

describe('sf jwt-setup fleet login / fleet check through the real sf CLI', function () {
  this.timeout(600_000);
  let fleet: EmulatorFleet;
  let sf: SfSandbox;
  let creds: TestCredentials;
  let dir: string;
  let keyFile: string;

  const store = async (): Promise<Map<string, Buffer>> =>
    withoutLogs(await snapshotTree([join(sf.home, '.sfdx'), join(sf.home, '.sf')]));

  const manifestYaml = (orgs: number[], extra: (i: number) => string = (): string => ''): string =>
    [
      'defaults:',
      `  clientId: ${KEY}`,
      '  jwtKeyFile: keys/server.key',
      'orgs:',
      ...orgs.map(
        (i) => `  - alias: ${alias(i)}\n    username: ${user(i)}\n    instanceUrl: ${fleet.orgs[i].url}\n${extra(i)}`,
      ),
    ].join('\n');

  const writeManifest = async (name: string, text: string): Promise<string> => {
    await writeFile(join(dir, name), text);
    return join('fleet', name); // relative to the sandbox HOME (the cwd of every sf run)
  };

  /** `data` is valid against the command's generated schema (schemas/jwt__setup-fleet-<command>.json). */
  const expectSchema = async (command: 'login' | 'check', data: unknown): Promise<void> => {
    const schema = JSON.parse(
      await readFile(join(ROOT, 'schemas', `jwt__setup-fleet-${command}.json`), 'utf8'),
    ) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    expect(validate(data), ajv.errorsText(validate.errors)).to.equal(true);
  };

  const report = (run: SfRun): Report => {
    expect(run.json, run.stdout + run.stderr).to.not.equal(undefined);
    const json = run.json as unknown as { result?: Report; data?: Report };
    return (json.result ?? json.data) as Report;
  };

  before(async () => {
    creds = await makeCredentials('fleet');
    fleet = await EmulatorFleet.start(
      Array.from({ length: N }, (_, i) =>
        jwtOrgOptions({
          consumerKey: KEY,
          certificatePem: creds.certificatePem,
          usernames: i === 0 ? [user(i), ADMIN] : [user(i)],
        }),
      ),
    );
    sf = await SfSandbox.create();
    dir = join(sf.home, 'fleet');
    await mkdir(join(dir, 'keys'), { recursive: true });
    keyFile = join(dir, 'keys', 'server.key');
    await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
  });

  after(async () => {
    await fleet?.stop();
    await sf?.dispose();
  });

  it('8 orgs, one refusing its user: exit 1 FleetPartiallyFailed with the whole report; 7 usable aliases; the refused org keeps its earlier auth', async () => {
    // The broken org was logged in before, with an alias and as the default; then its user lost the permission set.
    const earlier = await sf.run([
      'jwt-setup',
      'login',
      '-o',
      user(BROKEN),
      '-f',
      keyFile,
      '-i',
      KEY,
      '-r',
      fleet.orgs[BROKEN].url,
      '-a',
      alias(BROKEN),
      '-s',
      '--json',
    ]);
    expect(earlier.code, earlier.stdout + earlier.stderr).to.equal(0);
    fleet.orgs[BROKEN].emulator.updateUser(user(BROKEN), { permissionSets: [] });
    const brokenAuth = join(sf.home, '.sfdx', `${user(BROKEN)}.json`);
    const authBefore = await readFile(brokenAuth);
    const configFile = join(sf.home, '.sf', 'config.json');
    const configBefore = await readFile(configFile);
    fleet.clearLogs();

    const manifest = await writeManifest('fleet.yaml', manifestYaml([...Array(N).keys()]));
    const run = await sf.run(['jwt-setup', 'fleet', 'login', '-m', manifest, '--json'], { timeoutMs: 180_000 });
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    expect(run.json?.name).to.equal('FleetPartiallyFailedError');
    expect((run.json as { code?: string }).code).to.equal('FleetPartiallyFailed');
    expect(run.json?.message).to.include(`${alias(BROKEN)} (UserNotApproved)`);
    const data = report(run);
    expect(data.ok).to.equal(7);
    expect(data.failed).to.equal(1);
    expect(data.orgs.map((o) => o.alias)).to.deep.equal([...Array(N).keys()].map(alias));
    for (const [i, o] of data.orgs.entries()) {
      expect(o.username).to.equal(user(i));
      expect(o.loginUrl).to.equal(fleet.orgs[i].url);
      expect(o.durationMs).to.be.a('number');
      if (i === BROKEN) {
        expect(o).to.include({ status: 'failed', code: 'UserNotApproved' });
        expect(o.message).to.be.a('string').and.not.equal('');
      } else {
        expect(o).to.include({ status: 'ok', orgId: fleet.orgs[i].orgId, instanceUrl: fleet.orgs[i].url });
        expect(o).to.not.have.property('code');
      }
    }
    // One exchange per org: the shared key, loaded once, logged in to each org at its own host.
    for (const org of fleet.orgs) {
      expect(org.emulator.requestLog.filter((e) => e.path === '/services/oauth2/token')).to.have.length(1);
    }
    // The refused org: its earlier auth, alias and default are as they were.
    expect((await readFile(brokenAuth)).equals(authBefore)).to.equal(true);
    expect((await readFile(configFile)).equals(configBefore)).to.equal(true);
    const aliases = JSON.parse(await readFile(join(sf.home, '.sfdx', 'alias.json'), 'utf8')) as {
      orgs: Record<string, string>;
    };
    expect(aliases.orgs).to.deep.equal(Object.fromEntries([...Array(N).keys()].map((i) => [alias(i), user(i)])));
    // Every org that logged in works at once with the real sf.
    const displays = await Promise.all(
      [...Array(N).keys()]
        .filter((i) => i !== BROKEN)
        .map((i) => sf.run(['org', 'display', '-o', alias(i), '--json'], { timeoutMs: 180_000 })),
    );
    for (const [k, d] of displays.entries()) {
      expect(d.code, d.stdout + d.stderr).to.equal(0);
      expect(d.json?.result?.connectedStatus, `org${k}`).to.equal('Connected');
    }
    const query = await sf.run(['data', 'query', '-q', 'SELECT Id, Name FROM Account', '-o', alias(3), '--json']);
    expect(query.code, query.stdout + query.stderr).to.equal(0);
  });

  it('--json is one document with the table data; no token or key in any output; --set-default and --allow-failures', async () => {
    const manifest = await writeManifest('fleet.yaml', manifestYaml([...Array(N).keys()]));
    const run = await sf.run([
      'jwt-setup',
      'fleet',
      'login',
      '-m',
      manifest,
      '--only',
      `${alias(1)},${alias(BROKEN)},${alias(2)}`,
      '--set-default',
      alias(2),
      '--allow-failures',
      '--concurrency',
      '2',
      '--json',
    ]);
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const whole = JSON.parse(run.stdout) as { status: number; result: Report };
    expect(whole.status).to.equal(0);
    expect(whole.result.orgs.map((o) => o.alias)).to.deep.equal([alias(1), alias(2), alias(BROKEN)]);
    expect(whole.result).to.include({ ok: 2, failed: 1 });
    await expectSchema('login', whole.result);
    const config = JSON.parse(await readFile(join(sf.home, '.sf', 'config.json'), 'utf8')) as Record<string, string>;
    expect(config['target-org']).to.equal(alias(2));
    const tokens = fleet.orgs.flatMap((o) => issuedTokens(o.emulator));
    const text = run.stdout + run.stderr;
    for (const t of tokens) expect(text).to.not.include(t);
    for (const needle of keyLeakNeedles(creds.privateKeyPem)) expect(text).to.not.include(needle);

    const human = await sf.run([
      'jwt-setup',
      'fleet',
      'login',
      '-m',
      manifest,
      '--only',
      `${alias(1)},${alias(BROKEN)}`,
    ]);
    expect(human.code).to.equal(1);
    expect(human.stdout).to.match(/ALIAS\s+USERNAME\s+ORG ID\s+RESULT\s+SECONDS/);
    expect(human.stdout).to.match(
      new RegExp(`${alias(BROKEN)}\\s+${user(BROKEN).replace(/\./g, '\\.')}\\s+-\\s+UserNotApproved`),
    );
    expect(human.stdout).to.match(/^1 of 2 orgs logged in$/m);
    expect(human.stdout).to.match(
      new RegExp(`${alias(BROKEN)} \\(${user(BROKEN).replace(/\./g, '\\.')}\\):\\n  UserNotApproved: `),
    );
  });

  it('GitHub Actions: each failed org is an error annotation, the table goes to the job summary', async () => {
    const manifest = await writeManifest('fleet.yaml', manifestYaml([...Array(N).keys()]));
    const summary = join(sf.home, 'summary.md');
    await writeFile(summary, '');
    const run = await sf.run(
      ['jwt-setup', 'fleet', 'login', '-m', manifest, '--only', `${alias(4)},${alias(BROKEN)}`],
      {
        env: { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: summary },
      },
    );
    expect(run.code).to.equal(1);
    expect(run.stdout).to.match(/^::error title=sf jwt-setup fleet login%3A org7::UserNotApproved: /m);
    expect(run.stdout).to.not.match(/::error title=[^:]*org4/);
    const md = await readFile(summary, 'utf8');
    expect(md).to.include('| Alias | Username | Org ID | Result | Seconds |');
    expect(md).to.match(/\| org4 \| ci4@fleet4\.example \| 00D\w+ \| ✅ ok \|/);
    expect(md).to.include('❌ UserNotApproved');
  });

  it('--from-env cumulusci: CUMULUSCI_ORG_<name>, SFDX_CLIENT_ID, SFDX_HUB_KEY; the key kept for refresh', async () => {
    const env = {
      CUMULUSCI_ORG_cci5: JSON.stringify({ username: user(5), instance_url: fleet.orgs[5].url }),
      CUMULUSCI_ORG_cci6: JSON.stringify({ username: user(6), instance_url: fleet.orgs[6].url }),
      SFDX_CLIENT_ID: KEY,
      SFDX_HUB_KEY: creds.privateKeyPem,
    };
    const run = await sf.run(['jwt-setup', 'fleet', 'login', '--from-env', 'cumulusci', '--json'], { env });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    const result = report(run);
    expect(result.orgs.map((o) => [o.alias, o.status, o.orgId])).to.deep.equal([
      ['cci5', 'ok', fleet.orgs[5].orgId],
      ['cci6', 'ok', fleet.orgs[6].orgId],
    ]);
    const auth = JSON.parse(await readFile(join(sf.home, '.sfdx', `${user(5)}.json`), 'utf8')) as {
      privateKey: string;
    };
    expect(auth.privateKey).to.match(/\.sfdx\/sf-jwt-setup\/keys\/[0-9a-f]{32}\.key$/);
    expect(JSON.stringify(run.json)).to.not.include('PRIVATE KEY');
  });

  it('an org whose key came from an environment variable refreshes its token after expiry, with the variable gone', async () => {
    const before = fleet.orgs[6].emulator.issuedTokenCount();
    fleet.orgs[6].emulator.expireAllTokens();
    const display = await sf.run(['org', 'display', '-o', 'cci6', '--json']);
    expect(display.code, display.stdout + display.stderr).to.equal(0);
    expect(display.json?.result?.connectedStatus).to.equal('Connected');
    expect(fleet.orgs[6].emulator.issuedTokenCount(), 'sf signed a new assertion with the kept key').to.be.greaterThan(
      before,
    );
  });

  it('fleet check: a certificate expiring in 10 days is a warning naming the rotate command; exit 0; the store byte-identical', async () => {
    const key = (await import('node:crypto')).createPrivateKey(creds.privateKeyPem);
    const short = await createSelfSignedCertificate({
      privateKey: key,
      publicKey: (await import('node:crypto')).createPublicKey(key),
      subject: [{ type: 'CN', value: 'fleet short' }],
      days: 10,
    });
    const certFile = join(dir, 'keys', 'short.crt');
    await writeFile(certFile, short.pem);
    // The org's app holds the short certificate too: with adminOrg, its expiry is read from the org.
    const org0 = fleet.orgs[0].emulator;
    org0.addApp({ name: 'Fleet_App', consumerKey: KEY, certificatePem: short.pem, permissionSets: ['CI'] });
    // The admin login is a JWT login too: its token expires before the check, and the sf libraries refresh it then.
    const admin = await sf.run([
      'jwt-setup',
      'login',
      '-o',
      ADMIN,
      '-f',
      keyFile,
      '-i',
      KEY,
      '-r',
      fleet.orgs[0].url,
      '-a',
      'admin0',
      '--json',
    ]);
    expect(admin.code, admin.stdout + admin.stderr).to.equal(0);
    const manifest = await writeManifest(
      'check.yaml',
      manifestYaml([0, 1], (i) =>
        i === 0 ? '    certificateFile: keys/short.crt\n    adminOrg: admin0\n    app: Fleet_App\n' : '',
      ),
    );
    org0.expireAllTokens();
    const issued = org0.issuedTokenCount();
    const before = await store();
    const counts = fleet.orgs.map((o) => o.emulator.deploys().length);
    const run = await sf.run(['jwt-setup', 'fleet', 'check', '-m', manifest, '--json'], { timeoutMs: 240_000 });
    expect(run.code, run.stdout + run.stderr).to.equal(0);
    expect(org0.issuedTokenCount() - issued, "the check's exchange and the admin's refresh").to.be.at.least(2);
    // Nothing written: every file of the store byte-identical (the admin's refreshed token too), no deploy anywhere.
    expectSameTree(before, await store());
    expect(fleet.orgs.map((o) => o.emulator.deploys().length)).to.deep.equal(counts);
    const result = report(run);
    await expectSchema('check', result);
    const [o0, o1] = result.orgs;
    // The key sits under /tmp here, which doctor rightly warns about; nothing fails.
    const problems = (o: OrgRow): string[] =>
      o.checks!.filter((c) => c.status !== 'pass' && c.status !== 'skip').map((c) => `${c.id}:${c.status}`);
    expect(problems(o0).sort()).to.deep.equal([
      'certificate.validity:warn',
      'key.location:warn',
      'org.certificate:warn',
    ]);
    expect(problems(o1)).to.deep.equal(['key.location:warn']);
    expect(o0.status).to.equal('warn');
    expect(result).to.include({ ok: 2, failed: 0, warned: 2 });
    const local = o0.checks!.find((c) => c.id === 'certificate.validity')!;
    expect(local.status).to.equal('warn');
    expect(local.detail).to.match(/in (9|10) days/);
    const rotate = `sf jwt-setup rotate --target-org admin0 --app Fleet_App --username ${user(0)} --jwt-key-file ${keyFile}`;
    expect(local.fix).to.include(rotate);
    const inOrg = o0.checks!.find((c) => c.id === 'org.certificate')!;
    expect(inOrg.status).to.equal('warn');
    expect(inOrg.fix).to.include(rotate);
    for (const id of ['key.decode', 'exchange', 'api', 'stored-auth', 'org.app']) {
      expect(o0.checks!.find((c) => c.id === id)?.status, id).to.equal('pass');
    }
    expect(o0.orgId).to.equal(fleet.orgs[0].orgId);

    const human = await sf.run(['jwt-setup', 'fleet', 'check', '-m', manifest], { timeoutMs: 240_000 });
    expect(human.code, human.stdout + human.stderr).to.equal(0);
    expect(human.stdout).to.match(/ALIAS\s+USERNAME\s+ORG ID\s+RESULT\s+SECONDS/);
    expect(human.stdout).to.match(/^2 of 2 orgs passed, 2 with warnings$/m);
    expect(human.stdout).to.include(`Fix: Rotate before it expires: \`${rotate}`);

    // --fail-on warn makes the warning fail the run.
    const strict = await sf.run(['jwt-setup', 'fleet', 'check', '-m', manifest, '--fail-on', 'warn', '--json']);
    expect(strict.code).to.equal(1);
    expect(strict.json?.name).to.equal('FleetPartiallyFailedError');
    expectSameTree(before, await store());
  });

  it('fleet check --all: every JWT auth of the store, the refused org failed with its login code; nothing written', async () => {
    const before = await store();
    const run = await sf.run(['jwt-setup', 'fleet', 'check', '--all', '--json'], { timeoutMs: 240_000 });
    expect(run.code, run.stdout + run.stderr).to.equal(1);
    const result = report(run);
    // org0..org7 (org5 and org6 as cci5/cci6 now: one auth per username) and the admin's JWT login.
    expect(result.orgs.map((o) => o.username).sort()).to.deep.equal([...[...Array(N).keys()].map(user), ADMIN].sort());
    const broken = result.orgs.find((o) => o.username === user(BROKEN))!;
    expect(broken).to.include({ status: 'failed', code: 'UserNotApproved', alias: alias(BROKEN) });
    expect(result.failed).to.equal(1);
    expectSameTree(before, await store());
  });

  it('every manifest error is ManifestInvalid with file:line, and nothing is logged in or written', async () => {
    const bad: Array<[string, string, RegExp]> = [
      [
        'unknown.yaml',
        manifestYaml([0]).replace('instanceUrl', 'colour: red\n    instanceUrl'),
        /unknown\.yaml:7: org 'org0': unknown key 'colour'/,
      ],
      [
        'dup.yaml',
        manifestYaml([0, 1]).replace(`alias: ${alias(1)}`, `alias: ${alias(0)}`),
        /dup\.yaml:9: org 'org0': the alias is already used/,
      ],
      [
        'nouser.yaml',
        manifestYaml([0]).replace(`username: ${user(0)}`, ''),
        /nouser\.yaml:5: org 'org0' has no 'username'/,
      ],
      [
        'twokeys.yaml',
        manifestYaml([0]).replace('instanceUrl', 'jwtKeyFile: a.key\n    jwtKeyEnv: K\n    instanceUrl'),
        /twokeys\.yaml:5: org 'org0': both 'jwtKeyFile' and 'jwtKeyEnv'/,
      ],
    ];
    const before = await store();
    fleet.clearLogs();
    for (const [name, text, message] of bad) {
      // eslint-disable-next-line no-await-in-loop
      const manifest = await writeManifest(name, text);
      // eslint-disable-next-line no-await-in-loop
      const run = await sf.run(['jwt-setup', 'fleet', 'login', '-m', manifest, '--json']);
      expect(run.code, name).to.equal(1);
      expect(run.json?.name, name).to.equal('ManifestInvalidError');
      expect(run.json?.message, name).to.match(message);
    }
    const only = await sf.run([
      'jwt-setup',
      'fleet',
      'check',
      '-m',
      await writeManifest('ok.yaml', manifestYaml([0])),
      '--only',
      'nope',
      '--json',
    ]);
    expect(only.json?.name).to.equal('ManifestInvalidError');
    expect(only.json?.message).to.include('--only names nope');
    const both = await sf.run(['jwt-setup', 'fleet', 'login', '-m', 'fleet/ok.yaml', '--from-env', 'cumulusci']);
    expect(both.code, 'the sources are exclusive').to.equal(2);
    expectSameTree(before, await store());
    expect(fleet.tokenRequests(), 'nothing was logged in').to.equal(0);
  });
});
