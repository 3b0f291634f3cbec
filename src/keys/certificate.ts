/*
 * X.509 certificates: make the self-signed one Salesforce wants ("Use digital signatures"), and read one back to
 * compare it with a key. No openssl: @peculiar/x509 over WebCrypto to write, node:crypto to read.
 */
import { randomBytes, webcrypto, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { jwtError, reason } from '../errors.js';
import { decodeText, toPem } from './pem.js';
import { formatSubject, toJsonName, type SubjectAttribute } from './subject.js';

type X509Module = typeof import('@peculiar/x509');
let x509Module: Promise<X509Module> | undefined;

/**
 * @peculiar/x509 is loaded on first use only: it is large (with reflect-metadata, tsyringe and the asn1 schemas about
 * 170 modules, measured in bench/README.md), and most commands never write a certificate. Reading one needs it only
 * for a signature algorithm that signatureAlgorithmOf() below does not know.
 */
async function loadX509(): Promise<X509Module> {
  x509Module ??= (async (): Promise<X509Module> => {
    await import('reflect-metadata');
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as never);
    return x509;
  })();
  return x509Module;
}

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export type CertificateInfo = {
  pem: string;
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
  fingerprintSha256: string;
  fingerprintSha1: string;
  /** e.g. "sha256WithRSAEncryption" */
  signatureAlgorithm: string;
  publicKey: KeyObject;
  keyType: string;
  keyBits: number;
  selfSigned: boolean;
  /** Where it came from, for messages. */
  sourceLabel: string;
  /** How many certificates its file held (a chain or bundle holds several), and which of them this is (1-based). */
  inFile: number;
  position: number;
};

export type CreateCertificateOptions = {
  privateKey: KeyObject;
  publicKey: KeyObject;
  subject: SubjectAttribute[];
  days: number;
  now?: Date;
};

/** A self-signed X.509 v3 certificate: SHA-256 with RSA, random positive serial, SKI, key usage digitalSignature. */
export async function createSelfSignedCertificate(options: CreateCertificateOptions): Promise<CertificateInfo> {
  const x509 = await loadX509();
  const now = options.now ?? new Date();
  // A minute back, so a runner whose clock is slightly behind the verifier's does not see a future certificate.
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + options.days * DAY_MS);
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      options.privateKey.export({ type: 'pkcs8', format: 'der' }),
      RSA_SHA256,
      false,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey(
      'spki',
      options.publicKey.export({ type: 'spki', format: 'der' }),
      RSA_SHA256,
      true,
      ['verify'],
    ),
  };
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: toJsonName(options.subject),
    notBefore,
    notAfter,
    signingAlgorithm: RSA_SHA256,
    keys: keys as never,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as never),
    ],
  });
  const info = await describeCertificate(certificate.toString('pem') + '\n', 'the new certificate');
  // Keep the subject as the user wrote it (node prints multi-line DNs).
  return { ...info, subject: formatSubject(options.subject) };
}

/** 16 random bytes with the top bit clear: a positive INTEGER, never zero-led. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x7f) | 0x01;
  return bytes.toString('hex');
}

export type LoadCertificateOptions = {
  /**
   * What to do with a file of several certificates (a chain, a bundle): `'only'` refuses it (CertificateChain), as
   * where there is no key to choose by; a public key picks the certificate that carries it (else the first).
   * Without it, the first certificate is taken.
   */
  select?: 'only' | KeyObject;
};

