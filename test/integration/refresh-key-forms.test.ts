/*
 * Every key form `sf jwt-setup login -f` accepts must still work when the real sf CLI refreshes the token later: sf
 * reads the registered key file as UTF-8 text and signs with jsonwebtoken, which takes plain PEM only. Forms sf cannot
 * read as they are (DER, base64 of the PEM, literal \n, indentation, encryption) are registered as a normalised copy.
 */
import { createPrivateKey } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { startEmulator, type SalesforceEmulator } from '../emulator/index.js';
import { makeCredentials, type TestCredentials } from '../emulator/testkit.js';
import { SfSandbox } from '../helpers/index.js';

type Form = {
  name: string;
  /** The file's bytes, from the key. */
  bytes: (creds: TestCredentials) => Buffer;
  /** sf reads it as it is: registered where it is, not copied. */
  inPlace: boolean;
  env?: Record<string, string>;
  flags?: string[];
};

const pkcs1Pem = (c: TestCredentials): string => c.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;

const FORMS: Form[] = [
  { name: 'PKCS#8 PEM', bytes: (c) => Buffer.from(c.privateKeyPem), inPlace: true },
  { name: 'PKCS#1 PEM', bytes: (c) => Buffer.from(pkcs1Pem(c)), inPlace: true },
  { name: 'PKCS#8 DER', bytes: (c) => c.privateKey.export({ type: 'pkcs8', format: 'der' }), inPlace: false },
  { name: 'PKCS#1 DER', bytes: (c) => c.privateKey.export({ type: 'pkcs1', format: 'der' }), inPlace: false },
  {
    name: 'base64 of the PEM',
    bytes: (c) => Buffer.from(Buffer.from(c.privateKeyPem).toString('base64')),
    inPlace: false,
  },
  {
    name: 'PEM with literal \\n',
    bytes: (c) => Buffer.from(c.privateKeyPem.trim().replace(/\n/g, '\\n')),
    inPlace: false,
  },
  {
    name: 'indented PEM',
    bytes: (c) =>
      Buffer.from(
        c.privateKeyPem
          .split('\n')
          .map((l) => (l ? `    ${l}` : l))
          .join('\n'),
      ),
    inPlace: false,
  },
  {
    name: 'encrypted PKCS#8 PEM',
    bytes: (c) =>
      Buffer.from(
        c.privateKey.export({
          type: 'pkcs8',
          format: 'pem',
          cipher: 'aes-256-cbc',
          passphrase: 'pipeline-secret',
        }) as string,
      ),
    inPlace: false,
    env: { CI_KEY_PASS: 'pipeline-secret' },
    flags: ['--passphrase-env', 'CI_KEY_PASS'],
  },
];

describe('real sf refreshes the token of a login -f, for every key form the plugin accepts', function () {
  this.timeout(300_000);
  let sf: SfSandbox;
  let emulator: SalesforceEmulator;
  const creds: TestCredentials[] = [];

  before(async () => {
    sf = await SfSandbox.create();
    for (let i = 0; i < FORMS.length; i++) creds.push(await makeCredentials(`form ${i}`)); // eslint-disable-line no-await-in-loop
    emulator = await startEmulator({
      tokenLifetimeSeconds: 3600,
      apps: FORMS.map((_, i) => ({
        consumerKey: `FormKey${i}x0123456789`,
        certificatePem: creds[i].certificatePem,
        permissionSets: ['CI'],
      })),
      users: FORMS.map((_, i) => ({ username: `form${i}@acme.com`, permissionSets: ['CI'] })),
    });
  });

  after(async () => {
    await emulator?.stop();
    await sf?.dispose();
  });

  FORMS.forEach((form, i) => {
    it(`${form.name}: login, expire every token, then sf org display refreshes from the registered key`, async () => {
      const user = `form${i}@acme.com`;
      const file = join(sf.home, `key-${i}.key`);
      await writeFile(file, form.bytes(creds[i]), { mode: 0o600 });
      const login = await sf.run(
        [
          'jwt-setup',
          'login',
          '-o',
          user,
          '-f',
          file,
          '-i',
          `FormKey${i}x0123456789`,
          '-r',
          emulator.url,
          '--json',
          ...(form.flags ?? []),
        ],
        { env: form.env },
      );
      expect(login.code, login.stdout + login.stderr).to.equal(0);
      const registered = login.json?.result?.privateKeyFile as string;
      const auth = JSON.parse(await readFile(join(sf.home, '.sfdx', `${user}.json`), 'utf8')) as { privateKey: string };
      expect(auth.privateKey).to.equal(registered);
      if (form.inPlace) {
        expect(registered).to.equal(file);
      } else {
        expect(registered).to.match(/\.sfdx\/sf-jwt-setup\/keys\/[0-9a-f]{32}\.key$/);
        expect((await stat(registered)).mode & 0o777).to.equal(0o600);
        // The copy is what sf reads: plain PKCS#8 PEM of the same key.
        const text = await readFile(registered, 'utf8');
        expect(text.startsWith('-----BEGIN PRIVATE KEY-----')).to.equal(true);
        expect(createPrivateKey(text).equals(creds[i].privateKey)).to.equal(true);
        // The original file is untouched.
        expect((await readFile(file)).equals(form.bytes(creds[i])) || form.name.startsWith('encrypted')).to.equal(true);
        expect(existsSync(file)).to.equal(true);
      }

      const before = emulator.issuedTokenCount();
      emulator.expireAllTokens();
      const display = await sf.run(['org', 'display', '--target-org', user, '--json']);
      expect(display.code, display.stdout + display.stderr).to.equal(0);
      expect(display.json?.result?.connectedStatus).to.equal('Connected');
      expect(emulator.issuedTokenCount(), 'sf obtained a new token with the registered key').to.be.greaterThan(before);

      const doctor = await sf.run(['jwt-setup', 'doctor', '--target-org', user, '--offline', '--json']);
      const stored = ((doctor.json?.result?.checks ?? []) as Array<{ id: string; status: string }>).find(
        (c) => c.id === 'stored-auth',
      );
      expect(stored?.status, doctor.stdout).to.equal('pass');
    });
  });

  it('doctor and the sf doctor hook fail a registered key file that sf cannot read (a DER file put in place of the PEM)', async () => {
    const user = 'form0@acme.com';
    const auth = JSON.parse(await readFile(join(sf.home, '.sfdx', `${user}.json`), 'utf8')) as { privateKey: string };
    await writeFile(auth.privateKey, creds[0].privateKey.export({ type: 'pkcs8', format: 'der' }));
    const doctor = await sf.run(['jwt-setup', 'doctor', '--target-org', user, '--offline', '--json']);
    const stored = ((doctor.json?.result?.checks ?? []) as Array<{ id: string; status: string; detail: string }>).find(
      (c) => c.id === 'stored-auth',
    );
    expect(stored?.status).to.equal('fail');
    expect(stored?.detail).to.include('plain PEM');
    const { diagnoseJwtAuths } = await import('../../src/hooks/diagnostics.js');
    const saved = process.env.HOME;
    process.env.HOME = sf.home;
    const { StateAggregator } = await import('@salesforce/core');
    StateAggregator.clearInstance();
    try {
      const results = await diagnoseJwtAuths();
      expect(results.find((r) => r.username === user)?.status).to.equal('fail');
      expect(results.find((r) => r.username === 'form1@acme.com')?.status).to.equal('pass');
    } finally {
      process.env.HOME = saved;
      StateAggregator.clearInstance();
    }
  });
});
