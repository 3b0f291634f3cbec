/*
 * The @salesforce/core version that the installed sf's `org create scratch` runs on: resolved from plugin-org's own
 * folder (it may carry a nested copy), else from the CLI's root. The stop-gap for External Client App hubs
 * (SF_SCRATCH_SIGNUP_CONNECTED_APP, SF_SCRATCH_SIGNUP_CALLBACK_URL) needs 9.1.0 or later.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export const SCRATCH_SIGNUP_OVERRIDE_CORE = '9.1.0';

function versionAt(packageJson: string): string | undefined {
  try {
    const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The core version plugin-org resolves under the CLI installed at `cliRoot`; undefined when it cannot be found. */
export function scratchCreateCoreVersion(cliRoot: string): string | undefined {
  const fromRoot = createRequire(join(cliRoot, 'package.json'));
  let from = fromRoot;
  try {
    from = createRequire(fromRoot.resolve('@salesforce/plugin-org/package.json'));
  } catch {
    // no plugin-org (a CLI without it): the root's core is what any scratch command would use
  }
  try {
    return versionAt(from.resolve('@salesforce/core/package.json'));
  } catch {
    try {
      // core's exports may hide package.json: find it next to its entry point
      return versionAt(join(dirname(from.resolve('@salesforce/core')), '..', 'package.json'));
    } catch {
      return undefined;
    }
  }
}

/** a < b for dotted numeric versions (pre-release tags ignored). */
export function versionBefore(a: string, b: string): boolean {
  const parts = (v: string): number[] =>
    v
      .split('-')[0]
      .split('.')
      .map((n) => Number(n) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  }
  return false;
}
