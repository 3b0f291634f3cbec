/*
 * What doctor knows before any group runs, read once per run and never written after: its options, the credentials
 * (filled from a stored auth with --target-org), and each input resolved on its own (a value or the coded error that
 * refused it). What the groups find is not here: each group returns the facts it provides (group.ts).
 */
import type { Credentials } from '../auth/credentials.js';
import {
  resolveAudiences,
  resolveClientId,
  resolveLoginUrl,
  resolveUsername,
  type LoginInputs,
} from '../auth/inputs.js';
import { isJwtSetupError, type JwtSetupError } from '../errors.js';
import { readStoredAuth, type StoredAuth } from '../store/auth-store.js';

export type DoctorOptions = {
  credentials: Credentials;
  /** The certificate uploaded to the app (-c). */
  certificateFile?: string;
  /** Local checks only. */
  offline?: boolean;
  /** A registered org whose stored key path, client id and login URL fill what the credentials leave out. */
  targetOrg?: string;
  /** An admin login to the org: the org.* checks read the app, its certificate and policy, and the user. */
  adminOrg?: string;
  /** The app's API name, for orgs that withhold consumer keys from retrieves. */
  app?: string;
  /** Check --target-org as a Dev Hub that creates scratch orgs (the hub.* group). */
  devHub?: boolean;
  /** The @salesforce/core version the installed sf's `org create scratch` runs on (hub.app-kind). */
  sfCoreVersion?: string;
  timeoutSeconds: number;
  /** Nothing saved to the sf store, not even what the sf libraries cache in the admin org's auth (fleet check). */
  readOnly?: boolean;
  /** A certificate that expires within this many days is a warning (default 30). */
  expiryDays?: number;
  env?: NodeJS.ProcessEnv;
};

/** A value, or the coded error that refused it. */
export type Attempt<T> = { value?: T; error?: JwtSetupError };

export function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { value: fn() };
  } catch (error) {
    if (isJwtSetupError(error)) return { error };
    throw error;
  }
}

export async function attemptAsync<T>(fn: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { value: await fn() };
  } catch (error) {
    if (isJwtSetupError(error)) return { error };
    throw error;
  }
}

export type DoctorInputs = {
  readonly options: DoctorOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly credentials: Credentials;
  /** The --target-org auth, when it could be read. */
  readonly stored?: Attempt<StoredAuth | undefined>;
  readonly clientId: Attempt<string>;
  readonly username: Attempt<string>;
  readonly loginUrl: Attempt<{ url: URL; source: LoginInputs['loginUrlSource']; notice?: string }>;
  readonly audiences?: Attempt<{ audiences: string[]; explicit: boolean }>;
};

/** The credentials, with what a --target-org auth knows filling what they leave out. */
function withStoredAuth(credentials: Credentials, stored: StoredAuth | undefined): Credentials {
  if (!stored) return credentials;
  return {
    ...credentials,
    username: credentials.username ?? stored.username,
    clientId: credentials.clientId ?? stored.clientId,
    instanceUrl: credentials.instanceUrl ?? (stored.loginUrl ? { value: stored.loginUrl, source: 'store' } : undefined),
    key:
      credentials.key && 'file' in credentials.key
        ? credentials.key
        : stored.privateKey
          ? { file: stored.privateKey }
          : credentials.key,
  };
}

/** Resolve doctor's inputs once: every group reads these, none writes them. */
export async function readInputs(options: DoctorOptions): Promise<DoctorInputs> {
  const env = options.env ?? process.env;
  const target = options.targetOrg;
  const stored = target ? await attemptAsync(() => readStoredAuth(target)) : undefined;
  const credentials = withStoredAuth(options.credentials, stored?.value);
  const loginUrl = attempt(() => resolveLoginUrl(credentials));
  return Object.freeze({
    options,
    env,
    credentials,
    stored,
    clientId: attempt(() => resolveClientId(credentials)),
    username: attempt(() => resolveUsername(credentials)),
    loginUrl,
    audiences: loginUrl.value ? attempt(() => resolveAudiences(credentials, loginUrl.value!.url)) : undefined,
  });
}
