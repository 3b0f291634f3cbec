/*
 * `assertion --check`: decode a JWT built elsewhere, verify its signature against a certificate when given, and run
 * the same rules doctor runs. Pure apart from the signature verification.
 */
import { createVerify, type KeyObject } from 'node:crypto';
import { decodeJwt as joseDecodeJwt, decodeProtectedHeader } from 'jose';
import { Messages } from '@salesforce/core';
import { fail, pass, type Check as AnyCheck } from '../report/check.js';
import type { AssertionCheckId } from '../report/ids.js';
import { jwtError } from '../errors.js';
import { checkClaims, checkHeader, type ClaimRuleContext } from './rules.js';

type Check = AnyCheck<AssertionCheckId>;

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'rules');
const m = (key: string, tokens: string[] = []): string => messages.getMessage(key, tokens);

export type DecodedJwt = {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
  signature: string;
  signingInput: string;
};

/** The header and claims of a compact JWT, decoded by jose (not verified); undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    const text = parts.join('.');
    return {
      header: decodeProtectedHeader(text) as Record<string, unknown>,
      claims: joseDecodeJwt(text) as Record<string, unknown>,
      signature: parts[2],
      signingInput: `${parts[0]}.${parts[1]}`,
    };
  } catch {
    return undefined;
  }
}

export type InspectOptions = ClaimRuleContext & { publicKey?: KeyObject; certificateLabel?: string };

export function inspectAssertion(token: string, options: InspectOptions): { decoded?: DecodedJwt; checks: Check[] } {
  if (token.trim().length === 0) throw jwtError('AssertionMissing');
  const decoded = decodeJwt(token);
  if (!decoded) {
    return { checks: [fail('format', m('format.title'), m('format.fail'), m('format.fix'))] };
  }
  const checks: Check[] = [
    pass('format', m('format.title'), m('format.pass')),
    ...checkHeader(decoded.header, decoded.signature),
  ];
  checks.push(...checkClaims(decoded.claims, options));
  if (options.publicKey) {
    let valid = false;
    try {
      valid =
        decoded.header.alg === 'RS256' &&
        createVerify('RSA-SHA256')
          .update(decoded.signingInput)
          .verify(options.publicKey, Buffer.from(decoded.signature, 'base64url'));
    } catch {
      valid = false;
    }
    checks.push(
      valid
        ? pass('signature', m('signature.title'), m('signature.pass', [options.certificateLabel ?? 'certificate']))
        : fail(
            'signature',
            m('signature.title'),
            m('signature.fail', [options.certificateLabel ?? 'certificate']),
            m('signature.fix'),
          ),
    );
  }
  return { decoded, checks };
}
