/*
 * Load an RSA private key from a file, an environment variable or text, in any of the forms pipelines store it, and
 * say precisely what arrived when it is not a usable key. Every failure is a coded JwtSetupError whose message names
 * the source (a path or a variable name), never the content.
 */
import { createPrivateKey, createPublicKey, createHash, KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { jwtError, type JwtSetupError, reason } from '../errors.js';
import { fsReason } from '../util/fs-errors.js';
import { decryptOpensslEnc } from './openssl-enc.js';
import { decodeText, toPem, type PemBlock, type Repair } from './pem.js';

export const MAX_KEY_BYTES = 1024 * 1024;
export const MIN_RSA_BITS = 2048;
export const DEFAULT_KEY_ENV = 'SF_JWT_KEY';

export type KeyInput = { file: string } | { env: string } | { text: string | Buffer; label: string };

export type Passphrase = { value: string; source: string };

export type LoadedKey = {
  privateKey: KeyObject;
  publicKey: KeyObject;
  bits: number;
  /** The key was passphrase-protected where it came from. */
  encrypted: boolean;
  /** The container it came in. */
  format: 'pkcs8' | 'pkcs1' | 'encrypted-pkcs8' | 'encrypted-pkcs1' | 'der' | 'openssl-enc';
  /** Manglings undone on the way in (literal \n, CRLF, BOM, base64, ...). */
  repairs: Repair[];
  /** How messages name the source: a path or $VARIABLE. */
  sourceLabel: string;
  /** Absolute path when the key came from a file. */
  file?: string;
};

export type LoadKeyOptions = {
  passphrase?: Passphrase;
  /** Refuse RSA keys below this size (default 2048, what RS256 requires); 0 to accept any, for diagnosis. */
  minBits?: number;
  env?: NodeJS.ProcessEnv;
};

/** Read the passphrase from the environment variable `name`; unset or empty is an error. */
export function passphraseFromEnv(
  name: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Passphrase | undefined {
  if (name === undefined) return undefined;
  const value = env[name];
  if (value === undefined || value.length === 0) throw jwtError('PassphraseEnvUnset', [name], [name]);
  return { value: value.replace(/\r?\n$/, ''), source: `$${name}` };
}

export async function loadPrivateKey(input: KeyInput, options: LoadKeyOptions = {}): Promise<LoadedKey> {
  const { raw, label, file } = await readKeyInput(input, options.env ?? process.env);
  return parsePrivateKey(raw, label, options, file);
}

async function readKeyInput(
  input: KeyInput,
  env: NodeJS.ProcessEnv,
): Promise<{ raw: string | Buffer; label: string; file?: string }> {
  if ('file' in input) {
    const file = isAbsolute(input.file) ? input.file : resolve(input.file);
    let size: number;
    try {
      const info = await stat(file);
      if (!info.isFile()) throw jwtError('KeyFileUnreadable', [file, reason('notRegularFile')]);
      size = info.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw jwtError('KeyFileNotFound', [file]);
      if (error instanceof Error && error.name === 'KeyFileUnreadableError') throw error;
      throw jwtError('KeyFileUnreadable', [file, fsReason(error)]);
    }
    if (size > MAX_KEY_BYTES) throw jwtError('KeyTooLarge', [file, size]);
    try {
      return { raw: await readFile(file), label: file, file };
    } catch (error) {
      throw jwtError('KeyFileUnreadable', [file, fsReason(error)]);
    }
  }
  if ('env' in input) {
    const label = `$${input.env}`;
    const value = env[input.env];
    if (value === undefined || value.trim().length === 0)
      throw jwtError('KeyEnvUnset', [input.env], [input.env, input.env, input.env]);
    const trimmed = value.trim();
    if (!trimmed.includes('-----') && trimmed.length < 4096 && /[/\\.]/.test(trimmed) && !/\s/.test(trimmed)) {
      if (existsSync(trimmed)) throw jwtError('KeyEnvLooksLikePath', [input.env], [trimmed]);
    }
    return { raw: value, label };
  }
  return { raw: input.text, label: input.label };
}

/** Parse key material already in memory. `label` names the source in messages. */
export function parsePrivateKey(
  raw: string | Buffer,
  label: string,
  options: LoadKeyOptions = {},
  file?: string,
): LoadedKey {
  const size = Buffer.isBuffer(raw) ? raw.length : Buffer.byteLength(raw);
  if (size > MAX_KEY_BYTES) throw jwtError('KeyTooLarge', [label, size]);
  const decoded = decodeText(raw);
  const passphrase = options.passphrase;
  let result: Omit<LoadedKey, 'publicKey' | 'bits' | 'sourceLabel' | 'file'>;
  switch (decoded.kind) {
    case 'empty':
      throw jwtError('KeyEmpty', [label]);
    case 'unknown':
      throw jwtError('KeyMalformed', [label]);
    case 'openssh-public':
      throw jwtError('KeyIsPublicKey', [label]);
    case 'truncated':
      throw jwtError('KeyTruncated', [label, decoded.label]);
    case 'bad-base64':
      throw jwtError('KeyBase64Invalid', [label, decoded.detail]);
    case 'openssl-enc': {
      if (!passphrase) throw jwtError('KeyOpensslEncNoPassphrase', [label]);
      const plain = decryptOpensslEnc(decoded.data, passphrase.value);
      if (!plain) throw jwtError('KeyWrongPassphrase', [label, passphrase.source], [passphrase.source]);
      const inner = parsePrivateKey(plain, label, { ...options, passphrase: undefined }, file);
      return { ...inner, encrypted: true, format: 'openssl-enc' };
    }
    case 'der': {
      const { privateKey, encrypted } = keyFromDer(decoded.der, label, passphrase);
      result = { privateKey, encrypted, format: 'der', repairs: decoded.repairs };
      break;
    }
    case 'pem':
      result = keyFromBlocks(decoded.blocks, label, passphrase, decoded.repairs);
      break;
  }
  return finish(result, label, options.minBits ?? MIN_RSA_BITS, file);
}

function keyFromBlocks(
  blocks: PemBlock[],
  label: string,
  passphrase: Passphrase | undefined,
  repairs: Repair[],
): Omit<LoadedKey, 'publicKey' | 'bits' | 'sourceLabel' | 'file'> {
  const block = blocks.find((b) => ['PRIVATE KEY', 'RSA PRIVATE KEY', 'ENCRYPTED PRIVATE KEY'].includes(b.label));
  if (!block) throw wrongKind(blocks[0].label, label);
  const legacyEncrypted = block.headers['Proc-Type']?.toUpperCase().includes('ENCRYPTED') ?? false;
  const encrypted = block.label === 'ENCRYPTED PRIVATE KEY' || legacyEncrypted;
  const pem = toPem(block.label, block.body, block.headers);
  const format = block.label === 'RSA PRIVATE KEY' ? 'pkcs1' : 'pkcs8';
  if (encrypted && !passphrase) throw jwtError('KeyEncryptedNoPassphrase', [label]);
  try {
    const privateKey = createPrivateKey(
      encrypted ? { key: pem, format: 'pem', passphrase: passphrase?.value } : { key: pem, format: 'pem' },
    );
    return { privateKey, encrypted, format: encrypted ? `encrypted-${format}` : format, repairs };
  } catch (error) {
    if (encrypted && passphrase) throw jwtError('KeyWrongPassphrase', [label, passphrase.source], [passphrase.source]);
    throw jwtError('KeyCorrupt', [label], [], safeCause(error));
  }
}

function wrongKind(pemLabel: string, label: string): JwtSetupError {
  switch (pemLabel) {
    case 'CERTIFICATE':
    case 'TRUSTED CERTIFICATE':
    case 'X509 CERTIFICATE':
      return jwtError('KeyIsCertificate', [label]);
    case 'CERTIFICATE REQUEST':
    case 'NEW CERTIFICATE REQUEST':
      return jwtError('KeyIsCertificateRequest', [label]);
    case 'PUBLIC KEY':
    case 'RSA PUBLIC KEY':
      return jwtError('KeyIsPublicKey', [label]);
    case 'OPENSSH PRIVATE KEY':
      return jwtError('KeyIsOpenSsh', [label]);
    case 'EC PRIVATE KEY':
      return jwtError('KeyNotRsa', [label, describeKeyType('ec')]);
    case 'DSA PRIVATE KEY':
      return jwtError('KeyNotRsa', [label, describeKeyType('dsa')]);
    default:
      return jwtError('KeyMalformed', [label]);
  }
}

function keyFromDer(
  der: Buffer,
  label: string,
  passphrase: Passphrase | undefined,
): { privateKey: KeyObject; encrypted: boolean } {
  for (const type of ['pkcs8', 'pkcs1', 'sec1'] as const) {
    try {
      return { privateKey: createPrivateKey({ key: der, format: 'der', type }), encrypted: false };
    } catch (error) {
      // An encrypted PKCS#8 (EncryptedPrivateKeyInfo) in DER: only the passphrase opens it.
      if (type === 'pkcs8' && (error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') {
        if (!passphrase) throw jwtError('KeyEncryptedNoPassphrase', [label]);
        try {
          return {
            privateKey: createPrivateKey({ key: der, format: 'der', type, passphrase: passphrase.value }),
            encrypted: true,
          };
        } catch {
          throw jwtError('KeyWrongPassphrase', [label, passphrase.source], [passphrase.source]);
        }
      }
      // otherwise try the next container
    }
  }
  if (isDerPublicKey(der)) throw jwtError('KeyIsPublicKey', [label]);
  if (isDerCertificate(der)) throw jwtError('KeyIsCertificate', [label]);
  throw jwtError('KeyMalformed', [label]);
}

function isDerPublicKey(der: Buffer): boolean {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      createPublicKey({ key: der, format: 'der', type });
      return true;
    } catch {
      // not this container
    }
  }
  return false;
}

function isDerCertificate(der: Buffer): boolean {
  try {
    createPublicKey({ key: toPem('CERTIFICATE', der.toString('base64')), format: 'pem' });
    return true;
  } catch {
    return false;
  }
}

function finish(
  partial: Omit<LoadedKey, 'publicKey' | 'bits' | 'sourceLabel' | 'file'>,
  label: string,
  minBits: number,
  file: string | undefined,
): LoadedKey {
  const type = partial.privateKey.asymmetricKeyType;
  if (type !== 'rsa') throw jwtError('KeyNotRsa', [label, describeKeyType(type)]);
  const bits = partial.privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < minBits) throw jwtError('KeyTooSmall', [label, bits]);
  return { ...partial, publicKey: createPublicKey(partial.privateKey), bits, sourceLabel: label, file };
}

/** The kind of a key as a noun phrase with its article: "an EC key", "a DSA key". */
export function describeKeyType(type: string | undefined): string {
  switch (type) {
    case 'ec':
      return reason('key.ec');
    case 'ed25519':
    case 'ed448':
      return reason('key.eddsa');
    case 'rsa-pss':
      return reason('key.rsaPss');
    case 'dsa':
      return reason('key.dsa');
    case undefined:
      return reason('key.unknownType');
    default:
      return reason('key.otherType', [type]);
  }
}

/** Unencrypted PKCS#8 PEM of a private key, optionally encrypted with AES-256-CBC (PBES2) under `passphrase`. */
export function privateKeyPem(key: KeyObject, passphrase?: string): string {
  if (passphrase !== undefined) {
    return key.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase }) as string;
  }
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

/** SHA-256 of the SubjectPublicKeyInfo: identifies a key pair without revealing anything. */
export function publicKeyFingerprint(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** OpenSSL errors carry no key material, but keep only their code and reason to be sure. */
export function safeCause(error: unknown): Error | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  return new Error(code ? `${code}` : 'decoder error');
}
