/*
 * The key file the sf CLI's token refresh reads, and the copies this plugin keeps for it.
 *
 * On every refresh the sf CLI reads the auth's `privateKey` path as UTF-8 text and hands it to jsonwebtoken, which
 * takes only a plain PEM key (PKCS#8 or PKCS#1, unencrypted, RSA ≥ 2048). The plugin's own loader reads much more
 * (DER, base64 of the PEM, literal \n, indentation, encrypted keys, keys in variables), so a key that logged in is
 * registered where it is only when sf can read that file as it is; otherwise a normalised copy (PKCS#8 PEM, mode
 * 0600) is kept in ~/.sfdx/sf-jwt-setup/keys/<fingerprint>.key (folder 0700). Copies are named by the key's
 * fingerprint, so auths of the same key share one; a copy that no auth refers to is removed by the command that made
 * it orphaned, or reported by doctor.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { chmod, readdir, readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Global } from '@salesforce/core';
import { isJwtSetupError, reason } from '../errors.js';
import { privateKeyPem, publicKeyFingerprint, type LoadedKey } from '../keys/private-key.js';
import { existingFiles, writeFilesAtomically } from '../util/files.js';
import { fsReason } from '../util/fs-errors.js';
import { ensureStoreDir, storeError } from './paths.js';

/** Where normalised key copies are kept for the sf CLI's token refresh. */
export function keyStoreDir(): string {
  return join(Global.SFDX_DIR, 'sf-jwt-setup', 'keys');
}

export type KeyForRefresh = {
  /** The path to register as the auth's privateKey. */
  file: string;
  /** Why a copy is registered instead of the key's own file (undefined: the file itself is registered). */
  copiedBecause?: 'environment' | 'encrypted' | 'format';
  /** The copy did not exist before this call (so a failed login removes it again). */
  created: boolean;
};

/**
 * Why the sf CLI's token refresh cannot use `text` as a key (read as it reads it), or undefined when it can.
 * With `publicKey`, the key must also be that key pair's.
 */
export function sfKeyTextProblem(text: string, publicKey?: KeyObject): string | undefined {
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE'
      ? reason('sfKey.encrypted')
      : reason('sfKey.notPem');
  }
  if (key.asymmetricKeyType !== 'rsa' || (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    return reason('sfKey.notRsa');
  }
  if (publicKey && !createPublicKey(key).equals(publicKey)) return reason('sfKey.otherKey');
  return undefined;
}

/** Why the sf CLI's token refresh cannot use the key file `file`, read the way it reads it; undefined when it can. */
export async function sfKeyFileProblem(file: string, publicKey?: KeyObject): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    return fsReason(error);
  }
  return sfKeyTextProblem(text, publicKey);
}

/** A copy's file name: the first half of its key's fingerprint (unique enough, and short). */
function fingerprintName(key: LoadedKey): string {
  return publicKeyFingerprint(key.publicKey).slice(0, 32);
}

/**
 * The key file to register for `key`: its own file when the sf CLI reads it as it is, else a normalised copy.
 */
export async function keyFileForRefresh(key: LoadedKey): Promise<KeyForRefresh> {
  if (key.file && !key.encrypted) {
    const problem = await sfKeyFileProblem(key.file, key.publicKey);
    if (problem === undefined) return { file: key.file, created: false };
  }
  const copiedBecause = !key.file ? 'environment' : key.encrypted ? 'encrypted' : 'format';
  const dir = keyStoreDir();
  const file = join(dir, `${fingerprintName(key)}.key`);
  await ensureStoreDir(dir, 0o700);
  try {
    await chmod(dir, 0o700);
  } catch (error) {
    throw await storeError(dir, error);
  }
  if ((await existingFiles([file])).length > 0 && (await sfKeyFileProblem(file, key.publicKey)) === undefined) {
    return { file, copiedBecause, created: false };
  }
  try {
    await writeFilesAtomically([{ path: file, data: privateKeyPem(key.privateKey), mode: 0o600 }], {
      overwrite: true,
    });
  } catch (error) {
    if (!isJwtSetupError(error, 'FilesExist')) throw error;
  }
  return { file, copiedBecause, created: true };
}

/** The key paths (resolved) that the sf CLI's authorization files refer to. Unreadable auth files are skipped. */
export async function referencedKeyFiles(): Promise<Set<string>> {
  const names = await readdir(Global.SFDX_DIR).catch(() => [] as string[]);
  const auths = names.filter((n) => n.endsWith('.json') && n.includes('@'));
  const paths = await Promise.all(
    auths.map(async (name) => {
      try {
        const fields = JSON.parse(await readFile(join(Global.SFDX_DIR, name), 'utf8')) as { privateKey?: unknown };
        return typeof fields.privateKey === 'string' ? resolve(fields.privateKey) : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return new Set(paths.filter((p): p is string => p !== undefined));
}

/** Key copies under keyStoreDir() that no authorization refers to. */
export async function unreferencedKeyCopies(): Promise<string[]> {
  const dir = keyStoreDir();
  const names = await readdir(dir).catch(() => [] as string[]);
  const copies = names.filter((n) => /^[0-9a-f]{32}\.key$/.test(n)).map((n) => join(dir, n));
  if (copies.length === 0) return [];
  const referenced = await referencedKeyFiles();
  return copies.filter((c) => !referenced.has(resolve(c)));
}

/** Remove the key copy `file` unless an authorization refers to it; true when removed. Never a key outside the copies folder. */
export async function removeKeyCopyIfUnreferenced(file: string): Promise<boolean> {
  if (resolve(file, '..') !== resolve(keyStoreDir())) return false;
  if ((await referencedKeyFiles()).has(resolve(file))) return false;
  return unlink(file).then(
    () => true,
    () => false,
  );
}
