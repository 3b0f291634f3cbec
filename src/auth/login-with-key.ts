/*
 * The one way to log in with a key already in hand: the JWT bearer exchange (every host and audience the target
 * allows, retries, waiting out propagation) and, for a login that will be registered, the org's details. It writes
 * nothing: registration is store/register.ts, and `login`, `bootstrap`, `rotate`'s verification and `fleet login` are
 * compositions of the two. A key loaded once serves any number of targets.
 */
import type { ErrorCode } from '../errors.js';
import { obtainToken, type ExchangeEvent, type LoginAttempt, type TokenGrant } from '../exchange/token.js';
import { baseUrlText } from '../jwt/endpoint.js';
import type { LoadedKey } from '../keys/private-key.js';
import { readOrgDetails, type OrgDetails } from '../org/details.js';

export const DEFAULT_TIMEOUT_SECONDS = 120;

/** Who logs in where: the validated pieces of LoginInputs that an exchange needs (no key source, no flags). */
export type LoginTarget = {
  clientId: string;
  username: string;
  loginUrl: URL;
  /** The audiences to try, in order. */
  audiences: string[];
};

export type ExchangeWithKeyOptions = {
  /** Keep retrying propagation refusals for this many minutes. */
  waitMinutes?: number;
  timeoutSeconds?: number;
  onEvent?: (event: ExchangeEvent) => void;
  /** For tests: the interval between propagation retries. */
  waitIntervalMs?: number;
  /** More refusals to wait out (see obtainToken). */
  waitAlsoOn?: ErrorCode[];
};

/** What one exchange gave: the token, the audience that worked and every (host, audience) tried. */
export type Exchanged = {
  token: TokenGrant;
  audience: string;
  attempts: LoginAttempt[];
  /** The deadline the exchange ran under, for the requests that follow it. */
  deadline: number;
};

/** A login that worked and can be registered: never printed, it holds the access token. */
export type Grant = {
  username: string;
  clientId: string;
  /** The login host, as registered (no trailing slash). */
  loginUrl: string;
  audience: string;
  token: TokenGrant;
  details: OrgDetails;
  attempts: LoginAttempt[];
  /** The key that logged in, for the registration's refresh-safe key file. */
  key: LoadedKey;
};

/** One JWT bearer exchange with `key`, nothing read after it and nothing written. */
export async function exchangeWithKey(
  key: LoadedKey,
  target: LoginTarget,
  options: ExchangeWithKeyOptions = {},
): Promise<Exchanged> {
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const start = Date.now();
  const waitMs = (options.waitMinutes ?? 0) * 60_000;
  // --timeout bounds the network work; --wait extends it by the waiting time it asks for.
  const deadline = start + (waitMs > 0 ? Math.max(timeoutSeconds * 1000, waitMs + 30_000) : timeoutSeconds * 1000);
  const obtained = await obtainToken(
    {
      loginUrl: target.loginUrl,
      audiences: target.audiences,
      clientId: target.clientId,
      username: target.username,
      privateKey: key.privateKey,
      waitUntil: waitMs > 0 ? start + waitMs : undefined,
      waitIntervalMs: options.waitIntervalMs,
      waitAlsoOn: options.waitAlsoOn,
    },
    { deadline, timeoutSeconds, onEvent: options.onEvent },
  );
  return { token: obtained.grant, audience: obtained.audience, attempts: obtained.attempts, deadline };
}

/** The exchange, then the org's details (API version, Dev Hub, Organization) in one parallel round. */
export async function loginWithKey(
  key: LoadedKey,
  target: LoginTarget,
  options: ExchangeWithKeyOptions = {},
): Promise<Grant> {
  const exchanged = await exchangeWithKey(key, target, options);
  const details = await readOrgDetails(exchanged.token, exchanged.deadline);
  return {
    username: target.username,
    clientId: target.clientId,
    loginUrl: baseUrlText(target.loginUrl),
    audience: exchanged.audience,
    token: exchanged.token,
    details,
    attempts: exchanged.attempts,
    key,
  };
}

/** What every registered login reports of itself: who, which org, where (never the token). */
export type GrantFacts = Pick<Grant, 'username' | 'loginUrl' | 'audience' | 'clientId'> & {
  orgId: string;
  instanceUrl: string;
};

export function grantFacts(grant: Grant): GrantFacts {
  const { username, loginUrl, audience, clientId } = grant;
  return { username, orgId: grant.token.orgId, instanceUrl: grant.token.instanceUrl, loginUrl, audience, clientId };
}
