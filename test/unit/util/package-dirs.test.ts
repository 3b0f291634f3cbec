/*
 * The key-folder guard's ground (issue 19 #5): package folders from sfdx-project.json, real paths through symbolic
 * links and through parts that do not exist yet, and the guard's refusal for each way past it that was found.
 */
import { mkdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { packageFoldersToGuard, refuseKeysInPackageFolders } from '../../../src/keys/key-location.js';
import { isInside, packageDirectories, realPathOf } from '../../../src/util/package-dirs.js';
import { expectCoded, rejection, tempDir } from '../../helpers/index.js';

describe('util: package folders and real paths', () => {
  it('reads every packageDirectories path; a missing or broken file gives none', async () => {
    const root = await tempDir();
    expect(packageDirectories(root)).to.deep.equal([]);
    await writeFile(join(root, 'sfdx-project.json'), '{ broken');
    expect(packageDirectories(root)).to.deep.equal([]);
    await writeFile(
      join(root, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app' }, { path: ' other/pkg ' }, { nopath: 1 }, null] }),
    );
    expect(packageDirectories(root)).to.deep.equal([join(root, 'force-app'), join(root, 'other/pkg')]);
  });

  it('resolves links in the part that exists and keeps the part that does not', async () => {
    const root = await realpath(await tempDir());
    await mkdir(join(root, 'force-app', 'main'), { recursive: true });
    await symlink(join(root, 'force-app', 'main'), join(root, 'link'));
    expect(await realPathOf(join(root, 'link', 'keys', 'deeper'))).to.equal(
      join(root, 'force-app', 'main', 'keys', 'deeper'),
    );
    expect(isInside(join(root, 'force-app'), join(root, 'force-app'))).to.equal(true);
    expect(isInside(join(root, 'force-app-keys'), join(root, 'force-app'))).to.equal(false);
    expect(isInside(join(root, '..dots'), root)).to.equal(true);
  });

  it('refuses the package folder itself, another entry, a link into one, and a key file inside one', async () => {
    const root = await realpath(await tempDir());
    await writeFile(
      join(root, 'sfdx-project.json'),
      JSON.stringify({ packageDirectories: [{ path: 'force-app' }, { path: 'other-pkg' }] }),
    );
    await mkdir(join(root, 'force-app', 'main', 'default'), { recursive: true });
    await symlink(join(root, 'force-app'), join(root, 'link'));
    const folders = packageFoldersToGuard([join(root, 'force-app', 'main', 'default')], root);
    for (const [path, role] of [
      [join(root, 'force-app'), 'output-dir'],
      [join(root, 'other-pkg', 'keys'), 'output-dir'],
      [join(root, 'link', 'keys'), 'output-dir'],
      [join(root, 'force-app', 'main', 'default', 'server.key'), 'jwt-key-file'],
    ] as const) {
      // eslint-disable-next-line no-await-in-loop
      expectCoded(await rejection(refuseKeysInPackageFolders([{ path, role }], folders)), 'KeyInPackageFolder');
    }
    await refuseKeysInPackageFolders(
      [
        { path: root, role: 'output-dir' },
        { path: join(root, 'keys'), role: 'output-dir' },
      ],
      folders,
    );
  });

  it('without sfdx-project.json, the package folder above --source-dir main/default still counts', async () => {
    const root = await realpath(await tempDir());
    const folders = packageFoldersToGuard([join(root, 'force-app', 'main', 'default')], root);
    expectCoded(
      await rejection(refuseKeysInPackageFolders([{ path: join(root, 'force-app'), role: 'output-dir' }], folders)),
      'KeyInPackageFolder',
    );
  });
});
