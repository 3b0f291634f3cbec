/* Snapshots of folders: byte for byte (the sf store), or as hashes by relative path (keygen's output). */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { expect } from 'chai';

/** Every file under the given dirs, path -> bytes (absent dirs are empty). */
export async function snapshotTree(dirs: string[]): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (dir: string): Promise<void> => {
    let entries: Array<import('node:fs').Dirent>;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      // eslint-disable-next-line no-await-in-loop
      if (entry.isDirectory()) await walk(path);
      // eslint-disable-next-line no-await-in-loop
      else if (entry.isFile()) files.set(path, await readFile(path));
    }
  };
  for (const dir of dirs) {
    // eslint-disable-next-line no-await-in-loop
    await walk(dir);
  }
  return files;
}

/** sf's own log files change on every run: the store is everything else. */
export function withoutLogs(files: Map<string, Buffer>): Map<string, Buffer> {
  return new Map([...files].filter(([p]) => !/\/\.sf\/sf-[^/]*\.log$/.test(p)));
}

export function expectSameTree(before: Map<string, Buffer>, after: Map<string, Buffer>): void {
  expect([...after.keys()].sort()).to.deep.equal([...before.keys()].sort());
  for (const [path, bytes] of before) {
    expect(after.get(path)?.equals(bytes), `${path} changed`).to.equal(true);
  }
}

export async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

/** relative path -> sha256 of every file under `dir` (recursive). */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const out: Record<string, string> = {};
  for (const e of entries) {
    if (!e.isFile()) continue;
    const path = join(e.parentPath, e.name);
    // eslint-disable-next-line no-await-in-loop
    const bytes = await readFile(path);
    out[relative(dir, path)] = createHash('sha256').update(bytes).digest('hex');
  }
  return out;
}
