/*
 * The key-folder guard: a private key (and the files written beside it) never goes inside a package folder, where
 * the next `sf project deploy start` or `git add` would take it along with the metadata. Every `packageDirectories`
 * entry of the project's sfdx-project.json counts, and the folders the command itself writes metadata to; paths are
 * compared by real path, so a symbolic link into a package folder, or `-d force-app` itself, is refused too.
 */
import { basename, dirname } from 'node:path';
import { jwtError, reason } from '../errors.js';
import { packageFolderHolding, projectPackageDirectories } from '../util/package-dirs.js';

/** A place the command reads a private key from or writes key files to, and the flag (or role) that named it. */
export type KeyLocation = { path: string; role: KeyLocationRole };

export type KeyLocationRole = 'output-dir' | 'jwt-key-file' | 'new-key-file' | 'rotation-files';

/**
 * The package folders that count: the project's (sfdx-project.json around `cwd`), and `sourceDirs`, each with the
 * package folder it sits in when it is the conventional `<package>/main/default`.
 */
export function packageFoldersToGuard(sourceDirs: string[] = [], cwd = process.cwd()): string[] {
  const folders = [...projectPackageDirectories(cwd).dirs];
  for (const dir of sourceDirs) {
    folders.push(dir);
    if (basename(dir) === 'default' && basename(dirname(dir)) === 'main') folders.push(dirname(dirname(dir)));
  }
  return [...new Set(folders)];
}

/** KeyInPackageFolder for the first location inside a package folder; nothing is read or written before it. */
export async function refuseKeysInPackageFolders(locations: KeyLocation[], packageFolders: string[]): Promise<void> {
  for (const location of locations) {
    // eslint-disable-next-line no-await-in-loop
    const holding = await packageFolderHolding(location.path, packageFolders);
    if (holding) {
      throw jwtError(
        'KeyInPackageFolder',
        [reason(`keyLocation.${location.role}`), holding.path, holding.folder],
        [holding.folder],
      );
    }
  }
}
