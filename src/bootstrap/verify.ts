/*
 * Bootstrap's last step: a real JWT login with the key in hand, riding out propagation within what is left of --wait,
 * registered with the sf CLI. A refusal is VerificationFailed: everything else is in place, a re-run finishes it.
 */
import type { Credentials } from '../auth/credentials.js';
import { resolveLoginInputs } from '../auth/inputs.js';
import { login, type LoginOutcome } from '../auth/login.js';
import { isJwtSetupError, jwtError } from '../errors.js';
import type { LocalFiles } from './local-files.js';
import type { BootstrapEvent, BootstrapOptions, BootstrapPlan, Clock } from './types.js';

export async function verifyLogin(
  plan: BootstrapPlan,
  options: BootstrapOptions,
  local: LocalFiles,
  emit: (event: BootstrapEvent) => void,
  clock: Clock,
): Promise<LoginOutcome> {
  const credentials: Credentials = {
    clientId: local.app.spec.consumerKey,
    username: options.username,
    key: { file: local.keyPair.keyFile },
    instanceUrl: { value: plan.loginUrl, source: 'flag' },
    sandbox: plan.preflight.admin.isSandbox,
  };
  try {
    return await login(resolveLoginInputs(credentials), {
      alias: options.alias,
      setDefault: options.setDefault,
      waitMinutes: clock.leftMs(30_000) / 60_000,
      onEvent: (event) => emit({ type: 'exchange', event }),
    });
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    throw jwtError(
      'VerificationFailed',
      [options.username, error.message],
      [options.username, options.targetOrg],
      error,
    );
  }
}
