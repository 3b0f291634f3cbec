/*
 * The bearer exchange: POST the assertion to {login URL}/services/oauth2/token and turn every answer into a token
 * grant or a coded error. Transient failures (network, 5xx, HTML maintenance pages) are retried a bounded number
 * of times with backoff inside the overall deadline; OAuth refusals are not, unless the caller waits for
 * propagation (--wait). The assertion goes only to the host the caller names.
 */
import type { KeyObject } from 'node:crypto';
import { Messages } from '@salesforce/core';
import {
  isAudienceRefusal,
  isJwtSetupError,
  isPropagationRefusal,
  jwtError,
  reason,
  type ErrorCode,
  type JwtSetupError,
} from '../errors.js';
import { buildClaims, signAssertion, type AssertionClaims } from '../jwt/assertion.js';
import { tokenUrl } from '../jwt/endpoint.js';
import { httpRequest, serverDate, TransportFailure, type HttpResponse } from './http.js';
import { oauthError, parseOAuthError } from './salesforce-errors.js';

Messages.importMessagesDirectoryFromMetaUrl(import.meta.url);
const messages = Messages.loadMessages('sf-jwt-setup', 'shared');

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export type TokenGrant = {
  accessToken: string;
  instanceUrl: string;
  idUrl: string;
  orgId: string;
  userId: string;
  scope?: string;
  tokenType?: string;
  serverDate?: Date;
};

export type RetryPolicy = { attempts: number; baseDelayMs: number };
export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 400 };
const MIN_IDLE_MS = 5000;

export type ExchangeEvent =
  | { type: 'retry'; host: string; attempt: number; attempts: number; reason: string; delayMs: number }
  | { type: 'audience-fallback'; host: string; from: string; to: string; code: ErrorCode }
  | { type: 'waiting'; host: string; code: ErrorCode; delayMs: number; remainingMs: number };

