/*
 * The rotation's new key and certificate: made here (as keygen makes them), or a key made elsewhere
 * (--new-key-file, e.g. in an HSM-backed process) with its certificate (--new-certificate-file) or one issued for it.
 * New files go beside the old key as <name>-<yyyymmdd>.key / .crt (a counter is added when those exist), planned in
 * memory first and written together or not at all, never over an existing file.
 */
import { basename, dirname, extname, join, resolve } from 'node:path';
import { jwtError } from '../errors.js';
import { certificateMatchesKey, loadCertificate, type CertificateInfo } from '../keys/certificate.js';
import { prepareKeygen, validateKeygenOptions, writeKeygenFiles, type PreparedKeygen } from '../keys/keygen.js';
import { loadPrivateKey, type LoadedKey } from '../keys/private-key.js';
import { existingFiles } from '../util/files.js';

export type NewKeyOptions = {
  /** The current key file (the new files go beside it); undefined when it is lost (--force). */
  oldKeyFile?: string;
  newKeyFile?: string;
  newCertificateFile?: string;
  keySize: number;
  days: number;
  subject?: string;
  now?: Date;
};

export type NewKeyPlan = {
  /** generate: key and certificate made; issue-certificate: a certificate for --new-key-file; reuse: both given. */
  action: 'generate' | 'issue-certificate' | 'reuse';
  keyFile: string;
  certificateFile: string;
  /** Known at plan time for --new-key-file. */
  key?: LoadedKey;
  certificate?: CertificateInfo;
  /** The folder and name stem for the files this run writes. */
  dir: string;
  name: string;
};

export const DEFAULT_STEM = 'server';

export function dateStamp(now = new Date()): string {
  return now.toISOString().slice(0, 10).replace(/-/g, '');
}

/** The first of `<base>`, `<base>-2`, `<base>-3`, … for which none of the given extensions exists in `dir`. */
export async function freeName(dir: string, base: string, extensions: string[]): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}-${n}`;
    // eslint-disable-next-line no-await-in-loop
    if ((await existingFiles(extensions.map((e) => join(dir, `${name}${e}`)))).length === 0) return name;
  }
}

export function stemOf(file: string | undefined): string {
  return file ? basename(file, extname(file)) : DEFAULT_STEM;
}

/** Where the new files go and what is made; reads (the given key and certificate), never writes. */
export async function planNewKey(options: NewKeyOptions): Promise<NewKeyPlan> {
  const dir = options.oldKeyFile ? dirname(resolve(options.oldKeyFile)) : resolve('.');
  const base = `${stemOf(options.oldKeyFile)}-${dateStamp(options.now)}`;
  if (options.newKeyFile) {
    const key = await loadPrivateKey({ file: options.newKeyFile });
    const keyFile = key.file as string;
    if (options.newCertificateFile) {
      const certificate = await loadCertificate(options.newCertificateFile, { select: key.publicKey });
      if (!certificateMatchesKey(certificate, key.publicKey)) {
        throw jwtError('CertificateKeyMismatch', [certificate.sourceLabel]);
      }
      const certificateFile = resolve(options.newCertificateFile);
      return { action: 'reuse', keyFile, certificateFile, key, certificate, dir, name: base };
    }
    const name = await freeName(dir, base, ['.crt']);
    return { action: 'issue-certificate', keyFile, certificateFile: join(dir, `${name}.crt`), key, dir, name };
  }
  validateKeygenOptions({
    outputDir: dir,
    name: base,
    keySize: options.keySize,
    days: options.days,
    subject: options.subject,
    force: false,
  });
  const name = await freeName(dir, base, ['.key', '.crt']);
  return {
    action: 'generate',
    keyFile: join(dir, `${name}.key`),
    certificateFile: join(dir, `${name}.crt`),
    dir,
    name,
  };
}

export type PreparedNewKey = { key: LoadedKey; certificate: CertificateInfo; prepared?: PreparedKeygen };

/** Make what the plan says is missing, in memory. */
export async function prepareNewKey(plan: NewKeyPlan, options: NewKeyOptions): Promise<PreparedNewKey> {
  if (plan.action === 'reuse') return { key: plan.key as LoadedKey, certificate: plan.certificate as CertificateInfo };
  const prepared = await prepareKeygen({
    outputDir: plan.dir,
    name: plan.name,
    keySize: options.keySize,
    days: options.days,
    subject: options.subject,
    keyFile: plan.action === 'issue-certificate' ? plan.keyFile : undefined,
    key: plan.key,
    force: false,
    now: options.now,
  });
  return { key: { ...prepared.key, file: plan.keyFile }, certificate: prepared.certificate, prepared };
}

/** Write the files prepareNewKey made: both or neither, never over an existing file. */
export async function writeNewKey(prepared: PreparedNewKey): Promise<void> {
  if (prepared.prepared) await writeKeygenFiles(prepared.prepared, { force: false });
}
