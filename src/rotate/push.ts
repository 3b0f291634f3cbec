/*
 * Rotation's push with --push: only SF_JWT_KEY (with its prefix and suffix) changes, written after the new key is
 * verified and before the sf store is re-pointed. When the push fails, the pipeline's secret store still holds the
 * old key somewhere, so the certificate is rolled back (the old key logs in again), what this push already wrote is
 * put back (the old key, from its file; GitLab's previous value as read before the write) or named exactly, the
 * store is left untouched, and the run ends SecretPushFailed with rolledBack: true.
 */
import { isJwtSetupError, reason } from '../errors.js';
import type { LoadedKey } from '../keys/private-key.js';
import { keySecret, type SecretNaming } from '../push/names.js';
import { pushSecrets, secretPushFailed, type PushCheck, type PushEvent, type PushReport } from '../push/push.js';
import type { RotationPlan } from './types.js';
import { rollback, type RollbackOptions } from './rollback.js';

export type RotatePushOptions = {
  org: string;
  naming?: SecretNaming;
  onEvent?: (event: PushEvent) => void;
  /** Called before the rollback starts (the renderer stops its spinner and says why). */
  onRollback?: () => void;
  /** What rollback() needs: waits, the username, the new key and certificate, the manual command. */
  rollback: RollbackOptions;
};

const pemOf = (key: LoadedKey): string => key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;

export async function pushNewKey(
  plan: RotationPlan,
  check: PushCheck,
  newKey: LoadedKey,
  options: RotatePushOptions,
): Promise<PushReport> {
  const secret = keySecret(pemOf(newKey), options.naming);
  const outcome = await pushSecrets(check, [{ org: options.org, secrets: [secret] }], { onEvent: options.onEvent });
  const { report } = outcome;
  if (!report.failure) return report;

  // The pipeline may still hold the old key: the certificate goes back first (RollbackFailed ends here, as ever).
  options.onRollback?.();
  let back;
  try {
    back = await rollback(plan, options.rollback);
  } catch (error) {
    if (isJwtSetupError(error))
      error.setData({ ...(error.data as object), pushed: report.targets, pushFailure: report.failure });
    throw error;
  }
  // Then the secrets this push wrote: the old key back where it is known, else named.
  const known = plan.oldKey ? [keySecret(pemOf(plan.oldKey), options.naming)] : [];
  const undo = await outcome.undo(known);
  const written = report.targets.some((t) => t.written.length > 0);
  const undoText = !written
    ? reason('push.rotate.nothingToUndo')
    : [
        undo.undone.length > 0
          ? reason('push.rotate.undone', [undo.undone.map((u) => `${u.target} ${u.name}`).join(', ')])
          : '',
        undo.notUndone.length > 0
          ? reason('push.rotate.notUndone', [
              plan.oldKey?.sourceLabel ?? reason('push.rotate.oldKeyLost'),
              undo.notUndone.map((u) => `${u.target} ${u.name} (${u.reason})`).join(', '),
            ])
          : '',
      ]
        .filter(Boolean)
        .join(' ');
  throw secretPushFailed(
    report,
    reason('push.rotate.after', [back.oldKeyVerified ? reason('push.rotate.oldKeyVerified') : '', undoText]),
    reason('push.fix.rotate', [plan.newKey.keyFile]),
    {
      rolledBack: true,
      oldKeyVerified: back.oldKeyVerified,
      deployId: back.deployId,
      undone: undo.undone,
      notUndone: undo.notUndone,
    },
  );
}