export type ExchangeOptions = {
  /** Absolute ms time by which everything must be done. */
  deadline: number;
  /** The overall timeout the deadline came from, for messages. */
  timeoutSeconds: number;
  retry?: RetryPolicy;
  onEvent?: (event: ExchangeEvent) => void;
  /** Sees every HTTP answer's status and Date header (doctor compares clocks with it). */
  onResponse?: (answer: { status: number; date?: Date; at: number }) => void;
  sleep?: (ms: number) => Promise<void>;
};

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Parse the identity URL https://host/id/<orgId>/<userId>. */
export function parseIdUrl(id: string): { orgId: string; userId: string } | undefined {
  // As the sf CLI reads it: the last two path segments after /id/.
  const match = /\/id\/([A-Za-z0-9]+)\/([A-Za-z0-9]+)\/?(?:[?#].*)?$/.exec(id);
  return match ? { orgId: match[1], userId: match[2] } : undefined;
}

function describeNonOAuth(response: HttpResponse): string {
  const type = String(response.headers['content-type'] ?? 'no content type').split(';')[0];
  if (/html/i.test(type) || /^\s*</.test(response.body)) {
    const title = /<title>([^<]{0,80})<\/title>/i.exec(response.body)?.[1]?.trim();
    return title ? reason('token.htmlTitled', [title]) : reason('token.html');
  }
  return response.body.length === 0 ? reason('token.emptyBody') : reason('token.body', [type, response.body.length]);
}

function parseGrant(response: HttpResponse): TokenGrant | undefined {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(response.body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object') return undefined;
  const { access_token: accessToken, instance_url: instanceUrl, id } = value;
  if (typeof accessToken !== 'string' || typeof instanceUrl !== 'string' || typeof id !== 'string') return undefined;
  const ids = parseIdUrl(id);
  if (!ids || accessToken.length === 0) return undefined;
  try {
    // eslint-disable-next-line no-new
    new URL(instanceUrl);
  } catch {
    return undefined;
  }
  return {
    accessToken,
    instanceUrl: instanceUrl.replace(/\/+$/, ''),
    idUrl: id,
    ...ids,
    scope: typeof value.scope === 'string' ? value.scope : undefined,
    tokenType: typeof value.token_type === 'string' ? value.token_type : undefined,
    serverDate: serverDate(response),
  };
}

/** One assertion, one host: POST with bounded retries of transient failures. */
export async function postAssertion(
  loginUrl: URL,
  assertion: string,
  context: { audience: string; username: string; clientId: string },
  options: ExchangeOptions,
): Promise<TokenGrant> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? defaultSleep;
  const url = tokenUrl(loginUrl);
  const host = url.host;
  const body = new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString();
  let last: JwtSetupError | undefined;
  for (let attempt = 1; attempt <= retry.attempts; attempt++) {
    let transient: JwtSetupError;
    /** What happened, in a few words, for the retry notice (the coded message is for the final error). */
    let happened: string;
    // A silent connection is given up after its share of the time left (at least 5 s), so one hung server cannot
    // use it all up; a slow one that keeps sending may use the whole deadline.
    const remaining = options.deadline - Date.now();
    const idleMs = Math.max(MIN_IDLE_MS, remaining / (retry.attempts - attempt + 1));
    try {
      // eslint-disable-next-line no-await-in-loop
      const response = await httpRequest({
        method: 'POST',
        url,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body,
        deadline: options.deadline,
        idleMs,
      });
      options.onResponse?.({ status: response.status, date: serverDate(response), at: Date.now() });
      if (response.status === 200) {
        const grant = parseGrant(response);
        if (grant) return grant;
        happened = describeNonOAuth(response);
        transient = jwtError('UnexpectedResponse', [host, response.status, happened]);
        if (!/html/i.test(String(response.headers['content-type'])) && !/^\s*</.test(response.body)) throw transient;
      } else {
        const oauth = parseOAuthError(response.body);
        if (oauth && response.status < 500) throw oauthError(oauth, { host, ...context });
        if (response.status >= 500) {
          happened = reason('token.status', [response.status]);
          transient = jwtError('ServerUnavailable', [host, response.status, attempt]);
        } else if (/html/i.test(String(response.headers['content-type'])) || /^\s*</.test(response.body)) {
          const page = describeNonOAuth(response);
          happened = reason('token.statusWith', [response.status, page]);
          transient = jwtError('UnexpectedResponse', [host, response.status, page]);
        } else throw jwtError('UnexpectedResponse', [host, response.status, describeNonOAuth(response)]);
      }
    } catch (error) {
      if (isJwtSetupError(error)) throw error;
      if (!(error instanceof TransportFailure)) throw error;
      if (error.kind === 'too-large') throw jwtError('UnexpectedResponse', [host, '200', error.message]);
      if (error.kind === 'timeout' && Date.now() >= options.deadline) {
        throw jwtError('RequestTimeout', [host, options.timeoutSeconds]);
      }
      happened =
        error.kind === 'idle' ? messages.getMessage('noAnswerWithin', [Math.round(idleMs / 1000)]) : error.message;
      transient = jwtError('NetworkError', [host, happened]);
    }
    last = transient;
    if (attempt === retry.attempts) break;
    const delayMs = Math.min(retry.baseDelayMs * 2 ** (attempt - 1) * (0.75 + Math.random() * 0.5), 8000);
    if (Date.now() + delayMs >= options.deadline) break;
    options.onEvent?.({
      type: 'retry',
      host,
      attempt,
      attempts: retry.attempts,
      reason: happened,
      delayMs: Math.round(delayMs),
    });
    // eslint-disable-next-line no-await-in-loop
    await sleep(delayMs);
  }
  if (Date.now() >= options.deadline) throw jwtError('RequestTimeout', [host, options.timeoutSeconds]);
  throw last ?? jwtError('NetworkError', [host, reason('token.noAttempt')]);
}

export type LoginAttempt = { loginUrl: string; audience: string; outcome: 'ok' | ErrorCode };

export type ObtainTokenInput = {
  loginUrl: URL;
  audiences: string[];
  clientId: string;
  username: string;
  privateKey: KeyObject;
  /** Keep retrying propagation-type refusals until this time (ms); undefined: no waiting. */
  waitUntil?: number;
  /** Interval between propagation retries; default 10 s. */
  waitIntervalMs?: number;
  /** More refusals to wait out besides the propagation ones: InvalidAssertion while a new certificate propagates. */
  waitAlsoOn?: ErrorCode[];
};

export type ObtainedToken = { grant: TokenGrant; audience: string; claims: AssertionClaims; attempts: LoginAttempt[] };

/**
 * Sign and exchange, trying the next audience at the same host only when Salesforce refuses the audience (or says an
 * External Client App is not installed), and waiting out propagation when asked.
 */
export async function obtainToken(input: ObtainTokenInput, options: ExchangeOptions): Promise<ObtainedToken> {
  const sleep = options.sleep ?? defaultSleep;
  const attempts: LoginAttempt[] = [];
  const host = input.loginUrl.host;
  for (let round = 0; ; round++) {
    let failure: JwtSetupError | undefined;
    for (const [i, audience] of input.audiences.entries()) {
      const claims = buildClaims({ clientId: input.clientId, username: input.username, audience });
      // eslint-disable-next-line no-await-in-loop
      const assertion = await signAssertion(claims, input.privateKey);
      try {
        // eslint-disable-next-line no-await-in-loop
        const grant = await postAssertion(
          input.loginUrl,
          assertion,
          { audience, username: input.username, clientId: input.clientId },
          options,
        );
        attempts.push({ loginUrl: input.loginUrl.href, audience, outcome: 'ok' });
        return { grant, audience, claims, attempts };
      } catch (error) {
        if (!isJwtSetupError(error)) throw error;
        attempts.push({ loginUrl: input.loginUrl.href, audience, outcome: error.errorCode });
        failure = error;
        const next = input.audiences[i + 1];
        if (!next || !isAudienceRefusal(error.errorCode)) break;
        options.onEvent?.({ type: 'audience-fallback', host, from: audience, to: next, code: error.errorCode });
      }
    }
    const error = failure as JwtSetupError;
    error.setData({ attempts });
    const waitable = isPropagationRefusal(error.errorCode) || (input.waitAlsoOn ?? []).includes(error.errorCode);
    const remainingMs = (input.waitUntil ?? 0) - Date.now();
    const delayMs = Math.min(input.waitIntervalMs ?? 10_000, remainingMs, options.deadline - Date.now());
    if (!waitable || input.waitUntil === undefined || delayMs <= 0 || remainingMs <= 0) throw error;
    options.onEvent?.({ type: 'waiting', host, code: error.errorCode, delayMs, remainingMs });
    // eslint-disable-next-line no-await-in-loop
    await sleep(delayMs);
  }
}
