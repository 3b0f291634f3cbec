/*
 * Bootstrap's key and certificate: reuse --jwt-key-file (with --certificate-file, or a certificate issued for it), or
 * the key and certificate a previous run left in the output folder, or make new ones as `keygen` does. Planned in
 * memory first, so --dry-run writes nothing and a failure before the deploy leaves no half-made pair. The key is read
 * (or made) once here; everything after works with the loaded key.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import { jwtError } from '../errors.js';
import { loadCertificate, certificateMatchesKey, type CertificateInfo } from '../keys/certificate.js';
import { prepareKeygen, writeKeygenFiles, type PreparedKeygen } from '../keys/keygen.js';
import { loadPrivateKey, type LoadedKey } from '../keys/private-key.js';
import { existingFiles } from '../util/files.js';

export const DEFAULT_KEY_NAME = 'server';
const KEY_SIZE = 2048;
const DAYS = 365;

export type KeyPairPlan = {
  /** reuse: both exist; issue-certificate: a certificate is made for an existing key; generate: both are made. */
  action: 'reuse' | 'issue-certificate' | 'generate';
  keyFile: string;
  certificateFile: string;
  /** Known now for reuse; made by prepare() otherwise. */
  key?: LoadedKey;
  certificate?: CertificateInfo;
};

export type KeyPairOptions = { keyFile?: string; certificateFile?: string; outputDir: string };

async function certificateFor(file: string, key: LoadedKey): Promise<CertificateInfo> {
  const certificate = await loadCertificate(file, { select: key.publicKey });
  if (!certificateMatchesKey(certificate, key.publicKey)) {
    throw jwtError('CertificateKeyMismatch', [certificate.sourceLabel]);
  }
  return certificate;
}

/** What will happen to the key pair; reads, never writes. */
export async function planKeyPair(options: KeyPairOptions): Promise<KeyPairPlan> {
  const outputDir = resolve(options.outputDir);
  if (options.keyFile) {
    const key = await loadPrivateKey({ file: options.keyFile });
    const keyFile = key.file as string;
    if (options.certificateFile) {
      const certificate = await certificateFor(options.certificateFile, key);
      return { action: 'reuse', keyFile, certificateFile: resolve(options.certificateFile), key, certificate };
    }
    const stem = basename(keyFile, extname(keyFile));
    const beside = join(dirname(keyFile), `${stem}.crt`);
    if ((await existingFiles([beside])).length > 0) {
      const certificate = await loadCertificate(beside, { select: key.publicKey });
      if (certificateMatchesKey(certificate, key.publicKey)) {
        return { action: 'reuse', keyFile, certificateFile: beside, key, certificate };
      }
    }
    return { action: 'issue-certificate', keyFile, certificateFile: join(outputDir, `${stem}.crt`), key };
  }
  const keyFile = join(outputDir, `${DEFAULT_KEY_NAME}.key`);
  const certificateFile = options.certificateFile
    ? resolve(options.certificateFile)
    : join(outputDir, `${DEFAULT_KEY_NAME}.crt`);
  if ((await existingFiles([keyFile])).length > 0) {
    // A previous run's key: reuse it (replacing it is rotate's job).
    const key = await loadPrivateKey({ file: keyFile });
    if ((await existingFiles([certificateFile])).length > 0) {
      return {
        action: 'reuse',
        keyFile,
        certificateFile,
        key,
        certificate: await certificateFor(certificateFile, key),
      };
    }
    return { action: 'issue-certificate', keyFile, certificateFile, key };
  }
  return { action: 'generate', keyFile, certificateFile };
}

/** Make what the plan says is missing, in memory: nothing is written until write(). */
export async function prepareKeyPair(plan: KeyPairPlan): Promise<{ plan: KeyPairPlan; prepared?: PreparedKeygen }> {
  if (plan.action === 'reuse') return { plan };
  const prepared = await prepareKeygen({
    outputDir: dirname(plan.certificateFile),
    name: basename(plan.certificateFile, '.crt'),
    keySize: KEY_SIZE,
    days: DAYS,
    keyFile: plan.action === 'issue-certificate' ? plan.keyFile : undefined,
    key: plan.key,
    force: false,
  });
  return { plan: { ...plan, key: prepared.key, certificate: prepared.certificate }, prepared };
}

/** Write the files prepareKeyPair made (both or neither, never over an existing file). */
export async function writeKeyPair(prepared: PreparedKeygen | undefined): Promise<void> {
  if (prepared) await writeKeygenFiles(prepared, { force: false });
}
