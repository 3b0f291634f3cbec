/*
 * Verification after the swap: the new key must log in (a JWT exchange, nothing registered), riding out Salesforce's
 * propagation for the whole --wait, during which the old certificate may still be the one that verifies (so an
 * "invalid assertion" is waited out too). Then one exchange with the old key: refused is what a finished swap looks
 * like; still accepted means the swap has not reached every server yet (a warning, not a failure).
 */
import { isJwtSetupError, type ErrorCode } from '../errors.js';
import type { ExchangeEvent } from '../exchange/token.js';
import type { LoadedKey } from '../keys/private-key.js';
import { exchangeWith, type RotationPlan } from './plan.js';

export type VerifyOptions = {
  waitMs: number;
  /** Interval between retries while waiting (default: obtainToken's 10 s). */
  intervalMs?: number;
  onEvent?: (event: ExchangeEvent) => void;
};

/** Log in as `username` with `key`, waiting up to options.waitMs; throws the last refusal (a coded error). */
export async function verifyLogin(
  plan: RotationPlan,
  username: string,
  key: LoadedKey,
  options: VerifyOptions,
): Promise<void> {
  await exchangeWith(plan, username, key, {
    until: Date.now() + options.waitMs,
    intervalMs: options.intervalMs,
    onWaiting: options.onEvent,
  });
}

export type OldKeyCheck = {
  /** true: refused as expected; false: still accepted (propagation); null: another failure, or no old key. */
  refused: boolean | null;
  code?: ErrorCode;
};

/** One exchange with the old key, no waiting. */
export async function checkOldKey(plan: RotationPlan, username: string): Promise<OldKeyCheck> {
  if (!plan.oldKey) return { refused: null };
  try {
    await exchangeWith(plan, username, plan.oldKey);
    return { refused: false };
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    if (error.errorCode === 'InvalidAssertion') return { refused: true, code: error.errorCode };
    return { refused: null, code: error.errorCode };
  }
}
