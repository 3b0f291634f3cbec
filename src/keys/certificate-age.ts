/*
 * Which of two certificates is the newer one, and whether a certificate supersedes a key: what bootstrap asks before
 * it deploys a local key's certificate over the one an app holds. A certificate's age is when it was issued
 * (notBefore); a key known only as a file, without a certificate yet, is as old as the file.
 */
import type { KeyObject } from 'node:crypto';
import { stat } from 'node:fs/promises';
import type { CertificateInfo } from './certificate.js';

/** When the local side was made: its certificate's notBefore, else the key file's modification time. */
export async function localIssued(certificate: CertificateInfo | undefined, keyFile: string): Promise<Date> {
  if (certificate) return certificate.notBefore;
  return (await stat(keyFile)).mtime;
}

/**
 * Whether `held` (the org's certificate) supersedes the local key: a different key's certificate, issued after
 * `local` (so deploying the local one would undo a rotation). The same key's certificate, or an older one, does not.
 */
export function supersedes(held: CertificateInfo, localKey: KeyObject, local: Date): boolean {
  if (held.publicKey.equals(localKey)) return false;
  return held.notBefore.getTime() > local.getTime();
}
