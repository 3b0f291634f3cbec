/*
 * Rotation's plan and pre-flight: everything that can refuse does so here, before a file is written or the org is
 * changed. The inputs and keys; the app exists (one retrieve through SDR) and holds a certificate; its consumer key is
 * known (resolveConsumerKey: --client-id, the org's app, the project's metadata), since the deploy must carry it; its
 * certificate belongs to the current key, which logs in right now. With --force the checks that need the current key
 * are skipped (a lost key).
 */
import { join } from 'node:path';
import { resolveConsumerKey, type ResolvedConsumerKey } from '../app/consumer-key.js';
import { exchangeWithKey } from '../auth/login-with-key.js';
import { DEFAULT_API_VERSION, validateAppName, validateConsumerKey } from '../app/names.js';
import { readAppMetadata } from '../app/read-metadata.js';
import { isJwtSetupError, jwtError, reason } from '../errors.js';
import { baseUrlText, parseLoginUrl } from '../jwt/endpoint.js';
import { certificateMatchesKey, readCertificate, type CertificateInfo } from '../keys/certificate.js';
import { loadPrivateKey, type LoadedKey } from '../keys/private-key.js';
import { connectAdmin, type AdminOrg } from '../org/admin.js';
import { retrieveAppComponent, type RetrievedApp } from '../org/components.js';
import { shellCommand } from '../util/shell.js';
import { projectRoot } from '../util/project.js';
import { dateStamp, freeName, planNewKey, stemOf, type NewKeyPlan } from './new-key.js';
import type { RotationPlan, RotationPlanOptions } from './types.js';
import { targetOf } from './verify.js';

export const API_VERSION = DEFAULT_API_VERSION;

function refuse(app: string, why: string, fix: string): never {
  throw jwtError('RotationPreflightFailed', [app, why], [fix]);
}

type Inputs = { app: string; clientId?: string; oldKey?: LoadedKey; newKey: NewKeyPlan };

/** Names and keys first: nothing to ask the org when one is wrong. */
async function checkInputs(options: RotationPlanOptions): Promise<Inputs> {
  const app = validateAppName(options.app);
  const clientId = options.clientId !== undefined ? validateConsumerKey(options.clientId) : undefined;
  if (!options.oldKeyFile && !options.force) refuse(app, reason('rotate.keyNeeded'), reason('rotate.fix.keyNeeded'));
  const oldKey = options.oldKeyFile ? await loadPrivateKey({ file: options.oldKeyFile }) : undefined;
  const newKey = await planNewKey(options);
  if (oldKey && newKey.key?.publicKey.equals(oldKey.publicKey)) {
    refuse(app, reason('rotate.sameKey', [newKey.keyFile]), reason('rotate.fix.sameKey'));
  }
  return { app, clientId, oldKey, newKey };
}

/** The app as the org holds it, with its certificate; AppNotFound when there is none by that name. */
async function readOrgApp(
  admin: AdminOrg,
  app: string,
  options: RotationPlanOptions,
): Promise<RetrievedApp & { certificate: CertificateInfo }> {
  const retrieved = await retrieveAppComponent(admin.connection, app, {
    waitMs: options.waitMs,
    apiVersion: API_VERSION,
  });
  if (!retrieved) {
    const list = shellCommand(
      'sf org list metadata',
      '--metadata-type',
      'ExternalClientApplication',
      '--target-org',
      options.targetOrg,
    );
    throw jwtError('AppNotFound', [reason('rotate.appKinds'), app], [list]);
  }
  const pem = retrieved.app.certificatePem;
  if (!pem) refuse(app, reason('rotate.noCertificate', [app]), reason('rotate.fix.noCertificate'));
  return { ...retrieved, certificate: await readCertificate(pem, reason('rotate.orgCertificate', [app])) };
}

/** The consumer key the deploy carries unchanged: known, or no deploy at all. */
async function consumerKeyOf(
  inputs: Inputs,
  orgApp: RetrievedApp['app'],
  targetOrg: string,
): Promise<NonNullable<ResolvedConsumerKey>> {
  const root = projectRoot();
  const local = root
    ? (await readAppMetadata(root).catch(() => [])).find((a) => a.name === inputs.app && a.kind === orgApp.kind)
    : undefined;
  const known = resolveConsumerKey({
    app: inputs.app,
    flag: inputs.clientId !== undefined ? { value: inputs.clientId, name: '--client-id' } : undefined,
    org: orgApp.consumerKey,
    local: local && root ? { value: local.consumerKey, where: root } : undefined,
  });
  if (!known)
    throw jwtError('ConsumerKeyUnknown', [inputs.app, reason('consumerKey.withheld')], ['--client-id', targetOrg]);
  return known;
}

/** The app's certificate belongs to the current key, and the user logs in with it now (unless --force). */
async function checkCurrentKey(
  plan: Pick<RotationPlan, 'app' | 'consumerKey' | 'loginUrl' | 'sandbox' | 'currentCertificate' | 'oldKey'>,
  options: RotationPlanOptions,
): Promise<{ oldKeyMatches: boolean | null; currentLoginChecked: boolean }> {
  const { oldKey, currentCertificate, app } = plan;
  if (!oldKey) return { oldKeyMatches: null, currentLoginChecked: false };
  const oldKeyMatches = certificateMatchesKey(currentCertificate, oldKey.publicKey);
  if (options.force) return { oldKeyMatches, currentLoginChecked: false };
  if (!oldKeyMatches) {
    const why = reason('rotate.certificateMismatch', [currentCertificate.fingerprintSha256, oldKey.sourceLabel]);
    refuse(app, why, reason('rotate.fix.certificateMismatch'));
  }
  try {
    await exchangeWithKey(oldKey, targetOf(plan, options.username));
  } catch (error) {
    if (!isJwtSetupError(error)) throw error;
    refuse(app, reason('rotate.loginFailed', [options.username, error.message]), reason('rotate.fix.loginFailed'));
  }
  return { oldKeyMatches, currentLoginChecked: true };
}

/** Where the app's current certificate is saved: <stem>.previous.crt beside the old key, or a dated free name. */
async function previousCertificateFile(newKey: NewKeyPlan, options: RotationPlanOptions): Promise<string> {
  const stem = stemOf(options.oldKeyFile);
  let name = `${stem}.previous`;
  if ((await freeName(newKey.dir, name, ['.crt'])) !== name) {
    name = await freeName(newKey.dir, `${stem}.previous-${dateStamp(options.now)}`, ['.crt']);
  }
  return join(newKey.dir, `${name}.crt`);
}

export async function planRotation(options: RotationPlanOptions): Promise<RotationPlan> {
  const inputs = await checkInputs(options);
  const admin = await connectAdmin(options.targetOrg);
  const { app: orgApp, component, certificate } = await readOrgApp(admin, inputs.app, options);
  const { consumerKey, source } = await consumerKeyOf(inputs, orgApp, options.targetOrg);
  const base = {
    admin,
    app: inputs.app,
    kind: orgApp.kind,
    component,
    consumerKey,
    consumerKeySource: source,
    currentCertificate: certificate,
    oldKey: inputs.oldKey,
    loginUrl: baseUrlText(parseLoginUrl(options.instanceUrl ?? admin.instanceUrl)),
    sandbox: admin.isSandbox,
    newKey: inputs.newKey,
  };
  const current = await checkCurrentKey(base, options);
  return { ...base, ...current, previousCertificateFile: await previousCertificateFile(inputs.newKey, options) };
}
