/*
 * `bootstrap` as a function: from an admin login to a working pipeline identity. Pre-flight (nothing changes), the
 * key pair, the app as metadata in the package folder, the deploy (a new permission set first, then the app; skipped
 * when the org already holds exactly this), the assignment, and a verified JWT login registered with the sf CLI.
 * Re-running converges: the same consumer key, the same key pair, no second assignment, no deploy when nothing changed.
 */
import { join } from 'node:path';
import { planApp, writeAppFiles, type AppPlan } from '../app/generate.js';
import type { AppKind } from '../app/names.js';
import { permissionSetPath } from '../app/permission-set.js';
import type { Credentials } from '../auth/credentials.js';
import { resolveLoginInputs } from '../auth/inputs.js';
import { login, type LoginOutcome } from '../auth/login.js';
import { isJwtSetupError, jwtError } from '../errors.js';
import type { ExchangeEvent } from '../exchange/token.js';
import { audienceCandidates, baseUrlText, parseLoginUrl } from '../jwt/endpoint.js';
import { certificateMatchesKey, readCertificate } from '../keys/certificate.js';
import { deploySource, type DeployOutcome, type DeployProgress } from '../org/metadata.js';
import { assignedPermissionSets, ensureAssignment } from '../org/permission-sets.js';
import { deployError, refusedDeployError } from '../org/deploy-errors.js';
import { handOverNames } from '../push/names.js';
import { checkPushSettings, type PushCheck, type PushEvent, type PushReport, type PushSettings } from '../push/push.js';
import { planKeyPair, prepareKeyPair, writeKeyPair, type KeyPairPlan } from './key-pair.js';
import { preflight, type Preflight } from './preflight.js';
import { pushBootstrapSecrets } from './push.js';

export type BootstrapOptions = {
  targetOrg: string;
  username: string;
  app: string;
  kind: AppKind;
  permissionSet?: string;
  profiles: string[];
  contactEmail?: string;
  scopes?: string;
  apiVersion?: string;
  keyFile?: string;
  certificateFile?: string;
  consumerKey?: string;
  outputDir: string;
  sourceDir: string;
  instanceUrl?: string;
  alias?: string;
  setDefault?: boolean;
  waitMinutes: number;
  dryRun: boolean;
  /** --push: the pipeline's secret store, written after the verified login. */
  push?: PushSettings;
  onEvent?: (event: BootstrapEvent) => void;
};

export type BootstrapEvent =
  | { type: 'preflight'; org: string; orgId: string; username: string; userId: string }
  | { type: 'key'; action: KeyPairPlan['action']; keyFile: string; certificateFile: string }
  | { type: 'app-files'; files: string[] }
  | { type: 'deploy-start'; what: string }
  | { type: 'deploy-progress'; what: string; progress: DeployProgress }
  | { type: 'deploy-done'; what: string; outcome: DeployOutcome }
  | { type: 'deploy-skipped' }
  | { type: 'assignment'; permissionSet: string; result: 'created' | 'existing' }
  | { type: 'exchange'; event: ExchangeEvent }
  | { type: 'push'; event: PushEvent };

export type BootstrapPlan = {
  preflight: Preflight;
  keyPair: KeyPairPlan;
  /** What would be deployed: the permission set (when the org lacks it) and the app (when it differs). */
  deploys: Array<'permission-set' | 'app'>;
  assignment: 'create' | 'existing' | 'none';
  loginUrl: string;
  /** --push: the targets, checked (visible, writable as far as a read tells). */
  push?: PushCheck;
};

export type BootstrapOutcome = {
  plan: BootstrapPlan;
  dryRun: boolean;
  app?: AppPlan;
  deployIds: string[];
  assignment?: 'created' | 'existing';
  login?: LoginOutcome;
  /** --push: what was written where. */
  pushed?: PushReport;
};

/**
 * Whether the org's app already is what a deploy would make it: this key's certificate, this consumer key (when the
 * org returns it), pre-authorized, admitting the permission set and profiles. Then nothing is deployed.
 */
async function orgAppIsCurrent(checked: Preflight, keyPair: KeyPairPlan): Promise<boolean> {
  const orgApp = checked.orgApp;
  if (!orgApp?.certificatePem || !keyPair.key || !orgApp.preAuthorized) return false;
  if (
    checked.consumerKey !== undefined &&
    orgApp.consumerKey !== undefined &&
    orgApp.consumerKey !== checked.consumerKey
  ) {
    return false;
  }
  if (checked.permissionSet !== undefined && !orgApp.permissionSets.includes(checked.permissionSet)) return false;
  if (!checked.profiles.every((p) => orgApp.profiles.includes(p))) return false;
  const held = await readCertificate(orgApp.certificatePem, orgApp.name).catch(() => undefined);
  return held !== undefined && certificateMatchesKey(held, keyPair.key.publicKey);
}

/** Pre-flight and the plan; writes nothing, changes nothing. */
export async function planBootstrap(options: BootstrapOptions): Promise<BootstrapPlan> {
  const deadline = Date.now() + options.waitMinutes * 60_000;
  // The push's pre-flight first: a missing token or an unknown repository is refused before the org is asked.
  const push = await checkPushSettings(options.push, handOverNames(options.push?.naming));
  const checked = await preflight({ ...options, waitMs: Math.max(deadline - Date.now(), 30_000) });
  options.onEvent?.({
    type: 'preflight',
    org: options.targetOrg,
    orgId: checked.admin.orgId,
    username: checked.user.username,
    userId: checked.user.id,
  });
  const keyPair = await planKeyPair(options);
  const deploys: BootstrapPlan['deploys'] = [];
  if (checked.permissionSet && !checked.permissionSetInOrg) deploys.push('permission-set');
  if (!(await orgAppIsCurrent(checked, keyPair))) deploys.push('app');
  const assignment = !checked.permissionSet
    ? 'none'
    : checked.permissionSetInOrg &&
        (await assignedPermissionSets(checked.admin.connection, checked.user.id)).includes(checked.permissionSet)
      ? 'existing'
      : 'create';
  const loginUrl = baseUrlText(parseLoginUrl(options.instanceUrl ?? checked.admin.instanceUrl));
  return { preflight: checked, keyPair, deploys, assignment, loginUrl, push };
}

