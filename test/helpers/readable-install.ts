/*
 * A world-readable copy of the plugin, for tests that run it as an unprivileged user (setpriv, uid 65534): the
 * checkout may live where that user cannot go (a clone under /root or `mktemp -d`, mode 0700), and a symbolic link
 * into it would not help, since the child must read through it. The copy holds node itself, the plugin's compiled
 * files (bin/, lib/, messages/, the manifest) and its production dependencies, in a fresh temporary folder with every
 * file readable by all. Made once per test file (a few seconds), removed after.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { ROOT } from './env.js';

export type ReadableInstall = {
  /** The folder to put first on PATH (holds node). */
  binDir: string;
  node: string;
  runJs: string;
  dispose: () => Promise<void>;
};

type Manifest = {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** Where `name` resolves from the package folder `from` (node's lookup: each node_modules up to ROOT). */
function resolvePackage(name: string, from: string): string | undefined {
  for (let dir = from; dir.startsWith(ROOT); dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dir === ROOT) break;
  }
  return undefined;
}

/** The package folders the plugin loads at run time: its dependencies, theirs, and so on. */
async function productionPackages(): Promise<string[]> {
  const seen = new Set<string>();
  const queue = [ROOT];
  while (queue.length > 0) {
    const dir = queue.pop()!;
    // eslint-disable-next-line no-await-in-loop
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;
    const names = Object.keys({
      ...manifest.dependencies,
      ...manifest.optionalDependencies,
      ...manifest.peerDependencies,
    });
    for (const name of names) {
      const found = resolvePackage(name, dir);
      if (found && !seen.has(found)) {
        seen.add(found);
        queue.push(found);
      }
    }
  }
  // A nested package is copied with its parent's folder.
  const top = [...seen].filter((p) => ![...seen].some((q) => q !== p && p.startsWith(q + sep)));
  return top.sort();
}

/** Make every file and folder under `dir` readable (and folders and executables traversable) by all. */
async function openUp(dir: string): Promise<void> {
  const info = await stat(dir);
  await chmod(dir, info.mode | 0o555);
  const entries = await readdir(dir, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return openUp(path);
      if (!entry.isFile()) return undefined;
      const mode = (await stat(path)).mode;
      return chmod(path, mode | 0o444 | (mode & 0o100 ? 0o111 : 0));
    }),
  );
}

/**
 * The plugin (compiled lib/: run `npm run build` first, as `npm test` does), with node and its production
 * dependencies, copied where uid `uid` can read it. Throws, naming the folder, when that user still cannot run it
 * (a TMPDIR the user cannot traverse): such a test must fail, never skip.
 */
export async function readableInstall(uid: number): Promise<ReadableInstall> {
  const dir = await mkdtemp(join(tmpdir(), 'sfjwt-readable-'));
  const plugin = join(dir, 'plugin');
  const binDir = join(dir, 'bin');
  const node = join(binDir, 'node');
  try {
    await cp(process.execPath, node);
    for (const part of ['package.json', 'oclif.manifest.json', 'bin', 'lib', 'messages']) {
      // eslint-disable-next-line no-await-in-loop
      await cp(join(ROOT, part), join(plugin, part), { recursive: true });
    }
    for (const pkg of await productionPackages()) {
      // eslint-disable-next-line no-await-in-loop
      await cp(pkg, join(plugin, pkg.slice(ROOT.length + 1)), { recursive: true, dereference: true });
    }
    await openUp(dir);
    const runJs = join(plugin, 'bin', 'run.js');
    const probe = spawnSync(
      'setpriv',
      [
        '--reuid',
        String(uid),
        '--regid',
        String(uid),
        '--clear-groups',
        node,
        '-e',
        `require('fs').accessSync(${JSON.stringify(runJs)})`,
      ],
      { encoding: 'utf8' },
    );
    if (probe.status !== 0) {
      throw new Error(
        `uid ${uid} cannot run the copy of the plugin in ${dir} (is ${tmpdir()} traversable by all?): ${probe.stderr || probe.error?.message}`,
      );
    }
    return { binDir, node, runJs, dispose: () => rm(dir, { recursive: true, force: true }) };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
