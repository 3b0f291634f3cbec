/*
 * X.509 certificates: make the self-signed one Salesforce wants ("Use digital signatures"), and read one back to
 * compare it with a key. No openssl and no ASN.1 library: our own DER writer (der.ts) and node:crypto to sign and to
 * read.
 */
import { createHash, randomBytes, sign, X509Certificate as NodeX509, type KeyObject } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { jwtError, reason } from '../errors.js';
import {
  bitString,
  boolean,
  explicit,
  ia5String,
  integer,
  nullValue,
  octetString,
  oid,
  oidText,
  printableString,
  readTlv,
  sequence,
  setOf,
  time,
  utf8String,
} from './der.js';
import { decodeText, toPem } from './pem.js';
import { attributeOid, attributeStringType, formatSubject, type SubjectAttribute } from './subject.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** AlgorithmIdentifier sha256WithRSAEncryption; its parameters MUST be NULL (RFC 4055 5). */
const SHA256_WITH_RSA = sequence(oid('1.2.840.113549.1.1.11'), nullValue());

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
// eslint-disable-next-line @typescript-eslint/require-await -- callers await it; bad input is a rejection, not a throw
export async function createSelfSignedCertificate(options: CreateCertificateOptions): Promise<CertificateInfo> {
  // sign() signs with whatever the key is; the certificate says sha256WithRSAEncryption. Callers load keys through
  // loadPrivateKey, which refuses others (KeyNotRsa): this only guards against a mislabelled certificate.
  if (options.privateKey.asymmetricKeyType !== 'rsa') throw new TypeError('an RSA (PKCS #1 v1.5) key is needed');
  const now = options.now ?? new Date();
  // A minute back, so a runner whose clock is slightly behind the verifier's does not see a future certificate.
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000 - 60_000);
  const notAfter = new Date(notBefore.getTime() + options.days * DAY_MS);
  const spki = options.publicKey.export({ type: 'spki', format: 'der' });
  const name = distinguishedName(options.subject);
  // RFC 5280 4.1: TBSCertificate, then the same AlgorithmIdentifier again and the signature over the TBS DER.
  const tbs = sequence(
    explicit(0, integer([2])), // version v3 (4.1.2.1)
    integer(Buffer.from(randomSerial(), 'hex')), // 4.1.2.2
    SHA256_WITH_RSA, // 4.1.2.3
    name, // issuer = subject: self-signed
    sequence(time(notBefore), time(notAfter)), // 4.1.2.5
    name,
    spki, // 4.1.2.7, exactly as node exports it
    explicit(3, sequence(...extensions(spki))), // 4.1.2.9
  );
  const signature = sign('sha256', tbs, options.privateKey);
  const der = sequence(tbs, SHA256_WITH_RSA, bitString(signature));
  const info = describeCertificate(toPem('CERTIFICATE', der.toString('base64')), 'the new certificate');
  // Keep the subject as the user wrote it (node prints multi-line DNs).
  return { ...info, subject: formatSubject(options.subject) };
}

/**
 * Name (RFC 5280 4.1.2.4): one RelativeDistinguishedName (a SET of one AttributeTypeAndValue) per attribute, in the
 * order given; each value in the string type attributeStringType() names for its OID.
 */
function distinguishedName(attributes: SubjectAttribute[]): Buffer {
  const value = (type: ReturnType<typeof attributeStringType>, text: string): Buffer =>
    type === 'printable' ? printableString(text) : type === 'ia5' ? ia5String(text) : utf8String(text);
  return sequence(
    ...attributes.map((a) => {
      const id = attributeOid(a.type);
      return setOf(sequence(oid(id), value(attributeStringType(id), a.value)));
    }),
  );
}

/** The extensions, in this order: basicConstraints, keyUsage, subjectKeyIdentifier (RFC 5280 4.2). */
function extensions(spki: Buffer): Buffer[] {
  // Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } (4.1); DER leaves the
  // default out (X.690 11.5), so `critical` is written only when true.
  const extension = (id: string, critical: boolean, value: Buffer): Buffer =>
    critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
  return [
    // basicConstraints (4.2.1.9), critical: not a CA. cA FALSE is the default, so the SEQUENCE is empty.
    extension('2.5.29.19', true, sequence()),
    // keyUsage (4.2.1.3), critical: digitalSignature, bit 0. DER drops trailing zero bits of a named bit list
    // (X.690 11.2.2): one byte 0x80 with 7 unused bits.
    extension('2.5.29.15', true, bitString(Buffer.from([0x80]), 7)),
    // subjectKeyIdentifier (4.2.1.2), non-critical: method 1, the SHA-1 of the subjectPublicKey BIT STRING's value.
    extension('2.5.29.14', false, octetString(createHash('sha1').update(subjectPublicKeyBits(spki)).digest())),
  ];
}

