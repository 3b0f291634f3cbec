/*
 * Writing files so that nothing is ever half-written or silently replaced: each file goes to a hidden temporary file
 * beside its target, is synced, and is then linked (no overwrite) or renamed (overwrite) into place. With several
 * files, either all land or none does: a failure rolls back the ones already placed, restoring what they replaced.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, link, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { jwtError } from '../errors.js';
import { processAlive } from './process.js';
import { folderReason, fsReason } from './fs-errors.js';

export type FileToWrite = { path: string; data: string | Buffer; mode: number };

const TEMP_PREFIX = '.sf-jwt-setup-';

function tempPath(target: string, kind: 'tmp' | 'bak'): string {
  return join(
    dirname(target),
    `${TEMP_PREFIX}${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`,
  );
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}

/** Create `dir` (and parents) and check that it is writable; OutputDirUnwritable otherwise. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw jwtError('OutputDirUnwritable', [dir, await folderReason(dir, error)]);
  }
}

/** Remove our own temporary files left in `dir` by a process that was killed mid-write (its pid is gone). */
export async function removeStaleTemps(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const match = /^\.sf-jwt-setup-.+\.(\d+)\.[0-9a-f]{8}\.(tmp|bak)$/.exec(name);
    return match !== null && Number(match[1]) !== process.pid && !processAlive(Number(match[1]));
  });
  await Promise.all(stale.map((name) => unlink(join(dir, name)).catch(() => undefined)));
}

/** The targets that exist already. */
export async function existingFiles(paths: string[]): Promise<string[]> {
  const found = await Promise.all(paths.map(async (p) => ((await exists(p)) ? p : undefined)));
  return found.filter((p): p is string => p !== undefined);
}

/** Write `file` to a temporary file beside it; on any failure the temporary file is removed before the error is thrown. */
async function writeTemp(file: FileToWrite): Promise<string> {
  const temp = tempPath(file.path, 'tmp');
  const handle = await open(temp, 'wx', file.mode);
  try {
    await handle.chmod(file.mode); // whatever the umask
    await handle.writeFile(file.data);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  return temp;
}

/**
 * Write all `files` or none. Without `overwrite`, an existing target fails the whole write with FilesExist and
 * nothing changes (checked atomically by link(2), so a concurrent writer cannot be clobbered either).
 */
export async function writeFilesAtomically(files: FileToWrite[], options: { overwrite: boolean }): Promise<void> {
  const temps: string[] = [];
  const placed: Array<{ path: string; backup?: string }> = [];
  const cleanup = async (paths: string[]): Promise<void> => {
    await Promise.all(paths.map((p) => unlink(p).catch(() => undefined)));
  };
  // All writes are awaited, failed or not, so that no temporary file is created after the clean-up has run.
  const written = await Promise.allSettled(files.map(writeTemp));
  for (const result of written) if (result.status === 'fulfilled') temps.push(result.value);
  const failed = written.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await cleanup(temps);
    throw jwtError('WriteFailed', [files.map((f) => f.path).join(', '), fsReason(failed.reason)]);
  }
  try {
    // One after another on purpose: on a failure, exactly the files placed so far are rolled back.
    /* eslint-disable no-await-in-loop */
    for (const [i, file] of files.entries()) {
      if (options.overwrite) {
        let backup: string | undefined;
        if (await exists(file.path)) {
          backup = tempPath(file.path, 'bak');
          await link(file.path, backup);
        }
        await rename(temps[i], file.path);
        placed.push({ path: file.path, backup });
      } else {
        await link(temps[i], file.path);
        placed.push({ path: file.path });
      }
    }
    /* eslint-enable no-await-in-loop */
  } catch (error) {
    // Roll back: restore what was replaced, remove what was added.
    await Promise.all(
      placed.map((entry) =>
        entry.backup
          ? rename(entry.backup, entry.path).catch(() => undefined)
          : unlink(entry.path).catch(() => undefined),
      ),
    );
    await cleanup(temps);
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
      throw jwtError('FilesExist', [files.map((f) => f.path).join(', ')]);
    }
    throw jwtError('WriteFailed', [files.map((f) => f.path).join(', '), fsReason(error)]);
  }
  await cleanup([...temps, ...placed.map((p) => p.backup).filter((b): b is string => b !== undefined)]);
}

export type FileSnapshot = Array<{ path: string; data?: Buffer; mode?: number }>;

/** The bytes of `paths` as they are now (absent files recorded as absent), to put back with restoreFiles. */
export async function snapshotFiles(paths: string[]): Promise<FileSnapshot> {
  return Promise.all(
    paths.map(async (path) => {
      try {
        const [data, info] = await Promise.all([readFile(path), stat(path)]);
        return { path, data, mode: info.mode & 0o777 };
      } catch {
        return { path };
      }
    }),
  );
}

/** Put back what snapshotFiles saw: the same bytes, or no file where there was none. Best effort, never throws. */
export async function restoreFiles(snapshot: FileSnapshot): Promise<void> {
  await Promise.all(
    snapshot.map(async (entry) => {
      if (entry.data === undefined) {
        await unlink(entry.path).catch(() => undefined);
        return;
      }
      const current = await readFile(entry.path).catch(() => undefined);
      if (current?.equals(entry.data)) return;
      await writeFilesAtomically([{ path: entry.path, data: entry.data, mode: entry.mode ?? 0o600 }], {
        overwrite: true,
      }).catch(() => undefined);
    }),
  );
}
