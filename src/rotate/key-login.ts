/*
 * One JWT exchange with a key in hand, nothing registered: how rotate checks the current key before the swap, the new
 * key after it, and the old key after a rollback.
 */
import { isJwtSetupError, traitsOf, type ErrorCode } from '../errors.js';
import type { Credentials } from '../auth/credentials.js';
import { resolveLoginInputs } from '../auth/inputs.js';
import { obtainToken, type ExchangeEvent } from '../exchange/token.js';
import type { LoadedKey } from '../keys/private-key.js';
import type { RotationPlan } from './types.js';

const TIMEOUT_SECONDS = 120;

export type KeyLoginWait = {
  until: number;
  intervalMs?: number;
  onWaiting?: (event: ExchangeEvent) => void;
  /** Refusals to wait out besides propagation ones. */
  alsoOn?: ErrorCode[];
};

/** The transport codes: Salesforce did not answer (network, 5xx, maintenance page, timeout). */
export const TRANSPORT_CODES: ErrorCode[] = [
  'NetworkError',
  'ServerUnavailable',
  'UnexpectedResponse',
  'RequestTimeout',
];

export function isTransportFailure(error: unknown): boolean {
  return isJwtSetupError(error) && traitsOf(error.errorCode).group === 'transport';
}

/** One JWT exchange as `username` with `key`; waits out propagation (and `alsoOn`) until `wait.until` when given. */
export async function keyLogin(
  plan: Pick<RotationPlan, 'consumerKey' | 'loginUrl' | 'sandbox'>,
  username: string,
  key: LoadedKey,
  wait?: KeyLoginWait,
): Promise<void> {
  const credentials: Credentials = {
    clientId: plan.consumerKey,
    username,
    key: { text: '', label: key.sourceLabel },
    instanceUrl: { value: plan.loginUrl, source: 'flag' },
    sandbox: plan.sandbox,
  };
  const inputs = resolveLoginInputs(credentials);
  const waitMs = wait ? Math.max(wait.until - Date.now(), 0) : 0;
  await obtainToken(
    {
      loginUrl: inputs.loginUrl,
      audiences: inputs.audiences,
      clientId: inputs.clientId,
      username: inputs.username,
      privateKey: key.privateKey,
      waitUntil: wait?.until,
      waitIntervalMs: wait?.intervalMs,
      waitAlsoOn: wait?.alsoOn,
    },
    {
      deadline: Date.now() + waitMs + TIMEOUT_SECONDS * 1000,
      timeoutSeconds: TIMEOUT_SECONDS,
      onEvent: wait?.onWaiting,
    },
  );
}
