/*
 * `login --dev-hub`: the JWT login to a scratch org that `sf org create scratch` makes once and gives up on, finished.
 * The consumer key, the key file and the hub come from the hub's registered auth; the scratch org's login host from its
 * signup on the hub; then the exchange rides out the app's replication (--wait) and the auth is registered the way
 * sf registers a scratch org.
 *
 * Sources (forcedotcom/sfdx-core 9.x):
 * - src/org/scratchOrgInfoApi.ts buildOAuth2Options/authorizeScratchOrg: a JWT login with the hub auth's clientId
 *   and privateKey (AuthInfo with parentUsername, src/org/authInfo.ts initAuthOptions), `sub` = SignupUsername, at
 *   getOrgInstanceAuthority's URL (signupTargetLoginUrl, else from SignupInstance, else LoginUrl), then LoginUrl once
 *   more; the retry count it passes is 0, so SFDX_JWT_AUTH_RETRY_* never applies. The auth is saved with
 *   devHubUsername = the hub's username, created, expirationDate, createdOrgInstance, isScratch (and privateKey = the
 *   hub's key path, which is why the hub's key file must stay where it is).
 * - src/org/scratchOrgCreate.ts getSignupTargetLoginUrl: signupTargetLoginUrl comes from sfdx-project.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isJwtSetupError, jwtError, reason } from '../errors.js';
import type { ExchangeEvent, LoginAttempt } from '../exchange/token.js';
import { audienceCandidates, parseLoginUrl } from '../jwt/endpoint.js';
import { loadPrivateKey } from '../keys/private-key.js';
import { connectAdmin } from '../org/admin.js';
import { findSignup, readSignup, signupLoginUrls, type ScratchSignup } from '../org/scratch-orgs.js';
import { signupErrorCause } from '../org/signup-errors.js';
import { readStoredAuth } from '../store/auth-store.js';
import { registerOne } from '../store/register.js';
import { projectRoot } from '../util/project.js';
import { shellArg } from '../util/shell.js';
import { DEFAULT_TIMEOUT_SECONDS, grantFacts, loginWithKey, type Grant } from './login-with-key.js';

/** --wait's default with --dev-hub, in minutes: a new scratch org's app typically replicates within minutes. */
export const DEV_HUB_WAIT_MINUTES = 5;
const SIGNUP_POLL_MS = 2000;

export type ScratchLoginOptions = {
  /** The hub's alias or username. */
  devHub: string;
  /** The scratch org's username (its SignupUsername). */
  username: string;
  alias?: string;
  setDefault?: boolean;
  waitMinutes?: number;
  timeoutSeconds?: number;
  /** An audience to use instead of the login host's (--audience / SF_AUDIENCE_URL, which sf honours too). */
  audience?: string;
  onEvent?: (event: ExchangeEvent) => void;
  /** Told when the signup is not Active yet and the login waits for it. */
  onSignupPending?: (status: string) => void;
  /** For tests: the interval between propagation retries. */
  waitIntervalMs?: number;
  /** Where sfdx-project.json is looked for (default: the current folder and up). */
  cwd?: string;
};

export type ScratchLoginOutcome = {
  username: string;
  orgId: string;
  instanceUrl: string;
  loginUrl: string;
  audience: string;
  clientId: string;
  privateKeyFile: string;
  devHubUsername: string;
  expirationDate?: string;
  scratchOrgInfoId: string;
  alias?: string;
  attempts: LoginAttempt[];
  problems: string[];
};

