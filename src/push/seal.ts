/*
 * GitHub's secret encryption: libsodium's sealed box (crypto_box_seal: an ephemeral X25519 key, XSalsa20-Poly1305)
 * to the repository's or environment's public key, base64 in and out, as GitHub's REST documentation and `gh secret
 * set` do. The binding (libsodium-wrappers, WebAssembly) is loaded only here, the first time a GitHub target is
 * pushed: nothing else pays for it.
 */
type Sodium = {
  ready: Promise<void>;
  crypto_box_PUBLICKEYBYTES: number;
  base64_variants: { ORIGINAL: number };
  from_base64(input: string, variant?: number): Uint8Array;
  to_base64(input: Uint8Array, variant?: number): string;
  from_string(input: string): Uint8Array;
  crypto_box_seal(message: Uint8Array, publicKey: Uint8Array): Uint8Array;
};

let loaded: Promise<Sodium> | undefined;

/** libsodium, ready; loaded once, lazily (its ESM entry). */
export async function sodium(): Promise<Sodium> {
  loaded ??= import('libsodium-wrappers').then(async (module) => {
    const lib = ((module as { default?: unknown }).default ?? module) as Sodium;
    await lib.ready;
    return lib;
  });
  return loaded;
}

/** Thrown when a public key is not a 32-byte X25519 key in base64. */
export class BadPublicKey extends Error {}

/** `value` sealed to the base64 public key `publicKey`, base64 (what `encrypted_value` takes). */
export async function sealForGitHub(value: string, publicKey: string): Promise<string> {
  const lib = await sodium();
  let key: Uint8Array;
  try {
    key = lib.from_base64(publicKey, lib.base64_variants.ORIGINAL);
  } catch {
    throw new BadPublicKey('not base64');
  }
  if (key.length !== lib.crypto_box_PUBLICKEYBYTES) throw new BadPublicKey(`${key.length} bytes`);
  return lib.to_base64(lib.crypto_box_seal(lib.from_string(value), key), lib.base64_variants.ORIGINAL);
}
