/*
 * A refused deploy leaves no file of what the org refused (issue 19 #6): a file this run made is removed (and the
 * folders it made, when empty), a file that was there before is put back byte for byte, the files of what was deployed
 * stay; the message says exactly what was applied. An outcome that is not a refusal (no deploy id) undoes nothing.
 */
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { deployed, recordAppFiles, undoRefusedDeploy } from '../../../src/bootstrap/refused-deploy.js';
import { jwtError, type JwtSetupError } from '../../../src/errors.js';
import { tempDir } from '../../helpers/index.js';

describe('bootstrap: the files of a refused deploy', () => {
  const refusal = (deployId?: string): JwtSetupError => {
    const error = jwtError('DeployFailed', ['CI_App', 'Failed', 'ExternalClientApplication CI_App: no'], ['x']);
    error.setData(deployId ? { deployId, status: 'Failed', failures: [] } : { failures: [] });
    return error;
  };

  async function scene(): Promise<{
    dir: string;
    files: Record<string, string>;
    undo: Awaited<ReturnType<typeof recordAppFiles>>;
  }> {
    const dir = await tempDir();
    const files = {
      permissionSet: join(dir, 'permissionsets', 'CI_App_Users.permissionset-meta.xml'),
      eca: join(dir, 'externalClientApps', 'CI_App.eca-meta.xml'),
      global: join(dir, 'extlClntAppGlobalOauthSets', 'CI_App_glbloauth.ecaGlblOauth-meta.xml'),
    };
    await mkdir(join(dir, 'externalClientApps'));
    await writeFile(files.eca, 'committed before');
    const undo = await recordAppFiles(Object.values(files), dir, [
      { what: 'permission-set', name: 'CI_App_Users', files: [files.permissionSet] },
      { what: 'app', name: 'CI_App', files: [files.eca, files.global] },
    ]);
    for (const f of Object.values(files)) {
      // eslint-disable-next-line no-await-in-loop
      await mkdir(join(f, '..'), { recursive: true });
      // eslint-disable-next-line no-await-in-loop
      await writeFile(f, 'written by this run');
    }
    return { dir, files, undo };
  }

  it('removes what this run made, puts back what was there, keeps what was deployed, and says so', async () => {
    const { dir, files, undo } = await scene();
    deployed(undo, 'permission-set', '0Af000000000001');
    const error = (await undoRefusedDeploy(refusal('0Af000000000002'), undo)) as JwtSetupError;
    expect(await readFile(files.eca, 'utf8')).to.equal('committed before');
    expect((await readdir(dir)).sort()).to.deep.equal(['externalClientApps', 'permissionsets']);
    expect(await readFile(files.permissionSet, 'utf8')).to.equal('written by this run');
    expect(error.message).to.match(
      /Applied to the org before it: the permission set CI_App_Users \(deploy 0Af000000000001\)\. Not applied: the app CI_App\./,
    );
    expect(error.message).to.include('1 removed, 1 put back');
    expect(error.data).to.deep.include({ removedFiles: [files.global], restoredFiles: [files.eca] });
  });

  it('an outcome that is not a refusal (no deploy id: the reply was lost) leaves every file', async () => {
    const { files, undo } = await scene();
    const given = refusal();
    expect(await undoRefusedDeploy(given, undo)).to.equal(given);
    expect(await readFile(files.global, 'utf8')).to.equal('written by this run');
    expect(given.message).not.to.match(/Applied|applied to the org/);
  });
});