export async function loadCertificate(file: string, options: LoadCertificateOptions = {}): Promise<CertificateInfo> {
  const path = resolve(file);
  try {
    const info = await stat(path);
    if (!info.isFile()) throw jwtError('CertificateMalformed', [path, reason('notRegularFile')]);
    if (info.size > 1024 * 1024) throw jwtError('CertificateMalformed', [path, reason('cert.large')]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw jwtError('CertificateFileNotFound', [path]);
    throw error;
  }
  return selectCertificate(await parseCertificates(await readFile(path), path), options);
}

/** Parse a certificate from PEM (mangled forms too), base64 or DER. */
export async function readCertificate(
  raw: string | Buffer,
  sourceLabel: string,
  options: LoadCertificateOptions = {},
): Promise<CertificateInfo> {
  return selectCertificate(await parseCertificates(raw, sourceLabel), options);
}

function selectCertificate(all: CertificateInfo[], options: LoadCertificateOptions): CertificateInfo {
  if (all.length > 1 && options.select === 'only') {
    throw jwtError('CertificateChain', [all[0].sourceLabel, all.length, all.map((c) => c.subject).join('; ')]);
  }
  const chosen =
    options.select && options.select !== 'only'
      ? (all.find((c) => c.publicKey.equals(options.select as KeyObject)) ?? all[0])
      : all[0];
  return { ...chosen, inFile: all.length, position: all.indexOf(chosen) + 1 };
}

/** Every certificate in the input, in order (PEM may hold a chain; DER holds one). */
async function parseCertificates(raw: string | Buffer, sourceLabel: string): Promise<CertificateInfo[]> {
  const decoded = decodeText(raw);
  if (decoded.kind === 'pem') {
    const blocks = decoded.blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE');
    if (blocks.length === 0) {
      const what = decoded.blocks[0].label.includes('PRIVATE KEY')
        ? reason('cert.holdsPrivateKey')
        : reason('cert.holds', [decoded.blocks[0].label]);
      throw jwtError('CertificateMalformed', [sourceLabel, what]);
    }
    return Promise.all(blocks.map((block) => describeCertificate(toPem('CERTIFICATE', block.body), sourceLabel)));
  }
  if (decoded.kind === 'der') {
    return [await describeCertificate(toPem('CERTIFICATE', decoded.der.toString('base64')), sourceLabel)];
  }
  const why =
    decoded.kind === 'empty'
      ? reason('empty')
      : decoded.kind === 'truncated'
        ? reason('cert.cutOff')
        : reason('cert.none');
  throw jwtError('CertificateMalformed', [sourceLabel, why]);
}

async function describeCertificate(pem: string, sourceLabel: string): Promise<CertificateInfo> {
  let cert: NodeX509;
  let algorithm: string;
  try {
    cert = new NodeX509(pem);
    algorithm = signatureAlgorithmOf(cert.raw) ?? signatureAlgorithmName(new (await loadX509()).X509Certificate(pem));
  } catch {
    throw jwtError('CertificateMalformed', [sourceLabel, reason('cert.unparsable')]);
  }
  const publicKey = cert.publicKey;
  return {
    pem,
    subject: cert.subject.split('\n').join(', '),
    issuer: cert.issuer.split('\n').join(', '),
    serialNumber: cert.serialNumber.toLowerCase(),
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    fingerprintSha256: cert.fingerprint256,
    fingerprintSha1: cert.fingerprint,
    signatureAlgorithm: algorithm,
    publicKey,
    keyType: publicKey.asymmetricKeyType ?? 'unknown',
    keyBits: publicKey.asymmetricKeyDetails?.modulusLength ?? 0,
    selfSigned: cert.subject === cert.issuer && cert.verify(publicKey),
    sourceLabel,
    inFile: 1,
    position: 1,
  };
}

/** The common signature algorithms by OID, named as signatureAlgorithmName() names them from @peculiar/x509. */
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
};

/**
 * The certificate's signatureAlgorithm (RFC 5280 4.1.1.2: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm
 * AlgorithmIdentifier, signature }) read from its DER without a parser library; undefined for an OID not in the table
 * above or DER this walk does not follow (the caller then asks @peculiar/x509).
 */
export function signatureAlgorithmOf(der: Buffer): string | undefined {
  // one TLV at `at`: its tag, where its content starts, and where it ends
  const tlv = (at: number): { tag: number; start: number; end: number } | undefined => {
    if (at + 2 > der.length) return undefined;
    const tag = der[at];
    let length = der[at + 1];
    let start = at + 2;
    if (length & 0x80) {
      const bytes = length & 0x7f;
      if (bytes === 0 || bytes > 4 || start + bytes > der.length) return undefined;
      length = 0;
      for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
      start += bytes;
    }
    return start + length > der.length ? undefined : { tag, start, end: start + length };
  };
  const certificate = tlv(0);
  if (certificate?.tag !== 0x30) return undefined;
  const tbs = tlv(certificate.start);
  if (tbs?.tag !== 0x30) return undefined;
  const algorithm = tlv(tbs.end);
  if (algorithm?.tag !== 0x30) return undefined;
  const oid = tlv(algorithm.start);
  if (oid?.tag !== 0x06 || oid.end === oid.start) return undefined;
  const arcs: number[] = [];
  let value = 0;
  for (let i = oid.start; i < oid.end; i++) {
    value = value * 128 + (der[i] & 0x7f);
    if (!(der[i] & 0x80)) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs[0] < 80 ? Math.floor(arcs[0] / 40) : 2;
  const dotted = [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
  return SIGNATURE_ALGORITHMS[dotted];
}

function signatureAlgorithmName(cert: InstanceType<X509Module['X509Certificate']>): string {
  const alg = cert.signatureAlgorithm as { name: string; hash?: { name: string } };
  if (alg.name === 'RSASSA-PKCS1-v1_5' && alg.hash)
    return `${alg.hash.name.replace('-', '').toLowerCase()}WithRSAEncryption`;
  if (alg.name === 'RSA-PSS') return 'rsassaPss';
  if (alg.name === 'ECDSA' && alg.hash) return `ecdsa-with-${alg.hash.name.replace('-', '')}`;
  return alg.name;
}

/** True when the certificate carries the public half of `publicKey`. */
export function certificateMatchesKey(certificate: CertificateInfo, publicKey: KeyObject): boolean {
  return certificate.publicKey.equals(publicKey);
}
