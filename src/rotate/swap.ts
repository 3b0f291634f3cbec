/*
 * The swap: the app's current certificate saved beside the old key first (so even a killed run leaves a way back),
 * then one component deployed, the one that holds the certificate, with everything else in it (the consumer key above
 * all) as the org returned it. The component is written in source format to a private temporary folder (0700, the
 * file 0600: it may hold what the org returned with it) and removed after the deploy, whatever happened.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { jwtError, reason } from '../errors.js';
import { deploySource, type DeployOutcome, type DeployProgress } from '../org/metadata.js';
import { deployError, refusedDeployError } from '../org/deploy-errors.js';
import { writeFilesAtomically } from '../util/files.js';
import { ComponentRewriteError, replaceCertificate } from './component.js';
import { API_VERSION, type RotationPlan } from './plan.js';

/** Write the app's current certificate to plan.previousCertificateFile (atomically, never over an existing file). */
export async function savePreviousCertificate(plan: RotationPlan): Promise<void> {
  await writeFilesAtomically([{ path: plan.previousCertificateFile, data: plan.currentCertificate.pem, mode: 0o644 }], {
    overwrite: false,
  });
}

export type DeployCertificateOptions = {
  /** What the deploy is, for messages: the app's name, or "the previous certificate of <app>". */
  what: string;
  waitMs: number;
  onProgress?: (progress: DeployProgress) => void;
};

/** Deploy the plan's certificate component with `certificatePem`; DeployFailed / DeployTimedOut when it does not succeed. */
export async function deployCertificate(
  plan: RotationPlan,
  certificatePem: string,
  options: DeployCertificateOptions,
): Promise<DeployOutcome> {
  let xml: string;
  try {
    xml = replaceCertificate(plan.component.text, plan.kind, certificatePem, plan.consumerKey);
  } catch (error) {
    if (!(error instanceof ComponentRewriteError)) throw error;
    throw jwtError(
      'RotationPreflightFailed',
      [plan.app, reason(`rotate.component.${error.message}`, [plan.component.fullName])],
      [reason('rotate.fix.component')],
    );
  }
  const folder = await mkdtemp(join(tmpdir(), 'sf-jwt-setup-rotate-'));
  try {
    const file = join(folder, 'main', 'default', ...plan.component.sourcePath.split('/'));
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await writeFile(file, xml, { mode: 0o600 });
    let outcome: DeployOutcome;
    try {
      outcome = await deploySource({
        connection: plan.admin.connection,
        paths: [file],
        apiVersion: API_VERSION,
        waitMs: options.waitMs,
        onProgress: options.onProgress,
      });
    } catch (error) {
      throw deployError(options.what, error, options.waitMs, plan.component.fullName);
    }
    if (!outcome.success) throw refusedDeployError(options.what, outcome, plan.component.fullName);
    return outcome;
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
