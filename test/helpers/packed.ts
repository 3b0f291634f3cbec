/*
 * The plugin as users get it: `npm pack` (what would be published), then the README's pipeline steps in a HOME of
 * its own with no terminal:
 *
 *   sf plugins trust allowlist add --name <plugin>
 *   sf plugins install <plugin>
 *
 * with `file:<tarball>` as <plugin>. Used by test/integration/install.test.ts and by the benchmark (bench/run.ts),
 * so both measure and test the same installed plugin.
 *
 * Always asynchronous: the emulator runs in the caller's event loop.
 */
import { spawn } from 'node:child_process';
import { cp, lstat, mkdtemp, readdir, realpath, rm, symlink } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { BIN_DIR, ROOT, SF_ENV } from './env.js';

const BIN = BIN_DIR;
/** The real sf CLI of the devDependencies, started as its own shebang does (node --no-deprecation run.js). */
export const SF_RUN_JS = join(ROOT, 'node_modules', '@salesforce', 'cli', 'bin', 'run.js');

// Read once at load time: some command tests point process.env.HOME at temporary folders while they run.
const CALLER_NPM_CACHE = process.env.npm_config_cache ?? join(homedir(), '.npm');

/** What a run of a child printed, how it ended and how long it took (spawn to exit). */
export type Step = {
  command: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  stdout: string;
  stderr: string;
};

/**
 * Starts a child with no terminal: stdin is /dev/null (spawn 'ignore'), stdout and stderr are pipes, as in a CI job.
 * Killed after timeoutMs.
 */
export function runNoTty(
  command: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<Step> {
  return new Promise((resolvePromise, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.once('error', reject);
    let exit: { code: number | null; signal: NodeJS.Signals | null; wallMs: number } | undefined;
    child.once('exit', (code, signal) => (exit = { code, signal, wallMs: performance.now() - started }));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const e = exit ?? { code, signal, wallMs: performance.now() - started };
      resolvePromise({ command: [command, ...args].join(' '), ...e, stdout, stderr });
    });
  });
}

/** sf (the devDependency) with no terminal. */
export function sfNoTty(
  args: string[],
  options: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number },
): Promise<Step> {
  return runNoTty(process.execPath, ['--no-deprecation', SF_RUN_JS, ...args], { timeoutMs: 120_000, ...options }).then(
    (s) => ({
      ...s,
      command: `sf ${args.join(' ')}`,
    }),
  );
}

export function describeStep(s: Step): string {
  const text = `${s.stdout}\n${s.stderr}`.trim().split('\n').slice(-15).join('\n');
  return `${s.command}: exit ${s.code ?? s.signal} after ${Math.round(s.wallMs)} ms\n${text}`;
}

/**
 * An environment built from scratch for an sf in `home`: nothing of the caller's sf set-up (SF_*, XDG_*,
 * NODE_OPTIONS) leaks in. CI=true as on a CI runner.
 */
export function isolatedSfEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: [BIN, process.env.PATH ?? '/usr/bin:/bin'].join(delimiter),
    HOME: home,
    LANG: process.env.LANG ?? 'C.UTF-8',
    TMPDIR: process.env.TMPDIR ?? tmpdir(),
    CI: 'true',
    ...SF_ENV,
    ...extra,
  };
}

/**
 * The install step needs the npm registry (the tarball's dependencies): pass on how this machine reaches it (its CA
 * bundle, proxy, registry), and the caller's npm cache, so packages already downloaded by `npm ci` are not fetched
 * again (npm still revalidates every package's metadata with the registry; the resolution is the registry's).
 */
