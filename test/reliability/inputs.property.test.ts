/*
 * Property: certificates, login URLs, audiences, usernames and consumer keys, whatever their shape, end in a coded
 * error or a value that satisfies the documented rules; nothing throws a foreign error, nothing hangs, and a private
 * key given as a certificate never shows up in the message.
 */
import { generateKeyPairSync } from 'node:crypto';
import { expect } from 'chai';
import fc from 'fast-check';
import { credentialsFromFlags } from '../../src/cli/credentials.js';
import { readCertificate } from '../../src/keys/certificate.js';
import { isLoopbackHost, parseLoginUrl } from '../../src/jwt/endpoint.js';
import { resolveAudiences, resolveClientId, resolveLoginUrl, resolveUsername } from '../../src/auth/inputs.js';
import { validateConsumerKey } from '../../src/app/names.js';
import { makeCredentials } from '../emulator/testkit.js';
import { expectCoded, findLeak, pemBody, secretWindows, within } from '../helpers/index.js';

function outcome<T>(fn: () => T): { ok: true; value: T } | { ok: false; error: unknown } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Strings that look like what people paste, plus noise. */
function mangledText(seeds: string[]): fc.Arbitrary<string> {
  const seed = fc.constantFrom(...seeds);
  const noise = fc.oneof(
    fc.string({ maxLength: 100 }),
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.constantFrom(
      ' ',
      '\n',
      '\t',
      '\u0000',
      '\u007f',
      '\u200b',
      '\u2028',
      '@',
      '/',
      '\\',
      '..',
      '%00',
      '#',
      '?',
      ':',
      '[',
      ']',
    ),
  );
  const spliced = fc
    .tuple(seed, fc.double({ min: 0, max: 1, noNaN: true }), noise, fc.nat(6))
    .map(([s, at, n, del]) => {
      const i = Math.floor(s.length * at);
      return s.slice(0, i) + n + s.slice(i + del);
    });
  const huge = fc.tuple(seed, fc.integer({ min: 10_000, max: 200_000 })).map(([s, n]) => s + 'a'.repeat(n));
  return fc.oneof(
    { arbitrary: seed, weight: 2 },
    { arbitrary: spliced, weight: 5 },
    { arbitrary: noise, weight: 3 },
    { arbitrary: huge, weight: 1 },
  );
}

