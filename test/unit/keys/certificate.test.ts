import { createPrivateKey, createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import {
  certificateMatchesKey,
  createSelfSignedCertificate,
  loadCertificate,
  readCertificate,
} from '../../../src/keys/certificate.js';
import { keygen, type KeygenOptions } from '../../../src/keys/keygen.js';
import { privateKeyPem } from '../../../src/keys/private-key.js';
import { formatSubject, parseSubject } from '../../../src/keys/subject.js';
import { expectCoded, HAS_OPENSSL, openssl, rejection, snapshotDir, tempDir, thrown } from '../../helpers/index.js';

const DAY = 86_400_000;

describe('certificates and keygen()', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await tempDir('sfjwt-cert-');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const options = (extra: Partial<KeygenOptions> = {}): KeygenOptions => ({
    outputDir: dir,
    name: 'server',
    keySize: 2048,
    days: 365,
    force: false,
    ...extra,
  });

  describe('a new key and certificate', () => {
    it('are written with the key at mode 0600 and a matching certificate with the requested fields', async () => {
      const now = new Date('2030-01-15T12:00:00Z');
      const outcome = await keygen(options({ subject: 'CN=ci-deploy,O=Acme Corp,C=US', days: 90, now }));
      expect(outcome.keyFile).to.equal(join(dir, 'server.key'));
      expect(outcome.certificateFile).to.equal(join(dir, 'server.crt'));
      expect(outcome.keyGenerated).to.equal(true);
      expect(outcome.keyEncrypted).to.equal(false);
      expect(outcome.subject).to.equal('CN=ci-deploy, O=Acme Corp, C=US');
      expect((await stat(outcome.keyFile)).mode & 0o777).to.equal(0o600);
      expect((await stat(outcome.certificateFile)).mode & 0o777).to.equal(0o644);

      const keyPem = await readFile(outcome.keyFile, 'utf8');
      expect(keyPem).to.match(/^-----BEGIN PRIVATE KEY-----\n/);
      const cert = new X509Certificate(await readFile(outcome.certificateFile));
      expect(cert.publicKey.equals(createPublicKey(createPrivateKey(keyPem)))).to.equal(true);
      expect(cert.subject).to.equal('CN=ci-deploy\nO=Acme Corp\nC=US');
      expect(cert.issuer).to.equal(cert.subject);
      expect(cert.verify(cert.publicKey)).to.equal(true);
      expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).to.equal(2048);
      expect(cert.publicKey.asymmetricKeyDetails?.publicExponent).to.equal(65_537n);
      // validity: a minute before "now", for exactly `days`
      const notBefore = new Date(cert.validFrom).getTime();
      const notAfter = new Date(cert.validTo).getTime();
      expect(notBefore).to.equal(now.getTime() - 60_000);
      expect(notAfter - notBefore).to.equal(90 * DAY);
      expect(outcome.notBefore).to.equal(new Date(notBefore).toISOString());
      expect(outcome.notAfter).to.equal(new Date(notAfter).toISOString());
      // serial: positive (top bit clear), 16 bytes, matching the outcome
      expect(cert.serialNumber.toLowerCase()).to.equal(outcome.serialNumber);
      expect(parseInt(cert.serialNumber.slice(0, 2), 16) & 0x80).to.equal(0);
      expect(cert.serialNumber.replace(/^0+/, '')).to.not.equal('');
      expect(cert.fingerprint256).to.equal(outcome.fingerprintSha256);
      expect(cert.fingerprint).to.equal(outcome.fingerprintSha1);
    });

    // eslint-disable-next-line prefer-arrow-callback
    it('3072 and 4096 bit keys', async function () {
      this.timeout(60_000);
      for (const keySize of [3072, 4096]) {
        // eslint-disable-next-line no-await-in-loop
        const outcome = await keygen(options({ keySize, name: `k${keySize}` }));
        // eslint-disable-next-line no-await-in-loop
        const cert = await loadCertificate(outcome.certificateFile);
        expect(cert.keyBits).to.equal(keySize);
        expect(outcome.keySize).to.equal(keySize);
      }
    });

    it('the key is encrypted (PKCS#8, AES-256) when a passphrase is given, and decrypts with it', async () => {
      const outcome = await keygen(options({ passphrase: { value: 's3cret', source: '$PW' } }));
      expect(outcome.keyEncrypted).to.equal(true);
      const text = await readFile(outcome.keyFile, 'utf8');
      expect(text).to.include('-----BEGIN ENCRYPTED PRIVATE KEY-----');
      expect(() => createPrivateKey(text)).to.throw();
      const key = createPrivateKey({ key: text, passphrase: 's3cret' });
      const cert = await loadCertificate(outcome.certificateFile);
      expect(certificateMatchesKey(cert, createPublicKey(key))).to.equal(true);
    });

    // eslint-disable-next-line prefer-arrow-callback
    describe('checked by openssl', function () {
      let keyFile: string;
      let certFile: string;

      // eslint-disable-next-line prefer-arrow-callback
      before(function () {
        if (!HAS_OPENSSL) this.skip();
      });

      beforeEach(async () => {
        const outcome = await keygen(options({ subject: '/CN=ci-deploy/O=Acme/C=US', days: 30 }));
        keyFile = outcome.keyFile;
        certFile = outcome.certificateFile;
      });

      it('`openssl x509 -text`: v3, sha256WithRSAEncryption, SKI, key usage Digital Signature, subject, 30 days', async () => {
        const text = await openssl(['x509', '-noout', '-text', '-in', certFile]);
        expect(text).to.include('Version: 3 (0x2)');
        expect(text).to.match(/Signature Algorithm: sha256WithRSAEncryption/);
        expect(text).to.include('X509v3 Subject Key Identifier');
        expect(text).to.match(/X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
        expect(text).to.include('Subject: CN = ci-deploy, O = Acme, C = US');
        expect(text).to.include('Issuer: CN = ci-deploy, O = Acme, C = US');
        expect(text).to.include('Public-Key: (2048 bit)');
        const dates = await openssl(['x509', '-noout', '-startdate', '-enddate', '-in', certFile]);
        const start = Date.parse(/notBefore=(.*)/.exec(dates)![1]);
        const end = Date.parse(/notAfter=(.*)/.exec(dates)![1]);
        expect(end - start).to.equal(30 * DAY);
        const serial = /serial=([0-9A-F]+)/i.exec(await openssl(['x509', '-noout', '-serial', '-in', certFile]))![1];
        expect(serial).to.match(/^[0-7]/); // top bit clear: a positive INTEGER
      });

      it('`openssl verify -CAfile x.crt x.crt` succeeds (a well-formed self-signed certificate)', async () => {
        const out = await openssl(['verify', '-CAfile', certFile, certFile]);
        expect(out.trim()).to.equal(`${certFile}: OK`);
      });

      it('`openssl rsa -check` accepts the key, and key and certificate moduli are equal', async () => {
        const check = await openssl(['rsa', '-check', '-noout', '-in', keyFile]);
        expect(check).to.include('RSA key ok');
        const keyModulus = await openssl(['rsa', '-noout', '-modulus', '-in', keyFile]);
        const certModulus = await openssl(['x509', '-noout', '-modulus', '-in', certFile]);
        expect(keyModulus.trim()).to.match(/^Modulus=[0-9A-F]{512}$/);
        expect(certModulus.trim()).to.equal(keyModulus.trim());
      });

      it('a certificate for an existing encrypted key made by openssl matches that key (openssl modulus)', async () => {
        const encrypted = join(dir, 'legacy.key');
        await openssl(['genrsa', '-aes256', '-passout', 'pass:pw', '-out', encrypted, '2048']);
        const outcome = await keygen(
          options({ name: 'reissued', keyFile: encrypted, passphrase: { value: 'pw', source: '$PW' } }),
        );
        const keyModulus = await openssl(['rsa', '-noout', '-modulus', '-passin', 'pass:pw', '-in', encrypted]);
        const certModulus = await openssl(['x509', '-noout', '-modulus', '-in', outcome.certificateFile]);
        expect(certModulus.trim()).to.equal(keyModulus.trim());
      });
    });
  });

  describe('--key-file: a certificate for an existing key', () => {
    it('issues a certificate for the same (encrypted) key and leaves the key file untouched', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const keyFile = join(dir, 'existing.key');
      await writeFile(keyFile, privateKeyPem(privateKey, 'pw'), { mode: 0o640 });
      const before = await snapshotDir(dir);
      const beforeStat = await stat(keyFile);
      const outcome = await keygen(options({ keyFile, passphrase: { value: 'pw', source: '$PW' } }));
      expect(outcome.keyGenerated).to.equal(false);
      expect(outcome.keyFile).to.equal(keyFile);
      expect(outcome.certificateFile).to.equal(join(dir, 'server.crt'));
      const cert = await loadCertificate(outcome.certificateFile);
      expect(cert.publicKey.equals(publicKey)).to.equal(true);
      const after = await snapshotDir(dir);
      expect(after['existing.key']).to.equal(before['existing.key']);
      expect(Object.keys(after).sort()).to.deep.equal(['existing.key', 'server.crt']);
      const afterStat = await stat(keyFile);
      expect(afterStat.mode).to.equal(beforeStat.mode);
      expect(afterStat.mtimeMs).to.equal(beforeStat.mtimeMs);
      expect(await readFile(join(dir, 'server.key')).catch(() => 'absent')).to.equal('absent');
    });
  });

  describe('bad input: a coded error, and nothing written or changed', () => {
    /** Run keygen expecting `code`; the output dir's files (names and contents) are the same before and after. */
    async function expectRefused(code: string, extra: Partial<KeygenOptions>, watch = dir): Promise<void> {
      const before = await snapshotDir(watch);
      const error = await rejection(keygen(options(extra)));
      expectCoded(error, code);
      expect(await snapshotDir(watch)).to.deep.equal(before);
    }

    it('key size 1024 (and 1000, 8192) → InvalidKeySize', async () => {
      for (const keySize of [1024, 1000, 8192]) {
        // eslint-disable-next-line no-await-in-loop
        await expectRefused('InvalidKeySize', { keySize });
      }
    });

    it('days 0, 3651, -1 and 1.5 → InvalidDays', async () => {
      for (const days of [0, 3651, -1, 1.5]) {
        // eslint-disable-next-line no-await-in-loop
        await expectRefused('InvalidDays', { days });
      }
    });

    it('malformed subjects → InvalidSubject with the reason', async () => {
      const cases: Array<[string, RegExp]> = [
        ['CN', /not of the form TYPE=value/],
        ['XX=y', /not a known attribute type/],
        ['C=USA', /two-letter/],
        ['CN=a,,O=b', /empty attribute/],
        ['CN=', /no value/],
        ['', /empty/],
        ['E=not-an-email', /email/],
        [`CN=${'x'.repeat(65)}`, /longer than 64/],
      ];
      for (const [subject, reason] of cases) {
        // eslint-disable-next-line no-await-in-loop
        await expectRefused('InvalidSubject', { subject });
        const error = thrown(() => parseSubject(subject));
        expectCoded(error, 'InvalidSubject');
        expect(error.message).to.match(reason);
      }
    });

    it('an output dir below a regular file → OutputDirUnwritable', async () => {
      const file = join(dir, 'a-file');
      await writeFile(file, 'x');
      const error = await rejection(keygen(options({ outputDir: join(file, 'keys') })));
      expectCoded(error, 'OutputDirUnwritable');
      expect(error.message).to.include('a file is in the way');
      expect(await snapshotDir(dir)).to.deep.equal({ 'a-file': (await snapshotDir(dir))['a-file'] });
      // the output dir being a file itself
      await expectRefused('OutputDirUnwritable', { outputDir: file });
    });

    it('a name with a path, or starting with a dot → InvalidFileName', async () => {
      for (const name of ['../server', 'a/b', '.hidden', '']) {
        // eslint-disable-next-line no-await-in-loop
        await expectRefused('InvalidFileName', { name });
      }
    });

    it('existing key or certificate without force → FilesExist naming them; both untouched', async () => {
      await writeFile(join(dir, 'server.crt'), 'old certificate');
      const error = await rejection(keygen(options()));
      expectCoded(error, 'FilesExist');
      expect(error.message).to.include(join(dir, 'server.crt')).and.not.include('server.key');
      expect(await readFile(join(dir, 'server.crt'), 'utf8')).to.equal('old certificate');
      expect(Object.keys(await snapshotDir(dir))).to.deep.equal(['server.crt']);
      await writeFile(join(dir, 'server.key'), 'old key');
      await expectRefused('FilesExist', {});
    });

    it('force overwrites both key and certificate', async () => {
      await writeFile(join(dir, 'server.key'), 'old key');
      await writeFile(join(dir, 'server.crt'), 'old certificate');
      const outcome = await keygen(options({ force: true }));
      const key = createPrivateKey(await readFile(outcome.keyFile));
      const cert = await loadCertificate(outcome.certificateFile);
      expect(certificateMatchesKey(cert, createPublicKey(key))).to.equal(true);
      expect((await stat(outcome.keyFile)).mode & 0o777).to.equal(0o600);
      expect(Object.keys(await snapshotDir(dir)).sort()).to.deep.equal(['server.crt', 'server.key']);
    });

    describe('--key-file that is not a usable key', () => {
      let keyDir: string;

      beforeEach(async () => {
        keyDir = await tempDir('sfjwt-keyfile-');
      });

      afterEach(async () => {
        await rm(keyDir, { recursive: true, force: true });
      });

      async function keyFileRefused(code: string, content: string | Buffer, passphrase?: string): Promise<void> {
        const keyFile = join(keyDir, 'input.key');
        await writeFile(keyFile, content);
        await expectRefused(code, {
          keyFile,
          passphrase: passphrase === undefined ? undefined : { value: passphrase, source: '$PW' },
        });
        expect(await readFile(keyFile)).to.deep.equal(Buffer.from(content));
      }

      it('a certificate → KeyIsCertificate', async () => {
        const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const cert = await createSelfSignedCertificate({
          privateKey,
          publicKey,
          subject: parseSubject('CN=x'),
          days: 1,
        });
        await keyFileRefused('KeyIsCertificate', cert.pem);
      });

      it('a public key → KeyIsPublicKey', async () => {
        const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        await keyFileRefused('KeyIsPublicKey', publicKey.export({ type: 'spki', format: 'pem' }) as string);
      });

      it('an EC key → KeyNotRsa', async () => {
        const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        await keyFileRefused('KeyNotRsa', privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
      });

      it('garbage → KeyMalformed', async () => {
        await keyFileRefused('KeyMalformed', 'not a key at all, sorry.');
      });

      it('an encrypted key without a passphrase → KeyEncryptedNoPassphrase; with a wrong one → KeyWrongPassphrase', async () => {
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        const pem = privateKeyPem(privateKey, 'right');
        await keyFileRefused('KeyEncryptedNoPassphrase', pem);
        await keyFileRefused('KeyWrongPassphrase', pem, 'wrong');
      });

      it('a missing key file → KeyFileNotFound', async () => {
        await expectRefused('KeyFileNotFound', { keyFile: join(keyDir, 'missing.key') });
      });
    });
  });

  describe('reading certificates', () => {
    it('readCertificate accepts PEM mangled with literal \\n, DER and base64; refuses a key and garbage', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const cert = await createSelfSignedCertificate({
        privateKey,
        publicKey,
        subject: parseSubject('CN=read,O=Acme'),
        days: 10,
      });
      expect(cert.subject).to.equal(formatSubject(parseSubject('CN=read,O=Acme')));
      expect(cert.signatureAlgorithm).to.equal('sha256WithRSAEncryption');
      expect(cert.selfSigned).to.equal(true);
      const der = Buffer.from(cert.pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      for (const form of [cert.pem.replace(/\n/g, '\\n'), der, der.toString('base64')]) {
        // eslint-disable-next-line no-await-in-loop
        const read = await readCertificate(form, 'cert');
        expect(read.fingerprintSha256).to.equal(cert.fingerprintSha256);
        expect(certificateMatchesKey(read, publicKey)).to.equal(true);
      }
      expect(certificateMatchesKey(cert, generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)).to.equal(
        false,
      );
      const keyError = await rejection(readCertificate(privateKeyPem(privateKey), 'k'));
      expectCoded(keyError, 'CertificateMalformed');
      expect(keyError.message).to.include('private key');
      expectCoded(await rejection(readCertificate('garbage garbage', 'g')), 'CertificateMalformed');
    });

    it('loadCertificate: missing file → CertificateFileNotFound; directory → CertificateMalformed', async () => {
      expectCoded(await rejection(loadCertificate(join(dir, 'none.crt'))), 'CertificateFileNotFound');
      expectCoded(await rejection(loadCertificate(dir)), 'CertificateMalformed');
    });

    it('an expired certificate made with an old "now" has notAfter in the past', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const now = new Date(Date.now() - 400 * DAY);
      const cert = await createSelfSignedCertificate({
        privateKey,
        publicKey,
        subject: parseSubject('CN=old'),
        days: 30,
        now,
      });
      expect(cert.notAfter.getTime()).to.be.lessThan(Date.now() - 300 * DAY);
      const file = join(dir, 'old.crt');
      await writeFile(file, cert.pem);
      await chmod(file, 0o644);
      expect((await loadCertificate(file)).notAfter.toISOString()).to.equal(cert.notAfter.toISOString());
    });
  });
});
