/*
 * Rotation's plan and pre-flight: everything that can refuse does so here, before a file is written or the org is
 * changed. The app exists (one retrieve through SDR) and holds a certificate; its consumer key is known (the
 * retrieve, --client-id, or the project's metadata) since the deploy must carry it; its certificate belongs to the
 * current key; the user logs in with the current key right now. With --force the checks that need the current key
 * are skipped (a lost key).
 */
import { join } from 'node:path';
import type { AppKind } from '../app/names.js';
import { DEFAULT_API_VERSION, validateAppName, validateConsumerKey } from '../app/names.js';
import { readAppMetadata } from '../app/read-metadata.js';
import type { Credentials } from '../auth/credentials.js';
import { resolveLoginInputs, type LoginInputs } from '../auth/inputs.js';
import { isJwtSetupError, jwtError, reason } from '../errors.js';
import { obtainToken } from '../exchange/token.js';
import { baseUrlText, parseLoginUrl } from '../jwt/endpoint.js';
import { certificateMatchesKey, readCertificate, type CertificateInfo } from '../keys/certificate.js';
import { packageFoldersToGuard, refuseKeysInPackageFolders } from '../keys/key-location.js';
import { loadPrivateKey, passphraseFromEnv, type LoadedKey } from '../keys/private-key.js';
import { connectAdmin, type AdminOrg } from '../org/admin.js';
import { retrieveAppComponent, type CertificateComponent } from '../org/components.js';
import { projectRoot } from '../util/project.js';
import {
  dateStamp,
  freeName,
  planNewKey,
  rotationKeyLocations,
  stemOf,
  type NewKeyOptions,
  type NewKeyPlan,
} from './new-key.js';

export const API_VERSION = DEFAULT_API_VERSION;
const TIMEOUT_SECONDS = 120;

export type RotationPlanOptions = NewKeyOptions & {
  targetOrg: string;
  app: string;
  username: string;
  clientId?: string;
  instanceUrl?: string;
  force: boolean;
  /** The variable holding the passphrase of the current key (--passphrase-env); the new key is never encrypted. */
  passphraseEnv?: string;
  /** --source-dir: where the app's local source is (default: the project's package folders). */
  sourceDirs?: string[];
  /** Milliseconds the retrieve may take. */
  waitMs: number;
};

export type RotationPlan = {
  admin: AdminOrg;
  app: string;
  kind: AppKind;
  component: CertificateComponent;
  consumerKey: string;
  consumerKeySource: 'org' | 'flag' | 'local';
  /** The certificate the app holds now (put back by a rollback). */
  currentCertificate: CertificateInfo;
  /** The current key (--jwt-key-file); undefined when it is lost (--force). */
  oldKey?: LoadedKey;
  /** Whether the app's certificate belongs to the current key; null without the key. */
  oldKeyMatches: boolean | null;
  /** Whether the user logged in with the current key in the pre-flight. */
  currentLoginChecked: boolean;
  loginUrl: string;
  sandbox: boolean;
  newKey: NewKeyPlan;
  previousCertificateFile: string;
};

function refuse(app: string, why: string, fix: string): never {
  throw jwtError('RotationPreflightFailed', [app, why], [fix]);
}

/** The login inputs of `username` with the key `key` at the plan's login URL. */
export function loginInputs(
  plan: Pick<RotationPlan, 'consumerKey' | 'loginUrl' | 'sandbox'>,
  username: string,
  key: LoadedKey,
): LoginInputs {
  const credentials: Credentials = {
    clientId: plan.consumerKey,
    username,
    key: { text: '', label: key.sourceLabel },
    instanceUrl: { value: plan.loginUrl, source: 'flag' },
    sandbox: plan.sandbox,
  };
  return resolveLoginInputs(credentials);
}

/** One JWT exchange with `key`, nothing registered; waits out propagation until `waitUntil` when given. */
export async function exchangeWith(
  plan: Pick<RotationPlan, 'consumerKey' | 'loginUrl' | 'sandbox'>,
  username: string,
  key: LoadedKey,
  wait?: {
    until: number;
    intervalMs?: number;
    onWaiting?: (event: import('../exchange/token.js').ExchangeEvent) => void;
  },
): Promise<void> {
  const inputs = loginInputs(plan, username, key);
  const waitMs = wait ? Math.max(wait.until - Date.now(), 0) : 0;
  await obtainToken(
    {
      loginUrl: inputs.loginUrl,
      audiences: inputs.audiences,
      clientId: inputs.clientId,
      username: inputs.username,
      privateKey: key.privateKey,
      waitUntil: wait?.until,
      waitIntervalMs: wait?.intervalMs,
      waitAlsoOn: ['InvalidAssertion'],
    },
    {
      deadline: Date.now() + waitMs + TIMEOUT_SECONDS * 1000,
      timeoutSeconds: TIMEOUT_SECONDS,
      onEvent: wait?.onWaiting,
    },
  );
}