export function registryEnv(): Record<string, string> {
  const env: Record<string, string> = {
    npm_config_cache: CALLER_NPM_CACHE,
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  const passOn = [
    'NODE_EXTRA_CA_CERTS',
    'HTTPS_PROXY',
    'https_proxy',
    'HTTP_PROXY',
    'http_proxy',
    'NO_PROXY',
    'no_proxy',
  ];
  const npmKeys = ['registry', 'cafile', 'proxy', 'https_proxy', 'noproxy', 'strict_ssl'];
  for (const name of [...passOn, ...npmKeys.map((k) => `npm_config_${k}`)]) {
    const value = process.env[name];
    if (value) env[name] = value;
  }
  return env;
}

/** What `npm pack` needs of the checkout: the sources its prepack script builds from, and what `files` names. */
const PACK_SOURCES = ['package.json', 'tsconfig.json', 'README.md', 'LICENSE', 'src', 'messages', 'schemas'];

/**
 * `npm pack` runs the prepack script (`rm -rf lib`, then the build) in the folder it packs. Run in the checkout, it
 * would remove lib/ under every other test that runs the checkout's plugin at the same moment (the suites run in
 * parallel). So it runs in a copy of the sources, with the checkout's node_modules linked for the build tools: the
 * same clean build, the same files, in a folder of its own. Removed afterwards.
 */
async function inStagedCopy<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sf-jwt-pack-'));
  try {
    await Promise.all(
      PACK_SOURCES.map((name) => cp(join(ROOT, name), join(dir, name), { recursive: true, errorOnExist: true })),
    );
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `npm pack` of this checkout (a staged copy of it: see above) into `destination`; the prepack script makes a clean
 * build first. Returns the tarball's absolute path.
 */
export async function packPlugin(destination: string): Promise<{ tarball: string; step: Step }> {
  const step = await inStagedCopy((cwd) =>
    runNoTty(join(BIN, 'npm'), ['pack', '--pack-destination', destination], {
      env: { ...process.env, PATH: [BIN, process.env.PATH ?? ''].join(delimiter), npm_config_update_notifier: 'false' },
      cwd,
      timeoutMs: 300_000,
    }),
  );
  if (step.code !== 0) throw new Error(`npm pack failed: ${describeStep(step)}`);
  const tarballs = (await readdir(destination)).filter((f) => f.endsWith('.tgz'));
  if (tarballs.length !== 1)
    throw new Error(`npm pack: expected one tarball in ${destination}, found ${tarballs.join(', ') || 'none'}`);
  return { tarball: join(destination, tarballs[0]), step };
}

/** The files `npm pack` would put in the tarball (`npm pack --dry-run --json`, in a staged copy), sorted. */
export async function packedFileList(): Promise<string[]> {
  const step = await inStagedCopy((cwd) =>
    runNoTty(join(BIN, 'npm'), ['pack', '--dry-run', '--json'], {
      env: { ...process.env, PATH: [BIN, process.env.PATH ?? ''].join(delimiter), npm_config_update_notifier: 'false' },
      cwd,
      timeoutMs: 300_000,
    }),
  );
  if (step.code !== 0) throw new Error(`npm pack --dry-run failed: ${describeStep(step)}`);
  // The prepack script's own output may come first on stdout: the JSON is the last top-level array.
  const start = step.stdout.lastIndexOf('\n[\n');
  const json = JSON.parse(start >= 0 ? step.stdout.slice(start) : step.stdout) as Array<{
    files: Array<{ path: string }>;
  }>;
  return json[0].files.map((f) => f.path).sort();
}

export type InstalledPlugin = {
  /** the exact string given to `sf plugins install`, and allowlisted: file:<absolute tarball path> */
  spec: string;
  allowlist: Step;
  install: Step;
  /** the plugin's root as sf reports it (`sf plugins --json`), its real path, and whether it is a link */
  root: string;
  realRoot: string;
  isSymlink: boolean;
  type: string;
};

/**
 * The README's pipeline steps, no terminal, in `home`: allowlist the plugin, then install it. `env` is the
 * isolated sf environment for `home`; the registry settings are added for these two steps only.
 */
export async function installPacked(
  tarball: string,
  env: NodeJS.ProcessEnv,
  cwd: string,
  timeoutMs = 600_000,
): Promise<InstalledPlugin> {
  const spec = `file:${tarball}`;
  const withRegistry = { ...env, ...registryEnv() };
  const allowlist = await sfNoTty(['plugins', 'trust', 'allowlist', 'add', '--name', spec], { env: withRegistry, cwd });
  if (allowlist.code !== 0) throw new Error(`allowlist step failed: ${describeStep(allowlist)}`);
  const install = await sfNoTty(['plugins', 'install', spec], { env: withRegistry, cwd, timeoutMs });
  if (install.code !== 0) throw new Error(`install failed: ${describeStep(install)}`);
  // `sf plugins --json`, not `sf plugins inspect`: inspect asks the npm registry whether the name is a short form
  // of a scoped plugin first (over a minute when the registry is slow or unreachable).
  const list = await sfNoTty(['plugins', '--json'], { env, cwd });
  if (list.code !== 0) throw new Error(`sf plugins --json failed: ${describeStep(list)}`);
  const info = (JSON.parse(list.stdout) as Array<{ name: string; root: string; type: string }>).find(
    (p) => p.name === 'sf-jwt-setup',
  );
  if (!info)
    throw new Error(`sf plugins --json does not list sf-jwt-setup after the install:\n${describeStep(install)}`);
  return {
    spec,
    allowlist,
    install,
    root: info.root,
    realRoot: await realpath(info.root),
    isSymlink: (await lstat(info.root)).isSymbolicLink(),
    type: info.type,
  };
}
