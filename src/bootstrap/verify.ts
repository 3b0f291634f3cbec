/*
 * Bootstrap's last step: a real JWT login with the key in hand (read once, by the key-pair step), riding out
 * propagation within what is left of --wait, then registered with the sf CLI. A refusal is VerificationFailed:
 * everything else is in place, a re-run finishes it.
 */
import { grantFacts, loginWithKey } from '../auth/login-with-key.js';
import { loginTarget } from '../auth/target.js';
import { isJwtSetupError, jwtError } from '../errors.js';
import { registerOne } from '../store/register.js';
import { shellArg } from '../util/shell.js';
import type { LocalFiles } from './local-files.js';
import type { BootstrapEvent, BootstrapLogin, BootstrapOptions, BootstrapPlan, Clock } from './types.js';

async function logInAndRegister(
  plan: BootstrapPlan,
  options: BootstrapOptions,
  local: LocalFiles,
  emit: (event: BootstrapEvent) => void,
  clock: Clock,
): Promise<BootstrapLogin> {
  const key = local.keyPair.key;
  if (!key) throw new Error('bootstrap: the key pair was not prepared');
  const target = loginTarget({
    clientId: local.app.spec.consumerKey,
    username: options.username,
    loginUrl: plan.loginUrl,
    sandbox: plan.preflight.admin.isSandbox,
  });
  const grant = await loginWithKey(key, target, {
    waitMinutes: clock.leftMs(30_000) / 60_000,
    onEvent: (event) => emit({ type: 'exchange', event }),
  });
  const registered = await registerOne({ grant, alias: options.alias, setDefault: options.setDefault });
  const { username, orgId, instanceUrl, loginUrl, audience } = grantFacts(grant);
  return {
    username,
    orgId,
    instanceUrl,
    loginUrl,
    audience,
    privateKeyFile: registered.privateKeyFile,
  };
}

export async function verifyLogin(
  plan: BootstrapPlan,
  options: BootstrapOptions,
  local: LocalFiles,
  emit: (event: BootstrapEvent) => void,
  clock: Clock,
): Promise<BootstrapLogin> {
  try {
    return await logInAndRegister(plan, options, local, emit, clock);
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    throw jwtError(
      'VerificationFailed',
      [options.username, error.message],
      [options.username, options.targetOrg].map(shellArg),
      error,
    );
  }
}
