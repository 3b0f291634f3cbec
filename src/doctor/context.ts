/*
 * What doctor knows while it runs: its options, the credentials (filled from a stored auth with --target-org), each
 * input resolved on its own (a value or the coded error that refused it), and the facts the check groups find for the
 * later ones (the key, the certificate, the claims, the exchange).
 */
import type { Credentials } from '../auth/credentials.js';
import type { LoginInputs } from '../auth/inputs.js';
import type { Check } from '../checks/check.js';
import { isJwtSetupError, type JwtSetupError } from '../errors.js';
import type { LoginAttempt, TokenGrant } from '../exchange/token.js';
import type { AssertionClaims } from '../jwt/assertion.js';
import type { CertificateInfo } from '../keys/certificate.js';
import type { LoadedKey } from '../keys/private-key.js';
import type { StoredAuth } from '../store/auth-store.js';
import type { AdminOrg } from '../org/admin.js';
import type { OrgApp } from '../org/apps.js';
import type { OrgUser } from '../org/users.js';

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

export type ExchangeFacts = {
  loginUrl: string;
  audience?: string;
  orgId?: string;
  instanceUrl?: string;
  scope?: string;
  attempts: LoginAttempt[];
  error?: { name: string; message: string };
};

export type DoctorContext = {
  options: DoctorOptions;
  env: NodeJS.ProcessEnv;
  credentials: Credentials;
  /** The --target-org auth, when it could be read. */
  stored?: Attempt<StoredAuth | undefined>;
  clientId: Attempt<string>;
  username: Attempt<string>;
  loginUrl: Attempt<{ url: URL; source: LoginInputs['loginUrlSource']; notice?: string }>;
  audiences?: Attempt<{ audiences: string[]; explicit: boolean }>;
  /** Found by the groups, in catalogue order. */
  key?: LoadedKey;
  certificate?: CertificateInfo;
  claims?: AssertionClaims;
  exchange?: ExchangeFacts;
  /** The exchange's refusal and the grant, for the diagnosis and the org side. */
  exchangeError?: JwtSetupError;
  grant?: TokenGrant;
  /** Settles when the exchange group is done (or skipped): the org checks that compare with it wait for it. */
  exchangeSettled: Promise<void>;
  /** What the admin org said (--admin-org). */
  org?: OrgFacts;
};

/** A group of the catalogue: the checks it reports, what it needs, and how it runs. */
export type Need = 'network' | 'claims-inputs' | 'key' | 'certificate-file' | 'admin-org';

export type CheckGroup = {
  name: string;
  needs: Need[];
  /** What the report lists when a need is missing (reason: why). */
  skipped(need: Need, context: DoctorContext): Check[];
  run(context: DoctorContext): Promise<Check[]>;
};

/** What the admin org said (doctor --admin-org): read by the org group, used by its checks and the diagnosis. */
export type OrgFacts = {
  admin: AdminOrg;
  apps: OrgApp[];
  /** The app that holds the consumer key (or the one --app names when the org withholds keys). */
  app?: OrgApp;
  /** Consumer keys were left out of the retrieve. */
  keysWithheld: boolean;
  user?: OrgUser;
  userPermissionSets: string[];
};
