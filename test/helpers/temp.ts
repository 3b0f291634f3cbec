/*
 * Temporary folders for tests. Every folder made here is removed after the whole run by the root hook in
 * test/setup.ts, also when a test failed before its own clean-up, so repeated runs leave nothing in the temp folder.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// One registry per process, on globalThis: mocha loads test/setup.ts through require() and the tests through import(),
// so this module can exist twice.
const REGISTRY = Symbol.for('sf-jwt-setup.test.tempDirs');
const holder = globalThis as typeof globalThis & { [REGISTRY]?: Set<string> };
const made = (holder[REGISTRY] ??= new Set<string>());

export async function tempDir(prefix = 'sfjwt-test-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.add(dir);
  return dir;
}

/** Remove every folder tempDir made (those already removed are skipped). */
export async function removeTempDirs(): Promise<void> {
  const dirs = [...made];
  made.clear();
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true, maxRetries: 3 }).catch(() => undefined)));
}
