/*
 * SIGKILL in the middle of a command: keygen leaves both files complete or neither, login leaves no auth file or a
 * valid one, rotate killed during its deploy leaves no temporary copy of the app's component (it deploys from
 * memory). keygen and login run as `node bin/dev.js …` (the TypeScript source) in a temporary HOME; rotate through
 * the real sf.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials } from '../emulator/testkit.js';
import { ROOT, run, childEnv, tempDir, SfSandbox } from '../helpers/index.js';

function killAfter(ms: number): { onSpawn: (child: import('node:child_process').ChildProcess) => void } {
  return {
    onSpawn: (child): void => {
      setTimeout(() => child.kill('SIGKILL'), ms);
    },
  };
}

describe('reliability: SIGKILL mid-command', function () {
  this.timeout(120_000);

  it('keygen --key-size 4096 killed at random moments: server.key and server.crt are both complete or both absent', async () => {
    const home = await tempDir('sfjwt-kill-home-');
    const delays = [
      50,
      150,
      300,
      450,
      600,
      800,
      ...Array.from({ length: 4 }, () => 50 + Math.floor(Math.random() * 750)),
    ];
    const outcomes: string[] = [];
    for (const delay of delays) {
      // eslint-disable-next-line no-await-in-loop
      const dir = await tempDir('sfjwt-kill-');
      // eslint-disable-next-line no-await-in-loop
      const result = await run(
        'node',
        [join(ROOT, 'bin', 'dev.js'), 'jwt-setup', 'keygen', '--key-size', '4096', '-d', dir, '--json'],
        {
          env: childEnv(home),
          cwd: ROOT,
          timeoutMs: 60_000,
          ...killAfter(delay),
        },
      );
      const keyFile = join(dir, 'server.key');
      const certFile = join(dir, 'server.crt');
      const hasKey = existsSync(keyFile);
      const hasCert = existsSync(certFile);
      outcomes.push(`${delay}ms:${result.signal ?? result.code}:${hasKey ? 'key' : '-'}${hasCert ? '+crt' : ''}`);
      expect(hasKey, `never one without the other (killed at ${delay} ms)`).to.equal(hasCert);
      if (hasKey) {
        // eslint-disable-next-line no-await-in-loop
        const key = createPrivateKey(await readFile(keyFile));
        expect(key.asymmetricKeyDetails?.modulusLength).to.equal(4096);
        // eslint-disable-next-line no-await-in-loop
        const cert = new X509Certificate(await readFile(certFile));
        expect(cert.checkPrivateKey(key), 'the certificate is for the key').to.equal(true);
      }
      if (result.signal !== 'SIGKILL') expect(result.code, result.stderr).to.equal(0);
      // eslint-disable-next-line no-await-in-loop
      const visible = (await readdir(dir)).filter((f) => !f.startsWith('.'));
      expect(
        visible.every((f) => f === 'server.key' || f === 'server.crt'),
        visible.join(','),
      ).to.equal(true);
    }
    // at least one run was really interrupted
    expect(
      outcomes.some((o) => o.includes('SIGKILL')),
      outcomes.join(' '),
    ).to.equal(true);
  });

  describe('login killed during the exchange', () => {
    let emu: SalesforceEmulator;
    let keyFile: string;
    let home: string;
    const CLIENT_ID = '3MVGKILL';

    before(async () => {
      const creds = await makeCredentials('kill');
      emu = await startEmulator({
        apps: [{ consumerKey: CLIENT_ID, certificatePem: creds.certificatePem, permissionSets: ['CI'] }],
        users: Array.from({ length: 8 }, (_, i) => ({ username: `kill${i}@acme.example`, permissionSets: ['CI'] })),
        latencyMs: 250,
      });
      home = await tempDir('sfjwt-kill-login-');
      keyFile = join(home, 'server.key');
      await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
    });
    after(async () => emu.stop());

    it('the auth file is either absent or valid JSON, and aliases stay valid JSON', async () => {
      const delays = [300, 700, 1100, 1500, 1900, 2300, 2700, 6000];
      for (const [i, delay] of delays.entries()) {
        const username = `kill${i}@acme.example`;
        // eslint-disable-next-line no-await-in-loop
        const result = await run(
          'node',
          [
            join(ROOT, 'bin', 'dev.js'),
            'jwt-setup',
            'login',
            '-o',
            username,
            '-f',
            keyFile,
            '-i',
            CLIENT_ID,
            '-r',
            emu.url,
            '-a',
            `k${i}`,
            '--json',
          ],
          { env: childEnv(home), cwd: home, timeoutMs: 60_000, ...killAfter(delay) },
        );
        const authFile = join(home, '.sfdx', `${username}.json`);
        if (existsSync(authFile)) {
          // eslint-disable-next-line no-await-in-loop
          const auth = JSON.parse(await readFile(authFile, 'utf8')) as Record<string, unknown>;
          expect(auth.username).to.equal(username);
          expect(auth.privateKey).to.equal(keyFile);
        } else {
          expect(result.signal, `no auth file only when killed: ${result.stderr}`).to.equal('SIGKILL');
        }
        const aliasFile = join(home, '.sfdx', 'alias.json');
        if (existsSync(aliasFile)) expect(() => JSON.parse(readFileSync(aliasFile, 'utf8')) as unknown).to.not.throw();
        if (result.signal !== 'SIGKILL') expect(result.code, result.stdout + result.stderr).to.equal(0);
      }
      // the last one (6 s) had time to finish
      expect(existsSync(join(home, '.sfdx', `kill${delays.length - 1}@acme.example.json`))).to.equal(true);
    });
  });

  describe('rotate killed during its deploy (issue 19 #11)', () => {
    let emu: SalesforceEmulator;
    let sf: SfSandbox;
    after(async () => {
      await emu?.stop();
      await sf?.dispose();
    });

    it('leaves no temporary folder holding the component (the consumer key and the certificate)', async () => {
      const creds = await makeCredentials('kill-rotate');
      emu = await startEmulator({
        users: [{ username: 'admin@acme.example' }, { username: 'ci@acme.example', permissionSets: ['CI'] }],
        apps: [
          {
            name: 'Kill_App',
            consumerKey: '3MVG9KillRotate0001',
            certificatePem: creds.certificatePem,
            permissionSets: ['CI'],
          },
        ],
      });
      sf = await SfSandbox.create();
      const admin = await sf.run(
        ['org', 'login', 'access-token', '--instance-url', emu.url, '--no-prompt', '--alias', 'admin', '--json'],
        { env: { SF_ACCESS_TOKEN: emu.issueAccessToken('admin@acme.example').access_token } },
      );
      expect(admin.code, admin.stdout + admin.stderr).to.equal(0);
      const keyFile = join(sf.home, 'server.key');
      await writeFile(keyFile, creds.privateKeyPem, { mode: 0o600 });
      const tmp = await tempDir('sfjwt-kill-tmp-');
      // The deploy request is never answered: the run is killed while it waits for it.
      emu.setFaults([{ kind: 'hang', match: 'ZipFile', times: 1 }]);
      const killed = await sf.run(
        [
          'jwt-setup',
          'rotate',
          '--target-org',
          'admin',
          '--app',
          'Kill_App',
          '-o',
          'ci@acme.example',
          '-f',
          keyFile,
          '--json',
        ],
        { env: { TMPDIR: tmp }, timeoutMs: 30_000 },
      );
      expect(killed.code, 'killed, not finished').to.equal(-1);
      expect(emu.state().faults, 'the deploy request arrived').to.deep.equal([]);
      const left = (await readdir(tmp)).filter((f) => f.startsWith('sf-jwt-setup'));
      expect(left, 'no temporary folder of the component').to.deep.equal([]);
    });
  });
});
