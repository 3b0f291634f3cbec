/*
 * `rotate` as a function: plan and pre-flight (nothing changes), the new key and certificate, the previous
 * certificate saved and the way back printed, the certificate swapped by deploying one component, the new key
 * verified (the old one checked), a rollback when the new key does not log in, and the sf store re-pointed.
 * No key file is ever deleted or overwritten.
 */
import { isJwtSetupError, jwtError, reason, type ErrorCode } from '../errors.js';
import type { ExchangeEvent } from '../exchange/token.js';
import type { CertificateInfo } from '../keys/certificate.js';
import { publicKeyFingerprint } from '../keys/private-key.js';
import type { DeployOutcome, DeployProgress } from '../org/metadata.js';
import { repointAuths, type RepointOutcome } from '../store/repoint.js';
import { prepareNewKey, writeNewKey, type NewKeyPlan } from './new-key.js';
import { planRotation, type RotationPlan, type RotationPlanOptions } from './plan.js';
import { rollback } from './rollback.js';
import { deployCertificate, savePreviousCertificate } from './swap.js';
import { checkOldKey, verifyLogin, type OldKeyCheck } from './verify.js';

export type RotateOptions = Omit<RotationPlanOptions, 'waitMs'> & {
  waitMinutes: number;
  dryRun: boolean;
  /** For tests: the interval between login retries while waiting. */
  waitIntervalMs?: number;
  onEvent?: (event: RotateEvent) => void;
};

export type RotateEvent =
  | { type: 'preflight'; plan: RotationPlan }
  | { type: 'key'; action: NewKeyPlan['action']; keyFile: string; certificateFile: string }
  | { type: 'previous-saved'; file: string; command: string }
  | { type: 'deploy-start'; what: string }
  | { type: 'deploy-progress'; what: string; progress: DeployProgress }
  | { type: 'deploy-done'; what: string; outcome: DeployOutcome }
  | { type: 'exchange'; event: ExchangeEvent }
  | { type: 'verified'; username: string }
  | { type: 'old-key'; check: OldKeyCheck }
  | { type: 'rollback-start'; code: ErrorCode }
  | { type: 'repointed'; outcome: RepointOutcome };

export type RotateOutcome = {
  plan: RotationPlan;
  dryRun: boolean;
  /** The new certificate (undefined in a dry run of a generated pair). */
  newCertificate?: CertificateInfo;
  newKeyFingerprint?: string;
  deployId?: string;
  verified: boolean;
  oldKey: OldKeyCheck;
  repoint?: RepointOutcome;
  /** The command that puts the previous certificate back. */
  rollbackCommand: string;
};

const quote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** The command that puts the previous certificate back: a rotation back to the old key (or, without it, the upload). */
export function rollbackCommand(plan: RotationPlan, options: Pick<RotateOptions, 'targetOrg' | 'username'>): string {
  const args = [
    'sf jwt-setup rotate',
    `--target-org ${quote(options.targetOrg)}`,
    `--app ${quote(plan.app)}`,
    `--username ${quote(options.username)}`,
    `--client-id ${quote(plan.consumerKey)}`,
    `--jwt-key-file ${quote(plan.newKey.keyFile)}`,
  ];
  if (plan.oldKey?.file) {
    args.push(`--new-key-file ${quote(plan.oldKey.file)}`);
  }
  args.push(`--new-certificate-file ${quote(plan.previousCertificateFile)}`, '--force');
  return args.join(' ');
}

export async function rotate(options: RotateOptions): Promise<RotateOutcome> {
  const waitMs = options.waitMinutes * 60_000;
  const emit = options.onEvent ?? ((): void => undefined);
  const plan = await planRotation({ ...options, waitMs: Math.max(waitMs, 60_000) });
  emit({ type: 'preflight', plan });
  const command = rollbackCommand(plan, options);
  if (options.dryRun) {
    return {
      plan,
      dryRun: true,
      newCertificate: plan.newKey.certificate,
      newKeyFingerprint: plan.newKey.key ? publicKeyFingerprint(plan.newKey.key.publicKey) : undefined,
      verified: false,
      oldKey: { refused: null },
      rollbackCommand: command,
    };
  }

  // 2. The new key and certificate, beside the old key; nothing is overwritten.
  const fresh = await prepareNewKey(plan.newKey, options);
  await writeNewKey(fresh);
  emit({
    type: 'key',
    action: plan.newKey.action,
    keyFile: plan.newKey.keyFile,
    certificateFile: plan.newKey.certificateFile,
  });

  // 3. The way back first, then the swap.
  await savePreviousCertificate(plan);
  emit({ type: 'previous-saved', file: plan.previousCertificateFile, command });
  const deploy = async (what: string, pem: string): Promise<DeployOutcome> => {
    emit({ type: 'deploy-start', what });
    const outcome = await deployCertificate(plan, pem, {
      what,
      waitMs: Math.max(waitMs, 60_000),
      onProgress: (progress) => emit({ type: 'deploy-progress', what, progress }),
    });
    emit({ type: 'deploy-done', what, outcome });
    return outcome;
  };
  let swapped: DeployOutcome;
  try {
    swapped = await deploy(plan.app, fresh.certificate.pem);
  } catch (error) {
    // Refused: nothing reached the app (rollbackOnError), and the store was not touched.
    if (isJwtSetupError(error, 'DeployFailed')) {
      error.actions = [reason('rotate.fix.deployFailed', [`${plan.newKey.keyFile}, ${plan.newKey.certificateFile}`])];
    }
    throw error;
  }

  // 4. Verify the new key, riding out propagation; 5. roll back when it never logs in.
  const verifyOptions = {
    waitMs,
    intervalMs: options.waitIntervalMs,
    onEvent: (event: ExchangeEvent): void => emit({ type: 'exchange', event }),
  };
  try {
    await verifyLogin(plan, options.username, fresh.key, verifyOptions);
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    emit({ type: 'rollback-start', code: error.errorCode });
    const back = await rollback(plan, {
      ...verifyOptions,
      username: options.username,
      newKeyFile: plan.newKey.keyFile,
      newCertificate: fresh.certificate,
      manualCommand: command,
      onDeployProgress: (progress) => emit({ type: 'deploy-progress', what: plan.app, progress }),
    });
    const rolledBack = jwtError(
      'RotationRolledBack',
      [plan.app, error.message],
      [options.targetOrg, plan.newKey.keyFile],
      error,
    );
    rolledBack.setData({
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
      deployIds: [swapped.id, back.deployId],
    });
    throw rolledBack;
  }
  emit({ type: 'verified', username: options.username });
  const oldKey = await checkOldKey(plan, options.username);
  emit({ type: 'old-key', check: oldKey });

  // 6. The sf store: every auth of this consumer key that used the old key now uses the new one.
  const oldPublicKeys = [plan.currentCertificate.publicKey, ...(plan.oldKey ? [plan.oldKey.publicKey] : [])];
  const repoint = await repointAuths({ clientId: plan.consumerKey, oldPublicKeys, newKey: fresh.key });
  emit({ type: 'repointed', outcome: repoint });

  return {
    plan,
    dryRun: false,
    newCertificate: fresh.certificate,
    newKeyFingerprint: publicKeyFingerprint(fresh.key.publicKey),
    deployId: swapped.id,
    verified: true,
    oldKey,
    repoint,
    rollbackCommand: command,
  };
}
