/*
 * Bootstrap's deploys: a new permission set first (so nothing depends on Salesforce resolving references within one
 * deploy), then the app, unless the org already holds exactly it. A deploy whose reply is lost is settled by reading
 * the org back: the permission set exists, or the app holds this key's certificate as planned.
 */
import { join } from 'node:path';
import { permissionSetPath } from '../app/permission-set.js';
import { reason } from '../errors.js';
import { certificateMatchesKey, readCertificate } from '../keys/certificate.js';
import { retrieveApp } from '../org/apps.js';
import { deployWithEvents, type Observation, type OrgStepEvent } from '../org/deploy.js';
import { findPermissionSet } from '../org/permission-sets.js';
import type { LocalFiles } from './local-files.js';
import { appIsAsPlanned } from './plan.js';
import { clockOf, type BootstrapOptions, type BootstrapPlan, type Clock } from './types.js';

type Deploy = { what: string; paths: string[]; app: boolean; observe: () => Promise<Observation> };

function permissionSetDeploy(plan: BootstrapPlan, options: BootstrapOptions, name: string): Deploy {
  const { connection } = plan.preflight.admin;
  return {
    what: name,
    app: false,
    paths: [join(options.sourceDir, ...permissionSetPath(name).split('/'))],
    observe: async (): Promise<Observation> => {
      const applied = (await findPermissionSet(connection, name)) !== undefined;
      const holds = reason(`bootstrap.holds.permissionSet${applied ? 'Exists' : 'Missing'}`, [name]);
      return { applied, holds, data: { permissionSet: name, exists: applied } };
    },
  };
}

function appDeploy(plan: BootstrapPlan, options: BootstrapOptions, local: LocalFiles, clock: Clock): Deploy {
  const checked = plan.preflight;
  const key = local.keyPair.key;
  return {
    what: checked.app,
    app: true,
    paths: local.app.files.filter((f) => f.type !== 'PermissionSet').map((f) => f.path),
    observe: async (): Promise<Observation> => {
      const orgApp = await retrieveApp(checked.admin.connection, options.kind, checked.app, {
        waitMs: clock.leftMs(30_000),
        apiVersion: local.app.spec.apiVersion,
      });
      const expected = { ...checked, consumerKey: local.app.spec.consumerKey };
      const applied = await appIsAsPlanned(orgApp, expected, key);
      if (!orgApp?.certificatePem) {
        return { applied, holds: reason('bootstrap.holds.noApp', [checked.app]), data: { app: checked.app } };
      }
      const held = await readCertificate(orgApp.certificatePem, orgApp.name);
      const matches = key !== undefined && certificateMatchesKey(held, key.publicKey);
      const holds = reason(`bootstrap.holds.app${matches ? 'Matches' : 'Differs'}`, [
        checked.app,
        held.fingerprintSha256,
      ]);
      return { applied, holds, data: { app: checked.app, certificateFingerprintSha256: held.fingerprintSha256 } };
    },
  };
}

/** The deploys the plan names; the ids of those that ran (one settled from the org after a lost reply may have none). */
export async function deployToOrg(
  plan: BootstrapPlan,
  options: BootstrapOptions,
  local: LocalFiles,
  emit: (event: OrgStepEvent | { type: 'deploy-skipped' }) => void,
  clock: Clock = clockOf(options.waitMinutes),
): Promise<{ deployIds: string[]; appDeployId?: string }> {
  const checked = plan.preflight;
  const deploys: Deploy[] = [];
  if (plan.deploys.includes('permission-set') && checked.permissionSet) {
    deploys.push(permissionSetDeploy(plan, options, checked.permissionSet));
  }
  if (plan.deploys.includes('app')) deploys.push(appDeploy(plan, options, local, clock));
  const ids: string[] = [];
  let appDeployId: string | undefined;
  for (const deploy of deploys) {
    // eslint-disable-next-line no-await-in-loop
    const outcome = await deployWithEvents({
      connection: checked.admin.connection,
      what: deploy.what,
      source: { paths: deploy.paths },
      apiVersion: local.app.spec.apiVersion,
      waitMs: clock.leftMs(60_000),
      localFiles: options.sourceDir,
      emit,
      observe: deploy.observe,
    });
    if (outcome.id) ids.push(outcome.id);
    if (deploy.app && outcome.id) appDeployId = outcome.id;
  }
  if (!plan.deploys.includes('app')) emit({ type: 'deploy-skipped' });
  return { deployIds: ids, appDeployId };
}
