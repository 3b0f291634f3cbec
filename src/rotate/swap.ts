/*
 * The swap: the app's current certificate saved beside the old key first (so even a killed run leaves a way back),
 * then one component deployed, the one that holds the certificate, with everything else in it (the consumer key above
 * all) as the org returned it. The component is deployed from memory: no file or folder holding it is ever written.
 * A deploy whose reply is lost is settled by reading the app's certificate back.
 */
import { join } from 'node:path';
import { jwtError, reason } from '../errors.js';
import type { CertificateInfo } from '../keys/certificate.js';
import { certificateMatchesKey, readCertificate } from '../keys/certificate.js';
import { retrieveAppComponent } from '../org/components.js';
import { deployWithEvents, type Observation, type OrgStepEvent } from '../org/deploy.js';
import type { DeployOutcome } from '../org/metadata.js';
import { writeFilesAtomically } from '../util/files.js';
import { ComponentRewriteError, replaceCertificate } from './component.js';
import { API_VERSION } from './plan.js';
import type { RotationPlan } from './types.js';

/** Where the in-memory component is said to be: a path SDR resolves in its virtual tree, never on disk. */
const VIRTUAL_ROOT = join('/', 'sf-jwt-setup', 'rotate', 'main', 'default');

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
  emit: (event: OrgStepEvent) => void;
  /** The certificate the rotation deploys (the new key's); the plan's current one is the previous. */
  newCertificate: CertificateInfo;
};

/** Which certificate the org's app holds now, in words and as data, for a deploy of `deployed` whose reply was lost. */
async function readBack(
  plan: RotationPlan,
  deployed: CertificateInfo,
  options: DeployCertificateOptions,
): Promise<Observation> {
  const retrieved = await retrieveAppComponent(plan.admin.connection, plan.app, {
    waitMs: 60_000,
    apiVersion: API_VERSION,
  });
  const pem = retrieved?.app.certificatePem;
  if (!pem)
    return {
      applied: false,
      holds: reason('rotate.holds.none', [plan.app]),
      data: { certificateFingerprintSha256: null },
    };
  const held = await readCertificate(pem, reason('rotate.orgCertificate', [plan.app]));
  const which = certificateMatchesKey(held, options.newCertificate.publicKey)
    ? 'new'
    : certificateMatchesKey(held, plan.currentCertificate.publicKey)
      ? 'previous'
      : 'other';
  return {
    applied: certificateMatchesKey(held, deployed.publicKey),
    holds: reason(`rotate.holds.${which}`, [plan.app, held.fingerprintSha256]),
    data: { certificateFingerprintSha256: held.fingerprintSha256, certificate: which },
  };
}

/** Deploy the plan's certificate component with `certificate`; the coded errors of deployWithEvents when it does not succeed. */
export async function deployCertificate(
  plan: RotationPlan,
  certificate: CertificateInfo,
  options: DeployCertificateOptions,
): Promise<DeployOutcome> {
  let xml: string;
  try {
    xml = replaceCertificate(plan.component.text, plan.kind, certificate.pem, plan.consumerKey);
  } catch (error) {
    if (!(error instanceof ComponentRewriteError)) throw error;
    throw jwtError(
      'RotationPreflightFailed',
      [plan.app, reason(`rotate.component.${error.message}`, [plan.component.fullName])],
      [reason('rotate.fix.component')],
    );
  }
  return deployWithEvents({
    connection: plan.admin.connection,
    what: options.what,
    source: { files: [{ path: join(VIRTUAL_ROOT, ...plan.component.sourcePath.split('/')), text: xml }] },
    apiVersion: API_VERSION,
    waitMs: options.waitMs,
    localFiles: plan.component.fullName,
    emit: options.emit,
    observe: () => readBack(plan, certificate, options),
  });
}
