/*
 * What a hostile, careful test pass broke (issue #15): partial failures of the sf store, orphaned backups and locks,
 * key copies of failed logins, full disks, file-system errors without a code, inputs accepted and failing later, and
 * unbounded quoting. File-system permission cases run the plugin as an unprivileged user (root ignores file modes).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readdir, readFile, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { login } from '../../src/auth/login.js';
import { bounded, QUOTE_MAX } from '../../src/errors.js';
import { parseLoginUrl } from '../../src/jwt/endpoint.js';
import { checkIss } from '../../src/jwt/rules.js';
import { generateConsumerKey } from '../../src/app/names.js';
import { planApp } from '../../src/app/generate.js';
import {
  runDoctorWithFlags as runDoctor,
  BIN_DIR,
  ROOT,
  expectCoded,
  isolatedHome,
  loginInputs,
  rejection,
  run,
  snapshotTree,
  expectSameTree,
  tempDir,
} from '../helpers/index.js';
import { credentialsFromFlags } from '../../src/cli/credentials.js';

import { resolveLoginUrl } from '../../src/auth/inputs.js';
import { recoverOrphanedBackups, readStoredAuth } from '../../src/store/auth-store.js';
import { keyStoreDir, unreferencedKeyCopies } from '../../src/store/key-copy.js';
import { lockOwnerRecord, lockPath, withStoreLock } from '../../src/store/lock.js';
import { readableInstall, type ReadableInstall } from '../helpers/readable-install.js';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';

const CLIENT_ID = '3MVG9RobustnessConsumerKey0123456789';
const USER = 'ci@acme.com';
const NOBODY = 65_534;
const NODE = join(BIN_DIR, 'node');
const RUN_JS = join(ROOT, 'bin', 'run.js');

/**
 * The store as the test compares it: key.json is the sf CLI's own encryption key, made once on first use and shared by
 * every auth; a failed registration may leave it (removing it could break an auth another sf process just saved).
 */
function storeFiles(tree: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...tree].filter(([path]) => !path.endsWith('/.sfdx/key.json')));
}

/** A process id that is certainly not running: a child that has already exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('close', r));
  return child.pid!;
}

/**
 * The plugin's own CLI (bin/run.js, compiled lib/) as an unprivileged user, in `home`, from a world-readable copy
 * (the checkout may be where that user cannot go: a clone under /root or `mktemp -d`).
 */
function asNobody(
  install: ReadableInstall,
  home: string,
  args: string[],
  env: Record<string, string> = {},
): ReturnType<typeof run> {
  return run(
    'setpriv',
    ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', install.node, install.runJs, ...args],
    {
      cwd: home,
      env: {
        PATH: `${install.binDir}:/usr/bin:/bin`,
        HOME: home,
        SF_DISABLE_LOG_FILE: 'true',
        SF_USE_GENERIC_UNIX_KEYCHAIN: 'true',
        SF_DISABLE_TELEMETRY: 'true',
        SF_DISABLE_AUTOUPDATE: 'true',
        ...env,
      },
    },
  );
}

function jsonOf(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.slice(stdout.indexOf('{'))) as Record<string, unknown>;
}

function expectCodedJson(stdout: string, code: string): Record<string, unknown> {
  const json = jsonOf(stdout);
  expect(json.code, stdout).to.equal(code);
  expect(json, 'no stack trace for a user-facing failure').not.to.have.any.keys('stack', 'cause');
  expect((json.actions as string[] | undefined) ?? []).to.have.length.greaterThan(0);
  return json;
}

