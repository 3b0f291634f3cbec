/*
 * `login` as a function: load the key, log in with it (login-with-key.ts: the exchange and the org's details, nothing
 * written), then register the grant (store/register.ts). Nothing is written to the sf store before a token is in
 * hand, and a failed registration puts back what was there.
 */
import { jwtError, reason, type ErrorCode } from '../errors.js';
import { loadPrivateKey } from '../keys/private-key.js';
import type { Repair } from '../keys/pem.js';
import type { ExchangeEvent, LoginAttempt } from '../exchange/token.js';
import { registerOne } from '../store/register.js';
import type { KeyForRefresh } from '../store/key-copy.js';
import type { LoginInputs } from './inputs.js';
import { DEFAULT_TIMEOUT_SECONDS, grantFacts, loginWithKey } from './login-with-key.js';

export { DEFAULT_TIMEOUT_SECONDS } from './login-with-key.js';

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

/** An alias as the sf CLI can use it: InvalidAlias otherwise (checked before anything is done). */
export function validateAlias(alias: string | undefined): void {
  if (alias !== undefined && (!ALIAS.test(alias) || alias.includes('@'))) {
    throw jwtError('InvalidAlias', [alias, reason('alias.characters')]);
  }
}

export async function login(inputs: LoginInputs, options: LoginOptions = {}): Promise<LoginOutcome> {
  validateAlias(options.alias);
  const key = await loadPrivateKey(inputs.key, { passphrase: inputs.passphrase });
  const grant = await loginWithKey(key, inputs, {
    waitMinutes: options.waitMinutes,
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
    onEvent: options.onEvent,
    waitIntervalMs: options.waitIntervalMs,
    waitAlsoOn: options.waitAlsoOn,
  });
  const registered = await registerOne({
    grant,
    alias: options.alias,
    setDefault: options.setDefault,
    setDefaultDevHub: options.setDefaultDevHub,
  });
  return {
    ...grantFacts(grant),
    privateKeyFile: registered.privateKeyFile,
    isDevHub: grant.details.isDevHub,
    alias: options.alias,
    attempts: grant.attempts,
    keyRepairs: key.repairs,
    keyStoredFrom: registered.keyCopiedBecause ? key.sourceLabel : undefined,
    keyCopiedBecause: registered.keyCopiedBecause,
    problems: grant.details.problems,
    scope: grant.token.scope,
  };
}
