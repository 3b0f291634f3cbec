/*
 * The way back when the new key does not log in within the wait: the previous certificate is deployed again, and the
 * old key must log in again (riding out propagation for another --wait). Success ends in RotationRolledBack (exit 1:
 * the rotation did not happen); a failure of either step in RollbackFailed, saying which certificate the app holds
 * now and which key matches it. No key file is touched.
 */
import { isJwtSetupError, jwtError, reason, type JwtSetupError } from '../errors.js';
import type { CertificateInfo } from '../keys/certificate.js';
import type { DeployProgress } from '../org/metadata.js';
import type { RotationPlan } from './plan.js';
import { deployCertificate } from './swap.js';
import { verifyLogin, type VerifyOptions } from './verify.js';

export type RollbackOptions = VerifyOptions & {
  username: string;
  newKeyFile: string;
  newCertificate: CertificateInfo;
  /** The command that puts the previous certificate back by hand. */
  manualCommand: string;
  onDeployProgress?: (progress: DeployProgress) => void;
};

export type RollbackOutcome = { deployId: string; oldKeyVerified: boolean | null };

/** Why a deploy failed, as RollbackFailed quotes it (jwtError bounds every token, see bounded()). */
function why(error: unknown): string {
  return isJwtSetupError(error) ? error.message : error instanceof Error ? error.message : String(error);
}

export async function rollback(plan: RotationPlan, options: RollbackOptions): Promise<RollbackOutcome> {
  let deployId: string;
  try {
    deployId = (
      await deployCertificate(plan, plan.currentCertificate.pem, {
        what: reason('rotate.previousOf', [plan.app]),
        waitMs: options.waitMs,
        onProgress: options.onDeployProgress,
      })
    ).id;
  } catch (error) {
    // The deploy was refused or did not finish: the app holds the new certificate, the new key's.
    throw failed(plan, why(error), options.newCertificate, options.newKeyFile, options, error);
  }
  if (!plan.oldKey) return { deployId, oldKeyVerified: null };
  try {
    await verifyLogin(plan, options.username, plan.oldKey, options);
  } catch (error) {
    const oldKeyName = plan.oldKey.sourceLabel;
    throw failed(plan, why(error), plan.currentCertificate, oldKeyName, options, error);
  }
  return { deployId, oldKeyVerified: true };
}

function failed(
  plan: RotationPlan,
  what: string,
  holds: CertificateInfo,
  keyFile: string,
  options: RollbackOptions,
  cause: unknown,
): JwtSetupError {
  const error = jwtError(
    'RollbackFailed',
    [what, plan.app, holds.fingerprintSha256, keyFile],
    [options.manualCommand, keyFile],
    cause,
  );
  error.setData({ app: plan.app, certificateFingerprintSha256: holds.fingerprintSha256, matchingKeyFile: keyFile });
  return error;
}
