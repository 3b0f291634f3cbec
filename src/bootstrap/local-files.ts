/*
 * Bootstrap's local files: the key pair (made or reused) and the app's metadata in the package folder, both planned in
 * full in memory before either is written, so a refusal of either writes nothing.
 */
import { planApp, writeAppFiles, type AppPlan } from '../app/generate.js';
import { prepareKeyPair, writeKeyPair, type KeyPairPlan } from './key-pair.js';
import type { BootstrapEvent, BootstrapOptions, BootstrapPlan } from './types.js';

export type LocalFiles = { keyPair: KeyPairPlan; app: AppPlan };

export async function writeLocalFiles(
  plan: BootstrapPlan,
  options: BootstrapOptions,
  emit: (event: BootstrapEvent) => void,
): Promise<LocalFiles> {
  const checked = plan.preflight;
  const { plan: keyPair, prepared } = await prepareKeyPair(plan.keyPair);
  const app = await planApp({
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
  await writeAppFiles(app, { force: true });
  emit({ type: 'app-files', files: app.files.map((f) => f.path) });
  return { keyPair, app };
}
