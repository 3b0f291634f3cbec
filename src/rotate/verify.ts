/*
 * Verification after the swap: the new key must log in (a JWT exchange, nothing registered), riding out Salesforce's
 * propagation for the whole --wait, during which the old certificate may still be the one that verifies (so an
 * "invalid assertion" is waited out too). A network failure is a blip, not a refusal: it is retried within the wait,
 * and when Salesforce still does not answer at the end the rotation is RotationUnverified (no rollback: its deploy
 * would fail on the same network). Then one exchange with the old key: refused is what a finished swap looks like;
 * still accepted means the swap has not reached every server yet (a warning, not a failure).
 */
import { exchangeWithKey } from '../auth/login-with-key.js';
import { loginTarget } from '../auth/target.js';
import { isJwtSetupError, jwtError, traitsOf, type ErrorCode, type JwtSetupError } from '../errors.js';
import type { ExchangeEvent } from '../exchange/token.js';
import type { LoadedKey } from '../keys/private-key.js';
import { rollbackCommand, verifyCommand } from './commands.js';
import type { FreshKey, OldKeyCheck, RotateOptions, RotationPlan } from './types.js';

export type VerifyOptions = {
  waitMs: number;
  /** Interval between retries while waiting (default: obtainToken's 10 s). */
  intervalMs?: number;
  onEvent?: (event: ExchangeEvent) => void;
};

/** The codes of a Salesforce that did not answer (network, 5xx, maintenance page, timeout). */
const TRANSPORT_CODES: ErrorCode[] = ['NetworkError', 'ServerUnavailable', 'UnexpectedResponse', 'RequestTimeout'];

export function isTransportFailure(error: unknown): boolean {
  return isJwtSetupError(error) && traitsOf(error.errorCode).group === 'transport';
}

/** Who logs in where with a key of this rotation: the app's consumer key at the org's login URL. */
export function targetOf(
  plan: Pick<RotationPlan, 'consumerKey' | 'loginUrl' | 'sandbox'>,
  username: string,
): ReturnType<typeof loginTarget> {
  return loginTarget({ clientId: plan.consumerKey, username, loginUrl: plan.loginUrl, sandbox: plan.sandbox });
}

/** Log in as `username` with `key`, waiting up to options.waitMs; throws the last refusal or failure (a coded error). */
export async function verifyLogin(
  plan: RotationPlan,
  username: string,
  key: LoadedKey,
  options: VerifyOptions,
): Promise<void> {
  await exchangeWithKey(key, targetOf(plan, username), {
    waitMinutes: options.waitMs / 60_000,
    waitIntervalMs: options.intervalMs,
    onEvent: options.onEvent,
    waitAlsoOn: ['InvalidAssertion', ...TRANSPORT_CODES],
  });
}

/** The new certificate is in the app, but Salesforce did not answer the new key's login within the wait. */
export function unverifiedError(
  plan: RotationPlan,
  fresh: FreshKey,
  cause: JwtSetupError,
  options: Pick<RotateOptions, 'targetOrg' | 'username'>,
): JwtSetupError {
  const verify = verifyCommand(plan, options.username);
  const back = rollbackCommand(plan, options);
  const oldKey = plan.oldKey?.sourceLabel ?? '-';
  const error = jwtError(
    'RotationUnverified',
    [plan.app, fresh.certificate.fingerprintSha256, cause.message, oldKey],
    [verify, back],
    cause,
  );
  error.setData({
    app: plan.app,
    consumerKey: plan.consumerKey,
    orgHolds: 'new',
    newFingerprintSha256: fresh.certificate.fingerprintSha256,
    oldFingerprintSha256: plan.currentCertificate.fingerprintSha256,
    newKeyFile: plan.newKey.keyFile,
    newCertificateFile: plan.newKey.certificateFile,
    oldKeyFile: plan.oldKey?.file ?? null,
    previousCertificateFile: plan.previousCertificateFile,
    verified: false,
    storeRepointed: false,
    rolledBack: false,
    verifyCommand: verify,
    rollbackCommand: back,
  });
  return error;
}

/** One exchange with the old key, no waiting. */
export async function checkOldKey(plan: RotationPlan, username: string): Promise<OldKeyCheck> {
  if (!plan.oldKey) return { refused: null };
  try {
    await exchangeWithKey(plan.oldKey, targetOf(plan, username));
    return { refused: false };
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    if (error.errorCode === 'InvalidAssertion') return { refused: true, code: error.errorCode };
    return { refused: null, code: error.errorCode };
  }
}