async function localConsumerKey(app: string, kind: AppKind): Promise<string | undefined> {
  const root = projectRoot();
  if (!root) return undefined;
  const apps = await readAppMetadata(root).catch(() => []);
  return apps.find((a) => a.name === app && a.kind === kind)?.consumerKey;
}

export async function planRotation(options: RotationPlanOptions): Promise<RotationPlan> {
  // Inputs first: nothing to ask the org when a name or a key is wrong.
  const app = validateAppName(options.app);
  const givenClientId = options.clientId !== undefined ? validateConsumerKey(options.clientId) : undefined;
  if (!options.oldKeyFile && !options.force) {
    refuse(app, reason('rotate.keyNeeded'), reason('rotate.fix.keyNeeded'));
  }
  const oldKey = options.oldKeyFile
    ? await loadPrivateKey({ file: options.oldKeyFile }, { passphrase: passphraseFromEnv(options.passphraseEnv) })
    : undefined;
  const newKey = await planNewKey(options);
  await refuseKeysInPackageFolders(rotationKeyLocations(newKey, options), packageFoldersToGuard(options.sourceDirs));
  if (oldKey && newKey.key?.publicKey.equals(oldKey.publicKey)) {
    refuse(app, reason('rotate.sameKey', [newKey.keyFile]), reason('rotate.fix.sameKey'));
  }

  const admin = await connectAdmin(options.targetOrg);
  const retrieved = await retrieveAppComponent(admin.connection, app, {
    waitMs: options.waitMs,
    apiVersion: API_VERSION,
  });
  if (!retrieved) {
    throw jwtError(
      'AppNotFound',
      [reason('rotate.appKinds'), app],
      [`sf org list metadata --metadata-type ExternalClientApplication --target-org ${options.targetOrg}`],
    );
  }
  const { app: orgApp, component } = retrieved;
  if (!orgApp.certificatePem) refuse(app, reason('rotate.noCertificate', [app]), reason('rotate.fix.noCertificate'));

  // The consumer key goes into the deploy unchanged: known, or no deploy at all.
  let consumerKey: string | undefined;
  let consumerKeySource: RotationPlan['consumerKeySource'] = 'org';
  if (orgApp.consumerKey) {
    consumerKey = orgApp.consumerKey;
    if (givenClientId !== undefined && givenClientId !== consumerKey) {
      refuse(app, reason('rotate.clientIdDiffers', [givenClientId, consumerKey]), reason('rotate.fix.clientIdDiffers'));
    }
  } else if (givenClientId) [consumerKey, consumerKeySource] = [givenClientId, 'flag'];
  else {
    consumerKey = await localConsumerKey(app, orgApp.kind);
    consumerKeySource = 'local';
  }
  if (!consumerKey) {
    throw jwtError('ConsumerKeyUnknown', [app, reason('consumerKey.withheld')], ['--client-id', options.targetOrg]);
  }

  const currentCertificate = await readCertificate(orgApp.certificatePem, reason('rotate.orgCertificate', [app]));
  const oldKeyMatches = oldKey ? certificateMatchesKey(currentCertificate, oldKey.publicKey) : null;
  if (oldKey && !oldKeyMatches && !options.force) {
    refuse(
      app,
      reason('rotate.certificateMismatch', [currentCertificate.fingerprintSha256, oldKey.sourceLabel]),
      reason('rotate.fix.certificateMismatch'),
    );
  }

  const loginUrl = baseUrlText(parseLoginUrl(options.instanceUrl ?? admin.instanceUrl));
  const base = { consumerKey, loginUrl, sandbox: admin.isSandbox };
  let currentLoginChecked = false;
  if (oldKey && !options.force) {
    try {
      await exchangeWith(base, options.username, oldKey);
      currentLoginChecked = true;
    } catch (error) {
      if (!isJwtSetupError(error)) throw error;
      refuse(app, reason('rotate.loginFailed', [options.username, error.message]), reason('rotate.fix.loginFailed'));
    }
  }

  const keyDir = newKey.dir;
  const stem = stemOf(options.oldKeyFile);
  let previousName = `${stem}.previous`;
  if ((await freeName(keyDir, previousName, ['.crt'])) !== previousName) {
    previousName = await freeName(keyDir, `${stem}.previous-${dateStamp(options.now)}`, ['.crt']);
  }
  return {
    admin,
    app,
    kind: orgApp.kind,
    component,
    consumerKeySource,
    currentCertificate,
    oldKey,
    oldKeyMatches,
    currentLoginChecked,
    ...base,
    newKey,
    previousCertificateFile: join(keyDir, `${previousName}.crt`),
  };
}