/** sfdx-project.json's signupTargetLoginUrl, as sfdx-core's getSignupTargetLoginUrl reads it. */
export function projectSignupTargetLoginUrl(cwd?: string): string | undefined {
  const root = projectRoot(cwd);
  if (!root) return undefined;
  try {
    const value = (JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as Record<string, unknown>)
      .signupTargetLoginUrl;
    return typeof value === 'string' && value !== '' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The signup, Active, waiting for it while it is New or Creating (within the deadline). */
async function activeSignup(
  connection: Parameters<typeof findSignup>[0],
  hubUsername: string,
  username: string,
  deadline: number,
  waitMinutes: number,
  onPending?: (status: string) => void,
): Promise<ScratchSignup> {
  let signup = await findSignup(connection, username);
  if (!signup || signup.status === 'Deleted')
    throw jwtError('ScratchOrgNotFound', [hubUsername, username], [hubUsername]);
  while (signup.status === 'New' || signup.status === 'Creating') {
    if (Date.now() + SIGNUP_POLL_MS > deadline)
      throw jwtError('ScratchOrgNotReady', [username, hubUsername, signup.status, waitMinutes], [waitMinutes + 5]);
    onPending?.(signup.status);
    // eslint-disable-next-line no-await-in-loop
    await sleep(SIGNUP_POLL_MS);
    // eslint-disable-next-line no-await-in-loop
    signup = (await readSignup(connection, signup.id)) ?? signup;
  }
  if (signup.status === 'Error') {
    throw jwtError(
      'ScratchOrgSignupFailed',
      [username, hubUsername, signup.errorCode ?? '-', signupErrorCause(signup.errorCode)],
      [shellArg(hubUsername)],
    );
  }
  if (signup.status !== 'Active') throw jwtError('ScratchOrgNotFound', [hubUsername, username], [hubUsername]);
  return signup;
}

export async function loginScratch(options: ScratchLoginOptions): Promise<ScratchLoginOutcome> {
  const hub = await readStoredAuth(options.devHub);
  if (!hub) throw jwtError('DevHubNotFound', [options.devHub], [options.devHub]);
  if (!hub.isJwt || !hub.privateKey || !hub.clientId)
    throw jwtError('DevHubNotJwt', [hub.username], [shellArg(hub.username)]);
  const waitMinutes = options.waitMinutes ?? DEV_HUB_WAIT_MINUTES;
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const deadline = Date.now() + Math.max(timeoutSeconds * 1000, waitMinutes * 60_000 + 30_000);

  // The key first: a hub key file that has gone is the most common cause, and needs no network to find.
  const key = await loadPrivateKey({ file: hub.privateKey });
  let connection;
  try {
    connection = (await connectAdmin(options.devHub)).connection;
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw jwtError('DevHubUnreachable', [hub.username, why], [shellArg(options.devHub)], error);
  }
  const signup = await activeSignup(
    connection,
    hub.username,
    options.username,
    deadline,
    waitMinutes,
    options.onSignupPending,
  );

  const urls = signupLoginUrls(signup, projectSignupTargetLoginUrl(options.cwd));
  if (urls.length === 0) throw jwtError('ScratchOrgNotFound', [hub.username, options.username], [hub.username]);
  const started = Date.now();
  let grant: Grant | undefined;
  let firstError: unknown;
  for (const url of urls) {
    const loginUrl = parseLoginUrl(url);
    try {
      // eslint-disable-next-line no-await-in-loop
      grant = await loginWithKey(
        key,
        {
          clientId: hub.clientId,
          username: signup.signupUsername,
          loginUrl,
          audiences: audienceCandidates(loginUrl, options.audience ? { audience: options.audience } : {}),
        },
        {
          waitMinutes: Math.max(0, waitMinutes - (Date.now() - started) / 60_000),
          timeoutSeconds,
          onEvent: options.onEvent,
          waitIntervalMs: options.waitIntervalMs,
        },
      );
      break;
    } catch (error) {
      // As sf: the first URL's error is the one reported when LoginUrl fails too.
      firstError ??= error;
    }
  }
  if (!grant) throw rankForScratch(firstError, signup.signupUsername, hub.clientId, waitMinutes);

  const registered = await registerOne({
    grant,
    alias: options.alias,
    setDefault: options.setDefault,
    scratch: {
      devHubUsername: hub.username,
      expirationDate: signup.expirationDate,
      created: signup.createdDate ? String(Date.parse(signup.createdDate.replace(/\+0000$/, 'Z'))) : undefined,
      createdOrgInstance: signup.signupInstance,
      namespacePrefix: signup.namespace,
    },
  });
  return {
    ...grantFacts(grant),
    privateKeyFile: registered.privateKeyFile,
    devHubUsername: hub.username,
    expirationDate: signup.expirationDate,
    scratchOrgInfoId: signup.id,
    alias: options.alias,
    attempts: grant.attempts,
    problems: grant.details.problems,
  };
}

/**
 * "user hasn't approved this consumer" means something else here than for an integration user: the scratch org's
 * copy of the hub's app, still replicating (or not admitting the scratch admin's profile). That cause goes first.
 */
function rankForScratch(error: unknown, username: string, clientId: string, waitMinutes: number): unknown {
  if (isJwtSetupError(error, 'UserNotApproved')) {
    error.actions = [reason('scratch.notApproved', [username, clientId, waitMinutes]), ...(error.actions ?? [])];
  }
  return error;
}