export async function bootstrap(options: BootstrapOptions): Promise<BootstrapOutcome> {
  const deadline = Date.now() + options.waitMinutes * 60_000;
  const plan = await planBootstrap(options);
  if (options.dryRun) return { plan, dryRun: true, deployIds: [] };
  const { preflight: checked } = plan;
  const emit = options.onEvent ?? ((): void => undefined);

  // The key pair and the app files, planned in full before either is written.
  const { plan: keyPair, prepared } = await prepareKeyPair(plan.keyPair);
  const appPlan = await planApp({
    kind: options.kind,
    name: checked.app,
    certificate: keyPair.certificate,
    certificateFile: keyPair.certificateFile,
    consumerKey: checked.consumerKey,
    permissionSet: checked.permissionSet,
    existingPermissionSet: checked.permissionSetInOrg,
    profiles: checked.profiles,
    scopes: options.scopes,
    contactEmail: options.contactEmail,
    apiVersion: options.apiVersion,
    outputDir: options.sourceDir,
    force: true,
  });
  await writeKeyPair(prepared);
  emit({ type: 'key', action: keyPair.action, keyFile: keyPair.keyFile, certificateFile: keyPair.certificateFile });
  await writeAppFiles(appPlan, { force: true });
  emit({ type: 'app-files', files: appPlan.files.map((f) => f.path) });

  // The deploys: a new permission set first, so nothing depends on Salesforce resolving references in one deploy.
  const deployIds: string[] = [];
  const deploy = async (what: string, paths: string[]): Promise<void> => {
    emit({ type: 'deploy-start', what });
    const waitMs = Math.max(deadline - Date.now(), 60_000);
    let outcome: DeployOutcome;
    try {
      outcome = await deploySource({
        connection: checked.admin.connection,
        paths,
        apiVersion: appPlan.spec.apiVersion,
        waitMs,
        onProgress: (progress) => emit({ type: 'deploy-progress', what, progress }),
      });
    } catch (error) {
      throw deployError(what, error, waitMs, options.sourceDir);
    }
    deployIds.push(outcome.id);
    emit({ type: 'deploy-done', what, outcome });
    if (!outcome.success) throw refusedDeployError(what, outcome, options.sourceDir);
  };
  if (plan.deploys.includes('permission-set') && checked.permissionSet) {
    await deploy(checked.permissionSet, [
      join(options.sourceDir, ...permissionSetPath(checked.permissionSet).split('/')),
    ]);
  }
  const appFiles = appPlan.files.filter((f) => f.type !== 'PermissionSet').map((f) => f.path);
  if (plan.deploys.includes('app')) await deploy(checked.app, appFiles);
  else emit({ type: 'deploy-skipped' });

  // Admit the user.
  let assignment: BootstrapOutcome['assignment'];
  if (checked.permissionSet) {
    try {
      assignment = await ensureAssignment(checked.admin.org, checked.user, checked.permissionSet);
    } catch (error) {
      const why = error instanceof Error ? error.message.slice(0, 300) : String(error);
      throw jwtError(
        'AssignmentFailed',
        [checked.permissionSet, options.username, why],
        [checked.permissionSet, options.username, options.targetOrg],
        error,
      );
    }
    emit({ type: 'assignment', permissionSet: checked.permissionSet, result: assignment });
  }

  // Verify: a real JWT login, riding out propagation within what is left of --wait; registered with the sf CLI.
  const credentials: Credentials = {
    clientId: appPlan.spec.consumerKey,
    username: options.username,
    key: { file: keyPair.keyFile },
    instanceUrl: { value: plan.loginUrl, source: 'flag' },
    sandbox: checked.admin.isSandbox,
  };
  let outcome: LoginOutcome;
  try {
    outcome = await login(resolveLoginInputs(credentials), {
      alias: options.alias,
      setDefault: options.setDefault,
      waitMinutes: Math.max((deadline - Date.now()) / 60_000, 0.5),
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

  // Hand the pipeline its secrets: after the verified login, never shown.
  const pushed = plan.push
    ? await pushBootstrapSecrets(
        plan.push,
        {
          clientId: appPlan.spec.consumerKey,
          username: outcome.username,
          instanceUrl: outcome.loginUrl,
          audience: audienceToHandOver(outcome),
          key: keyPair.key as NonNullable<KeyPairPlan['key']>,
        },
        { org: options.targetOrg, naming: options.push?.naming, onEvent: (event) => emit({ type: 'push', event }) },
      )
    : undefined;
  return { plan, dryRun: false, app: appPlan, deployIds, assignment, login: outcome, pushed };
}

/** The audience a pipeline must set in SF_AUDIENCE_URL: only when the login needed the fallback one. */
export function audienceToHandOver(outcome: LoginOutcome): string | undefined {
  const first = audienceCandidates(parseLoginUrl(outcome.loginUrl))[0];
  return outcome.audience !== first ? outcome.audience : undefined;
}
