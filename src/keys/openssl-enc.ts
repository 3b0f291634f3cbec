/*
 * Keys encrypted with `openssl enc -aes-256-cbc` ("Salted__" + salt + data), as pipelines store them with mixed
 * key derivations: -pbkdf2 (SHA-256, 10000 iterations), and the legacy EVP_BytesToKey with -md sha256 and -md md5.
 */
import { createDecipheriv, createHash, pbkdf2Sync } from 'node:crypto';

/**
 * Decrypt `openssl enc -aes-256-cbc` output ("Salted__" + salt + data) with the key derivations people use:
 * -pbkdf2 (SHA-256, 10000 iterations), and the legacy EVP_BytesToKey with -md sha256 and -md md5.
 * Returns undefined when none yields a PEM.
 */
export function decryptOpensslEnc(data: Buffer, passphrase: string): Buffer | undefined {
  if (data.length < 32) return undefined;
  const salt = data.subarray(8, 16);
  const body = data.subarray(16);
  const candidates: Array<() => Buffer> = [
    (): Buffer => pbkdf2Sync(passphrase, salt, 10_000, 48, 'sha256'),
    (): Buffer => evpBytesToKey(passphrase, salt, 'sha256'),
    (): Buffer => evpBytesToKey(passphrase, salt, 'md5'),
  ];
  for (const derive of candidates) {
    const material = derive();
    try {
      const decipher = createDecipheriv('aes-256-cbc', material.subarray(0, 32), material.subarray(32, 48));
      const plain = Buffer.concat([decipher.update(body), decipher.final()]);
      if (plain.includes('-----BEGIN') || plain[0] === 0x30) return plain;
    } catch {
      // wrong derivation or passphrase: try the next
    }
  }
  return undefined;
}

function evpBytesToKey(passphrase: string, salt: Buffer, digest: 'md5' | 'sha256'): Buffer {
  const out: Buffer[] = [];
  let previous = Buffer.alloc(0);
  let length = 0;
  while (length < 48) {
    previous = createHash(digest)
      .update(Buffer.concat([previous, Buffer.from(passphrase, 'utf8'), salt]))
      .digest();
    out.push(previous);
    length += previous.length;
  }
  return Buffer.concat(out).subarray(0, 48);
}
