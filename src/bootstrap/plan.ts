/*
 * Bootstrap's plan: the pre-flight (nothing changes), then what the run would do: the key pair, the deploys (a new
 * permission set, the app unless the org already holds exactly it), the assignment, and the login URL.
 */
import { validateAlias } from '../auth/login.js';
import { certificateMatchesKey, readCertificate } from '../keys/certificate.js';
import { baseUrlText, parseLoginUrl } from '../jwt/endpoint.js';
import { assignedPermissionSets } from '../org/permission-sets.js';
import type { LoadedKey } from '../keys/private-key.js';
import type { OrgApp } from '../org/apps.js';
import { planKeyPair } from './key-pair.js';
import { preflight, type Preflight } from './preflight.js';
import { clockOf, type BootstrapOptions, type BootstrapPlan } from './types.js';

/**
 * Whether the org's app is what a deploy makes it: this key's certificate, this consumer key (when the org returns
 * it), pre-authorized, admitting the permission set and profiles. Before the deploy: then nothing is deployed; after a
 * deploy whose reply was lost: then it was applied.
 */
export async function appIsAsPlanned(
  orgApp: OrgApp | undefined,
  checked: Pick<Preflight, 'permissionSet' | 'profiles'> & { consumerKey?: string },
  key: LoadedKey | undefined,
): Promise<boolean> {
  if (!orgApp?.certificatePem || !key || !orgApp.preAuthorized) return false;
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
  return held !== undefined && certificateMatchesKey(held, key.publicKey);
}

async function assignmentPlan(checked: Preflight): Promise<BootstrapPlan['assignment']> {
  if (!checked.permissionSet) return 'none';
  if (!checked.permissionSetInOrg) return 'create';
  const held = await assignedPermissionSets(checked.admin.connection, checked.user.id);
  return held.includes(checked.permissionSet) ? 'existing' : 'create';
}

/** Pre-flight and the plan; writes nothing, changes nothing. */
export async function planBootstrap(options: BootstrapOptions): Promise<BootstrapPlan> {
  const clock = clockOf(options.waitMinutes);
  validateAlias(options.alias);
  const checked = await preflight({ ...options, waitMs: clock.leftMs(30_000) });
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
  if (!(await appIsAsPlanned(checked.orgApp, checked, keyPair.key))) deploys.push('app');
  const assignment = await assignmentPlan(checked);
  const loginUrl = baseUrlText(parseLoginUrl(options.instanceUrl ?? checked.admin.instanceUrl));
  return { preflight: checked, keyPair, deploys, assignment, loginUrl };
}
