/*
 * The key file the sf CLI's refresh reads: a plain PEM key file is registered as it is; anything sf cannot read as it
 * is gets one normalised copy (0600 in a 0700 folder) named by the key's fingerprint; a copy no auth refers to is
 * reported, and removed only from the copies folder.
 */
import { generateKeyPairSync } from 'node:crypto';
import { stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { expect } from 'chai';
import { loadPrivateKey, privateKeyPem, publicKeyFingerprint } from '../../../src/keys/private-key.js';
import {
  keyFileForRefresh,
  keyStoreDir,
  removeKeyCopyIfUnreferenced,
  sfKeyTextProblem,
  unreferencedKeyCopies,
} from '../../../src/store/key-copy.js';
import { isolatedHome, type Home } from '../../helpers/index.js';

describe('store/key-copy', () => {
  let home: Home;
  const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKeyPem(pair.privateKey);

  beforeEach(async () => {
    home = await isolatedHome();
  });
  afterEach(async () => {
    await home.restore();
  });

  it('reads a key as the sf CLI does: plain PEM RSA ≥ 2048 only, and of the expected key pair', () => {
    expect(sfKeyTextProblem(pem)).to.equal(undefined);
    expect(sfKeyTextProblem(pem, pair.publicKey)).to.equal(undefined);
    expect(sfKeyTextProblem(privateKeyPem(pair.privateKey, 'pw'))).to.be.a('string');
    expect(sfKeyTextProblem(pair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'))).to.be.a(
      'string',
    );
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
    expect(sfKeyTextProblem(pem, other.publicKey)).to.be.a('string');
  });

  it('a plain PEM file is registered as it is; a key from a variable gets a copy named by its fingerprint', async () => {
    const file = join(home.home, 'server.key');
    await writeFile(file, pem, { mode: 0o600 });
    const fromFile = await keyFileForRefresh(await loadPrivateKey({ file }));
    expect(fromFile).to.deep.equal({ file, created: false });
    const key = await loadPrivateKey({ env: 'K' }, { env: { K: pem } });
    const copy = await keyFileForRefresh(key);
    expect(copy.copiedBecause).to.equal('environment');
    expect(basename(copy.file)).to.equal(`${publicKeyFingerprint(key.publicKey).slice(0, 32)}.key`);
    expect((await stat(copy.file)).mode & 0o777).to.equal(0o600);
    expect((await stat(keyStoreDir())).mode & 0o777).to.equal(0o700);
    expect((await keyFileForRefresh(key)).created, 'the same key reuses its copy').to.equal(false);
  });

  it('an unreferenced copy is reported and removed; a file outside the copies folder never is', async () => {
    const key = await loadPrivateKey({ env: 'K' }, { env: { K: pem } });
    const copy = await keyFileForRefresh(key);
    expect(await unreferencedKeyCopies()).to.deep.equal([copy.file]);
    const outside = join(home.home, 'server.key');
    await writeFile(outside, pem);
    expect(await removeKeyCopyIfUnreferenced(outside)).to.equal(false);
    expect(await removeKeyCopyIfUnreferenced(copy.file)).to.equal(true);
    expect(await unreferencedKeyCopies()).to.deep.equal([]);
  });
});
