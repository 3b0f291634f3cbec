import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Keygen, { type KeygenResult } from '../../src/commands/jwt-setup/keygen.js';
import { privateKeyPem } from '../../src/keys/private-key.js';
import { expectCommandError, isolatedHome, runCommand, snapshotDir, tempDir, type Home } from '../helpers/index.js';

describe('sf jwt-setup keygen', function () {
  this.timeout(30_000);
  let dir: string;
  let home: Home;

  beforeEach(async () => {
    home = await isolatedHome();
    dir = await tempDir('sfjwt-keygen-cmd-');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
    await home.restore();
  });

  it('writes server.key (0600) and server.crt that match, and returns the outcome as JSON', async () => {
    const ran = await runCommand<KeygenResult>(Keygen, [
      '--output-dir',
      dir,
      '--subject',
      'CN=ci-deploy,O=Acme',
      '--days',
      '30',
      '--json',
    ]);
    expect(ran.error, ran.error?.message).to.equal(undefined);
    const result = ran.result!;
    expect(result).to.include({
      keyFile: join(dir, 'server.key'),
      certificateFile: join(dir, 'server.crt'),
      keySize: 2048,
      subject: 'CN=ci-deploy, O=Acme',
      keyEncrypted: false,
      keyGenerated: true,
    });
    const json = JSON.parse(ran.stdout) as { status: number; result: KeygenResult };
    expect(json.status).to.equal(0);
    expect(json.result).to.deep.equal(result);
    expect((await stat(result.keyFile)).mode & 0o777).to.equal(0o600);
    const key = createPrivateKey(await readFile(result.keyFile));
    const cert = new X509Certificate(await readFile(result.certificateFile));
    expect(cert.publicKey.equals(createPublicKey(key))).to.equal(true);
    expect(new Date(cert.validTo).getTime() - new Date(cert.validFrom).getTime()).to.equal(30 * 86_400_000);
    // the JSON holds no key material
    const body = (await readFile(result.keyFile, 'utf8')).split('\n')[1];
    expect(ran.stdout).to.not.include(body);
  });

  it('human output names both files and the next steps', async () => {
    const ran = await runCommand<KeygenResult>(Keygen, ['--output-dir', dir, '--name', 'ci']);
    expect(ran.error, ran.error?.message).to.equal(undefined);
    expect(ran.stdout).to.include(join(dir, 'ci.key')).and.include(join(dir, 'ci.crt'));
  });

  it('--passphrase-env encrypts the key (BEGIN ENCRYPTED PRIVATE KEY), which decrypts with the passphrase', async () => {
    home.setEnv('KEYGEN_PW', 'pass phrase');
    const ran = await runCommand<KeygenResult>(Keygen, [
      '--output-dir',
      dir,
      '--passphrase-env',
      'KEYGEN_PW',
      '--json',
    ]);
    expect(ran.error, ran.error?.message).to.equal(undefined);
    expect(ran.result!.keyEncrypted).to.equal(true);
    const text = await readFile(ran.result!.keyFile, 'utf8');
    expect(text).to.match(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(() => createPrivateKey(text)).to.throw();
    const key = createPrivateKey({ key: text, passphrase: 'pass phrase' });
    const cert = new X509Certificate(await readFile(ran.result!.certificateFile));
    expect(cert.publicKey.equals(createPublicKey(key))).to.equal(true);
  });

  it('--key-file with --passphrase-env: a certificate for the existing encrypted key; the key file is untouched', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyFile = join(dir, 'existing.key');
    await writeFile(keyFile, privateKeyPem(privateKey, 'pw'), { mode: 0o600 });
    home.setEnv('KEYGEN_PW', 'pw');
    const before = await snapshotDir(dir);
    const ran = await runCommand<KeygenResult>(Keygen, [
      '--output-dir',
      dir,
      '--key-file',
      keyFile,
      '--passphrase-env',
      'KEYGEN_PW',
      '--json',
    ]);
    expect(ran.error, ran.error?.message).to.equal(undefined);
    expect(ran.result).to.include({
      keyFile,
      keyGenerated: false,
      keyEncrypted: true,
      certificateFile: join(dir, 'server.crt'),
    });
    const cert = new X509Certificate(await readFile(join(dir, 'server.crt')));
    expect(cert.publicKey.equals(publicKey)).to.equal(true);
    const after = await snapshotDir(dir);
    expect(after['existing.key']).to.equal(before['existing.key']);
    expect(Object.keys(after).sort()).to.deep.equal(['existing.key', 'server.crt']);
  });

  describe('refusals leave the output directory as it was', () => {
    async function refused(code: string, args: string[]): Promise<void> {
      const before = await snapshotDir(dir);
      const ran = await runCommand<KeygenResult>(Keygen, ['--output-dir', dir, ...args, '--json']);
      expectCommandError(ran, code);
      expect(ran.exitCode).to.equal(1);
      expect(await snapshotDir(dir)).to.deep.equal(before);
    }

    it('--key-size 1024 → InvalidKeySize', async () => refused('InvalidKeySize', ['--key-size', '1024']));
    it('--days 0 → InvalidDays', async () => refused('InvalidDays', ['--days', '0']));
    it('--days 3651 → InvalidDays', async () => refused('InvalidDays', ['--days', '3651']));
    it('--subject CN → InvalidSubject', async () => refused('InvalidSubject', ['--subject', 'CN']));
    it('--subject XX=y → InvalidSubject', async () => refused('InvalidSubject', ['--subject', 'XX=y']));
    it('--subject C=USA → InvalidSubject', async () => refused('InvalidSubject', ['--subject', 'C=USA']));

    it('--passphrase-env naming an unset or empty variable → PassphraseEnvUnset', async () => {
      await refused('PassphraseEnvUnset', ['--passphrase-env', 'KEYGEN_UNSET_PW']);
      home.setEnv('KEYGEN_EMPTY_PW', '');
      await refused('PassphraseEnvUnset', ['--passphrase-env', 'KEYGEN_EMPTY_PW']);
    });

    it('existing files without --force → FilesExist; with --force both are replaced', async () => {
      await writeFile(join(dir, 'server.key'), 'old key');
      await writeFile(join(dir, 'server.crt'), 'old cert');
      await refused('FilesExist', []);
      const ran = await runCommand<KeygenResult>(Keygen, ['--output-dir', dir, '--force', '--json']);
      expect(ran.error, ran.error?.message).to.equal(undefined);
      const key = createPrivateKey(await readFile(join(dir, 'server.key')));
      const cert = new X509Certificate(await readFile(join(dir, 'server.crt')));
      expect(cert.publicKey.equals(createPublicKey(key))).to.equal(true);
      expect(Object.keys(await snapshotDir(dir)).sort()).to.deep.equal(['server.crt', 'server.key']);
    });

    it('an output directory below a regular file → OutputDirUnwritable', async () => {
      await writeFile(join(dir, 'plain-file'), 'x');
      const before = await snapshotDir(dir);
      const ran = await runCommand<KeygenResult>(Keygen, ['--output-dir', join(dir, 'plain-file', 'sub'), '--json']);
      expectCommandError(ran, 'OutputDirUnwritable');
      expect(await snapshotDir(dir)).to.deep.equal(before);
    });

    it('--key-file holding a certificate → KeyIsCertificate', async () => {
      const first = await runCommand<KeygenResult>(Keygen, ['--output-dir', dir, '--name', 'first', '--json']);
      expect(first.error).to.equal(undefined);
      await refused('KeyIsCertificate', ['--key-file', join(dir, 'first.crt')]);
    });

    it('--key-file encrypted, without --passphrase-env → KeyEncryptedNoPassphrase; wrong one → KeyWrongPassphrase', async () => {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyFile = join(dir, 'enc.key');
      await writeFile(keyFile, privateKeyPem(privateKey, 'right'));
      await refused('KeyEncryptedNoPassphrase', ['--key-file', keyFile]);
      home.setEnv('KEYGEN_PW', 'wrong');
      await refused('KeyWrongPassphrase', ['--key-file', keyFile, '--passphrase-env', 'KEYGEN_PW']);
    });
  });
});
