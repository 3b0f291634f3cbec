/*
 * Helpers for tests, benchmarks and the demo that talk to the emulator: an RSA key with a self-signed certificate
 * (what a user uploads to the app; an expired one with `validity`), RS256 assertions, and a token request.
 */
import { generateKeyPairSync, webcrypto, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import 'reflect-metadata';

export type TestCredentials = { privateKey: KeyObject; privateKeyPem: string; certificatePem: string };

/** A 2048-bit RSA key and a self-signed SHA-256 certificate for it (what "Use digital signatures" takes). */
export async function makeCredentials(
  commonName = 'sf-jwt-setup test',
  validity: { notBefore?: Date; notAfter?: Date } = {},
): Promise<TestCredentials> {
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto);
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alg = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
  const keys = {
    privateKey: await webcrypto.subtle.importKey(
      'pkcs8',
      privateKey.export({ type: 'pkcs8', format: 'der' }),
      alg,
      true,
      ['sign'],
    ),
    publicKey: await webcrypto.subtle.importKey('spki', publicKey.export({ type: 'spki', format: 'der' }), alg, true, [
      'verify',
    ]),
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    keys,
    signingAlgorithm: alg,
    notBefore: validity.notBefore ?? new Date(Date.now() - 86_400_000),
    notAfter: validity.notAfter ?? new Date(Date.now() + 365 * 86_400_000),
  });
  return {
    privateKey,
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificatePem: cert.toString('pem') + '\n',
  };
}

export type AssertionClaims = {
  [claim: string]: unknown;
  iss?: string;
  sub?: string;
  prn?: string;
  aud?: string | string[];
  exp?: number;
};

/** Signs claims as an RS256 JWT. `exp` defaults to now + 3 minutes, in seconds; pass exp: undefined explicitly to omit it. */
export async function signAssertion(privateKey: KeyObject, claims: AssertionClaims): Promise<string> {
  const body: Record<string, unknown> = { exp: Math.floor(Date.now() / 1000) + 180, ...claims };
  if ('exp' in claims && claims.exp === undefined) delete body.exp;
  return new SignJWT(body).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
}

export type TokenResponse = { status: number; contentType: string | null; body: Record<string, unknown> };

/** POSTs a JWT bearer grant to <baseUrl>/services/oauth2/token. */
export async function requestToken(
  baseUrl: string,
  assertion: string,
  grantType = 'urn:ietf:params:oauth:grant-type:jwt-bearer',
): Promise<TokenResponse> {
  const res = await fetch(`${baseUrl}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: grantType, assertion }).toString(),
  });
  return {
    status: res.status,
    contentType: res.headers.get('content-type'),
    body: (await res.json()) as Record<string, unknown>,
  };
}
