/*
 * Re-running bootstrap after rotate must not undo the rotation. By default bootstrap reuses the key it made the first
 * time (server.key); after a rotation the org's app holds a newer certificate, of another key. Deploying the local
 * certificate then would put the older one back and stop every login with the newer key. So, unless --force, that is
 * refused (CertificateNewerInOrg), naming both certificates and, when it is found beside the local key, the key that
 * matches the org.
 */
import { dirname } from 'node:path';
import { jwtError, reason } from '../errors.js';
import { readCertificate } from '../keys/certificate.js';
import { localIssued, supersedes } from '../keys/certificate-age.js';
import { findKeyFor } from '../keys/find-key.js';
import { passphraseFromEnv, publicKeyFingerprint } from '../keys/private-key.js';
import type { KeyPairPlan } from './key-pair.js';
import type { Preflight } from './preflight.js';

/** CertificateNewerInOrg when the org's app holds a newer certificate of another key than the one bootstrap would deploy. */
export async function refuseOlderCertificate(
  checked: Pick<Preflight, 'app' | 'orgApp'>,
  keyPair: KeyPairPlan,
  options: { passphraseEnv?: string } = {},
): Promise<void> {
  const heldPem = checked.orgApp?.certificatePem;
  // A key made now (nothing local yet) is no older certificate; without a certificate in the org there is none to undo.
  if (!heldPem || !keyPair.key) return;
  const held = await readCertificate(heldPem, reason('rotate.orgCertificate', [checked.app])).catch(() => undefined);
  if (!held) return;
  const local = await localIssued(keyPair.certificate, keyPair.keyFile);
  if (!supersedes(held, keyPair.key.publicKey, local)) return;

  const matching = await findKeyFor(held, dirname(keyPair.keyFile), {
    passphrase: passphraseFromEnv(options.passphraseEnv),
    skip: [keyPair.keyFile],
  });
  const localFingerprint = keyPair.certificate
    ? keyPair.certificate.fingerprintSha256
    : reason('newerInOrg.keyOnly', [publicKeyFingerprint(keyPair.key.publicKey)]);
  const error = jwtError(
    'CertificateNewerInOrg',
    [
      checked.app,
      held.fingerprintSha256,
      held.notBefore.toISOString(),
      keyPair.keyFile,
      localFingerprint,
      local.toISOString(),
    ],
    [
      matching ? reason('newerInOrg.fix.matching', [matching]) : reason('newerInOrg.fix.notFound'),
      reason('newerInOrg.fix.force'),
    ],
  );
  error.setData({
    app: checked.app,
    orgFingerprintSha256: held.fingerprintSha256,
    orgCertificateIssued: held.notBefore.toISOString(),
    localKeyFile: keyPair.keyFile,
    localFingerprintSha256: keyPair.certificate?.fingerprintSha256 ?? null,
    localIssued: local.toISOString(),
    matchingKeyFile: matching ?? null,
  });
  throw error;
}
