/*
 * keygen --app: key, certificate and the External Client App holding that certificate in one step, planned in full
 * before anything is written: a bad app input or existing app files leave no key behind.
 */
import { realpathSync } from 'node:fs';
import { readFile, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import Keygen, { type KeygenResult } from '../../src/commands/jwt-setup/keygen.js';
import { readAppMetadata } from '../../src/app/read-metadata.js';
import { ROOT, expectCommandError, runCommand, snapshotDir, tempDir } from '../helpers/index.js';

describe('jwt-setup keygen --app', () => {
  it('writes the key, its certificate, and the app whose certificate is that one', async () => {
    const dir = await tempDir('sfjwt-kgapp-');
    const appDir = join(dir, 'force-app', 'main', 'default');
    // The app goes to force-app/main/default of the current folder (the project), as `sf jwt-setup app` does.
    // (tsx, which mocha loads, is resolved from the current folder by the sf logger's worker thread: link it there)
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const cwd = process.cwd();
    process.chdir(dir);
    let ran;
    try {
      ran = await runCommand<KeygenResult>(Keygen, [
        '-d',
        dir,
        '--app',
        'CI_Deploy',
        '--contact-email',
        'devops@acme.com',
        '--json',
      ]);
    } finally {
      process.chdir(cwd);
    }
    expect(ran.error, ran.stderr).to.equal(undefined);
    expect(realpathSync(ran.result?.app?.outputDir ?? '')).to.equal(realpathSync(appDir));
    const result = ran.result as KeygenResult;
    expect(result.app?.name).to.equal('CI_Deploy');
    expect(result.app?.certificateFingerprintSha256).to.equal(result.fingerprintSha256);
    const apps = await readAppMetadata(appDir);
    const app = apps.find((a) => a.name === 'CI_Deploy');
    expect(app?.certificatePem.trim()).to.equal((await readFile(result.certificateFile, 'utf8')).trim());
    expect(app?.consumerKey).to.equal(result.app?.consumerKey);
  });

  it('a bad app name fails before anything is written (no key, no certificate, no app)', async () => {
    const dir = await tempDir('sfjwt-kgapp-');
    const before = await snapshotDir(dir);
    const ran = await runCommand<KeygenResult>(Keygen, ['-d', dir, '--app', 'bad name', '--json']);
    expectCommandError(ran, 'InvalidAppName');
    expect(await snapshotDir(dir)).to.deep.equal(before);
  });
});
