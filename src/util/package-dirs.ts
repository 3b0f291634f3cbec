/*
 * The package folders of a Salesforce DX project: every `packageDirectories` entry of its sfdx-project.json, as the
 * sf CLI deploys them, compared by real path (symbolic links resolved, also for paths that do not exist yet). What
 * lies inside one is deployed and committed with the metadata: no private key belongs there.
 */
import { readFileSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { projectRoot } from './project.js';

/**
 * The absolute paths of the `packageDirectories` of the project at `root` (as written, resolved against the root);
 * empty when the file is missing or unreadable (a project that sf could not deploy either).
 */
export function packageDirectories(root: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8'));
  } catch {
    return [];
  }
  const entries = (parsed as { packageDirectories?: unknown }).packageDirectories;
  if (!Array.isArray(entries)) return [];
  return entries.flatMap((entry) => {
    const path = (entry as { path?: unknown } | null)?.path;
    return typeof path === 'string' && path.trim() !== '' ? [resolve(root, path.trim())] : [];
  });
}

/** The package folders of the project around `cwd` (the nearest sfdx-project.json at or above it). */
export function projectPackageDirectories(cwd = process.cwd()): { root?: string; dirs: string[] } {
  const root = projectRoot(cwd);
  return root ? { root, dirs: packageDirectories(root) } : { dirs: [] };
}

/**
 * The real path of `path`: symbolic links resolved in every part that exists, the rest (not made yet) appended as
 * given. So a key folder about to be created under a link into the package folder is seen where it will land.
 */
export async function realPathOf(path: string): Promise<string> {
  const absolute = resolve(path);
  const missing: string[] = [];
  let current = absolute;
  for (;;) {
    try {
      // eslint-disable-next-line no-await-in-loop
      const real = await realpath(current);
      return missing.length > 0 ? join(real, ...missing.reverse()) : real;
    } catch {
      const parent = dirname(current);
      if (parent === current) return absolute;
      missing.push(basename(current));
      current = parent;
    }
  }
}

/** Whether `child` is `parent` or lies inside it (both absolute and real). */
export function isInside(child: string, parent: string): boolean {
  const rel = relative(parent, child);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/** The first of `folders` that holds `path` (compared by real path), with both real paths; undefined when none does. */
export async function packageFolderHolding(
  path: string,
  folders: string[],
): Promise<{ path: string; folder: string } | undefined> {
  const real = await realPathOf(path);
  for (const folder of folders) {
    // eslint-disable-next-line no-await-in-loop
    const realFolder = await realPathOf(folder);
    if (isInside(real, realFolder)) return { path: real, folder: realFolder };
  }
  return undefined;
}
