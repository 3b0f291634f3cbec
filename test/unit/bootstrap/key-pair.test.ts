/*
 * bootstrap's key pair with --passphrase-env (issue 19 #7): an encrypted --jwt-key-file is read with the passphrase
 * from the named variable, as login reads it, and a certificate is issued for it; the key file itself is never
 * rewritten, and a variable that is not set is PassphraseEnvUnset before anything is made.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { planKeyPair, prepareKeyPair, writeKeyPair } from '../../../src/bootstrap/key-pair.js';
import { expectCoded, rejection, tempDir } from '../../helpers/index.js';

describe('bootstrap: key pair with --passphrase-env', () => {
  const VAR = 'SF_JWT_SETUP_TEST_KEY_PASS';
  afterEach(() => delete process.env[VAR]);

  it('reads an encrypted key and issues its certificate; the key file is untouched', async () => {
    const dir = await tempDir();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw 1' });
    const keyFile = join(dir, 'enc.key');
    await writeFile(keyFile, pem, { mode: 0o600 });

    expectCoded(await rejection(planKeyPair({ keyFile, outputDir: dir })), 'KeyEncryptedNoPassphrase');
    expectCoded(await rejection(planKeyPair({ keyFile, outputDir: dir, passphraseEnv: VAR })), 'PassphraseEnvUnset');

    process.env[VAR] = 'pw 1';
    const plan = await planKeyPair({ keyFile, outputDir: dir, passphraseEnv: VAR });
    expect(plan).to.include({ action: 'issue-certificate', keyFile, certificateFile: join(dir, 'enc.crt') });
    const { plan: made, prepared } = await prepareKeyPair(plan);
    await writeKeyPair(prepared);
    expect(made.certificate?.publicKey.equals(publicKey)).to.equal(true);
    expect((await readdir(dir)).sort()).to.deep.equal(['enc.crt', 'enc.key']);
    expect(await readFile(keyFile, 'utf8')).to.equal(pem);
  });
});
