/*
 * The JWT bearer assertion: claims and RS256 signature. The only place that signs.
 */
import type { KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { jwtError } from '../errors.js';

/** Salesforce accepts assertions that expire within 3 minutes. */
export const MAX_EXPIRES_IN = 180;

export type AssertionHeader = { alg: 'RS256'; typ?: string };
export type AssertionClaims = { iss: string; sub: string; aud: string; exp: number };

export type ClaimInput = {
  clientId: string;
  username: string;
  audience: string;
  /** Seconds until expiry, 1 to 180; default 180. */
  expiresIn?: number;
  /** Milliseconds since the epoch; default now. */
  now?: number;
};

export function buildClaims(input: ClaimInput): AssertionClaims {
  const expiresIn = input.expiresIn ?? MAX_EXPIRES_IN;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_EXPIRES_IN)
    throw jwtError('InvalidExpiresIn', [expiresIn]);
  const now = Math.floor((input.now ?? Date.now()) / 1000);
  // exp in seconds since the epoch, as RFC 7519 says (the official CLI sends milliseconds; Salesforce tolerates it).
  return { iss: input.clientId, sub: input.username, aud: input.audience, exp: now + expiresIn };
}

export const ASSERTION_HEADER: AssertionHeader = { alg: 'RS256' };

export async function signAssertion(claims: AssertionClaims, privateKey: KeyObject): Promise<string> {
  return new SignJWT({ ...claims }).setProtectedHeader({ ...ASSERTION_HEADER }).sign(privateKey);
}
