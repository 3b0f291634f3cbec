/*
 * A certificate's signature algorithm is read from its DER (src/keys/certificate.ts signatureAlgorithmOf) so that
 * reading a certificate loads no ASN.1 library; an algorithm outside its table is named by its dotted OID. The test
 * certificates are made with @peculiar/x509 (a dev dependency), independent of the plugin's own DER writer.
 */
import { webcrypto } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
// reflect-metadata before @peculiar/x509, which needs it
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { expect } from 'chai';
import { readCertificate, signatureAlgorithmOf } from '../../../src/keys/certificate.js';
import { ROOT, runRecordingLoads, tempDir } from '../../helpers/index.js';

x509.cryptoProvider.set(webcrypto as never);

type Algorithm = { label: string; key: Record<string, unknown>; sign: Record<string, unknown> };

const ALGORITHMS: Array<Algorithm & { expected: string }> = [
  ...(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const).map((hash) => ({
    label: `RSA ${hash}`,
    key: { name: 'RSASSA-PKCS1-v1_5', hash, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    sign: { name: 'RSASSA-PKCS1-v1_5', hash },
    expected: `${hash.replace('-', '').toLowerCase()}WithRSAEncryption`,
  })),
  ...(
    [
      ['P-256', 'SHA-256'],
      ['P-384', 'SHA-384'],
      ['P-521', 'SHA-512'],
    ] as const
  ).map(([namedCurve, hash]) => ({
    label: `ECDSA ${namedCurve} ${hash}`,
    key: { name: 'ECDSA', namedCurve },
    sign: { name: 'ECDSA', hash },
    expected: `ecdsa-with-${hash.replace('-', '')}`,
  })),
  { label: 'Ed25519', key: { name: 'Ed25519' }, sign: { name: 'Ed25519' }, expected: 'Ed25519' },
];

async function certificate(a: Algorithm): Promise<x509.X509Certificate> {
  const keys: unknown = await webcrypto.subtle.generateKey(a.key as never, true, ['sign', 'verify']);
  return x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${a.label}`,
    keys: keys as never,
    signingAlgorithm: a.sign as never,
    notBefore: new Date(),
    notAfter: new Date(Date.now() + 86_400_000),
  });
}

describe('certificate signature algorithms without @peculiar/x509 (src/keys/certificate.ts)', () => {
  for (const a of ALGORITHMS) {
    it(`${a.label}: ${a.expected}`, async () => {
      const cert = await certificate(a);
      const der = Buffer.from(cert.rawData);
      expect(signatureAlgorithmOf(der)).to.equal(a.expected);
      const read = await readCertificate(cert.toString('pem'), a.label);
      expect(read.signatureAlgorithm).to.equal(a.expected);
    });
  }

  /**
   * WebCrypto signs with none of these, so an RSA SHA-256 certificate has its AlgorithmIdentifiers' OID (both, in the
   * TBS and outside) rewritten: 1.2.840.113549.1.1.11 to .14 (SHA-224, in the table) and to .15 (SHA-512/224, not in
   * it). Node still parses it; the signature no longer verifies, which reading does not need.
   */
  for (const [last, expected] of [
    [0x0e, 'sha224WithRSAEncryption'],
    [0x0f, '1.2.840.113549.1.1.15'],
  ] as const) {
    it(`OID 1.2.840.113549.1.1.${last}: ${expected}`, async () => {
      const der = Buffer.from((await certificate(ALGORITHMS[1])).rawData);
      const sha256 = Buffer.from('06092a864886f70d01010b', 'hex');
      const rewritten = Buffer.from(der);
      for (let at = rewritten.indexOf(sha256); at >= 0; at = rewritten.indexOf(sha256, at + 1))
        rewritten[at + sha256.length - 1] = last;
      expect(rewritten.equals(der)).to.equal(false);
      expect(signatureAlgorithmOf(rewritten)).to.equal(expected);
      expect((await readCertificate(rewritten, 'rewritten')).signatureAlgorithm).to.equal(expected);
    });
  }

  it('garbage and truncated DER answer undefined, not an exception', async () => {
    const der = Buffer.from((await certificate(ALGORITHMS[1])).rawData);
    for (const bytes of [Buffer.alloc(0), Buffer.from([0x30]), der.subarray(0, 20), Buffer.from('not der')])
      expect(signatureAlgorithmOf(bytes)).to.equal(undefined);
  });

  it('reading an RSA SHA-256 certificate loads no @peculiar/x509 module', async function () {
    this.timeout(60_000);
    const dir = await tempDir('sfjwt-cert-alg-');
    const file = join(dir, 'server.crt');
    await writeFile(file, (await certificate(ALGORITHMS[1])).toString('pem'));
    const printed = runRecordingLoads(
      `const { loadCertificate } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'src', 'keys', 'certificate.ts')).href)});\n` +
        `const cert = await loadCertificate(${JSON.stringify(file)});\n` +
        "console.log(JSON.stringify({ algorithm: cert.signatureAlgorithm, x509: loaded.filter((u) => u.includes('/@peculiar/') || u.includes('/reflect-metadata/')) }));\n",
    );
    expect(printed).to.deep.equal({
      algorithm: 'sha256WithRSAEncryption',
      x509: [],
    });
  });
});