describe('reliability: input validation, property-based', function () {
  this.timeout(120_000);

  it('certificate loader: 300 generated inputs end in a certificate or CertificateMalformed, never key material', async () => {
    const creds = await makeCredentials('cert-prop');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const windows = secretWindows([pemBody(keyPem), pemBody(creds.privateKeyPem)]);
    const certDer = Buffer.from(pemBody(creds.certificatePem), 'base64');
    const seeds: Array<string | Buffer> = [
      creds.certificatePem,
      certDer,
      certDer.toString('base64'),
      Buffer.from(creds.certificatePem).toString('base64'),
      creds.certificatePem.replace(/\n/g, '\\n'),
      keyPem,
      creds.privateKeyPem,
      `${keyPem}${creds.certificatePem}`,
    ];
    const seed = fc.constantFrom(...seeds);
    const input = fc.oneof(
      seed,
      fc
        .tuple(seed, fc.double({ min: 0, max: 1, noNaN: true }))
        .map(([s, f]) =>
          Buffer.isBuffer(s) ? s.subarray(0, Math.floor(s.length * f)) : s.slice(0, Math.floor(s.length * f)),
        ),
      fc
        .tuple(seed, fc.double({ min: 0, max: 1, noNaN: true }), fc.string({ minLength: 1, maxLength: 6 }))
        .map(([s, at, w]) => {
          const t = Buffer.isBuffer(s) ? s.toString('latin1') : s;
          const i = Math.floor(t.length * at);
          const out = t.slice(0, i) + w + t.slice(i + w.length);
          return Buffer.isBuffer(s) ? Buffer.from(out, 'latin1') : out;
        }),
      fc.uint8Array({ maxLength: 2000 }).map((b) => Buffer.from(b)),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.base64String({ maxLength: 2000 }).map((b) => `-----BEGIN CERTIFICATE-----\n${b}\n-----END CERTIFICATE-----\n`),
    );
    let parsed = 0;
    await fc.assert(
      fc.asyncProperty(input, async (raw) => {
        try {
          const info = await within(readCertificate(raw, 'the certificate'), 10_000, 'readCertificate');
          parsed++;
          expect(info.publicKey.asymmetricKeyType).to.be.a('string');
          expect(info.fingerprintSha256).to.match(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
        } catch (error) {
          if (error instanceof Error && error.message.startsWith('HANG')) throw error;
          expectCoded(error, 'CertificateMalformed');
          for (const text of [error.message, ...(error.actions ?? [])]) {
            expect(findLeak(text, windows), `private key material in: ${text}`).to.equal(undefined);
          }
        }
      }),
      { numRuns: 300 },
    );
    expect(parsed, 'some generated certificates parse').to.be.greaterThan(10);
  });

  it('login URLs: 300 generated inputs end in an https (or loopback http) base URL or a coded URL error', () => {
    const seeds = [
      'https://login.salesforce.com',
      'test.salesforce.com',
      'https://acme.my.salesforce.com/',
      'https://acme--uat.sandbox.my.salesforce.com',
      'https://acme.lightning.force.com/lightning/setup/home',
      'https://acme.my.salesforce.com/lightning/page/home',
      'http://acme.my.salesforce.com',
      'http://127.0.0.1:8080',
      'http://localhost:1717/',
      'https://user:pw@acme.my.salesforce.com',
      'https://acme.my.site.com/partners/',
      'ftp://login.salesforce.com',
      'javascript:alert(1)',
      'https://[::1]:443',
    ];
    fc.assert(
      fc.property(
        fc.oneof(mangledText(seeds), fc.webUrl({ withQueryParameters: true, withFragments: true })),
        (text) => {
          const r = outcome(() => parseLoginUrl(text));
          if (!r.ok) {
            expectCoded(r.error, 'InvalidUrl', 'InsecureUrl', 'LightningUrl', 'SetupPageUrl');
            return;
          }
          const url = r.value;
          expect(['https:', 'http:']).to.include(url.protocol);
          if (url.protocol === 'http:') expect(isLoopbackHost(url.hostname), url.href).to.equal(true);
          expect(url.username).to.equal('');
          expect(url.password).to.equal('');
          expect(url.search).to.equal('');
          expect(url.hash).to.equal('');
          expect(url.hostname).to.not.match(/\.lightning\.force\.com$/i);
          // the audiences of an accepted URL are URLs too
          const audiences = resolveAudiences(credentialsFromFlags({}, {}), url);
          for (const a of audiences.audiences) expect(() => new URL(a)).to.not.throw();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('environment and flag URLs and audiences go through the same checks', () => {
    fc.assert(
      fc.property(
        mangledText(['https://acme.my.salesforce.com', 'https://login.salesforce.com']),
        mangledText(['https://test.salesforce.com']),
        (instance, audience) => {
          const r = outcome(() => {
            const { url } = resolveLoginUrl(credentialsFromFlags({}, { SF_JWT_INSTANCE_URL: instance }), '/');
            return resolveAudiences(credentialsFromFlags({ audience }, {}), url);
          });
          if (!r.ok) expectCoded(r.error, 'InvalidUrl', 'InsecureUrl', 'LightningUrl', 'SetupPageUrl');
          else for (const a of r.value.audiences) expect(() => new URL(a)).to.not.throw();
        },
      ),
      { numRuns: 200 },
    );
  });

  it('usernames: 300 generated inputs end in a trimmed "x@y" username of at most 80 characters or a coded error', () => {
    const seeds = [
      'ci@acme.example',
      'ci@acme.example.uat',
      ' ci+jwt@acme.com ',
      'no-at-sign',
      'a@b@c',
      'first last@acme.com',
      '',
    ];
    fc.assert(
      fc.property(fc.oneof(mangledText(seeds), fc.emailAddress()), fc.boolean(), (text, viaEnv) => {
        const r = outcome(() =>
          viaEnv
            ? resolveUsername(credentialsFromFlags({}, { SF_JWT_USERNAME: text }))
            : resolveUsername(credentialsFromFlags({ username: text }, {})),
        );
        if (!r.ok) {
          expectCoded(r.error, 'MissingUsername', 'InvalidUsername');
          return;
        }
        expect(r.value).to.equal(r.value.trim());
        expect(r.value).to.match(/^[^@\s]+@[^@\s]+$/);
        expect(r.value.length).to.be.at.most(80);
      }),
      { numRuns: 300 },
    );
  });

  // Regression (found by this suite, fixed in src since): src/auth/inputs.ts resolveUsername (the /^[^@\s]+@[^@\s]+$/ check) accepts control characters and path
  // traversal: "ci\u0000@acme.com", "ci\u001b[2J@acme.com" (terminal escape) and "../../x@acme.com" pass, and the
  // username becomes the file name ~/.sfdx/<username>.json in registerAuth (src/store/auth-store.ts) and is echoed in
  // messages. resolveClientId refuses control characters; resolveUsername should too, and refuse ".." path segments
  // (not a valid e-mail local part anyway).
  it('usernames with control characters or path separators are refused with InvalidUsername', () => {
    for (const bad of [
      'ci\u0000@acme.com',
      'ci\u0007@acme.com',
      'ci\u001b[2J@acme.com',
      '../../x@acme.com',
      '..\\..\\x@acme.com',
    ]) {
      const r = outcome(() => resolveUsername(credentialsFromFlags({ username: bad }, {})));
      expect(r.ok, JSON.stringify(bad)).to.equal(false);
      if (!r.ok) expectCoded(r.error, 'InvalidUsername');
    }
  });

  // Regression (found by this suite, fixed in src since): src/auth/inputs.ts resolveUsername, first check: jwtError('InvalidUsername', [value, ...]) quotes the whole
  // value when it has no "@domain" part (only the later length check truncates to 80). A 100,000-character value
  // without "@" (e.g. a key pasted into SF_JWT_USERNAME by mistake) lands whole in the message, the --json output and
  // the log. Fix: quote value.length > 80 ? value.slice(0, 80) + '…' : value in both branches.
  it('the InvalidUsername message quotes no more than 80 characters of a huge value', () => {
    const r = outcome(() => resolveUsername(credentialsFromFlags({ username: `${'x'.repeat(100_000)}` }, {})));
    expect(r.ok).to.equal(false);
    if (!r.ok) {
      expectCoded(r.error, 'InvalidUsername');
      expect(r.error.message.length, 'message length').to.be.lessThan(2000);
    }
  });

  it('client ids (login) and consumer keys (app metadata): 300 generated inputs each, coded error or a clean value', () => {
    const seeds = ['3MVG9' + 'A'.repeat(80), 'abcDEF123', ' 3MVG9xyz\n', '3MVG9 xyz', '3MVG9\u0000x', ''];
    fc.assert(
      fc.property(mangledText(seeds), fc.boolean(), (text, viaEnv) => {
        const r = outcome(() =>
          viaEnv
            ? resolveClientId(credentialsFromFlags({}, { SF_JWT_CLIENT_ID: text }))
            : resolveClientId(credentialsFromFlags({ 'client-id': text }, {})),
        );
        if (!r.ok) {
          expectCoded(r.error, 'MissingClientId', 'InvalidClientId');
          return;
        }
        expect(r.value.length).to.be.greaterThan(0);
        expect(r.value).to.not.match(/\s/);
        // eslint-disable-next-line no-control-regex
        expect(r.value).to.not.match(/[\u0000-\u001f\u007f]/);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(
        fc.oneof(mangledText(seeds), fc.string({ unit: fc.constantFrom(...'abcXYZ019'.split('')), maxLength: 300 })),
        (text) => {
          const r = outcome(() => validateConsumerKey(text));
          if (!r.ok) {
            expectCoded(r.error, 'InvalidConsumerKey');
            expect(r.error.message.length).to.be.lessThan(2000);
            return;
          }
          expect(r.value).to.match(/^[A-Za-z0-9]{8,256}$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