describe('robustness (#15)', function () {
  this.timeout(120_000);
  let emulator: SalesforceEmulator;
  let creds: TestCredentials;

  before(async () => {
    creds = await makeCredentials('robustness');
    emulator = await startEmulator({
      apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
      users: [
        { username: USER, permissionSets: ['CI'] },
        { username: 'other@acme.com', permissionSets: ['CI'] },
      ],
    });
  });

  after(async () => {
    await emulator?.stop();
  });

  describe('partial failures put everything back', () => {
    it('a registration that fails (~/.sf is a file) leaves alias.json, config and auth byte for byte, and removes the key copy it wrote', async () => {
      const home = await isolatedHome();
      try {
        await mkdir(join(home.home, '.sfdx'), { recursive: true });
        await writeFile(join(home.home, '.sfdx', 'alias.json'), '{"orgs":{"old":"old@acme.com"}}');
        await writeFile(join(home.home, '.sf'), 'not a folder');
        const before = await snapshotTree([join(home.home, '.sfdx')]);
        process.env.CI_KEY = creds.privateKeyPem;
        const error = await rejection(
          login(loginInputs(emulator.url, CLIENT_ID, USER, { env: 'CI_KEY' }), { alias: 'ci', setDefault: true }),
        );
        expectCoded(error, 'AuthSaveFailed', 'StoreNotWritable');
        const after = await snapshotTree([join(home.home, '.sfdx')]);
        expectSameTree(storeFiles(before), storeFiles(after));
        expect(existsSync(join(home.home, '.sfdx', `${USER}.json`))).to.equal(false);
        expect(await readdir(keyStoreDir()).catch(() => [])).to.deep.equal([]);
      } finally {
        delete process.env.CI_KEY;
        await home.restore();
      }
    });

    it('an orphaned backup is put back when the auth is missing, and removed when a good auth exists', async () => {
      const home = await isolatedHome();
      try {
        const sfdx = join(home.home, '.sfdx');
        await mkdir(sfdx, { recursive: true });
        const pid = await deadPid();
        const previous = JSON.stringify({ username: 'lost@acme.com', orgId: '00D000000000001AAA' });
        await writeFile(join(sfdx, `.sf-jwt-setup-lost@acme.com.${pid}.bak`), previous);
        await writeFile(join(sfdx, 'kept@acme.com.json'), JSON.stringify({ username: 'kept@acme.com' }));
        await writeFile(
          join(sfdx, `.sf-jwt-setup-kept@acme.com.${pid}.bak`),
          '{"username":"kept@acme.com","old":true}',
        );
        await withStoreLock(() => recoverOrphanedBackups());
        expect(await readFile(join(sfdx, 'lost@acme.com.json'), 'utf8')).to.equal(previous);
        expect(JSON.parse(await readFile(join(sfdx, 'kept@acme.com.json'), 'utf8'))).to.deep.equal({
          username: 'kept@acme.com',
        });
        expect((await readdir(sfdx)).filter((n) => n.endsWith('.bak'))).to.deep.equal([]);
      } finally {
        await home.restore();
      }
    });

    it('a lock whose owner is dead is taken over at once, not after a timeout', async () => {
      const home = await isolatedHome();
      try {
        await mkdir(lockPath(), { recursive: true });
        await writeFile(join(lockPath(), 'owner'), String(await deadPid()));
        const started = Date.now();
        await login(loginInputs(emulator.url, CLIENT_ID, USER, { text: creds.privateKeyPem, label: 'test key' }));
        expect(Date.now() - started).to.be.lessThan(5000);
        expect(existsSync(lockPath())).to.equal(false);
      } finally {
        await home.restore();
      }
    });

    it('a lock held by a live process past the wait is StoreLocked, naming the owner and the lock folder', async () => {
      const home = await isolatedHome();
      try {
        await mkdir(lockPath(), { recursive: true });
        await writeFile(join(lockPath(), 'owner'), lockOwnerRecord(process.ppid));
        await utimes(lockPath(), new Date(), new Date());
        const error = await rejection(withStoreLock(() => Promise.resolve(undefined), { waitMs: 300 }));
        expectCoded(error, 'StoreLocked');
        expect(error.message).to.include(`pid ${process.ppid}`);
        expect(error.actions?.join(' ')).to.include(lockPath());
      } finally {
        await home.restore();
      }
    });

    it('doctor reports key copies no authorization refers to, with the command that removes them', async () => {
      const home = await isolatedHome();
      try {
        await mkdir(keyStoreDir(), { recursive: true });
        const orphan = join(keyStoreDir(), `${'ab'.repeat(16)}.key`);
        await writeFile(orphan, creds.privateKeyPem, { mode: 0o600 });
        expect(await unreferencedKeyCopies()).to.deep.equal([orphan]);
        const report = await runDoctor({ offline: true }, { timeoutSeconds: 5 });
        const check = report.checks.find((c) => c.id === 'stored-auth.key-copies');
        expect(check?.status).to.equal('warn');
        expect(check?.fix).to.include(`rm -f '${orphan}'`);
      } finally {
        await home.restore();
      }
    });
  });

  describe('file-system failures are coded errors, never a stack', () => {
    let home: string;
    let keyFile: string;
    let install: ReadableInstall;

    before(async () => {
      install = await readableInstall(NOBODY);
    });

    after(async () => {
      await install?.dispose();
    });

    beforeEach(async () => {
      home = await tempDir('sfjwt-nobody-');
      await chmod(home, 0o755);
      await chown(home, NOBODY, NOBODY);
      keyFile = join(home, 'server.key');
      await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
      await chown(keyFile, NOBODY, NOBODY);
    });

    const loginArgs = (): string[] => [
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
      '--json',
    ];

    it('read-only ~/.sfdx (as an unprivileged user): StoreNotWritable naming the folder', async () => {
      await mkdir(join(home, '.sfdx'), { mode: 0o755 }); // owned by root: not writable for nobody
      const result = await asNobody(install, home, loginArgs());
      expect(result.code, result.stdout + result.stderr).to.equal(1);
      const json = expectCodedJson(result.stdout, 'StoreNotWritable');
      expect(json.message).to.include(join(home, '.sfdx')).and.include('permission denied');
    });

    it('an unwritable ~/.sf/config.json with --alias and --set-default (as an unprivileged user): alias.json and the auth are put back', async () => {
      const sfdx = join(home, '.sfdx');
      const sf = join(home, '.sf');
      await mkdir(sfdx, { mode: 0o700 });
      await writeFile(join(sfdx, 'alias.json'), '{"orgs":{"old":"old@acme.com"}}');
      await chown(sfdx, NOBODY, NOBODY);
      await chown(join(sfdx, 'alias.json'), NOBODY, NOBODY);
      await mkdir(sf, { mode: 0o755 });
      await writeFile(join(sf, 'config.json'), '{}', { mode: 0o644 }); // root's: readable, not writable
      const before = await snapshotTree([sfdx, sf]);
      const result = await asNobody(install, home, [...loginArgs(), '--alias', 'ci', '--set-default']);
      expect(result.code, result.stdout + result.stderr).to.equal(1);
      expectCodedJson(result.stdout, 'AuthSaveFailed');
      const after = await snapshotTree([sfdx, sf]);
      expectSameTree(storeFiles(before), storeFiles(after));
    });

    it('~/.sfdx as a dangling symbolic link, or as a regular file: StoreNotWritable saying which', async () => {
      await symlink(join(home, 'gone'), join(home, '.sfdx'));
      const dangling = await asNobody(install, home, loginArgs());
      expect(dangling.code, dangling.stdout + dangling.stderr).to.equal(1);
      expect(expectCodedJson(dangling.stdout, 'StoreNotWritable').message).to.include('symbolic link');

      const other = await tempDir('sfjwt-nobody-');
      await chmod(other, 0o755);
      await chown(other, NOBODY, NOBODY);
      await writeFile(join(other, '.sfdx'), 'a file');
      await chown(join(other, '.sfdx'), NOBODY, NOBODY);
      const file = await asNobody(install, other, loginArgs());
      expect(file.code, file.stdout + file.stderr).to.equal(1);
      expect(expectCodedJson(file.stdout, 'StoreNotWritable').message).to.include('a file is in the way');
    });
  });

  describe('a full disk', () => {
    const mountPoint = join(ROOT, '.tmp', 'full-disk');

    before(async () => {
      await mkdir(mountPoint, { recursive: true });
      // One 4 KiB page: the first of keygen's two parallel writes fits, the second finds the disk full.
      const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=4k', 'tmpfs', mountPoint]);
      expect(mounted.code, `mount tmpfs (needs root, as CI has): ${mounted.stderr}`).to.equal(0);
    });

    after(async () => {
      await run('umount', [mountPoint]);
    });

    it('keygen says nothing was changed and leaves no file, not even a temporary one', async () => {
      const home = await tempDir('sfjwt-full-');
      const result = await run(NODE, [RUN_JS, 'jwt-setup', 'keygen', '--output-dir', mountPoint, '--json'], {
        cwd: home,
        env: {
          PATH: `${BIN_DIR}:/usr/bin:/bin`,
          HOME: home,
          SF_DISABLE_LOG_FILE: 'true',
          SF_DISABLE_AUTOUPDATE: 'true',
        },
      });
      expect(result.code, result.stdout + result.stderr).to.equal(1);
      const json = expectCodedJson(result.stdout, 'WriteFailed');
      expect(json.message).to.include('the disk is full').and.include('Nothing was changed');
      expect(await readdir(mountPoint)).to.deep.equal([]);
    });
  });

  describe('inputs accepted and failing later', () => {
    it('the token endpoint given as the instance URL is stripped back to the host, with a notice', () => {
      const resolved = resolveLoginUrl(
        credentialsFromFlags({ 'instance-url': 'https://acme.my.salesforce.com/services/oauth2/token' }, {}),
      );
      expect(resolved.url.href).to.equal('https://acme.my.salesforce.com/');
      expect(resolved.notice).to.include('token endpoint').and.include('https://acme.my.salesforce.com');
      expect(parseLoginUrl('https://acme.my.site.com/partners/services/oauth2/token/').href).to.equal(
        'https://acme.my.site.com/partners',
      );
      expect(
        resolveLoginUrl(credentialsFromFlags({ 'instance-url': 'https://acme.my.salesforce.com' }, {})).notice,
      ).to.equal(undefined);
    });

    it('a certificate chain: app refuses it naming count and subjects; doctor uses the certificate that matches the key and says so', async () => {
      const dir = await tempDir('sfjwt-chain-');
      const ca1 = await makeCredentials('Acme Root CA');
      const ca2 = await makeCredentials('Acme Issuing CA');
      const chain = join(dir, 'chain.pem');
      await writeFile(chain, ca1.certificatePem + ca2.certificatePem + creds.certificatePem);
      const error = await rejection(
        planApp({ name: 'CI_Deploy', certificateFile: chain, contactEmail: 'a@acme.com', outputDir: dir }),
      );
      expectCoded(error, 'CertificateChain');
      expect(error.message).to.include('3 certificates').and.include('Acme Root CA').and.include('robustness');
      const keyFile = join(dir, 'server.key');
      await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
      const home = await isolatedHome();
      try {
        const report = await runDoctor(
          { 'certificate-file': chain, 'jwt-key-file': keyFile, offline: true },
          { timeoutSeconds: 5 },
        );
        expect(report.checks.find((c) => c.id === 'certificate.match')?.status).to.equal('pass');
        expect(report.checks.find((c) => c.id === 'certificate.decode')?.detail)
          .to.include('3 certificates')
          .and.include('number 3');
      } finally {
        await home.restore();
      }
    });

    it('doctor --target-org on a corrupt auth file names the file and that it cannot be read', async () => {
      const home = await isolatedHome();
      try {
        await mkdir(join(home.home, '.sfdx'), { recursive: true });
        const file = join(home.home, '.sfdx', `${USER}.json`);
        await writeFile(file, '{"username": "ci@acme.com", "privateKey": "/tm');
        const error = await rejection(readStoredAuth(USER));
        expectCoded(error, 'AuthFileUnreadable');
        expect(error.message).to.include(file);
        const report = await runDoctor({ 'target-org': USER, offline: true }, { timeoutSeconds: 5 });
        const check = report.checks.find((c) => c.id === 'stored-auth');
        expect(check?.status).to.equal('fail');
        expect(check?.detail).to.include(file).and.include('cannot be read');
        expect(check?.detail).not.to.include('No authorization');
      } finally {
        await home.restore();
      }
    });

    it('consumer keys our own app command generates pass the iss rule; org ids, secrets and whitespace do not', () => {
      for (let i = 0; i < 20; i++) expect(checkIss(generateConsumerKey()).status).to.equal('pass');
      expect(checkIss('00D5g000000abcdEAA').status).to.equal('fail');
      expect(checkIss('1234567890123456789').status).to.equal('fail');
      expect(checkIss('3MVG9 abc').status).to.equal('fail');
      expect(checkIss('has-dashes-and.dots!').status).to.equal('warn');
    });
  });

  describe('output keeps its contract', () => {
    it('a 100 kB value is quoted as a bounded prefix with the full length, in every coded message', async () => {
      const huge = 'x'.repeat(100_000);
      expect(bounded(huge).length).to.be.lessThan(QUOTE_MAX + 40);
      expect(bounded(huge)).to.include('…').and.include('100000');
      expect(bounded('a\nb')).to.equal('"a\\nb"');
      const home = await tempDir('sfjwt-quote-');
      for (const args of [
        ['jwt-setup', 'keygen', '--subject', `CN=${huge}`, '--json'],
        ['jwt-setup', 'keygen', '--name', huge, '--json'],
        ['jwt-setup', 'app', '--name', 'CI', '--permission-set', huge, '--json'],
        ['jwt-setup', 'login', '-o', USER, '-i', CLIENT_ID, '-r', huge, '--jwt-key-env', 'NOPE', '--json'],
      ]) {
        // eslint-disable-next-line no-await-in-loop
        const result = await run(NODE, [RUN_JS, ...args], {
          cwd: home,
          env: {
            PATH: `${BIN_DIR}:/usr/bin:/bin`,
            HOME: home,
            SF_DISABLE_LOG_FILE: 'true',
            SF_DISABLE_AUTOUPDATE: 'true',
          },
        });
        expect(result.code, args[1]).to.equal(1);
        expect(result.stdout.length, `${args[1]}: --json document size`).to.be.lessThan(4000);
        expect(jsonOf(result.stdout).code).to.be.a('string');
      }
    });

    it('keygen --name with a newline or a tab is refused as InvalidFileName, writing nothing', async () => {
      const home = await tempDir('sfjwt-name-');
      for (const name of ['a\nb', 'a\tb']) {
        // eslint-disable-next-line no-await-in-loop
        const result = await run(NODE, [RUN_JS, 'jwt-setup', 'keygen', '--name', name, '--json'], {
          cwd: home,
          env: {
            PATH: `${BIN_DIR}:/usr/bin:/bin`,
            HOME: home,
            SF_DISABLE_LOG_FILE: 'true',
            SF_DISABLE_AUTOUPDATE: 'true',
          },
        });
        expect(result.code).to.equal(1);
        expectCodedJson(result.stdout, 'InvalidFileName');
      }
      expect((await readdir(home)).filter((n) => n.endsWith('.key') || n.endsWith('.crt'))).to.deep.equal([]);
    });
  });
});
