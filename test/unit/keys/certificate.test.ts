import { spawnSync } from 'node:child_process';
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  webcrypto,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { chmod, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// An independent parser for the certificates src/keys/der.ts writes (a dev dependency: the plugin no longer loads it).
// reflect-metadata before @peculiar/x509, which needs it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
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
import {
  expectCoded,
  HAS_OPENSSL,
  OPENSSL,
  openssl,
  rejection,
  ROOT,
  runRecordingLoads,
  snapshotDir,
  tempDir,
  thrown,
} from '../../helpers/index.js';

x509.cryptoProvider.set(webcrypto as never);

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

  describe('the certificate src/keys/der.ts writes, read by independent parsers', () => {
    let privateKey: KeyObject;
    let publicKey: KeyObject;
    /** RFC 5280 4.2.1.2 method 1, computed without a DER walk: an RSA key's subjectPublicKey is its PKCS#1 DER. */
    let expectedSki: string;

    before(() => {
      ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
      expectedSki = createHash('sha1')
        .update(publicKey.export({ type: 'pkcs1', format: 'der' }))
        .digest('hex');
    });

    const make = (subject: string, days = 30, now?: Date): ReturnType<typeof createSelfSignedCertificate> =>
      createSelfSignedCertificate({ privateKey, publicKey, subject: parseSubject(subject), days, now });

    /**
     * Subjects: what @peculiar/x509 reads back (its names, else OIDs; in order) and the ASN.1 string type of each
     * value as `openssl asn1parse` names it.
     */
    const SUBJECTS: Array<{ subject: string; json: Array<Record<string, string[]>>; types: string[] }> = [
      {
        subject: 'CN=ci-deploy,O=Acme Corp,OU=Platform,L=Springfield,ST=Oregon,C=US',
        json: [
          { CN: ['ci-deploy'] },
          { O: ['Acme Corp'] },
          { OU: ['Platform'] },
          { L: ['Springfield'] },
          { ST: ['Oregon'] },
          { C: ['US'] },
        ],
        types: ['UTF8STRING', 'UTF8STRING', 'UTF8STRING', 'UTF8STRING', 'UTF8STRING', 'PRINTABLESTRING'],
      },
      {
        subject: 'CN=Doe\\, John "JD",O=Ünïcødé GmbH,OU=a+b=c;<d>',
        json: [{ CN: ['Doe, John "JD"'] }, { O: ['Ünïcødé GmbH'] }, { OU: ['a+b=c;<d>'] }],
        types: ['UTF8STRING', 'UTF8STRING', 'UTF8STRING'],
      },
      {
        subject:
          '/CN=x/E=ci@example.com/DC=example/DC=com/SERIALNUMBER=A-1234/C=de/T=Engineer/G=Jane/SN=Doe/STREET=1 Main St/UID=jdoe/2.5.4.6=FR',
        json: [
          { CN: ['x'] },
          { E: ['ci@example.com'] },
          { DC: ['example'] },
          { DC: ['com'] },
          { '2.5.4.5': ['A-1234'] },
          { C: ['de'] },
          { T: ['Engineer'] },
          { G: ['Jane'] },
          { SN: ['Doe'] },
          { '2.5.4.9': ['1 Main St'] },
          { '0.9.2342.19200300.100.1.1': ['jdoe'] },
          { C: ['FR'] },
        ],
        types: [
          'UTF8STRING',
          'IA5STRING',
          'IA5STRING',
          'IA5STRING',
          'PRINTABLESTRING',
          'PRINTABLESTRING',
          'UTF8STRING',
          'UTF8STRING',
          'UTF8STRING',
          'UTF8STRING',
          'UTF8STRING',
          'PRINTABLESTRING', // countryName by its OID: the type follows the OID, not the name used
        ],
      },
    ];

    for (const { subject, json } of SUBJECTS) {
      it(`@peculiar/x509: ${subject}: the subject = issuer, in order; v3 extensions; signature; serial; validity`, async () => {
        const now = new Date('2030-01-15T12:00:00.789Z');
        const info = await make(subject, 90, now);
        const cert = new x509.X509Certificate(info.pem);
        expect(cert.subjectName.toJSON()).to.deep.equal(json);
        expect(cert.issuerName.toJSON()).to.deep.equal(json);
        expect(cert.signatureAlgorithm).to.deep.equal({ name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } });
        expect(await cert.isSelfSigned()).to.equal(true);
        expect(cert.serialNumber)
          .to.match(/^[0-7][0-9a-f]{31}$/)
          .and.equal(info.serialNumber);
        expect(cert.notBefore.toISOString()).to.equal('2030-01-15T11:59:00.000Z'); // a minute back, whole seconds
        expect(cert.notAfter.getTime() - cert.notBefore.getTime()).to.equal(90 * DAY);
        // SubjectPublicKeyInfo as node exports it, byte for byte
        expect(Buffer.from(new Uint8Array(cert.publicKey.rawData))).to.deep.equal(
          publicKey.export({ type: 'spki', format: 'der' }),
        );

        // today's extensions, in today's order
        expect(cert.extensions.map((e) => [e.type, e.critical])).to.deep.equal([
          ['2.5.29.19', true],
          ['2.5.29.15', true],
          ['2.5.29.14', false],
        ]);
        const basic = cert.getExtension(x509.BasicConstraintsExtension)!;
        expect([basic.ca, basic.pathLength]).to.deep.equal([false, undefined]);
        expect(Buffer.from(basic.value).toString('hex')).to.equal('3000'); // cA FALSE is the default: left out
        expect(cert.getExtension(x509.KeyUsagesExtension)!.usages).to.equal(x509.KeyUsageFlags.digitalSignature);
        const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)!;
        expect(ski.keyId).to.equal(expectedSki);
        // and in the certificate's bytes exactly as DER has them, one after the other: critical only when TRUE
        // (DEFAULT FALSE is left out, X.690 11.5), the key usage bits without trailing zero bits (11.2.2: 7 unused)
        expect(new X509Certificate(info.pem).raw.toString('hex')).to.include(
          '300c0603551d130101ff04023000' + '300e0603551d0f0101ff040403020780' + '301d0603551d0e04160414' + expectedSki,
        );
        expect(Buffer.from(await cert.publicKey.getKeyIdentifier()).toString('hex')).to.equal(expectedSki);
      });
    }

    it('node: verifies with the key, reads subject, issuer, validity, serial and fingerprints as describeCertificate does', async () => {
      const now = new Date('2030-01-15T12:00:00Z');
      const info = await make('CN=Doe\\, John "JD",O=Ünïcødé GmbH,C=US', 30, now);
      const cert = new X509Certificate(info.pem);
      expect(cert.verify(publicKey)).to.equal(true);
      expect(cert.verify(generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey)).to.equal(false);
      expect(cert.subject).to.equal('CN=Doe\\, John \\"JD\\"\nO=Ünïcødé GmbH\nC=US');
      expect(cert.issuer).to.equal(cert.subject);
      expect(cert.ca).to.equal(false);
      expect(new Date(cert.validFrom).getTime()).to.equal(now.getTime() - 60_000);
      expect(new Date(cert.validTo).getTime()).to.equal(now.getTime() - 60_000 + 30 * DAY);
      expect(cert.serialNumber.toLowerCase()).to.equal(info.serialNumber);
      expect(cert.fingerprint256).to.equal(info.fingerprintSha256);
      expect(info).to.include({ signatureAlgorithm: 'sha256WithRSAEncryption', selfSigned: true, keyBits: 2048 });
      expect(info.subject).to.equal('CN=Doe\\, John \\"JD\\", O=Ünïcødé GmbH, C=US'); // as written (formatSubject)
      expect(info.pem).to.match(
        /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/,
      );
    });

    it('validity past 2049 (RFC 5280 4.1.2.5): notAfter in GeneralizedTime, read back the same by node and @peculiar/x509', async () => {
      const cases: Array<[Date, number, string, string]> = [
        // days 10000 from 2030: notBefore in UTCTime, notAfter in 2057
        [new Date('2030-01-15T12:00:00Z'), 10_000, '2030-01-15T11:59:00.000Z', '2057-06-02T11:59:00.000Z'],
        // across the boundary: 2049-12-31 (UTCTime, the last year it holds) to 2050-01-01 (GeneralizedTime)
        [new Date('2049-12-31T23:59:30Z'), 1, '2049-12-31T23:58:30.000Z', '2050-01-01T23:58:30.000Z'],
      ];
      for (const [now, days, notBefore, notAfter] of cases) {
        // eslint-disable-next-line no-await-in-loop
        const info = await make('CN=long', days, now);
        expect([info.notBefore.toISOString(), info.notAfter.toISOString()]).to.deep.equal([notBefore, notAfter]);
        const node = new X509Certificate(info.pem);
        expect([new Date(node.validFrom).toISOString(), new Date(node.validTo).toISOString()]).to.deep.equal([
          notBefore,
          notAfter,
        ]);
        const peculiar = new x509.X509Certificate(info.pem);
        expect([peculiar.notBefore.toISOString(), peculiar.notAfter.toISOString()]).to.deep.equal([
          notBefore,
          notAfter,
        ]);
        expect(node.verify(publicKey)).to.equal(true);
      }
    });

    it('a key that is not RSA is refused: the certificate would claim sha256WithRSAEncryption for another signature', async () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const error = await rejection(createSelfSignedCertificate({ ...ec, subject: parseSubject('CN=ec'), days: 1 }));
      expect(error).to.be.instanceOf(TypeError);
    });

    it('subjects the certificate types cannot hold are refused by parseSubject (InvalidSubject)', () => {
      const cases: Array<[string, RegExp]> = [
        ['CN=x,SERIALNUMBER=a_b', /SERIALNUMBER may only hold letters, digits.*PrintableString/],
        ['CN=x,2.5.4.6=Ü', /2\.5\.4\.6 may only hold letters, digits.*PrintableString/],
        ['CN=x,E=jörg@example.com', /E may only hold ASCII characters/],
        ['CN=x,DC=bücher', /DC may only hold ASCII characters/],
        ['CN=x,3.1=y', /not a known attribute type/], // no OID: the first arc is 0, 1 or 2
        ['CN=x,1.40=y', /not a known attribute type/],
      ];
      for (const [subject, reason] of cases) {
        const error = thrown(() => parseSubject(subject));
        expectCoded(error, 'InvalidSubject');
        expect(error.message, subject).to.match(reason);
      }
    });

    // eslint-disable-next-line prefer-arrow-callback
    describe('checked by openssl', function () {
      // eslint-disable-next-line prefer-arrow-callback
      before(function () {
        if (!HAS_OPENSSL) this.skip();
      });

      for (const { subject, types } of SUBJECTS) {
        it(`${subject}: \`openssl x509 -text\`, \`asn1parse\` string types, \`verify -CAfile\` OK`, async () => {
          const info = await make(subject, 10_000, new Date('2030-01-15T12:00:00Z'));
          const file = join(dir, 'der.crt');
          await writeFile(file, info.pem);
          const text = await openssl(['x509', '-noout', '-text', '-in', file]);
          expect(text).to.include('Version: 3 (0x2)');
          expect(text).to.match(/Signature Algorithm: sha256WithRSAEncryption/);
          expect(text).to.match(/X509v3 Basic Constraints: critical\s+CA:FALSE\s*\n/);
          expect(text).to.match(/X509v3 Key Usage: critical\s+Digital Signature\s*\n/);
          const ski = /X509v3 Subject Key Identifier: *\n\s+([0-9A-F:]+)/.exec(text)?.[1];
          expect(ski?.replace(/:/g, '').toLowerCase()).to.equal(expectedSki);
          expect(text).to.match(/Not After : Jun {2}2 11:59:00 2057 GMT/);

          // each name value's ASN.1 type, the issuer's then the subject's
          const parsed = await openssl(['asn1parse', '-in', file]);
          const values = [
            ...parsed.matchAll(
              /prim: OBJECT +:\S+\n.*prim: (UTF8STRING|PRINTABLESTRING|IA5STRING|T61STRING|BMPSTRING) +:/g,
            ),
          ].map((m) => m[1]);
          expect(values).to.deep.equal([...types, ...types]);
          expect(parsed).to.match(/prim: UTCTIME +:300115115900Z\n.*prim: GENERALIZEDTIME +:20570602115900Z\n/);

          // at a time inside its validity (2030-02-01)
          const at = String(Date.parse('2030-02-01T00:00:00Z') / 1000);
          const verify = spawnSync(OPENSSL, ['verify', '-x509_strict', '-attime', at, '-CAfile', file, file], {
            encoding: 'utf8',
          });
          expect(verify.stdout.trim(), verify.stderr).to.equal(`${file}: OK`);
        });
      }
    });

    // eslint-disable-next-line prefer-arrow-callback
    it('making one (keygen) loads no @peculiar/x509, reflect-metadata, tsyringe or asn1 module', function () {
      this.timeout(60_000);
      const url = (path: string): string => JSON.stringify(pathToFileURL(join(ROOT, 'src', 'keys', path)).href);
      const printed = runRecordingLoads(
        `const { keygen } = await import(${url('keygen.ts')});\n` +
          `const { loadCertificate } = await import(${url('certificate.ts')});\n` +
          `const outcome = await keygen({ outputDir: ${JSON.stringify(dir)}, name: 'server', keySize: 2048, days: 1, force: false });\n` +
          'const cert = await loadCertificate(outcome.certificateFile);\n' +
          'console.log(JSON.stringify({ algorithm: cert.signatureAlgorithm, selfSigned: cert.selfSigned,\n' +
          "  der: loaded.some((u) => u.endsWith('/src/keys/der.ts')),\n" +
          '  libraries: loaded.filter((u) => /\\/node_modules\\/(@peculiar|reflect-metadata|tsyringe|asn1js|pvtsutils)\\//.test(u)) }));\n',
      );
      expect(printed).to.deep.equal({
        algorithm: 'sha256WithRSAEncryption',
        selfSigned: true,
        der: true, // the hook did see the modules loaded: the writer's own
        libraries: [],
      });
    });
  });
});
