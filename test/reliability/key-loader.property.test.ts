/*
 * Property: whatever arrives as a key (file, environment variable or text) — truncated, mutated, re-encoded,
 * wrong-type PEM or DER, random bytes, huge, Unicode — the loader ends in a coded JwtSetupError or a usable RSA
 * key, quickly, and never puts key material in the message or the actions.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import {
  loadPrivateKey,
  parsePrivateKey,
  MAX_KEY_BYTES,
  type LoadedKey,
  type Passphrase,
} from '../../src/keys/private-key.js';
import { makeCredentials } from '../emulator/testkit.js';
import { expectCoded, findLeak, pemBody, secretWindows, tempDir, within } from '../helpers/index.js';

type Material = {
  key: KeyObject;
  pkcs8: string;
  pkcs1: string;
  der: Buffer;
  derPkcs1: Buffer;
  encrypted: string;
  others: Array<string | Buffer>;
};

const PASSPHRASE = 'correct horse battery staple';

function makeMaterial(certificatePem: string): Material {
  const { privateKey: key, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const ed = generateKeyPairSync('ed25519').privateKey;
  const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).privateKey;
  return {
    key,
    pkcs8: key.export({ type: 'pkcs8', format: 'pem' }) as string,
    pkcs1: key.export({ type: 'pkcs1', format: 'pem' }) as string,
    der: key.export({ type: 'pkcs8', format: 'der' }),
    derPkcs1: key.export({ type: 'pkcs1', format: 'der' }),
    encrypted: key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: PASSPHRASE }) as string,
    others: [
      certificatePem,
      publicKey.export({ type: 'spki', format: 'pem' }) as string,
      publicKey.export({ type: 'pkcs1', format: 'pem' }) as string,
      publicKey.export({ type: 'spki', format: 'der' }),
      small.export({ type: 'pkcs8', format: 'pem' }) as string,
      ec.export({ type: 'sec1', format: 'pem' }) as string,
      ec.export({ type: 'pkcs8', format: 'pem' }) as string,
      ec.export({ type: 'pkcs8', format: 'der' }),
      ed.export({ type: 'pkcs8', format: 'pem' }) as string,
      pss.export({ type: 'pkcs8', format: 'pem' }) as string,
      'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 user@host',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n',
      '-----BEGIN CERTIFICATE REQUEST-----\nMIIBWTCBwwIBADAaMRgwFgYDVQQDDA9zZi1qd3Qtc2V0dXAgdGVzdA==\n-----END CERTIFICATE REQUEST-----\n',
      '-----BEGIN DSA PRIVATE KEY-----\nMIIBuwIBAAKBgQC=\n-----END DSA PRIVATE KEY-----\n',
      Buffer.concat([Buffer.from('Salted__'), Buffer.alloc(8, 7), Buffer.alloc(64, 9)]),
    ],
  };
}

/** The forms pipelines store a valid key in. */
function encodings(m: Material): Array<{ name: string; value: string | Buffer }> {
  const b64 = (v: string | Buffer): string => Buffer.from(v).toString('base64');
  return [
    { name: 'pkcs8', value: m.pkcs8 },
    { name: 'pkcs1', value: m.pkcs1 },
    { name: 'der', value: m.der },
    { name: 'der-pkcs1', value: m.derPkcs1 },
    { name: 'base64-of-pem', value: b64(m.pkcs8) },
    { name: 'base64-of-der', value: b64(m.der) },
    { name: 'base64url-of-pem', value: Buffer.from(m.pkcs1).toString('base64url') },
    { name: 'literal-newlines', value: m.pkcs8.replace(/\n/g, '\\n') },
    { name: 'crlf', value: m.pkcs1.replace(/\n/g, '\r\n') },
    { name: 'quoted', value: `"${m.pkcs8.trim()}"` },
    { name: 'bom', value: `\uFEFF${m.pkcs8}` },
    { name: 'joined-spaces', value: m.pkcs8.trim().split('\n').join(' ') },
    { name: 'surrounded', value: `Bag Attributes\n    friendlyName: ci\n${m.pkcs1}\nsome trailing text\n` },
    { name: 'base64-wrapped', value: b64(m.pkcs8).replace(/.{76}/g, '$&\n') },
  ];
}

