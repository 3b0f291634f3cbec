/*
 * `keygen` as a function: a new RSA key (or an existing one) and a self-signed certificate for it, written together
 * or not at all. Replaces `openssl genrsa`, `openssl rsa` (pass key decryption), `openssl req` and `openssl x509`.
 */
import { generateKeyPair } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { jwtError } from '../errors.js';
import {
  ensureWritableDir,
  existingFiles,
  removeStaleTemps,
  writeFilesAtomically,
  type FileToWrite,
} from '../util/files.js';
import { createSelfSignedCertificate, type CertificateInfo } from './certificate.js';
import { loadPrivateKey, privateKeyPem, type LoadedKey, type Passphrase } from './private-key.js';
import { defaultSubject, formatSubject, parseSubject } from './subject.js';

export const KEY_SIZES = [2048, 3072, 4096] as const;
export const MAX_DAYS = 3650;

export type KeygenOptions = {
  outputDir: string;
  name: string;
  keySize: number;
  days: number;
  subject?: string;
  /** Issue a certificate for this existing key instead of making a key. */
  keyFile?: string;
  /** The same, already loaded (read once by the caller): keyFile is then only its name. */
  key?: LoadedKey;
  passphrase?: Passphrase;
  force: boolean;
  now?: Date;
};

export type KeygenOutcome = {
  keyFile: string;
  certificateFile: string;
  keySize: number;
  subject: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  fingerprintSha256: string;
  fingerprintSha1: string;
  keyEncrypted: boolean;
  keyGenerated: boolean;
};

const generateRsa = promisify(generateKeyPair);

export function validateKeygenOptions(options: KeygenOptions): void {
  if (!(KEY_SIZES as readonly number[]).includes(options.keySize)) throw jwtError('InvalidKeySize', [options.keySize]);
  if (!Number.isInteger(options.days) || options.days < 1 || options.days > MAX_DAYS)
    throw jwtError('InvalidDays', [options.days]);
  if (
    options.name.length === 0 ||
    basename(options.name) !== options.name ||
    options.name.startsWith('.') ||
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/.test(options.name)
  ) {
    throw jwtError('InvalidFileName', [options.name]);
  }
  parseSubject(options.subject ?? defaultSubject());
}

/** Everything keygen does but the write: the files to write, the outcome, the certificate made, and the key. */
export type PreparedKeygen = {
  files: FileToWrite[];
  outcome: KeygenOutcome;
  certificate: CertificateInfo;
  /** The key the certificate is for, as loaded or made (never read back from the file it is written to). */
  key: LoadedKey;
};

export async function keygen(options: KeygenOptions): Promise<KeygenOutcome> {
  const prepared = await prepareKeygen(options);
  await writeKeygenFiles(prepared, options);
  return prepared.outcome;
}

export async function writeKeygenFiles(prepared: PreparedKeygen, options: Pick<KeygenOptions, 'force'>): Promise<void> {
  await writeFilesAtomically(prepared.files, { overwrite: options.force });
}

/** Validate, make the key (or load it) and the certificate, in memory; throws a coded error before anything is written. */
export async function prepareKeygen(options: KeygenOptions): Promise<PreparedKeygen> {
  validateKeygenOptions(options);
  const subject = parseSubject(options.subject ?? defaultSubject());
  const outputDir = resolve(options.outputDir);
  const certificateFile = join(outputDir, `${options.name}.crt`);
  const newKeyFile = join(outputDir, `${options.name}.key`);

  // Everything that can fail on input fails before anything is written.
  const existingKey =
    options.key ??
    (options.keyFile ? await loadPrivateKey({ file: options.keyFile }, { passphrase: options.passphrase }) : undefined);
  await ensureWritableDir(outputDir);
  await removeStaleTemps(outputDir);
  const targets = existingKey ? [certificateFile] : [newKeyFile, certificateFile];
  if (!options.force) {
    const present = await existingFiles(targets);
    if (present.length > 0) throw jwtError('FilesExist', [present.join(', ')]);
  }

  const { privateKey, publicKey } =
    existingKey ?? (await generateRsa('rsa', { modulusLength: options.keySize, publicExponent: 0x1_00_01 }));
  const certificate = await createSelfSignedCertificate({
    privateKey,
    publicKey,
    subject,
    days: options.days,
    now: options.now,
  });

  const files: FileToWrite[] = [];
  if (!existingKey) {
    files.push({ path: newKeyFile, data: privateKeyPem(privateKey, options.passphrase?.value), mode: 0o600 });
  }
  files.push({ path: certificateFile, data: certificate.pem, mode: 0o644 });

  const outcome: KeygenOutcome = {
    keyFile: existingKey?.file ?? newKeyFile,
    certificateFile,
    keySize: existingKey?.bits ?? options.keySize,
    subject: formatSubject(subject),
    serialNumber: certificate.serialNumber,
    notBefore: certificate.notBefore.toISOString(),
    notAfter: certificate.notAfter.toISOString(),
    fingerprintSha256: certificate.fingerprintSha256,
    fingerprintSha1: certificate.fingerprintSha1,
    keyEncrypted: existingKey ? existingKey.encrypted : options.passphrase !== undefined,
    keyGenerated: !existingKey,
  };
  const key: LoadedKey = existingKey ?? {
    privateKey,
    publicKey,
    bits: options.keySize,
    encrypted: options.passphrase !== undefined,
    format: options.passphrase !== undefined ? 'encrypted-pkcs8' : 'pkcs8',
    repairs: [],
    sourceLabel: newKeyFile,
    file: newKeyFile,
  };
  return { files, outcome, certificate, key };
}