/**
 * The bytes of subjectPublicKey in SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey
 * BIT STRING } (RFC 5280 4.1), without tag, length and the unused-bits byte (4.2.1.2).
 */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  const outer = readTlv(spki, 0);
  const algorithm = outer && readTlv(spki, outer.start);
  const key = algorithm && readTlv(spki, algorithm.end);
  if (outer?.tag !== 0x30 || algorithm?.tag !== 0x30 || key?.tag !== 0x03) throw new Error('unexpected SPKI DER');
  return spki.subarray(key.start + 1, key.end);
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
  return selectCertificate(parseCertificates(await readFile(path), path), options);
}

/** Parse a certificate from PEM (mangled forms too), base64 or DER. */
// eslint-disable-next-line @typescript-eslint/require-await -- callers await it; bad input is a rejection, not a throw
export async function readCertificate(
  raw: string | Buffer,
  sourceLabel: string,
  options: LoadCertificateOptions = {},
): Promise<CertificateInfo> {
  return selectCertificate(parseCertificates(raw, sourceLabel), options);
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
function parseCertificates(raw: string | Buffer, sourceLabel: string): CertificateInfo[] {
  const decoded = decodeText(raw);
  if (decoded.kind === 'pem') {
    const blocks = decoded.blocks.filter((b) => b.label === 'CERTIFICATE' || b.label === 'X509 CERTIFICATE');
    if (blocks.length === 0) {
      const what = decoded.blocks[0].label.includes('PRIVATE KEY')
        ? reason('cert.holdsPrivateKey')
        : reason('cert.holds', [decoded.blocks[0].label]);
      throw jwtError('CertificateMalformed', [sourceLabel, what]);
    }
    return blocks.map((block) => describeCertificate(toPem('CERTIFICATE', block.body), sourceLabel));
  }
  if (decoded.kind === 'der') {
    return [describeCertificate(toPem('CERTIFICATE', decoded.der.toString('base64')), sourceLabel)];
  }
  const why =
    decoded.kind === 'empty'
      ? reason('empty')
      : decoded.kind === 'truncated'
        ? reason('cert.cutOff')
        : reason('cert.none');
  throw jwtError('CertificateMalformed', [sourceLabel, why]);
}

function describeCertificate(pem: string, sourceLabel: string): CertificateInfo {
  let cert: NodeX509;
  let algorithm: string;
  try {
    cert = new NodeX509(pem);
    algorithm = signatureAlgorithmOf(cert.raw) ?? 'unknown';
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

/** The common signature algorithms by OID, named as openssl names them. */
const SIGNATURE_ALGORITHMS: Record<string, string> = {
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption',
  '1.2.840.113549.1.1.14': 'sha224WithRSAEncryption',
  '1.2.840.113549.1.1.11': 'sha256WithRSAEncryption',
  '1.2.840.113549.1.1.12': 'sha384WithRSAEncryption',
  '1.2.840.113549.1.1.13': 'sha512WithRSAEncryption',
  '1.2.840.113549.1.1.10': 'rsassaPss',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1',
  '1.2.840.10045.4.3.2': 'ecdsa-with-SHA256',
  '1.2.840.10045.4.3.3': 'ecdsa-with-SHA384',
  '1.2.840.10045.4.3.4': 'ecdsa-with-SHA512',
  '1.3.101.112': 'Ed25519',
};

/**
 * The certificate's signatureAlgorithm (RFC 5280 4.1.1.2: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm
 * AlgorithmIdentifier, signature }) read from its DER without a parser library: the name in the table above, else
 * the OID's dotted text; undefined only for DER this walk does not follow.
 */
export function signatureAlgorithmOf(der: Buffer): string | undefined {
  const certificate = readTlv(der, 0);
  if (certificate?.tag !== 0x30) return undefined;
  const tbs = readTlv(der, certificate.start);
  if (tbs?.tag !== 0x30) return undefined;
  const algorithm = readTlv(der, tbs.end);
  if (algorithm?.tag !== 0x30) return undefined;
  const id = readTlv(der, algorithm.start);
  if (id?.tag !== 0x06) return undefined;
  const dotted = oidText(der.subarray(id.start, id.end));
  return dotted === undefined ? undefined : (SIGNATURE_ALGORITHMS[dotted] ?? dotted);
}

/** True when the certificate carries the public half of `publicKey`. */
export function certificateMatchesKey(certificate: CertificateInfo, publicKey: KeyObject): boolean {
  return certificate.publicKey.equals(publicKey);
}
