/*
 * bootstrap never deploys an older certificate over a newer one of another key (issue 19 #3): refused with
 * CertificateNewerInOrg naming both fingerprints and the key beside the local one that matches the org; the same key,
 * or an older certificate in the org, is no refusal.
 */
import { generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import type { KeyPairPlan } from '../../../src/bootstrap/key-pair.js';
import { refuseOlderCertificate } from '../../../src/bootstrap/newer-in-org.js';
import { createSelfSignedCertificate, type CertificateInfo } from '../../../src/keys/certificate.js';
import { loadPrivateKey } from '../../../src/keys/private-key.js';
import { parseSubject } from '../../../src/keys/subject.js';
import { expectCoded, rejection, tempDir } from '../../helpers/index.js';

const DAY = 24 * 3600 * 1000;

async function pair(dir: string, name: string, issued: Date): Promise<{ file: string; certificate: CertificateInfo }> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = join(dir, `${name}.key`);
  await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const certificate = await createSelfSignedCertificate({
    privateKey,
    publicKey,
    subject: parseSubject('/CN=test'),
    days: 365,
    now: issued,
  });
  return { file, certificate };
}

describe('bootstrap: a newer certificate in the org is never replaced by an older one', () => {
  it('refuses, naming both fingerprints and the matching key beside the local one; the same key passes', async () => {
    const dir = await tempDir();
    const old = await pair(dir, 'server', new Date(Date.now() - 30 * DAY));
    const rotated = await pair(dir, 'server-20260101', new Date(Date.now() - DAY));
    const keyPair: KeyPairPlan = {
      action: 'reuse',
      keyFile: old.file,
      certificateFile: join(dir, 'server.crt'),
      key: await loadPrivateKey({ file: old.file }),
      certificate: old.certificate,
    };
    const orgApp = (pem: string): never =>
      ({
        name: 'CI',
        kind: 'external',
        certificatePem: pem,
        preAuthorized: true,
        permissionSets: [],
        profiles: [],
      }) as never;

    const error = await rejection(
      refuseOlderCertificate({ app: 'CI', orgApp: orgApp(rotated.certificate.pem) }, keyPair),
    );
    expectCoded(error, 'CertificateNewerInOrg');
    expect(error.message)
      .to.include(rotated.certificate.fingerprintSha256)
      .and.include(old.certificate.fingerprintSha256);
    expect(error.actions?.join(' ')).to.include(rotated.file).and.include('--force');
    expect(error.data).to.include({ matchingKeyFile: rotated.file });

    // The same key's certificate, or none in the org: nothing to refuse.
    await refuseOlderCertificate({ app: 'CI', orgApp: orgApp(old.certificate.pem) }, keyPair);
    await refuseOlderCertificate({ app: 'CI' }, keyPair);
  });

  it('an older certificate of another key in the org is replaced as before (no refusal)', async () => {
    const dir = await tempDir();
    const older = await pair(dir, 'older', new Date(Date.now() - 30 * DAY));
    const local = await pair(dir, 'server', new Date(Date.now() - DAY));
    const keyPair: KeyPairPlan = {
      action: 'reuse',
      keyFile: local.file,
      certificateFile: join(dir, 'server.crt'),
      key: await loadPrivateKey({ file: local.file }),
      certificate: local.certificate,
    };
    await refuseOlderCertificate(
      { app: 'CI', orgApp: { name: 'CI', kind: 'external', certificatePem: older.certificate.pem } as never },
      keyPair,
    );
  });
});
