/*
 * `login` as a function: load the key, exchange, read the org's details, register the auth. Nothing is written to
 * the sf store before a token is in hand, and a failed registration puts back what was there.
 */
import { jwtError, reason, type ErrorCode } from '../errors.js';
import { baseUrlText } from '../jwt/endpoint.js';
import { loadPrivateKey } from '../keys/private-key.js';
import type { Repair } from '../keys/pem.js';
import { obtainToken, type ExchangeEvent, type LoginAttempt } from '../exchange/token.js';
import { readOrgDetails, type OrgDetails } from '../org/details.js';
import { registerAuth } from '../store/auth-store.js';
import { keyFileForRefresh, removeKeyCopyIfUnreferenced, type KeyForRefresh } from '../store/key-copy.js';
import type { LoginInputs } from './inputs.js';

export const DEFAULT_TIMEOUT_SECONDS = 120;

export type LoginOptions = {
  alias?: string;
  setDefault?: boolean;
  setDefaultDevHub?: boolean;
  /** Keep retrying propagation refusals for this many minutes. */
  waitMinutes?: number;
  timeoutSeconds?: number;
  onEvent?: (event: ExchangeEvent) => void;
  /** For tests: the interval between propagation retries. */
  waitIntervalMs?: number;
  /** More refusals to wait out (see obtainToken). */
  waitAlsoOn?: ErrorCode[];
};

export type LoginOutcome = {
  username: string;
  orgId: string;
  instanceUrl: string;
  loginUrl: string;
  audience: string;
  clientId: string;
  privateKeyFile: string;
  isDevHub: boolean;
  alias?: string;
  /** Every (host, audience) tried, in order, with its outcome. */
  attempts: LoginAttempt[];
  keyRepairs: Repair[];
  /** The key was copied to the sf state folder for refresh (it came from the environment, was encrypted, or its file is in a form the sf CLI cannot read). */
  keyStoredFrom?: string;
  keyCopiedBecause?: KeyForRefresh['copiedBecause'];
  /** Org details that could not be read (the login still succeeded). */
  problems: string[];
  scope?: string;
};

const ALIAS = /^[A-Za-z0-9_.-]+$/;

export async function login(inputs: LoginInputs, options: LoginOptions = {}): Promise<LoginOutcome> {
  if (options.alias !== undefined && (!ALIAS.test(options.alias) || options.alias.includes('@'))) {
    throw jwtError('InvalidAlias', [options.alias, reason('alias.characters')]);
  }
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const key = await loadPrivateKey(inputs.key, { passphrase: inputs.passphrase });
  const start = Date.now();
  const waitMs = (options.waitMinutes ?? 0) * 60_000;
  // --timeout bounds the network work; --wait extends it by the waiting time it asks for.
  const deadline = start + (waitMs > 0 ? Math.max(timeoutSeconds * 1000, waitMs + 30_000) : timeoutSeconds * 1000);
  const exchangeOptions = { deadline, timeoutSeconds, onEvent: options.onEvent };
  const obtained = await obtainToken(
    {
      loginUrl: inputs.loginUrl,
      audiences: inputs.audiences,
      clientId: inputs.clientId,
      username: inputs.username,
      privateKey: key.privateKey,
      waitUntil: waitMs > 0 ? start + waitMs : undefined,
      waitIntervalMs: options.waitIntervalMs,
      waitAlsoOn: options.waitAlsoOn,
    },
    exchangeOptions,
  );
  const loginUrl = baseUrlText(inputs.loginUrl);
  let kept: KeyForRefresh | undefined;
  let details: OrgDetails;
  const keeping = keyFileForRefresh(key);
  keeping.catch(() => undefined); // awaited below; never an unhandled rejection while the org is read
  try {
    [details, kept] = await Promise.all([readOrgDetails(obtained.grant, deadline), keeping]);
    await registerAuth({
      username: inputs.username,
      grant: obtained.grant,
      loginUrl,
      clientId: inputs.clientId,
      privateKeyFile: kept.file,
      details,
      alias: options.alias,
      setDefault: options.setDefault,
      setDefaultDevHub: options.setDefaultDevHub,
    });
  } catch (error) {
    // A key copy this login wrote goes again, unless an auth (registered meanwhile by another login) refers to it.
    kept ??= await keeping.catch(() => undefined);
    if (kept?.created) await removeKeyCopyIfUnreferenced(kept.file);
    throw error;
  }
  const privateKeyFile = kept.file;
  return {
    username: inputs.username,
    orgId: obtained.grant.orgId,
    instanceUrl: obtained.grant.instanceUrl,
    loginUrl,
    audience: obtained.audience,
    clientId: inputs.clientId,
    privateKeyFile,
    isDevHub: details.isDevHub,
    alias: options.alias,
    attempts: obtained.attempts,
    keyRepairs: key.repairs,
    keyStoredFrom: kept.copiedBecause ? key.sourceLabel : undefined,
    keyCopiedBecause: kept.copiedBecause,
    problems: details.problems,
    scope: obtained.grant.scope,
  };
}
