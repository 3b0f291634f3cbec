/*
 * The Salesforce DX project around a folder: the nearest folder at or above it that holds sfdx-project.json, as
 * @salesforce/core finds it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export function projectRoot(from = process.cwd()): string | undefined {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'sfdx-project.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** sfdcLoginUrl of the project's sfdx-project.json, if any. */
export function projectLoginUrl(from = process.cwd()): string | undefined {
  const root = projectRoot(from);
  if (!root) return undefined;
  try {
    const value = (JSON.parse(readFileSync(join(root, 'sfdx-project.json'), 'utf8')) as { sfdcLoginUrl?: unknown })
      .sfdcLoginUrl;
    return typeof value === 'string' && value.length > 0 ? value : undefined;
  } catch {
    return undefined;
  }
}
