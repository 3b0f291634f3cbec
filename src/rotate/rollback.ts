/*
 * The way back when the new key is refused for the whole wait: the previous certificate is deployed again (with the
 * same deploy events as the swap), and the old key must log in again (riding out propagation for another --wait).
 * Success ends in RotationRolledBack (exit 1: the rotation did not happen); a failure of either step in
 * RollbackFailed, saying which certificate the app holds now and which key matches it. No key file is touched.
 */
import { isJwtSetupError, jwtError, reason, type JwtSetupError } from '../errors.js';
import type { CertificateInfo } from '../keys/certificate.js';
import type { OrgStepEvent } from '../org/deploy.js';
import { shellArg } from '../util/shell.js';
import { deployCertificate } from './swap.js';
import type { FreshKey, RotationPlan } from './types.js';
import { verifyLogin, type VerifyOptions } from './verify.js';

export type RollbackOptions = VerifyOptions & {
  username: string;
  fresh: FreshKey;
  /** The command that puts the previous certificate back by hand. */
  manualCommand: string;
  emit: (event: OrgStepEvent) => void;
};

export type RollbackOutcome = { deployId: string; oldKeyVerified: boolean | null };

function why(error: unknown): string {
  return isJwtSetupError(error) ? error.message : error instanceof Error ? error.message : String(error);
}

export async function rollback(plan: RotationPlan, options: RollbackOptions): Promise<RollbackOutcome> {
  let deployId: string;
  try {
    const outcome = await deployCertificate(plan, plan.currentCertificate, {
      what: reason('rotate.previousOf', [plan.app]),
      waitMs: options.waitMs,
      emit: options.emit,
      newCertificate: options.fresh.certificate,
    });
    deployId = outcome.id;
  } catch (error) {
    // What the org holds is unknown: that error says what could be read.
    if (isJwtSetupError(error, 'DeployOutcomeUnknown')) throw error;
    // The deploy was refused or did not finish: the app holds the new certificate, the new key's.
    throw failed(plan, why(error), options.fresh.certificate, plan.newKey.keyFile, options, error);
  }
  if (!plan.oldKey) return { deployId, oldKeyVerified: null };
  try {
    await verifyLogin(plan, options.username, plan.oldKey, options);
  } catch (error) {
    throw failed(plan, why(error), plan.currentCertificate, plan.oldKey.sourceLabel, options, error);
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

/** The rotation undone: the error a rolled-back run ends with, with everything a pipeline owner needs as data. */
export function rolledBackError(
  plan: RotationPlan,
  fresh: FreshKey,
  refusal: JwtSetupError,
  deployIds: string[],
  back: RollbackOutcome,
  targetOrg: string,
): JwtSetupError {
  const error = jwtError(
    'RotationRolledBack',
    [plan.app, refusal.message],
    [shellArg(targetOrg), plan.newKey.keyFile],
    refusal,
  );
  error.setData({
    app: plan.app,
    consumerKey: plan.consumerKey,
    oldFingerprintSha256: plan.currentCertificate.fingerprintSha256,
    newFingerprintSha256: fresh.certificate.fingerprintSha256,
    newKeyFile: plan.newKey.keyFile,
    newCertificateFile: plan.newKey.certificateFile,
    previousCertificateFile: plan.previousCertificateFile,
    verified: false,
    oldKeyVerified: back.oldKeyVerified,
    rolledBack: true,
    deployIds: [...deployIds, back.deployId].filter((id) => id !== ''),
  });
  return error;
}
