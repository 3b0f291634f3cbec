/*
 * Bootstrap's last step with --push: the verified login's values written straight into the pipeline's secret store
 * (SF_JWT_CLIENT_ID, SF_JWT_USERNAME, SF_JWT_INSTANCE_URL, SF_JWT_KEY and, where the login needed it,
 * SF_AUDIENCE_URL). A failure ends SecretPushFailed naming the target and what was and was not written; the app stays
 * (it works), and the same command again converges and pushes.
 */
import { reason } from '../errors.js';
import type { LoadedKey } from '../keys/private-key.js';
import { handOverSecrets, type HandOver, type SecretNaming } from '../push/names.js';
import { pushSecrets, secretPushFailed, type PushCheck, type PushEvent, type PushReport } from '../push/push.js';

export type BootstrapPushOptions = {
  org: string;
  naming?: SecretNaming;
  onEvent?: (event: PushEvent) => void;
};

export async function pushBootstrapSecrets(
  check: PushCheck,
  values: Omit<HandOver, 'keyPem'> & { key: LoadedKey },
  options: BootstrapPushOptions,
): Promise<PushReport> {
  const keyPem = values.key.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const secrets = handOverSecrets({ ...values, keyPem }, options.naming);
  const { report } = await pushSecrets(check, [{ org: options.org, secrets }], { onEvent: options.onEvent });
  if (report.failure) {
    throw secretPushFailed(report, reason('push.bootstrap.after'), reason('push.fix.bootstrap'), { rolledBack: false });
  }
  return report;
}
