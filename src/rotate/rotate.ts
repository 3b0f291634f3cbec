/*
 * `rotate` as a function: plan and pre-flight (nothing changes), the new key and certificate, the previous
 * certificate saved and the way back printed, the certificate swapped by deploying one component (from memory), the
 * new key verified (the old one checked), a rollback when Salesforce refuses the new key for the whole wait (none
 * when it just does not answer: RotationUnverified), and the sf store's logins of this org re-pointed. No key file is
 * ever deleted or overwritten. Each step is its own module; this file reads as the steps.
 */
import { isJwtSetupError, reason } from '../errors.js';
import type { ExchangeEvent } from '../exchange/token.js';
import { publicKeyFingerprint } from '../keys/private-key.js';
import type { DeployOutcome } from '../org/metadata.js';
import { repointAuths } from '../store/repoint.js';
import { otherOrgCommand, rollbackCommand, verifyCommand } from './commands.js';
import { prepareNewKey, writeNewKey } from './new-key.js';
import { planRotation } from './plan.js';
import { rollback, rolledBackError } from './rollback.js';
import { deployCertificate, savePreviousCertificate } from './swap.js';
import type { FreshKey, RotateEvent, RotateOptions, RotateOutcome, RotationPlan } from './types.js';
import { checkOldKey, isTransportFailure, unverifiedError, verifyLogin } from './verify.js';

export type { RotateEvent, RotateOptions, RotateOutcome, RotationPlan } from './types.js';
export { rollbackCommand } from './commands.js';

type Emit = (event: RotateEvent) => void;

export async function rotate(options: RotateOptions): Promise<RotateOutcome> {
  const waitMs = Math.max(options.waitMinutes * 60_000, 60_000);
  const emit: Emit = options.onEvent ?? ((): void => undefined);
  const plan = await planRotation({ ...options, waitMs });
  emit({ type: 'preflight', plan });
  const command = rollbackCommand(plan, options);
  if (options.dryRun) return dryRun(plan, command);

  const fresh = await makeNewKey(plan, options, emit);
  await savePreviousCertificate(plan);
  emit({ type: 'previous-saved', file: plan.previousCertificateFile, command });
  const swapped = await swap(plan, fresh, options, emit, waitMs);
  await verifyOrRollBack(plan, fresh, swapped, options, emit);
  emit({ type: 'verified', username: options.username });
  const oldKey = await checkOldKey(plan, options.username);
  emit({ type: 'old-key', check: oldKey });

  // The sf store: this org's logins of this consumer key that used the old key now use the new one.
  const oldPublicKeys = [plan.currentCertificate.publicKey, ...(plan.oldKey ? [plan.oldKey.publicKey] : [])];
  const repoint = await repointAuths({
    clientId: plan.consumerKey,
    orgId: plan.admin.orgId,
    oldPublicKeys,
    newKey: fresh.key,
  });
  const otherOrgs = repoint.otherOrgs.map((o) => ({ ...pick(o), command: otherOrgCommand(plan, o) }));
  emit({ type: 'repointed', outcome: repoint, otherOrgs });

  const newKeyFingerprint = publicKeyFingerprint(fresh.key.publicKey);
  const done = { dryRun: false, newCertificate: fresh.certificate, newKeyFingerprint, verified: true };
  return { plan, ...done, deployId: swapped.id || undefined, oldKey, repoint, otherOrgs, rollbackCommand: command };
}

const pick = ({ username, orgId }: { username: string; orgId: string }): { username: string; orgId: string } => ({
  username,
  orgId,
});

function dryRun(plan: RotationPlan, command: string): RotateOutcome {
  return {
    plan,
    dryRun: true,
    newCertificate: plan.newKey.certificate,
    newKeyFingerprint: plan.newKey.key ? publicKeyFingerprint(plan.newKey.key.publicKey) : undefined,
    verified: false,
    oldKey: { refused: null },
    otherOrgs: [],
    rollbackCommand: command,
  };
}

/** The new key and certificate, beside the old key; nothing is overwritten. */
async function makeNewKey(plan: RotationPlan, options: RotateOptions, emit: Emit): Promise<FreshKey> {
  const fresh = await prepareNewKey(plan.newKey, options);
  await writeNewKey(fresh);
  const { action, keyFile, certificateFile } = plan.newKey;
  emit({ type: 'key', action, keyFile, certificateFile });
  return fresh;
}

/** The certificate swap; a refusal or an unknown outcome says what to do next, with this run's files. */
async function swap(
  plan: RotationPlan,
  fresh: FreshKey,
  options: RotateOptions,
  emit: Emit,
  waitMs: number,
): Promise<DeployOutcome> {
  try {
    return await deployCertificate(plan, fresh.certificate, {
      what: plan.app,
      waitMs,
      emit,
      newCertificate: fresh.certificate,
    });
  } catch (error) {
    // Refused: nothing reached the app (rollbackOnError), and the store was not touched.
    if (isJwtSetupError(error, 'DeployFailed')) {
      error.actions = [reason('rotate.fix.deployFailed', [`${plan.newKey.keyFile}, ${plan.newKey.certificateFile}`])];
    }
    if (isJwtSetupError(error, 'DeployOutcomeUnknown')) {
      error.actions = [
        reason('rotate.fix.unknown.new', [fresh.certificate.fingerprintSha256, verifyCommand(plan, options.username)]),
        reason('rotate.fix.unknown.previous', [plan.newKey.keyFile]),
      ];
    }
    throw error;
  }
}

/** Verify the new key; roll back when Salesforce refuses it for the whole wait, never when it does not answer. */
async function verifyOrRollBack(
  plan: RotationPlan,
  fresh: FreshKey,
  swapped: DeployOutcome,
  options: RotateOptions,
  emit: Emit,
): Promise<void> {
  const verify = {
    waitMs: options.waitMinutes * 60_000,
    intervalMs: options.waitIntervalMs,
    onEvent: (event: ExchangeEvent): void => emit({ type: 'exchange', event }),
  };
  try {
    await verifyLogin(plan, options.username, fresh.key, verify);
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    if (isTransportFailure(error)) throw unverifiedError(plan, fresh, error, options);
    emit({ type: 'rollback-start', code: error.errorCode });
    const command = rollbackCommand(plan, options);
    const back = await rollback(plan, { ...verify, username: options.username, fresh, manualCommand: command, emit });
    throw rolledBackError(plan, fresh, error, [swapped.id], back, options.targetOrg);
  }
}