type Case = { value: string | Buffer; passphrase?: Passphrase; via: 'file' | 'env' | 'text' };

function caseArbitrary(m: Material): fc.Arbitrary<Case> {
  const forms = encodings(m).map((e) => e.value);
  const base = fc.constantFrom<string | Buffer>(...forms, m.encrypted, ...m.others);
  const asText = (v: string | Buffer): string => (typeof v === 'string' ? v : v.toString('latin1'));

  const truncated = fc
    .tuple(base, fc.double({ min: 0, max: 1, noNaN: true }))
    .map(([v, f]) =>
      Buffer.isBuffer(v) ? v.subarray(0, Math.floor(v.length * f)) : v.slice(0, Math.floor(v.length * f)),
    );
  const mutation = fc.record({
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    op: fc.constantFrom('replace', 'insert', 'delete', 'swap-case', 'dup'),
    with: fc.string({
      unit: fc.constantFrom(...'AZaz09+/=-\n\r \t\\"\'\u0000\u00e9\u2028\ufeff-----BEGIN'.split('')),
      minLength: 1,
      maxLength: 8,
    }),
  });
  const mutate = (v: string | Buffer, muts: Array<{ at: number; op: string; with: string }>): string | Buffer => {
    const isBuf = Buffer.isBuffer(v);
    let s = asText(v);
    for (const mu of muts) {
      const i = Math.floor(s.length * mu.at);
      if (mu.op === 'replace') s = s.slice(0, i) + mu.with + s.slice(i + mu.with.length);
      else if (mu.op === 'insert') s = s.slice(0, i) + mu.with + s.slice(i);
      else if (mu.op === 'delete') s = s.slice(0, i) + s.slice(i + mu.with.length);
      else if (mu.op === 'swap-case')
        s =
          s.slice(0, i) +
          s.slice(i, i + 8).replace(/[a-z]/gi, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())) +
          s.slice(i + 8);
      else s = s.slice(0, i) + s.slice(i, i + 40) + s.slice(i);
    }
    return isBuf ? Buffer.from(s, 'latin1') : s;
  };
  const mutated = fc
    .tuple(base, fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([v, muts]) => mutate(v, muts));
  const reencoded = fc
    .tuple(base, fc.constantFrom('base64', 'base64url', 'hex', 'base64-twice', 'utf16le', 'latin1-as-utf8'))
    .map(([v, how]) => {
      const buf = Buffer.from(v);
      switch (how) {
        case 'base64':
        case 'base64url':
        case 'hex':
          return buf.toString(how);
        case 'base64-twice':
          return Buffer.from(buf.toString('base64')).toString('base64');
        case 'utf16le':
          return Buffer.from(asText(v), 'utf16le');
        default:
          return Buffer.from(buf.toString('latin1'), 'utf8');
      }
    });
  const fakePem = fc
    .tuple(
      fc.constantFrom(
        'PRIVATE KEY',
        'RSA PRIVATE KEY',
        'ENCRYPTED PRIVATE KEY',
        'CERTIFICATE',
        'PUBLIC KEY',
        'X',
        'EC PRIVATE KEY',
        'OPENSSH PRIVATE KEY',
      ),
      fc.oneof(
        fc.base64String({ maxLength: 400 }),
        fc.string({ maxLength: 200 }),
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('base64')),
      ),
      fc.boolean(),
      fc.integer({ min: 1, max: 50 }),
    )
    .map(([label, body, closed, repeat]) =>
      `-----BEGIN ${label}-----\n${body}\n${closed ? `-----END ${label}-----\n` : ''}`.repeat(repeat),
    );
  const legacyEncrypted = fc
    .tuple(
      fc.base64String({ minLength: 8, maxLength: 200 }),
      fc.constantFrom('AES-256-CBC,00112233445566778899AABBCCDDEEFF', 'DES-EDE3-CBC,zz', ''),
    )
    .map(
      ([body, dek]) =>
        `-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: ${dek}\n\n${body}\n-----END RSA PRIVATE KEY-----\n`,
    );
  const randomBytes = fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b));
  const derLike = fc.uint8Array({ minLength: 0, maxLength: 300 }).map((b) => {
    const body = Buffer.from(b);
    return Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
  });
  const unicode = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 300 }),
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.string({ maxLength: 50 }),
  );
  const huge = fc.constantFrom('over', 'at', 'under-base64', 'under-pem').map((kind) => {
    if (kind === 'over') return Buffer.alloc(MAX_KEY_BYTES + 1 + 17, 0x41);
    if (kind === 'at') return 'A'.repeat(MAX_KEY_BYTES);
    if (kind === 'under-base64')
      return Buffer.alloc(700 * 1024, 0x5a)
        .toString('base64')
        .slice(0, MAX_KEY_BYTES - 10);
    return `-----BEGIN PRIVATE KEY-----\n${'QUJD'.repeat(200_000)}\n-----END PRIVATE KEY-----\n`;
  });
  const value = fc.oneof(
    { arbitrary: base, weight: 3 },
    { arbitrary: truncated, weight: 4 },
    { arbitrary: mutated, weight: 6 },
    { arbitrary: reencoded, weight: 3 },
    { arbitrary: fakePem, weight: 3 },
    { arbitrary: legacyEncrypted, weight: 1 },
    { arbitrary: randomBytes, weight: 2 },
    { arbitrary: derLike, weight: 2 },
    { arbitrary: unicode, weight: 3 },
    { arbitrary: huge, weight: 1 },
  );
  const passphrase = fc.oneof(
    fc.constant(undefined),
    fc.constant({ value: PASSPHRASE, source: '$KEY_PASS' }),
    fc.string({ minLength: 1, maxLength: 20 }).map((v) => ({ value: v, source: '$KEY_PASS' })),
  );
  return fc.record({ value, passphrase, via: fc.constantFrom<'file' | 'env' | 'text'>('file', 'env', 'text') });
}

