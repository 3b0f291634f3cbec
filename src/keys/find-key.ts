/*
 * The key that belongs to a certificate, looked for in a folder: where rotate leaves the new key beside the old one
 * (<name>-<yyyymmdd>.key), so that a command holding the old key can name the one that matches the org. Only files
 * named like keys (.key, .pem) are read, never more than MAX_CANDIDATES, each through the one key loader; a file that
 * does not parse (a certificate, an encrypted key without its passphrase) is skipped.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CertificateInfo } from './certificate.js';
import { loadPrivateKey, type Passphrase } from './private-key.js';

const MAX_CANDIDATES = 50;
const KEY_NAME = /\.(key|pem)$/i;

/** The first key file in `dir` whose public key is the certificate's (sorted by name, newest date stamp last). */
export async function findKeyFor(
  certificate: CertificateInfo,
  dir: string,
  options: { passphrase?: Passphrase; skip?: string[] } = {},
): Promise<string | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const candidates = names
    .filter((name) => KEY_NAME.test(name) && !name.startsWith('.'))
    .sort()
    .reverse()
    .map((name) => join(dir, name))
    .filter((file) => !(options.skip ?? []).includes(file))
    .slice(0, MAX_CANDIDATES);
  for (const file of candidates) {
    // eslint-disable-next-line no-await-in-loop
    const key = await loadPrivateKey({ file }, { passphrase: options.passphrase }).catch(() => undefined);
    if (key?.publicKey.equals(certificate.publicKey)) return file;
  }
  return undefined;
}
