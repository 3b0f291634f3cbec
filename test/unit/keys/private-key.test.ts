import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { createSelfSignedCertificate } from '../../../src/keys/certificate.js';
import { decodeText, looksLikeDer } from '../../../src/keys/pem.js';
import {
  loadPrivateKey,
  parsePrivateKey,
  passphraseFromEnv,
  privateKeyPem,
  publicKeyFingerprint,
  type LoadedKey,
} from '../../../src/keys/private-key.js';
import { parseSubject } from '../../../src/keys/subject.js';
import { expectCoded, HAS_OPENSSL, openssl, rejection, SSH_KEYGEN, tempDir, thrown } from '../../helpers/index.js';

const LABEL = 'the test key';
const PW = { value: 'correct horse', source: '$KEY_PASSPHRASE' };

describe('private key loading (parsePrivateKey, loadPrivateKey)', () => {
  let privateKey: KeyObject;
  let publicKey: KeyObject;
  let pkcs8: string;
  let pkcs1: string;
  let dir: string;

  before(async () => {
    ({ privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
    pkcs8 = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    dir = await tempDir('sfjwt-keys-');
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Parsed into the same key pair, as RSA 2048. */
  function expectSameKey(loaded: LoadedKey): void {
    expect(loaded.privateKey.asymmetricKeyType).to.equal('rsa');
    expect(loaded.bits).to.equal(2048);
    expect(loaded.publicKey.equals(publicKey)).to.equal(true);
    expect(loaded.sourceLabel).to.equal(LABEL);
  }

  describe('accepted forms, with the repairs reported', () => {
    it('PKCS#8 PEM: no repairs', () => {
      const key = parsePrivateKey(pkcs8, LABEL);
      expectSameKey(key);
      expect(key.format).to.equal('pkcs8');
      expect(key.encrypted).to.equal(false);
      expect(key.repairs).to.deep.equal([]);
    });

    it('PKCS#1 PEM ("BEGIN RSA PRIVATE KEY")', () => {
      const key = parsePrivateKey(pkcs1, LABEL);
      expectSameKey(key);
      expect(key.format).to.equal('pkcs1');
      expect(key.repairs).to.deep.equal([]);
    });

    it('binary DER (PKCS#8 and PKCS#1)', () => {
      for (const type of ['pkcs8', 'pkcs1'] as const) {
        const der = privateKey.export({ type, format: 'der' });
        const key = parsePrivateKey(der, LABEL);
        expectSameKey(key);
        expect(key.format).to.equal('der');
        expect(key.repairs).to.deep.equal(['der']);
      }
    });

    it('base64 of the PEM (the recommended CI form), also wrapped at 76 columns', () => {
      const oneLine = Buffer.from(pkcs8).toString('base64');
      const key = parsePrivateKey(oneLine, LABEL);
      expectSameKey(key);
      expect(key.format).to.equal('pkcs8');
      expect(key.repairs).to.deep.equal(['base64-of-pem']);
      const wrapped = oneLine.match(/.{1,76}/g)!.join('\n');
      const again = parsePrivateKey(wrapped, LABEL);
      expectSameKey(again);
      expect(again.repairs).to.deep.equal(['base64-of-pem']);
    });

    it('base64 of the DER', () => {
      const key = parsePrivateKey(privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), LABEL);
      expectSameKey(key);
      expect(key.format).to.equal('der');
      expect(key.repairs).to.deep.equal(['base64-of-der']);
    });

    it('literal "\\n" instead of line breaks (and literal "\\r\\n")', () => {
      const literal = pkcs8.replace(/\n/g, '\\n');
      expect(literal).to.not.include('\n');
      const key = parsePrivateKey(literal, LABEL);
      expectSameKey(key);
      expect(key.repairs).to.deep.equal(['literal-newlines']);
      const key2 = parsePrivateKey(pkcs8.replace(/\n/g, '\\r\\n'), LABEL);
      expectSameKey(key2);
      expect(key2.repairs).to.include('literal-newlines');
    });

    it('CRLF line ends', () => {
      const key = parsePrivateKey(pkcs8.replace(/\n/g, '\r\n'), LABEL);
      expectSameKey(key);
      expect(key.repairs).to.deep.equal(['crlf']);
    });

    it('a UTF-8 byte order mark, as text and as bytes', () => {
      const key = parsePrivateKey('\uFEFF' + pkcs8, LABEL);
      expectSameKey(key);
      expect(key.repairs).to.deep.equal(['bom']);
      const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(pkcs1)]);
      const key2 = parsePrivateKey(bytes, LABEL);
      expectSameKey(key2);
      expect(key2.repairs).to.deep.equal(['bom']);
    });

    it('the whole value wrapped in double or single quotes', () => {
      for (const q of ['"', "'"]) {
        const key = parsePrivateKey(`${q}${pkcs8.trim()}${q}`, LABEL);
        expectSameKey(key);
        expect(key.repairs).to.deep.equal(['quotes']);
      }
    });

    it('the PEM joined onto one line with spaces (a multi-line secret pasted into a single-line field)', () => {
      const joined = pkcs8.trim().split('\n').join(' ');
      expect(joined).to.not.include('\n');
      const key = parsePrivateKey(joined, LABEL);
      expectSameKey(key);
      expect(key.repairs).to.deep.equal(['joined-lines']);
    });

    it('several manglings at once: quotes around literal \\n', () => {
      const key = parsePrivateKey(`"${pkcs8.trim().replace(/\n/g, '\\n')}"`, LABEL);
      expectSameKey(key);
      expect(key.repairs).to.have.members(['quotes', 'literal-newlines']);
    });

    it('text around the key (a certificate before it): the key block is picked', () => {
      const text = `Bag Attributes\n-----BEGIN PUBLIC KEY-----\n${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}\n-----END PUBLIC KEY-----\n${pkcs8}`;
      const key = parsePrivateKey(text, LABEL);
      expectSameKey(key);
      expect(key.repairs).to.include('surrounding-text');
    });

    it('encrypted PKCS#8 with the right passphrase; wrong and missing passphrase are refused by code', () => {
      const encrypted = privateKeyPem(privateKey, PW.value);
      expect(encrypted).to.include('-----BEGIN ENCRYPTED PRIVATE KEY-----');
      const key = parsePrivateKey(encrypted, LABEL, { passphrase: PW });
      expectSameKey(key);
      expect(key.encrypted).to.equal(true);
      expect(key.format).to.equal('encrypted-pkcs8');

      const wrong = thrown(() =>
        parsePrivateKey(encrypted, LABEL, { passphrase: { value: 'nope', source: '$WRONG' } }),
      );
      expectCoded(wrong, 'KeyWrongPassphrase');
      expect(wrong.message).to.include('$WRONG').and.include(LABEL).and.not.include('nope');
      expectCoded(
        thrown(() => parsePrivateKey(encrypted, LABEL)),
        'KeyEncryptedNoPassphrase',
      );
    });

    it('legacy encrypted PKCS#1 (Proc-Type/DEK-Info, as `openssl genrsa -des3` wrote)', () => {
      const legacy = privateKey.export({
        type: 'pkcs1',
        format: 'pem',
        cipher: 'des-ede3-cbc',
        passphrase: PW.value,
      }) as string;
      expect(legacy).to.include('Proc-Type: 4,ENCRYPTED').and.include('DEK-Info: DES-EDE3-CBC');
      const key = parsePrivateKey(legacy, LABEL, { passphrase: PW });
      expectSameKey(key);
      expect(key.encrypted).to.equal(true);
      expect(key.format).to.equal('encrypted-pkcs1');
      expectCoded(
        thrown(() => parsePrivateKey(legacy, LABEL)),
        'KeyEncryptedNoPassphrase',
      );
      expectCoded(
        thrown(() => parsePrivateKey(legacy, LABEL, { passphrase: { value: 'wrong', source: '$P' } })),
        'KeyWrongPassphrase',
      );
      // the same legacy key with its lines joined and literal \n (a secret store's doing) still decrypts
      const mangled = legacy.trim().replace(/\n/g, '\\n');
      expectSameKey(parsePrivateKey(mangled, LABEL, { passphrase: PW }));
    });

    it('encrypted PKCS#8 DER (binary and base64) with the right passphrase', () => {
      const der = privateKey.export({ type: 'pkcs8', format: 'der', cipher: 'aes-256-cbc', passphrase: PW.value });
      for (const form of [der, der.toString('base64')]) {
        const key = parsePrivateKey(form, LABEL, { passphrase: PW });
        expectSameKey(key);
        expect(key.encrypted).to.equal(true);
        expectCoded(
          thrown(() => parsePrivateKey(form, LABEL)),
          'KeyEncryptedNoPassphrase',
        );
      }
    });

    // eslint-disable-next-line prefer-arrow-callback
    describe('with openssl', function () {
      // eslint-disable-next-line prefer-arrow-callback
      before(function () {
        if (!HAS_OPENSSL) this.skip();
      });

      it('`openssl genrsa -traditional -aes256` output (legacy AES-encrypted PKCS#1)', async () => {
        const file = join(dir, 'genrsa-aes.key');
        await openssl(['genrsa', '-traditional', '-aes256', '-passout', `pass:${PW.value}`, '-out', file, '2048']);
        const text = await readFile(file, 'utf8');
        expect(text).to.include('BEGIN RSA PRIVATE KEY').and.include('DEK-Info: AES-256-CBC');
        const key = parsePrivateKey(text, LABEL, { passphrase: PW });
        expect(key.format).to.equal('encrypted-pkcs1');
        expect(key.bits).to.equal(2048);
        expectCoded(
          thrown(() => parsePrivateKey(text, LABEL, { passphrase: { value: 'x', source: '$P' } })),
          'KeyWrongPassphrase',
        );
      });

      it('`openssl genrsa -aes256` output (OpenSSL 3: encrypted PKCS#8)', async () => {
        const file = join(dir, 'genrsa-aes8.key');
        await openssl(['genrsa', '-aes256', '-passout', `pass:${PW.value}`, '-out', file, '2048']);
        const key = await loadPrivateKey({ file }, { passphrase: PW });
        expect(key.encrypted).to.equal(true);
        expect(key.file).to.equal(file);
        expect(key.bits).to.equal(2048);
      });

      for (const variant of [
        { name: '-pbkdf2', args: ['-pbkdf2'] },
        { name: '-md md5', args: ['-md', 'md5'] },
        { name: '-md sha256', args: ['-md', 'sha256'] },
      ]) {
        it(`\`openssl enc -aes-256-cbc ${variant.name}\` of the PEM, binary and base64 (-a)`, async () => {
          const plain = join(dir, `plain-${variant.args.join('')}.pem`);
          await writeFile(plain, pkcs8);
          const bin = `${plain}.enc`;
          const b64 = `${plain}.enc.b64`;
          const common = ['enc', '-aes-256-cbc', ...variant.args, '-salt', '-pass', `pass:${PW.value}`, '-in', plain];
          await openssl([...common, '-out', bin]);
          await openssl([...common, '-a', '-out', b64]);
          for (const file of [bin, b64]) {
            // eslint-disable-next-line no-await-in-loop
            const raw = await readFile(file);
            expect(decodeText(file === bin ? raw : raw.toString('utf8')).kind).to.equal('openssl-enc');
            const key = parsePrivateKey(file === bin ? raw : raw.toString('utf8'), LABEL, { passphrase: PW });
            expectSameKey(key);
            expect(key.encrypted).to.equal(true);
            expect(key.format).to.equal('openssl-enc');
            expectCoded(
              thrown(() => parsePrivateKey(raw, LABEL)),
              'KeyOpensslEncNoPassphrase',
            );
            expectCoded(
              thrown(() => parsePrivateKey(raw, LABEL, { passphrase: { value: 'wrong', source: '$P' } })),
              'KeyWrongPassphrase',
            );
          }
        });
      }
    });
  });

  describe('wrong kinds of input, each with its code', () => {
    let certificatePem: string;

    before(async () => {
      const cert = await createSelfSignedCertificate({
        privateKey,
        publicKey,
        subject: parseSubject('CN=test'),
        days: 30,
      });
      certificatePem = cert.pem;
    });

    it('a certificate (PEM, DER, base64) → KeyIsCertificate', () => {
      expectCoded(
        thrown(() => parsePrivateKey(certificatePem, LABEL)),
        'KeyIsCertificate',
      );
      const der = Buffer.from(certificatePem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
      expect(looksLikeDer(der)).to.equal(true);
      expectCoded(
        thrown(() => parsePrivateKey(der, LABEL)),
        'KeyIsCertificate',
      );
      expectCoded(
        thrown(() => parsePrivateKey(Buffer.from(certificatePem).toString('base64'), LABEL)),
        'KeyIsCertificate',
      );
    });

    // eslint-disable-next-line prefer-arrow-callback
    it('a certificate request → KeyIsCertificateRequest', async function () {
      let csr: string;
      if (HAS_OPENSSL) {
        const keyFile = join(dir, 'csr.key');
        await writeFile(keyFile, pkcs8);
        csr = await openssl(['req', '-new', '-key', keyFile, '-subj', '/CN=csr-test']);
        expect(csr).to.include('BEGIN CERTIFICATE REQUEST');
      } else {
        csr = '-----BEGIN CERTIFICATE REQUEST-----\nMIIBAAAA\n-----END CERTIFICATE REQUEST-----\n';
      }
      const error = thrown(() => parsePrivateKey(csr, LABEL));
      expectCoded(error, 'KeyIsCertificateRequest');
      expect(error.message).to.include(LABEL);
    });

    it('a public key (SPKI PEM, PKCS#1 PEM, DER, ssh-rsa line) → KeyIsPublicKey', () => {
      const forms: Array<string | Buffer> = [
        publicKey.export({ type: 'spki', format: 'pem' }) as string,
        publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
        publicKey.export({ type: 'spki', format: 'der' }),
        'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQDx user@host',
      ];
      for (const form of forms)
        expectCoded(
          thrown(() => parsePrivateKey(form, LABEL)),
          'KeyIsPublicKey',
        );
    });

    it('an OpenSSH private key → KeyIsOpenSsh', async () => {
      let text: string;
      if (SSH_KEYGEN) {
        const file = join(dir, 'id_rsa');
        const { spawnSync } = await import('node:child_process');
        const result = spawnSync(SSH_KEYGEN, ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-f', file]);
        expect(result.status).to.equal(0);
        text = await readFile(file, 'utf8');
      } else {
        text =
          '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n-----END OPENSSH PRIVATE KEY-----\n';
      }
      expect(text).to.include('BEGIN OPENSSH PRIVATE KEY');
      expectCoded(
        thrown(() => parsePrivateKey(text, LABEL)),
        'KeyIsOpenSsh',
      );
    });

    it('an EC key (PKCS#8 and SEC1) and an Ed25519 key → KeyNotRsa naming the type', () => {
      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
      const e1 = thrown(() => parsePrivateKey(ec.export({ type: 'pkcs8', format: 'pem' }), LABEL));
      expectCoded(e1, 'KeyNotRsa');
      expect(e1.message).to.include('EC');
      const e2 = thrown(() => parsePrivateKey(ec.export({ type: 'sec1', format: 'pem' }), LABEL));
      expectCoded(e2, 'KeyNotRsa');
      expect(e2.message).to.include('EC');
      const ed = generateKeyPairSync('ed25519').privateKey;
      const e3 = thrown(() => parsePrivateKey(ed.export({ type: 'pkcs8', format: 'pem' }), LABEL));
      expectCoded(e3, 'KeyNotRsa');
      expect(e3.message).to.include('EdDSA');
    });

    it('a 1024-bit RSA key → KeyTooSmall (accepted with minBits 0, for diagnosis)', () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string;
      const error = thrown(() => parsePrivateKey(small, LABEL));
      expectCoded(error, 'KeyTooSmall');
      expect(error.message).to.include('1024');
      expect(parsePrivateKey(small, LABEL, { minBits: 0 }).bits).to.equal(1024);
    });

    it('a PEM cut off before its END line → KeyTruncated naming the label', () => {
      const lines = pkcs8.trim().split('\n');
      const error = thrown(() => parsePrivateKey(lines.slice(0, 5).join('\n'), LABEL));
      expectCoded(error, 'KeyTruncated');
      expect(error.message).to.include('BEGIN line (PRIVATE KEY)').and.not.include('-----');
      // only the first line survived (a CI secret store keeping one line)
      expectCoded(
        thrown(() => parsePrivateKey(lines[0], LABEL)),
        'KeyTruncated',
      );
    });

    it('a PEM whose body is not base64 → KeyBase64Invalid with the position', () => {
      const lines = pkcs8.split('\n');
      lines[3] = lines[3].slice(0, 10) + '*' + lines[3].slice(11);
      const error = thrown(() => parsePrivateKey(lines.join('\n'), LABEL));
      expectCoded(error, 'KeyBase64Invalid');
      expect(error.message).to.match(/position \d+/);
      // an empty body
      expectCoded(
        thrown(() => parsePrivateKey('-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----', LABEL)),
        'KeyBase64Invalid',
      );
    });

    it('a PEM body that is base64 but no key → KeyCorrupt', () => {
      const body = Buffer.alloc(300, 7).toString('base64');
      expectCoded(
        thrown(() => parsePrivateKey(`-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`, LABEL)),
        'KeyCorrupt',
      );
    });

    it('garbage → KeyMalformed; an unknown PEM label → KeyMalformed', () => {
      for (const garbage of [
        'hello world',
        'this is not a key, it is a sentence.',
        'ghp_' + 'x'.repeat(36),
        Buffer.from([1, 2, 3, 4, 5, 6]),
      ]) {
        expectCoded(
          thrown(() => parsePrivateKey(garbage, LABEL)),
          'KeyMalformed',
        );
      }
      expectCoded(
        thrown(() => parsePrivateKey('-----BEGIN PGP MESSAGE-----\nAAAA\n-----END PGP MESSAGE-----', LABEL)),
        'KeyMalformed',
      );
    });

    it('empty, blank or only quotes → KeyEmpty', () => {
      for (const empty of ['', '   \n\t ', '""', Buffer.alloc(0)]) {
        expectCoded(
          thrown(() => parsePrivateKey(empty, LABEL)),
          'KeyEmpty',
        );
      }
    });

    it('more than 1 MiB → KeyTooLarge', () => {
      expectCoded(
        thrown(() => parsePrivateKey('A'.repeat(1024 * 1024 + 1), LABEL)),
        'KeyTooLarge',
      );
    });

    it('messages name the source, never the key material', () => {
      const lines = pkcs8.trim().split('\n');
      const error = thrown(() => parsePrivateKey(lines.slice(0, 6).join('\n'), LABEL));
      expectCoded(error, 'KeyTruncated');
      for (const line of lines.slice(1, 6)) expect(error.message).to.not.include(line.slice(0, 20));
    });
  });

  describe('sources: environment and files', () => {
    it('from an environment variable (PEM) with the variable as the label', async () => {
      const key = await loadPrivateKey({ env: 'MY_KEY' }, { env: { MY_KEY: pkcs8 } });
      expect(key.sourceLabel).to.equal('$MY_KEY');
      expect(key.publicKey.equals(publicKey)).to.equal(true);
      expect(key.file).to.equal(undefined);
    });

    it('an unset or blank variable → KeyEnvUnset', async () => {
      expectCoded(await rejection(loadPrivateKey({ env: 'MY_KEY' }, { env: {} })), 'KeyEnvUnset');
      const blank = await rejection(loadPrivateKey({ env: 'MY_KEY' }, { env: { MY_KEY: '  \n' } }));
      expectCoded(blank, 'KeyEnvUnset');
      expect(blank.message).to.include('MY_KEY');
    });

    it('a variable that holds the path of a key file → KeyEnvLooksLikePath, with the path in the fix', async () => {
      const file = join(dir, 'path-in-env.key');
      await writeFile(file, pkcs8, { mode: 0o600 });
      const error = await rejection(loadPrivateKey({ env: 'MY_KEY' }, { env: { MY_KEY: file } }));
      expectCoded(error, 'KeyEnvLooksLikePath');
      expect(error.actions!.join(' ')).to.include(file);
    });

    it('passphrase variable unset or empty → PassphraseEnvUnset; a trailing newline is dropped', () => {
      expectCoded(
        thrown(() => passphraseFromEnv('PASS', {})),
        'PassphraseEnvUnset',
      );
      expectCoded(
        thrown(() => passphraseFromEnv('PASS', { PASS: '' })),
        'PassphraseEnvUnset',
      );
      expect(passphraseFromEnv(undefined, {})).to.equal(undefined);
      expect(passphraseFromEnv('PASS', { PASS: 'pw\n' })).to.deep.equal({ value: 'pw', source: '$PASS' });
    });

    it('from a file: the absolute path is the label and the file', async () => {
      const file = join(dir, 'server.key');
      await writeFile(file, pkcs1, { mode: 0o600 });
      const key = await loadPrivateKey({ file });
      expect(key.file).to.equal(file);
      expect(key.sourceLabel).to.equal(file);
      expect(publicKeyFingerprint(key.publicKey)).to.equal(publicKeyFingerprint(publicKey));
    });

    it('a missing file → KeyFileNotFound; a directory → KeyFileUnreadable', async () => {
      const missing = join(dir, 'nope.key');
      const e1 = await rejection(loadPrivateKey({ file: missing }));
      expectCoded(e1, 'KeyFileNotFound');
      expect(e1.message).to.include(missing);
      const sub = join(dir, 'a-directory');
      await mkdir(sub, { recursive: true });
      const e2 = await rejection(loadPrivateKey({ file: sub }));
      expectCoded(e2, 'KeyFileUnreadable');
      expect(e2.message).to.include('not a regular file');
    });

    it('an empty file → KeyEmpty naming the file', async () => {
      const file = join(dir, 'empty.key');
      await writeFile(file, '');
      const error = await rejection(loadPrivateKey({ file }));
      expectCoded(error, 'KeyEmpty');
      expect(error.message).to.include(file);
    });
  });
});