describe('reliability: key loader, property-based', function () {
  this.timeout(180_000);
  let m: Material;
  let dir: string;
  let windows: Set<string>;

  before(async () => {
    const creds = await makeCredentials('key-loader');
    m = makeMaterial(creds.certificatePem);
    dir = await tempDir('sfjwt-keys-');
    windows = secretWindows([
      pemBody(m.pkcs8),
      pemBody(m.pkcs1),
      m.der.toString('base64'),
      m.derPkcs1.toString('base64'),
      pemBody(m.encrypted),
      Buffer.from(m.pkcs8).toString('base64'),
    ]);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  let counter = 0;
  async function load(c: Case): Promise<LoadedKey> {
    const options = { passphrase: c.passphrase, minBits: undefined };
    if (c.via === 'file') {
      const file = join(dir, `case-${counter++}.key`);
      await writeFile(file, c.value);
      try {
        return await loadPrivateKey({ file }, options);
      } finally {
        await rm(file, { force: true });
      }
    }
    if (c.via === 'env') {
      const text = typeof c.value === 'string' ? c.value : c.value.toString('latin1');
      return loadPrivateKey({ env: 'SF_JWT_KEY' }, { ...options, env: { SF_JWT_KEY: text } });
    }
    return loadPrivateKey({ text: c.value, label: 'the pasted key' }, options);
  }

  function checkNoLeak(error: { message: string; actions?: string[]; data?: unknown }): void {
    const texts = [error.message, ...(error.actions ?? []), JSON.stringify(error.data ?? null)];
    for (const text of texts) {
      const leak = findLeak(text, windows);
      expect(leak, `key material in an error text: ${text.slice(0, 200)}`).to.equal(undefined);
    }
  }

  it('every re-encoding of a valid key loads, from a file, an environment variable and text', async () => {
    for (const { name, value } of encodings(m)) {
      for (const via of ['file', 'env', 'text'] as const) {
        // binary DER cannot live in an environment variable
        if (via === 'env' && Buffer.isBuffer(value)) continue;
        // eslint-disable-next-line no-await-in-loop
        const key = await load({ value, via });
        expect(key.privateKey.equals(m.key), `${name} via ${via}`).to.equal(true);
        expect(key.bits).to.equal(2048);
      }
    }
    const encrypted = await load({ value: m.encrypted, via: 'env', passphrase: { value: PASSPHRASE, source: '$P' } });
    expect(encrypted.encrypted).to.equal(true);
    expect(encrypted.privateKey.equals(m.key)).to.equal(true);
  });

  it('1,000 generated inputs each end in a coded error or a valid RSA key, fast, with no key material in errors', async () => {
    let ok = 0;
    let failed = 0;
    const codes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(caseArbitrary(m), async (c) => {
        let key: LoadedKey | undefined;
        try {
          key = await within(load(c), 10_000, `loading a ${c.via} key of ${c.value.length} bytes`);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('HANG')) throw error;
          expectCoded(error);
          checkNoLeak(error);
          failed++;
          codes.set(error.code, (codes.get(error.code) ?? 0) + 1);
          return;
        }
        ok++;
        expect(key.privateKey.asymmetricKeyType).to.equal('rsa');
        expect(key.bits).to.be.at.least(2048);
        expect(key.publicKey.asymmetricKeyType).to.equal('rsa');
      }),
      { numRuns: 1000 },
    );
    // The generator really explores both outcomes and many failure kinds.
    expect(ok, 'some inputs load').to.be.greaterThan(20);
    expect(failed, 'most inputs fail').to.be.greaterThan(400);
    expect(codes.size, `codes seen: ${[...codes.keys()].join(', ')}`).to.be.at.least(10);
  });

  it('names the source (path or $VARIABLE), never the content, in the message', async () => {
    const value = m.pkcs8.slice(0, 900);
    const fromEnv = await load({ value, via: 'env' }).catch((e: unknown) => e);
    expectCoded(fromEnv, 'KeyTruncated');
    expect(fromEnv.message).to.include('$SF_JWT_KEY');
    checkNoLeak(fromEnv);
    const file = join(dir, 'named.key');
    await writeFile(file, value);
    const fromFile = await loadPrivateKey({ file }).catch((e: unknown) => e);
    expectCoded(fromFile, 'KeyTruncated');
    expect(fromFile.message).to.include(file);
    checkNoLeak(fromFile);
  });

  it('a key file over 1 MiB is refused before it is read (KeyTooLarge)', async () => {
    const file = join(dir, 'huge.key');
    await writeFile(file, Buffer.alloc(MAX_KEY_BYTES + 1, 0x41));
    expectCoded(await loadPrivateKey({ file }).catch((e: unknown) => e), 'KeyTooLarge');
  });
  // quadratically when BEGIN lines have no matching END: a 1 MiB input (just under MAX_KEY_BYTES) of
  // "-----BEGIN X-----\n" lines blocks the event loop ~12 s in parsePrivateKey (and again in readCertificate).
  it('an unterminated-BEGIN flood just under 1 MiB is decided in under 2 s (no regex blow-up)', () => {
    const flood = '-----BEGIN X-----\n'.repeat(Math.floor((MAX_KEY_BYTES - 10) / 18));
    const start = Date.now();
    let error: unknown;
    try {
      parsePrivateKey(flood, '$SF_JWT_KEY');
    } catch (e) {
      error = e;
    }
    expectCoded(error, 'KeyTruncated');
    expect(Date.now() - start).to.be.lessThan(2000);
  });
});
